"""The window on a small screen: a first window fits its screen, a saved geometry is used
again only where it still fits, the docks leave the map most of the room, long status texts
stay readable, and the Help menu lists every key and says what this is (new-user QA M1, M7,
L4, L7, L8; performer QA L1)."""

from __future__ import annotations

import html

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

import latentscape
from latentscape.gui_main import attach_features
from latentscape.help_menu import (
    about_html,
    folded,
    key_text,
    label_of,
    shortcut_rows,
    shortcuts_html,
)
from latentscape.main_window import MainWindow
from latentscape.settings import AppSettings
from latentscape.window_geometry import (
    dock_sizes,
    first_geometry,
    fits,
    saved_frame,
    saved_geometry_fits,
)
from support.app_window import empty_spot

Rect, Size = QtCore.QRect, QtCore.QSize
Area = QtCore.Qt.DockWidgetArea
MISSING_NOTE = (
    "58 sounds are not on the map until they are encoded with this model: import their "
    "folders again"
)


@pytest.mark.parametrize(
    ("available", "maximised"),
    [
        (Rect(0, 0, 1280, 720), True),  # a small laptop
        (Rect(0, 27, 1366, 741), True),  # a laptop under a top panel
        (Rect(0, 0, 1024, 640), True),
        (Rect(0, 0, 1920, 1080), False),
        (Rect(1920, 0, 2560, 1400), False),  # a second monitor right of the first
    ],
)
def test_a_first_window_fits_the_screen_it_opens_on(available, maximised):
    rect, maximise = first_geometry(available)
    assert maximise is maximised
    assert available.contains(rect)
    if maximised:  # un-maximised, or without a window manager, it is the screen's area
        assert rect == available
    else:
        assert rect.size() == Size(1400, 900) and rect.center() == available.center()


def test_a_geometry_fits_only_inside_the_available_area_or_at_the_windows_minimum():
    laptop = Rect(0, 0, 1280, 720)
    assert not fits(Rect(0, 0, 1400, 900), laptop)  # the old fixed first size
    assert not fits(Rect(1920, 100, 1200, 700), laptop)  # on a monitor since unplugged
    assert fits(Rect(40, 30, 1200, 650), laptop)
    # A window cannot be smaller than its minimum: at it, in the corner, it fits as it can.
    assert fits(Rect(0, 0, 1100, 600), Rect(0, 0, 1024, 600), minimum=Size(1100, 500))
    assert not fits(Rect(0, 0, 1200, 600), Rect(0, 0, 1024, 600), minimum=Size(1100, 500))


def test_short_and_narrow_windows_give_the_map_the_room_the_docks_can_spare():
    small, wide = dock_sizes(Size(1280, 720)), dock_sizes(Size(1920, 1080))
    assert small.bottom_px < wide.bottom_px == 260  # the plots are shorter on a short window
    assert small.bottom_px <= 0.27 * 720 and dock_sizes(Size(1024, 600)).bottom_px == 190
    assert small.side_px <= 0.3 * 1280
    assert dock_sizes(Size(1280, 720), side_min_px=372).side_px == 372  # the panels' minimum
    # The Output spectrogram leaves the tabs beside it their minimum width.
    assert dock_sizes(Size(1024, 640), 372, tabs_min_px=501).output_px <= 1024 - 372 - 501


def test_the_first_window_fits_its_screen_with_the_map_taking_most_of_it(window):
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry())
    assert window.map_view.width() > window.width() / 2
    # Latent controls sit above the Model dock in the right column: both in view.
    latent, model = window.docks["latent"], window.docks["model"]
    assert window.dockWidgetArea(latent) == Area.RightDockWidgetArea
    assert latent.isVisible() and model.isVisible()
    assert latent.geometry().bottom() < model.geometry().top()
    assert window.latent_controls.window() is window


