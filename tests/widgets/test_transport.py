"""TransportBar: buttons and shortcuts emit intents; the bar shows the state it is told."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from latentscape.widgets.transport import TransportBar, format_clock


@pytest.fixture
def bar(qtbot):
    window = QtWidgets.QMainWindow()
    b = TransportBar()
    window.setCentralWidget(b)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield b  # the window stays referenced until the test ends


def test_play_button_asks_to_play_then_to_stop(bar, qtbot):
    with qtbot.waitSignal(bar.playRequested):
        bar.play_button.click()
    bar.set_playing(True)
    assert bar.play_button.text() == "■  Stop"
    with qtbot.waitSignal(bar.stopRequested):
        bar.play_button.click()


def test_space_and_r_shortcuts(bar, qtbot):
    qtbot.waitUntil(lambda: bar.window().isActiveWindow())
    with qtbot.waitSignal(bar.playRequested):
        qtbot.keyClick(bar.window(), QtCore.Qt.Key.Key_Space)
    with qtbot.waitSignal(bar.recordToggled) as blocker:
        qtbot.keyClick(bar.window(), QtCore.Qt.Key.Key_R)
    assert blocker.args == [True]
    assert bar.record_button.isChecked()


def test_loop_and_speed_emit_and_setters_do_not(bar, qtbot):
    with qtbot.waitSignal(bar.loopToggled) as blocker:
        bar.loop_button.click()
    assert blocker.args == [True]
    with qtbot.waitSignal(bar.speedChanged) as blocker:
        bar.speed.setValue(0.5)
    assert blocker.args == [0.5]
    with qtbot.assertNotEmitted(bar.recordToggled), qtbot.assertNotEmitted(bar.speedChanged):
        bar.set_recording(True, elapsed_s=4.25)
        bar.set_speed(2.0)
    assert bar.recording_text() == "● REC 0:04.2"
    assert bar.speed.value() == 2.0


def test_clock(bar):
    assert format_clock(75.25) == "1:15.2"
    bar.set_position(3.2, 8.0)
    assert bar.clock_text() == "0:03.2 / 0:08.0"
    assert not bar.grab().toImage().isNull()
