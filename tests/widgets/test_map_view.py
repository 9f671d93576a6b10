"""MapView: what a user sees and which intents a click, a drag, a hover or a drop emits."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from latentscape.widgets.map_view import MapView
from latentscape.widgets.tile_mime import tile_mime_data

LEFT = QtCore.Qt.MouseButton.LeftButton
RIGHT = QtCore.Qt.MouseButton.RightButton
MOVE_INTERVAL_MS = 12


@pytest.fixture
def view(qtbot):
    v = MapView()
    qtbot.addWidget(v)
    v.resize(640, 480)
    v.show()
    qtbot.waitExposed(v)
    return v


def grid_points(n_side: int = 5) -> np.ndarray:
    """Points on a coarse grid, far apart in pixels, so each one can be clicked alone."""
    g = np.arange(n_side, dtype=np.float32) * 10.0
    xx, yy = np.meshgrid(g, g)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def show_grid(view: MapView, qtbot) -> np.ndarray:
    xy = grid_points()
    n = len(xy)
    cats = ["drums" if i % 3 == 0 else "pads" for i in range(n)]
    view.set_points(xy, cats, [f"sound {i}" for i in range(n)])
    view.auto_range()
    qtbot.wait(1)  # let the view apply its range before mapping coordinates
    return xy


def test_points_are_coloured_by_category_with_a_legend(view, qtbot):
    xy = show_grid(view, qtbot)
    assert view.point_count() == len(xy)
    # Largest category first; "pads" has 16 of 25 points.
    assert view.legend_labels() == ["pads", "drums"]


def test_cluster_ids_are_named_in_the_legend(view):
    xy = np.zeros((4, 2), np.float32)
    view.set_points(xy, np.array([2, 2, 2, 0]), list("abcd"), np.array([0, 0, 0, 1], bool))
    assert view.legend_labels() == ["cluster 2", "cluster 0", "generated"]


def test_clicking_a_point_emits_its_index(view, qtbot):
    xy = show_grid(view, qtbot)
    target = 17
    with qtbot.waitSignal(view.pointClicked) as blocker:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*xy[target]))
    assert blocker.args == [target]


def test_clicking_empty_space_emits_data_coordinates(view, qtbot):
    show_grid(view, qtbot)
    x, y = 15.0, 25.0  # halfway between grid points, far from all of them in pixels
    pos = view.view_pos(x, y)
    with qtbot.assertNotEmitted(view.pointClicked), qtbot.waitSignal(view.emptyClicked) as blocker:
        qtbot.mouseClick(view.viewport(), LEFT, pos=pos)
    px, py = view.getPlotItem().getViewBox().viewPixelSize()
    assert blocker.args[0] == pytest.approx(x, abs=1.5 * px)
    assert blocker.args[1] == pytest.approx(y, abs=1.5 * py)


def test_a_drag_emits_a_continuous_series_of_scrub_targets(view, qtbot):
    show_grid(view, qtbot)
    events: list[tuple] = []
    view.scrubStarted.connect(lambda x, y: events.append(("start", x, y)))
    view.scrubMoved.connect(lambda x, y: events.append(("move", x, y)))
    view.scrubEnded.connect(lambda: events.append(("end",)))
    start, stop = view.view_pos(2.0, 5.0), view.view_pos(38.0, 5.0)
    vp = view.viewport()
    qtbot.mousePress(vp, LEFT, pos=start)
    steps = 20
    for k in range(1, steps + 1):
        # A hand moves the pointer at most ~100 times a second (pyqtgraph's mouseRateLimit
        # drops faster moves): pace the synthetic pointer like one.
        qtbot.wait(MOVE_INTERVAL_MS)
        qtbot.mouseMove(vp, pos=start + (stop - start) * (k / steps))
    qtbot.mouseRelease(vp, LEFT, pos=stop)

    assert events[0][0] == "start" and events[-1] == ("end",)
    assert events[0][1] == pytest.approx(2.0, abs=1.0)
    moves = [e for e in events if e[0] == "move"]
    assert len(moves) >= steps - 2  # the first few pixels only arm the drag
    xs = np.array([m[1] for m in moves])
    assert np.all(np.diff(xs) >= 0), "targets follow the pointer left to right"
    assert xs[-1] == pytest.approx(38.0, abs=1.0)
    assert np.allclose([m[2] for m in moves], 5.0, atol=1.0)
    assert sum(e[0] == "end" for e in events) == 1


def test_right_drag_pans_instead_of_scrubbing(view, qtbot):
    show_grid(view, qtbot)
    vb = view.getPlotItem().getViewBox()
    before = vb.viewRange()[0][0]
    vp = view.viewport()
    a, b = view.view_pos(10, 10), view.view_pos(30, 10)
    with qtbot.assertNotEmitted(view.scrubMoved), qtbot.assertNotEmitted(view.emptyClicked):
        qtbot.mousePress(vp, RIGHT, pos=a)
        for k in range(1, 11):
            qtbot.wait(MOVE_INTERVAL_MS)
            qtbot.mouseMove(vp, pos=a + (b - a) * (k / 10))
        qtbot.mouseRelease(vp, RIGHT, pos=b)
    # Dragging right by 20 data units moves the view left by as much.
    assert vb.viewRange()[0][0] == pytest.approx(before - 20.0, abs=1.0)


def test_hover_rings_and_names_the_nearest_point(view, qtbot):
    xy = show_grid(view, qtbot)
    qtbot.mouseMove(view.viewport(), pos=view.view_pos(*xy[7]) + QtCore.QPoint(3, 2))
    qtbot.waitUntil(lambda: view.hovered_index() == 7)
    assert view.hover_text() == "sound 7"
    qtbot.mouseMove(view.viewport(), pos=view.view_pos(15.0, 15.0))
    qtbot.waitUntil(lambda: view.hovered_index() == -1)
    assert view.hover_text() == ""
    qtbot.mouseMove(view.viewport(), pos=view.view_pos(*xy[3]))
    qtbot.waitUntil(lambda: view.hovered_index() == 3)
    with qtbot.waitSignal(view.pointHovered) as blocker:
        QtCore.QCoreApplication.sendEvent(view.viewport(), QtCore.QEvent(QtCore.QEvent.Type.Leave))
    assert blocker.args == [-1] and view.hover_text() == ""


def _drop(view: MapView, mime: QtCore.QMimeData, pos: QtCore.QPoint) -> bool:
    vp = view.viewport()
    action = QtCore.Qt.DropAction.CopyAction
    enter = QtGui.QDragEnterEvent(pos, action, mime, LEFT, QtCore.Qt.KeyboardModifier(0))
    QtCore.QCoreApplication.sendEvent(vp, enter)
    if not enter.isAccepted():
        return False
    drop = QtGui.QDropEvent(QtCore.QPointF(pos), action, mime, LEFT, QtCore.Qt.KeyboardModifier(0))
    QtCore.QCoreApplication.sendEvent(vp, drop)
    return drop.isAccepted()


def test_dropping_a_folder_emits_its_path(view, qtbot, tmp_path):
    folder = tmp_path / "my sounds"
    folder.mkdir()
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(folder))])
    with qtbot.waitSignal(view.filesDropped) as blocker:
        assert _drop(view, mime, QtCore.QPoint(100, 100))
    assert blocker.args == [[str(folder)]]


def test_text_drops_are_refused(view, qtbot):
    mime = QtCore.QMimeData()
    mime.setText("not a file")
    with qtbot.assertNotEmitted(view.filesDropped):
        assert not _drop(view, mime, QtCore.QPoint(100, 100))


def test_dropping_a_gallery_tile_places_it_where_it_lands(view, qtbot):
    show_grid(view, qtbot)
    with qtbot.waitSignal(view.tileDropped) as blocker:
        assert _drop(view, tile_mime_data("diffusion", 5), view.view_pos(12.0, 33.0))
    source, tile_id, x, y = blocker.args
    assert (source, tile_id) == ("diffusion", 5)
    assert (x, y) == (pytest.approx(12.0, abs=0.5), pytest.approx(33.0, abs=0.5))


def test_points_glide_to_refined_positions_and_are_clickable_there(view, qtbot):
    xy = show_grid(view, qtbot)
    target = xy[::-1].copy()  # every point moves to another's place
    view.move_points(target, duration_ms=120)
    qtbot.waitUntil(lambda: np.array_equal(view.positions(), target), timeout=3000)
    with qtbot.waitSignal(view.pointClicked) as blocker:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*target[3]))
    assert blocker.args == [3]


def test_points_added_during_import_join_the_map_and_legend(view, qtbot):
    show_grid(view, qtbot)
    view.add_points(np.array([[45.0, 45.0]], np.float32), ["new folder"], ["late"])
    assert view.point_count() == 26
    assert view.legend_labels()[-1] == "new folder"
    view.auto_range()
    qtbot.wait(1)
    with qtbot.waitSignal(view.pointClicked) as blocker:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(45.0, 45.0))
    assert blocker.args == [25]


def test_a_point_among_100k_is_picked(view, qtbot):
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 1000, size=(100_000, 2)).astype(np.float32)
    xy[0] = (1200.0, 1200.0)  # one isolated point
    view.set_points(xy, rng.integers(0, 10, 100_000), [str(i) for i in range(100_000)])
    # Drawn over several event-loop turns so the window keeps answering meanwhile; every
    # point is clickable (and named) at once.
    assert view.drawn_count() < 100_000
    qtbot.waitUntil(lambda: view.drawn_count() == 100_000)
    assert view.legend_labels()[:1] != []
    view.auto_range()
    qtbot.wait(1)
    with qtbot.waitSignal(view.pointClicked) as blocker:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(1200.0, 1200.0))
    assert blocker.args == [0]


def test_cursor_paths_and_density_overlays(view, qtbot):
    show_grid(view, qtbot)
    view.set_cursor(3.0, 4.0)
    assert view.cursor_position() == (3.0, 4.0)
    view.hide_cursor()
    assert view.cursor_position() is None
    line = np.stack([np.linspace(0, 40, 30), np.linspace(0, 20, 30)], axis=1).astype(np.float32)
    view.set_paths([(line, "gesture 1", False), (line[::-1], "gesture 2", True)])
    assert view.path_names() == ["gesture 1", "gesture 2"]  # selected drawn last, on top
    view.set_density(np.ones((8, 8), np.float32), (0.0, 40.0, 0.0, 40.0))
    assert not view.density_visible()
    view.set_density_visible(True)
    assert view.density_visible()


def test_bad_shapes_are_refused_with_a_clear_message(view):
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        view.set_points(np.zeros((3, 3), np.float32), list("abc"), list("abc"))
    with pytest.raises(ValueError, match="3 positions but 2 categories"):
        view.set_points(np.zeros((3, 2), np.float32), list("ab"), list("abc"))


def test_grab_renders_points(view, qtbot):
    show_grid(view, qtbot)
    image = view.grab().toImage()
    assert not image.isNull()
    colors = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, 200, 7)}
    assert len(colors) > 3


def _send_mouse(widget, kind, pos: QtCore.QPoint, button, buttons, mods) -> None:
    p = QtCore.QPointF(pos)
    event = QtGui.QMouseEvent(
        kind, p, QtCore.QPointF(widget.mapToGlobal(pos)), button, buttons, mods
    )
    QtCore.QCoreApplication.sendEvent(widget, event)


def test_shift_drag_pans_too(view, qtbot):
    show_grid(view, qtbot)
    vb = view.getPlotItem().getViewBox()
    before = vb.viewRange()[1][0]
    vp = view.viewport()
    shift = QtCore.Qt.KeyboardModifier.ShiftModifier
    no_button = QtCore.Qt.MouseButton.NoButton
    a, b = view.view_pos(20, 10), view.view_pos(20, 30)
    E = QtCore.QEvent.Type
    with qtbot.assertNotEmitted(view.scrubMoved):
        _send_mouse(vp, E.MouseButtonPress, a, LEFT, LEFT, shift)
        for k in range(1, 11):
            qtbot.wait(MOVE_INTERVAL_MS)
            _send_mouse(vp, E.MouseMove, a + (b - a) * (k / 10), no_button, LEFT, shift)
        _send_mouse(vp, E.MouseButtonRelease, b, LEFT, no_button, shift)
    assert vb.viewRange()[1][0] == pytest.approx(before - 20.0, abs=1.0)


def test_a_view_closed_mid_glide_stops_quietly(qtbot):
    view = MapView()
    view.set_points(grid_points(), ["a"] * 25, [str(i) for i in range(25)])
    view.move_points(grid_points()[::-1].copy(), duration_ms=200)
    # The points' layers (their glide animation and draw timer) die with the view, so no
    # callback can touch its deleted scene items afterwards.
    with qtbot.waitSignal(view._layers.destroyed):
        view.deleteLater()


def test_generated_sounds_are_named_once_in_the_legend(view):
    """The ring's legend entry is left out when a colour group already says "generated"."""
    xy = np.zeros((4, 2), np.float32)
    view.set_points(xy, ["pads", "pads", "generated", "generated"], list("abcd"), [0, 0, 1, 1])
    assert view.legend_labels() == ["generated", "pads"]  # as large: by name