def test_a_saved_geometry_that_no_longer_fits_the_screen_is_not_used(qtbot, settings_file):
    first = MainWindow(AppSettings(settings_file), player="silent", warm_up=False)
    qtbot.addWidget(first)
    first.show()
    first.setWindowState(QtCore.Qt.WindowState.WindowNoState)
    first.setGeometry(Rect(300, 200, 1600, 1100))  # a big monitor, since unplugged
    qtbot.waitUntil(lambda: first.width() == 1600)
    first.save_settings()
    first.close()
    geometry, _ = AppSettings(settings_file).window_state()
    assert saved_frame(geometry)[0].size() == first.frameGeometry().size()
    assert not saved_geometry_fits(geometry)

    second = MainWindow(AppSettings(settings_file), player="silent", warm_up=False)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    available = second.screen().availableGeometry()
    assert second.width() <= available.width() and second.height() <= available.height()
    assert second.isMaximized() or available.contains(second.frameGeometry())
    second.close()


def test_docks_a_feature_adds_go_back_to_their_tabs_without_a_stale_tab_bar(qtbot, settings_file):
    """A saved dock layout is restored once: restoring it again after the features' docks
    came left their first tab bars drawn behind the restored ones (Qt)."""

    def open_window() -> MainWindow:
        w = MainWindow(AppSettings(settings_file), player="silent", warm_up=False)
        w.ask_unsaved = lambda: "discard"
        qtbot.addWidget(w)
        attach_features(w)
        w.finish_setup()
        w.show()
        qtbot.waitExposed(w)
        qtbot.wait(50)
        return w

    def tab_bars(w: MainWindow) -> list[list[str]]:
        bars = [b for b in w.findChildren(QtWidgets.QTabBar) if b.parent() is w]
        return sorted([b.tabText(i) for i in range(b.count())] for b in bars if b.isVisible())

    for run in range(2):
        w = open_window()
        assert tab_bars(w) == [["Model", "Paths"], ["Selected sound", "Gallery"]], run
        assert w.docks["paths"] in w.tabifiedDockWidgets(w.docks["model"])
        w.close()


def test_a_dock_layout_saved_before_the_latent_controls_dock_gives_way_to_the_first_runs(
    qtbot, settings_file
):
    first = MainWindow(AppSettings(settings_file), player="silent", warm_up=False)
    first.ask_unsaved = lambda: "discard"
    qtbot.addWidget(first)
    attach_features(first)
    first.finish_setup()
    first.show()
    geometry, old_state = first.saveGeometry(), first.saveState()  # unversioned: as before
    first.close()
    settings = AppSettings(settings_file)
    settings.set_window_state(geometry, old_state)
    settings.sync()

    second = MainWindow(AppSettings(settings_file), player="silent", warm_up=False)
    second.ask_unsaved = lambda: "discard"
    qtbot.addWidget(second)
    attach_features(second)
    second.finish_setup()
    second.show()
    qtbot.waitExposed(second)
    places = {key: second.dockWidgetArea(dock) for key, dock in second.docks.items()}
    assert places == {
        "latent": Area.RightDockWidgetArea,
        "model": Area.RightDockWidgetArea,
        "output": Area.BottomDockWidgetArea,
        "selected": Area.BottomDockWidgetArea,
        "paths": Area.RightDockWidgetArea,
        "gallery": Area.BottomDockWidgetArea,
    }
    assert second.docks["paths"] in second.tabifiedDockWidgets(second.docks["model"])
    second.close()


def test_a_long_status_message_is_elided_and_whole_in_its_tooltip(window, qtbot):
    bar = window.statusBar()
    text = (
        "epoch=10-step=1000.ckpt is a training checkpoint, not a model: if it is a RAVE "
        "training checkpoint, export it to TorchScript first (rave export --run RUN "
        "--streaming) and load the .ts file"
    )
    window.controller.message.emit(text)
    assert bar.currentMessage() == text
    shown = bar.shown_message()
    assert shown.endswith("…") and text.startswith(shown[:-1])
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_rect().width()
    assert bar.message_tooltip() == text
    # Hovering the message shows it whole.
    pos = bar.message_rect().center()
    event = QtGui.QHelpEvent(QtCore.QEvent.Type.ToolTip, pos, bar.mapToGlobal(pos))
    QtWidgets.QApplication.sendEvent(bar, event)
    assert QtWidgets.QToolTip.text() == text
    QtWidgets.QToolTip.hideText()
    window.controller.message.emit("Copied 3 file paths")  # a short one: whole, no tooltip
    assert bar.shown_message() == "Copied 3 file paths" and bar.message_tooltip() == ""


