"""``TransportBar``: play/stop, record (R), loop and speed, as buttons with window shortcuts."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

SPEED_RANGE = (0.25, 4.0)


def format_clock(seconds: float) -> str:
    """``m:ss.s`` for a time in seconds (negative reads as 0)."""
    seconds = max(0.0, float(seconds))
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


class TransportBar(QtWidgets.QWidget):
    """The transport. Its actions carry the shortcuts (Space = play/stop, R = record, L = loop);
    add ``actions()`` to a menu or keep the bar in the window for them to work.

    The bar shows state it is told (`set_playing`, `set_recording`); pressing a button only
    emits an intent. Signals: ``playRequested()``, ``stopRequested()``,
    ``recordToggled(bool)``, ``loopToggled(bool)``, ``speedChanged(float)`` (playback rate,
    1.0 = as recorded).
    """

    playRequested = QtCore.Signal()
    stopRequested = QtCore.Signal()
    recordToggled = QtCore.Signal(bool)
    loopToggled = QtCore.Signal(bool)
    speedChanged = QtCore.Signal(float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._playing = False
        self.play_action = QtGui.QAction("▶  Play", self)
        self.play_action.setShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Space))
        self.play_action.setToolTip("Play / stop (Space)")
        self.play_action.triggered.connect(self._on_play_triggered)
        self.record_action = QtGui.QAction("●  Record", self)
        self.record_action.setCheckable(True)
        self.record_action.setShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_R))
        self.record_action.setToolTip("Record drags and clicks on the map as a path (R)")
        self.record_action.toggled.connect(self._on_record_toggled)
        self.loop_action = QtGui.QAction("⟳  Loop", self)
        self.loop_action.setCheckable(True)
        self.loop_action.setShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_L))
        self.loop_action.setToolTip("Loop playback (L)")
        self.loop_action.toggled.connect(self._on_loop_toggled)
        for action in (self.play_action, self.record_action, self.loop_action):
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

        self.play_button = self._button(self.play_action)
        self.record_button = self._button(self.record_action)
        self.record_button.setObjectName("recordButton")
        self.loop_button = self._button(self.loop_action)
        self.speed = QtWidgets.QDoubleSpinBox()
        self.speed.setRange(*SPEED_RANGE)
        self.speed.setSingleStep(0.25)
        self.speed.setDecimals(2)
        self.speed.setValue(1.0)
        self.speed.setSuffix(" ×")
        self.speed.setToolTip("Playback speed")
        self.speed.valueChanged.connect(self._on_speed_changed)
        self._clock = QtWidgets.QLabel(format_clock(0))
        self._clock.setProperty("role", "value")
        self._clock.setMinimumWidth(110)
        self._rec_label = QtWidgets.QLabel("")
        self._rec_label.setStyleSheet(f"color: {theme.RECORD}; font-weight: bold;")

        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(6)
        for w in (self.play_button, self.record_button, self.loop_button):
            layout.addWidget(w)
        speed_label = QtWidgets.QLabel("Speed")
        speed_label.setProperty("role", "dim")
        layout.addSpacing(8)
        layout.addWidget(speed_label)
        layout.addWidget(self.speed)
        layout.addSpacing(8)
        layout.addWidget(self._clock)
        layout.addWidget(self._rec_label)
        layout.addStretch(1)

    # -- setters (never emit) ------------------------------------------------------------
    def set_playing(self, playing: bool) -> None:
        self._playing = bool(playing)
        self.play_action.setText("■  Stop" if playing else "▶  Play")

    def set_recording(self, recording: bool, elapsed_s: float = 0.0) -> None:
        with QtCore.QSignalBlocker(self.record_action):
            self.record_action.setChecked(recording)
        self._rec_label.setText(f"● REC {format_clock(elapsed_s)}" if recording else "")

    def set_loop(self, loop: bool) -> None:
        with QtCore.QSignalBlocker(self.loop_action):
            self.loop_action.setChecked(loop)

    def set_speed(self, speed: float) -> None:
        with QtCore.QSignalBlocker(self.speed):
            self.speed.setValue(speed)

    def set_position(self, seconds: float, total_s: float | None = None) -> None:
        """The playhead clock: ``m:ss.s`` or ``m:ss.s / m:ss.s``."""
        text = format_clock(seconds)
        if total_s is not None:
            text += f" / {format_clock(total_s)}"
        self._clock.setText(text)

    # -- queries -------------------------------------------------------------------------
    def is_playing(self) -> bool:
        return self._playing

    def clock_text(self) -> str:
        return self._clock.text()

    def recording_text(self) -> str:
        return self._rec_label.text()

    # -- handlers ------------------------------------------------------------------------
    def _on_play_triggered(self) -> None:
        if self._playing:
            self.stopRequested.emit()
        else:
            self.playRequested.emit()

    def _on_record_toggled(self, on: bool) -> None:
        self.recordToggled.emit(on)

    def _on_loop_toggled(self, on: bool) -> None:
        self.loopToggled.emit(on)

    def _on_speed_changed(self, value: float) -> None:
        self.speedChanged.emit(value)

    def _button(self, action: QtGui.QAction) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setMinimumWidth(84)
        return button