def test_a_hovered_name_stays_inside_the_map_at_its_edges(view, qtbot):
    xy = show_grid(view, qtbot)
    names = [f"a long sound name number {i}" for i in range(len(xy))]
    view.set_points(xy, ["pads"] * len(xy), names)
    view.auto_range()
    qtbot.wait(1)
    inside = view.getViewBox().sceneBoundingRect()
    for corner in (int(np.argmax(xy.sum(axis=1))), int(np.argmin(xy.sum(axis=1)))):
        qtbot.mouseMove(view.viewport(), pos=view.view_pos(*xy[corner]))
        qtbot.waitUntil(lambda c=corner: view.hovered_index() == c)
        label = view._hover_label.sceneBoundingRect()
        assert inside.contains(label), (corner, label, inside)


def test_names_of_paths_that_start_at_one_spot_do_not_overlap(view, qtbot):
    view.set_points(np.array([[0.0, 0.0], [1.0, 1.0]], np.float32), ["a", "a"], ["p", "q"])
    view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    qtbot.wait(1)
    start = np.array([[0.4, 0.4], [0.9, 0.5]], np.float32)
    view.set_paths([(start, "Path 2", False), (start + 0.01, "Drum Riser", False)])
    qtbot.wait(1)
    labels = [i for i in view._paths.marks if isinstance(i, pg.TextItem)]
    first, second = (label.sceneBoundingRect() for label in labels)
    assert not first.intersects(second)


