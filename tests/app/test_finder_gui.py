"""Finding a sound by name in the window (Ctrl+F, the toolbar's field): heard, selected and
shown on the map; keys go back to the map."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from latentscape.map_sync import REVEAL_NEIGHBOURS, reveal_span


def test_ctrl_f_finds_a_sound_by_name_plays_it_and_shows_it_on_the_map(opened, qtbot):
    """Among thousands of points a sound is found by typing its name: it is selected and
    heard, the view zooms in around it, and keys go back to the map."""
    c, view = opened.controller, opened.map_view
    target = c.state.sound_at(5)
    name = c.state.names()[5]
    finder = opened.menus.finder
    opened.menus.actions["find"].trigger()
    qtbot.waitUntil(finder.hasFocus)
    qtbot.keyClicks(finder, "Rd ")  # typed, not the shortcuts R (record), D and Space
    assert finder.text() == "Rd " and not c.recording and not view.density_visible()
    finder.clear()
    qtbot.keyClicks(finder, name)
    with qtbot.waitSignal(c.soundAuditioned) as heard:
        qtbot.keyClick(finder, QtCore.Qt.Key.Key_Return)
    assert heard.args == [target.id] and c.selected_id == target.id
    (x0, x1), (y0, y1) = view.getViewBox().viewRange()
    xy = view.positions()
    x, y = xy[5]
    assert x0 < x < x1 and y0 < y < y1
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    assert inside.all()  # 8 sounds: shown among all its neighbours
    assert view.hasFocus()
    with qtbot.waitSignal(c.message) as said:  # a sound listed before the map changed
        finder.soundChosen.emit(10**9)
    assert said.args == ["That sound is no longer on the map"] and c.selected_id == target.id
    opened.menus.actions["find"].trigger()  # Esc in the field: the keys go back to the map
    qtbot.waitUntil(finder.hasFocus)
    qtbot.keyClicks(finder, "zzzz")
    with qtbot.waitSignal(c.message) as said:
        qtbot.keyClick(finder, QtCore.Qt.Key.Key_Return)
    assert said.args == ["No sound matches “zzzz”"]
    with qtbot.waitSignal(c.stoppedAll):
        qtbot.keyClick(finder, QtCore.Qt.Key.Key_Escape)
    assert finder.text() == "" and view.hasFocus()


def test_ctrl_f_shows_a_hidden_toolbar_and_a_sound_found_mid_glide_is_shown_where_it_lands(
    opened, qtbot
):
    """The finder lives in the toolbar: hiding the toolbar must not make Ctrl+F a dead key.
    A refined map glides its points for a moment; the view zooms in around where the found
    sound comes to rest, not where it was passing."""
    c, view, menus = opened.controller, opened.map_view, opened.menus
    menus.toolbar.hide()
    menus.actions["find"].trigger()
    qtbot.waitUntil(menus.finder.hasFocus)
    assert menus.toolbar.isVisible()
    landing = view.positions().copy()
    landing[5] = (2.0, 2.0)  # far from where it starts, outside every earlier view
    view.move_points(landing, duration_ms=5000)
    qtbot.waitUntil(lambda: not np.allclose(view.positions()[5], view.final_positions()[5]))
    menus.finder.soundChosen.emit(c.state.sound_at(5).id)
    (x0, x1), (y0, y1) = view.getViewBox().viewRange()
    assert x0 < 2.0 < x1 and y0 < 2.0 < y1


def test_a_sound_found_in_a_hidden_group_shows_its_group_again(opened, qtbot):
    """Found by name while its group is hidden in the legend: it was zoomed to, ringed and
    played as an invisible point; now its group shows again."""
    c, view = opened.controller, opened.map_view
    (group,) = c.state.categories([c.state.sound_at(2)])
    view.set_group_hidden(group, True)
    shown = view.shown_count()
    with qtbot.waitSignal(c.soundAuditioned):
        opened.menus.finder.soundChosen.emit(c.state.sound_at(2).id)
    assert view.hidden_groups() == set() and view.shown_count() > shown


def test_the_finder_matches_folders_from_the_librarys_own_folder_on():
    """A library stored with absolute paths: its folders match from the library's folder
    on ("Samples/Drums"), so a word of the home folder ("alice") does not list every sound."""
    from latentscape.main_menus import library_parent

    library = {"/home/alice/Samples/Drums/Kicks", "/home/alice/Samples/Keys"}
    assert library_parent(library) == "/home/alice"
    assert library_parent({"/home/alice/Drums"}) == "/home/alice"
    assert library_parent({"sounds", "sounds/more"}) == ""  # the project's own folder
    assert library_parent({"/abs/x", "relative"}) == ""
    assert library_parent(set()) == ""


def test_a_found_sound_is_shown_among_about_thirty_neighbours_on_any_map():
    """QA s22: a fixed quarter of the map showed ~6 of the demo's 108 sounds (and thousands
    of a 100,000-sound map). The view's span holds the nearest REVEAL_NEIGHBOURS."""
    rng = np.random.default_rng(3)
    for n in (108, 10_000):
        xy = rng.random((n, 2))
        for index in rng.choice(n, 5, replace=False):
            half = reveal_span(xy, index) / 2
            near = np.abs(xy - xy[index]).max(axis=1) <= half
            assert REVEAL_NEIGHBOURS < near.sum() <= 2 * REVEAL_NEIGHBOURS + 10
    same = np.zeros((50, 2))  # copies on one spot: a small view, not none
    assert reveal_span(same, 0) > 0
