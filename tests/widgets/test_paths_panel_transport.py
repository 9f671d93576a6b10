"""PathsPanel's transport (QA s19 L3, L4): labelled Speed and Retime boxes, Loop and Speed as
settings the app shows and the user changes, and the playing row's marker and readout."""

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