def test_more_folders_than_colours_each_keep_their_colour_in_few_scatter_items(view, qtbot):
    """A library of many folders: every point is drawn in its folder's colour (the palette
    cycles), but folders of one colour share one scatter item, each of which costs time on
    every repaint (one per folder: 300 folders of 100k points repainted in 69 ms, not 22)."""
    from latentscape.widgets import theme

    def scatters() -> int:
        return sum(isinstance(i, pg.ScatterPlotItem) for i in view.getPlotItem().items)

    empty = scatters()  # rings, cursors: the view's own
    xy = grid_points(n_side=7)[:40]  # 40 folders, one point each, far apart
    folders = [f"kit{i}" for i in range(40)]
    view.set_points(xy, folders, folders)
    view.auto_range()
    qtbot.wait(1)
    assert scatters() - empty == len(theme.CATEGORY_COLORS)
    image = view.grab().toImage()
    ratio = view.devicePixelRatioF()
    legend = view.mapFromScene(view._legend.sceneBoundingRect()).boundingRect()
    checked = []
    for k, (x, y) in enumerate(xy):
        pos = view.mapFromScene(view.getViewBox().mapViewToScene(QtCore.QPointF(x, y)))
        if legend.adjusted(-6, -6, 6, 6).contains(pos):
            continue  # under the legend
        got = QtGui.QColor(image.pixel(int(pos.x() * ratio), int(pos.y() * ratio)))
        want = theme.category_color(sorted(folders).index(folders[k]))  # as large: by name
        assert max(abs(got.red() - want.red()), abs(got.green() - want.green())) < 40, folders[k]
        checked.append(k)
    assert len(checked) >= 20 and max(checked) >= 2 * len(theme.CATEGORY_COLORS)
    labels = view.legend_labels()  # as many as under half the view's height holds
    assert 3 <= len(labels) <= 12 and labels[-1] == f"+{41 - len(labels)} more"


