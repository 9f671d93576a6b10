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


def test_over_sixteen_groups_arrivals_that_make_a_group_the_largest_repaint_none(qtbot):
    """Review s22: with more groups than colours, a group that grew largest took the colour
    of the group it shared it with: that one's legend and new dots changed colour, its old
    dots did not. Colours shared before stay shared; every point keeps its colour."""
    view = MapView()
    qtbot.addWidget(view)
    cats = [f"g{g:02d}" for g in range(20) for _ in range(20 - g)]  # g00 largest
    xy = np.random.default_rng(1).uniform(0, 1, (len(cats), 2)).astype(np.float32)
    view.set_points(xy, cats, [f"s{i}" for i in range(len(cats))])
    before = [view.point_color(i).name() for i in range(len(cats))]
    slots = view.colour_slots()
    assert slots["g16"] == slots["g00"]  # 20 groups, 16 colours: shared
    more = ["g16"] * 40
    extra = np.random.default_rng(2).uniform(0, 1, (len(more), 2)).astype(np.float32)
    view.add_points(extra, more, [f"t{i}" for i in range(len(more))])
    assert view.colour_slots() == slots
    assert [view.point_color(i).name() for i in range(len(cats))] == before
    assert view.point_color(len(cats)).name() == before[cats.index("g16")]


def test_another_colouring_of_as_many_groups_says_its_colours_changed(qtbot):
    """Review s22: three groups coloured anew as three others (another Colour By) were
    compared with the old names' colours: no signal, so the new colouring's colours were
    never kept with the project."""
    view = MapView()
    qtbot.addWidget(view)
    xy = np.random.default_rng(4).uniform(0, 1, (9, 2)).astype(np.float32)
    view.set_points(xy, ["a"] * 4 + ["b"] * 3 + ["c"] * 2, [f"s{i}" for i in range(9)])
    with qtbot.waitSignal(view.coloursChanged, timeout=1000):
        assert view.set_categories(["x"] * 2 + ["y"] * 3 + ["z"] * 4)
    assert view.colour_slots() == {"z": 0, "y": 1, "x": 2}
