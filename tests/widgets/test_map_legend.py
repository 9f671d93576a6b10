"""The map legend's entry for generated sounds (the white ring around them)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from latentscape.widgets.map_view import MapView

LEFT = QtCore.Qt.MouseButton.LeftButton


def test_the_ring_entry_hides_the_generated_sounds_like_any_group(qtbot):
    """With more groups than the legend lists, "generated" is listed by its ring. A click on
    it hid the rings themselves (pyqtgraph toggled the ring item), and no sound."""
    view = MapView()
    qtbot.addWidget(view)
    view.resize(640, 300)  # a short view: a few rows, then "+N more"
    view.show()
    qtbot.waitExposed(view)
    n_groups, per = 14, 4
    cats = [f"group {g:02d}" for g in range(n_groups) for _ in range(per)] + ["generated"] * 2
    xy = np.random.default_rng(0).uniform(0, 1, (len(cats), 2)).astype(np.float32)
    generated = np.array([c == "generated" for c in cats])
    view.set_points(xy, cats, [f"s{i}" for i in range(len(cats))], generated)
    qtbot.wait(1)
    assert "generated" in view.legend_labels() and any("more" in t for t in view.legend_labels())
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.legend_entry_pos("generated"))
    assert view.hidden_groups() == {"generated"}
    assert view.shown_count() == n_groups * per  # the two generated sounds are gone
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.legend_entry_pos("generated"))
    assert view.hidden_groups() == set() and view.shown_count() == len(cats)


def test_a_hidden_group_renamed_or_split_by_a_recolouring_stays_hidden(qtbot):
    """The folder colouring made again after an import names "gm" "sounds: gm" once another
    folder is there: hidden, it showed again. A group made only of sounds that were hidden
    stays hidden; one that also holds shown sounds shows."""
    view = MapView()
    qtbot.addWidget(view)
    cats = ["gm"] * 6 + ["drum"] * 4 + ["take0"] * 4
    xy = np.random.default_rng(1).uniform(0, 1, (len(cats), 2)).astype(np.float32)
    view.set_points(xy, cats, [f"s{i}" for i in range(len(cats))])
    view.set_group_hidden("gm", True)
    view.set_group_hidden("take0", True)
    assert view.shown_count() == 4
    renamed = ["sounds: gm"] * 6 + ["sounds: drum"] * 4 + ["a/take0"] * 2 + ["b/take0"] * 2
    assert view.set_categories(renamed, keep_hidden=True)
    assert view.hidden_groups() == {"sounds: gm", "a/take0", "b/take0"}
    assert view.shown_count() == 4
    mixed = ["sounds: gm"] * 5 + ["drum"] * 5 + ["a/take0"] * 4  # one gm sound among drums
    assert view.set_categories(mixed, keep_hidden=True)
    assert view.hidden_groups() == {"sounds: gm", "a/take0"} and view.shown_count() == 5
    assert view.set_categories(cats, keep_hidden=False)  # another colouring: all shown
    assert view.hidden_groups() == set() and view.shown_count() == len(cats)