def wheel(view: MapView, at: QtCore.QPoint, notches: int) -> None:
    """Turn the mouse wheel over ``at`` (pixels) by ``notches`` (positive: zoom in)."""
    pos = QtCore.QPointF(at)
    for _ in range(abs(notches)):
        event = QtGui.QWheelEvent(
            pos,
            QtCore.QPointF(view.viewport().mapToGlobal(at)),
            QtCore.QPoint(),
            QtCore.QPoint(0, 120 if notches > 0 else -120),
            QtCore.Qt.MouseButton.NoButton,
            QtCore.Qt.KeyboardModifier.NoModifier,
            QtCore.Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QtWidgets.QApplication.sendEvent(view.viewport(), event)


def test_the_wheel_zooms_in_and_out_only_as_far_as_the_points_are_still_there(view, qtbot):
    """Sixty notches either way: the view stays wider than a thousandth of the points' extent
    (no empty field of a point lost millions of pixels away) and never shrinks them to a dot."""
    xy = show_grid(view, qtbot)
    extent = float(np.ptp(xy, axis=0).max())
    centre = view.view_pos(*xy[12])
    wheel(view, centre, 3)
    (x0, x1), _ = view.getViewBox().viewRange()
    assert x1 - x0 < 0.9 * extent  # the wheel zooms
    wheel(view, centre, 60)
    (x0, x1), (y0, y1) = view.getViewBox().viewRange()
    assert min(x1 - x0, y1 - y0) >= 0.99e-3 * extent
    assert x0 <= xy[12, 0] <= x1 and y0 <= xy[12, 1] <= y1  # still on the point zoomed at
    wheel(view, centre, -120)
    (x0, x1), (y0, y1) = view.getViewBox().viewRange()
    assert max(x1 - x0, y1 - y0) <= 4.01 * extent
    view.move_points(xy * 0.1, duration_ms=50)  # a glide to a smaller map: bounds follow
    qtbot.waitUntil(lambda: not view._layers.is_gliding())
    wheel(view, centre, -120)
    (x0, x1), (y0, y1) = view.getViewBox().viewRange()
    assert max(x1 - x0, y1 - y0) <= 4.01 * 0.1 * extent
    view.clear_points()
    assert view.getViewBox().state["limits"]["xRange"] == [None, None]  # an empty map: none


def test_a_click_on_a_legend_entry_hides_its_group_and_a_second_shows_it(view, qtbot):
    """The legend's entries are switches: a hidden group's points leave the map and can be
    neither hovered nor clicked (a click there is a click on empty space); the points that
    arrive for it while it is hidden stay hidden too."""
    xy = show_grid(view, qtbot)
    drum = 3  # i % 3 == 0: a "drums" point
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.legend_entry_pos("drums"))
    assert view.hidden_groups() == {"drums"}
    assert view.shown_count() == 16  # the pads only
    with qtbot.assertNotEmitted(view.pointClicked), qtbot.waitSignal(view.emptyClicked):
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*xy[drum]))
    view.add_points(np.array([[5.0, 5.0]], np.float32), ["drums"], ["late drum"])
    assert view.shown_count() == 16 and view.point_count() == 26
    assert view.legend_labels() == ["pads", "drums"]  # still listed, to be shown again
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.legend_entry_pos("drums"))
    assert view.hidden_groups() == set() and view.shown_count() == 26
    with qtbot.waitSignal(view.pointClicked) as clicked:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*xy[drum]))
    assert clicked.args == [drum]
    view.set_group_hidden("pads", True)
    names = [f"s{i}" for i in range(len(xy))]
    view.set_points(xy, ["pads" if i % 3 else "drums" for i in range(len(xy))], names)
    assert view.hidden_groups() == {"pads"} and view.shown_count() == 9  # redrawn: still hidden
    with qtbot.assertNotEmitted(view.pointClicked):
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*xy[1]))  # a hidden pad
    view.show_all_groups()  # another project
    assert view.hidden_groups() == set() and view.shown_count() == 25


