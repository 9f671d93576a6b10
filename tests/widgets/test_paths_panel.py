"""PathsPanel: the list a user reads, the intents each button sends for the selected path, and
its transport (QA s19 L3, L4): labelled Speed and Retime boxes, Loop and Speed as settings the
app shows and the user changes, and the playing row's marker and readout."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from latentscape.widgets.paths_panel import PathsPanel

PATHS = [("p1", "sweep", 4.25), ("p2", "rise", 12.0)]


@pytest.fixture
def panel(qtbot):
    p = PathsPanel()
    qtbot.addWidget(p)
    p.set_paths(PATHS)
    return p


def test_paths_are_listed_with_durations_and_nothing_acts_without_a_selection(panel):
    assert panel.rows() == [("sweep", "0:04.2"), ("rise", "0:12.0")]
    assert panel.selected_path() == ""
    assert not panel.play_button.isEnabled() and not panel.delete_button.isEnabled()


def test_selecting_a_row_enables_actions_and_sets_the_trim_range(panel, qtbot):
    with qtbot.waitSignal(panel.selectionChanged) as blocker:
        panel.table.selectRow(1)
    assert blocker.args == ["p2"]
    assert panel.play_button.isEnabled()
    assert panel.trim_end.value() == 12.0 and panel.trim_end.maximum() == 12.0


def test_buttons_emit_intents_with_the_selected_id(panel, qtbot):
    panel.select_path("p1")
    panel.loop_check.setChecked(True)
    panel.speed.setValue(0.5)
    with qtbot.waitSignal(panel.playRequested) as blocker:
        panel.play_button.click()
    assert blocker.args == ["p1", True, 0.5]
    panel.trim_start.setValue(1.0)
    panel.trim_end.setValue(3.5)
    with qtbot.waitSignal(panel.trimRequested) as blocker:
        panel.trim_button.click()
    assert blocker.args == ["p1", 1.0, 3.5]
    panel.retime.setValue(2.0)
    with qtbot.waitSignal(panel.retimeRequested) as blocker:
        panel.retime_button.click()
    assert blocker.args == ["p1", 2.0]
    for button, signal in (
        (panel.smooth_button, panel.smoothRequested),
        (panel.reverse_button, panel.reverseRequested),
        (panel.delete_button, panel.deleteRequested),
    ):
        with qtbot.waitSignal(signal) as blocker:
            button.click()
        assert blocker.args == ["p1"]
    assert panel.forget_controls_action in panel.table.actions()  # the list's context menu
    with qtbot.waitSignal(panel.forgetControlsRequested) as blocker:
        panel.forget_controls_action.trigger()
    assert blocker.args == ["p1"]
    with qtbot.waitSignal(panel.exportRequested) as blocker:
        panel.export_actions["midi"].trigger()
    assert blocker.args == ["p1", "midi"]


def test_renaming_in_place_asks_the_app(panel, qtbot):
    with qtbot.waitSignal(panel.renameRequested) as blocker:
        panel.table.item(0, 0).setText("big sweep")
    assert blocker.args == ["p1", "big sweep"]


def test_set_paths_keeps_the_surviving_selection_quietly(panel, qtbot):
    panel.select_path("p2")
    with qtbot.assertNotEmitted(panel.selectionChanged):
        panel.set_paths([*PATHS, ("p3", "new", 1.0)])
    assert panel.selected_path() == "p2"
    with qtbot.waitSignal(panel.selectionChanged) as blocker:
        panel.set_paths(PATHS[:1])  # p2 deleted
    assert blocker.args == [""]


def test_undo_osc_and_import(panel, qtbot):
    assert not panel.undo_button.isEnabled()
    panel.set_undo_available(True)
    with qtbot.waitSignal(panel.undoRequested):
        panel.undo_button.click()
    with qtbot.waitSignal(panel.oscToggled) as blocker:
        panel.osc_check.setChecked(True)
    assert blocker.args == [True]
    with qtbot.waitSignal(panel.importRequested):
        panel.import_button.click()


def test_keyboard_selection_and_grab(panel, qtbot):
    panel.table.setFocus()
    panel.table.setCurrentCell(0, 0)
    with qtbot.waitSignal(panel.selectionChanged) as blocker:
        qtbot.keyClick(panel.table, QtCore.Qt.Key.Key_Down)
    assert blocker.args == ["p2"]
    panel.resize(360, 420)
    assert not panel.grab().toImage().isNull()


def test_the_list_lets_the_keyboard_out_and_delete_asks_to_delete(panel, qtbot):
    """QA s19 M7: Tab stayed in the list (23 more Tabs), so Play, Loop, Speed and Export could
    not be reached without a mouse; Delete did nothing."""
    panel.show()
    qtbot.waitExposed(panel)
    panel.select_path("p2")
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    with qtbot.waitSignal(panel.deleteRequested) as asked:
        qtbot.keyClick(panel.table, QtCore.Qt.Key.Key_Delete)
    assert asked.args == ["p2"]
    qtbot.keyClick(panel.table, QtCore.Qt.Key.Key_Tab)
    assert not panel.table.hasFocus()


def test_speed_and_retime_boxes_are_labelled_apart(panel):
    assert panel.speed.accessibleName() == "Speed"
    assert panel.retime.accessibleName() == "Retime by"
    labels = panel.findChildren(QtWidgets.QLabel)
    buddies = {label.buddy(): label.text() for label in labels if label.buddy() is not None}
    assert buddies[panel.speed] == "Speed" and buddies[panel.retime] == "Retime by"


def test_loop_and_speed_show_what_they_are_told_and_send_what_the_user_sets(panel, qtbot):
    sent: list[tuple[bool, float]] = []
    panel.playbackChanged.connect(lambda loop, speed: sent.append((loop, speed)))
    panel.set_playback(True, 0.5)
    assert panel.loop_check.isChecked() and panel.speed.value() == 0.5 and sent == []
    panel.speed.stepUp()  # the user: an arrow step
    panel.loop_check.click()
    assert sent == [(True, 0.75), (False, 0.75)]


def test_the_playing_row_is_marked_with_where_it_is(panel):
    panel.set_playing(True, "p2")
    assert panel.playing_path() == "p2" and panel.stop_button.isEnabled()
    assert panel.rows() == [("sweep", "0:04.2"), ("rise", "▶ 0:00.0 / 0:12.0")]
    assert panel.table.item(1, 0).font().bold() and not panel.table.item(0, 0).font().bold()
    panel.set_position("p2", 3.24)
    panel.set_position("p1", 1.0)  # not the playing one: ignored
    assert panel.rows()[1] == ("rise", "▶ 0:03.2 / 0:12.0")
    panel.set_paths([*PATHS, ("p3", "fall", 1.0)])  # the list built again keeps the mark
    assert panel.rows()[1] == ("rise", "▶ 0:03.2 / 0:12.0")
    panel.set_playing(True, "p1")  # another path: from its start
    assert panel.rows()[:2] == [("sweep", "▶ 0:00.0 / 0:04.2"), ("rise", "0:12.0")]
    panel.set_playing(False)
    assert panel.playing_path() == "" and not panel.stop_button.isEnabled()
    assert panel.rows()[:2] == [("sweep", "0:04.2"), ("rise", "0:12.0")]
    assert not any(panel.table.item(r, 0).font().bold() for r in range(3))


def test_marking_a_row_is_no_rename(panel, qtbot):
    renames: list = []
    panel.renameRequested.connect(lambda *a: renames.append(a))
    panel.set_playing(True, "p1")
    panel.set_position("p1", 2.0)
    panel.set_playing(False)
    assert renames == []
    with qtbot.waitSignal(panel.renameRequested):  # a real edit still is
        panel.table.item(0, 0).setText("swept")
    assert QtCore.Qt.ItemFlag.ItemIsEditable & panel.table.item(0, 0).flags()