def test_an_imports_notes_are_in_the_banner_and_its_panel_tooltip(window):
    panel, banner = window.import_progress, window.banner
    text = f"Import done: 0 sounds added, 15 encoded again; {MISSING_NOTE}"
    panel.finish(text)
    assert panel.text() == text and panel.shown_text().endswith("…")
    assert panel.findChild(QtWidgets.QLabel).toolTip() == text
    assert banner.isVisible() and banner.level() == "info"
    assert banner.text() == (
        "Import done: 0 sounds added, 15 encoded again. 58 sounds are not on the map until "
        "they are encoded with this model: import their folders again."
    )
    banner.show_message("could not save the map: disk full", "error")
    panel.finish(text)  # an error stays up: the note does not replace it
    assert banner.level() == "error"


def test_help_says_what_this_is_and_lists_every_key_the_window_has(window, qtbot):
    acts = window.actions_by_name
    help_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help"
    )
    assert acts["about"] in help_menu.actions() and acts["shortcuts"] in help_menu.actions()
    about = about_html()
    assert f"latentscape {latentscape.__version__}" in about and "MIT" in about
    assert "README.md" in about and "osc.md" in about
    acts["about"].trigger()
    box = window.menus.help.dialog
    qtbot.waitUntil(box.isVisible)
    assert f"latentscape {latentscape.__version__}" in box.text()
    box.close()

    listed, rows = shortcuts_html(window), shortcut_rows(window)
    keyed = [a for a in window.findChildren(QtGui.QAction) if key_text(a) and a.isEnabled()]
    keyed += [a for a in acts.values() if key_text(a)]  # Undo's key, before there is any
    assert {"Ctrl+M", "Ctrl+Shift+I", "Ctrl+N", "Ctrl+O", "Ctrl+S", "F1"} <= {
        key_text(a) for a in keyed
    }
    assert {(key_text(a), label_of(a)) for a in keyed} <= {(k, w) for _, k, w in rows}
    for _, key, what in folded(rows):  # every key, with what it does ("1–9": a run folded)
        assert f"<b>{html.escape(key)}</b></td><td>{html.escape(what)}" in listed, key
    acts["shortcuts"].trigger()
    assert window.menus.help.dialog.isVisible()
    window.menus.help.dialog.close()


def test_numbered_keys_are_listed_as_one_run():
    rows = [("Playback", str(n), f"Play Path {n}") for n in range(1, 10)]
    rows += [("Playback", "L", "Loop On/Off")]
    assert folded(rows) == [
        ("Playback", "1–9", "Play Path 1–9"),
        ("Playback", "L", "Loop On/Off"),
    ]
    assert folded(rows[:2]) == rows[:2]  # two are listed as they are


def test_the_toolbar_names_each_buttons_key(window):
    for action in window.menus.toolbar.actions():
        button = window.menus.toolbar.widgetForAction(action)
        if key_text(action) and button is not None:
            assert button.toolTip().endswith(f"({key_text(action)})"), action.text()
    assert window.actions_by_name["play_stop"].toolTip() == "Play / Stop (Space)"


def test_a_model_switch_takes_a_silent_clicks_crosshair_away(opened, qtbot, tiny_model):
    c, view = opened.controller, opened.map_view
    c.audition_position(*empty_spot(opened))
    assert view.cursor_position() is not None
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=20_000)
    assert view.cursor_position() is not None  # a click's crosshair stays while nothing else
    with qtbot.waitSignal(c.modelLoaded, timeout=60_000):
        c.load_model(tiny_model)
    assert view.cursor_position() is None