def test_the_legend_lists_only_what_fits_a_short_view(view, qtbot):
    """At a laptop's height the legend covered half the map: it lists as many groups as fit
    under half the view, and says how many more there are."""
    xy = np.random.default_rng(1).uniform(0, 10, (60, 2)).astype(np.float32)
    cats = [f"folder {k % 6}" for k in range(60)]
    view.set_points(xy, cats, [f"s{k}" for k in range(60)])
    assert len(view.legend_labels()) == 6  # 640 x 480: all of them
    view.resize(640, 160)
    qtbot.waitUntil(lambda: view.legend_labels()[-1] == "+4 more", timeout=2_000)
    assert len(view.legend_labels()) == 3
    menu = view.group_menu()  # what "+4 more" opens: every group, to hide any of them
    actions = {a.text(): a for a in menu.actions()}
    assert sorted(actions) == [f"folder {k}" for k in range(6)]
    assert all(a.isChecked() for a in actions.values())
    actions["folder 5"].toggle()  # not in the legend: hidden from the menu
    assert view.hidden_groups() == {"folder 5"} and view.shown_count() == 50
    assert not view.group_menu().actions()[5].isChecked()
    view.resize(640, 480)
    qtbot.waitUntil(lambda: len(view.legend_labels()) == 6, timeout=2_000)


