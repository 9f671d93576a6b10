"""PathsPanel: the list a user reads, and the intents each button sends for the selected path."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

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