def test_ctrl_click_and_ctrl_drag_mark_several_sounds(view, qtbot):
    """As in a sample browser: Ctrl+click marks or unmarks one sound, Ctrl+drag a box marks
    those inside (not those of hidden groups) and scrubs nothing; a plain click on a sound
    marks it alone."""
    xy = show_grid(view, qtbot)
    ctrl = QtCore.Qt.KeyboardModifier.ControlModifier
    scrubbed: list = []
    view.scrubStarted.connect(lambda x, y: scrubbed.append((x, y)))
    with qtbot.assertNotEmitted(view.pointClicked):
        qtbot.mouseClick(view.viewport(), LEFT, ctrl, view.view_pos(*xy[1]))
        qtbot.mouseClick(view.viewport(), LEFT, ctrl, view.view_pos(*xy[7]))
    assert view.marks.indices() == [1, 7]
    qtbot.mouseClick(view.viewport(), LEFT, ctrl, view.view_pos(*xy[1]))
    assert view.marks.indices() == [7]
    view.set_group_hidden("drums", True)  # i % 3 == 0
    a, b = view.view_pos(-2, 28), view.view_pos(22, 42)  # rows y = 30, 40; x = 0..20
    qtbot.mousePress(view.viewport(), LEFT, ctrl, a)
    for k in range(1, 9):  # the moves of a hand holding Ctrl (QTest's carry no modifier)
        at = QtCore.QPointF(a + (b - a) * (k / 8))
        move = QtGui.QMouseEvent(
            QtCore.QEvent.Type.MouseMove,
            at,
            view.viewport().mapToGlobal(at),
            QtCore.Qt.MouseButton.NoButton,
            LEFT,
            ctrl,
        )
        QtWidgets.QApplication.sendEvent(view.viewport(), move)
        qtbot.wait(MOVE_INTERVAL_MS)
    qtbot.mouseRelease(view.viewport(), LEFT, ctrl, b)
    boxed = [i for i in range(25) if xy[i, 0] <= 20 and xy[i, 1] >= 30 and i % 3 != 0]
    assert view.marks.indices() == [7, *boxed] and not scrubbed
    with qtbot.waitSignal(view.marks.changed) as changed:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*xy[4]))
    assert changed.args == [[4]]
