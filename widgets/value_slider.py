"""``ValueSlider``: a horizontal slider over a float range with its value printed beside it."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class ValueSlider(QtWidgets.QWidget):
    """A float slider in [low, high] with a fixed step of 10**-decimals.

    Double-click the slider to return to ``default``. ``valueChanged(float)`` fires on every
    user move (continuous while dragging) and on `set_value(..., emit=True)`.
    """

    valueChanged = QtCore.Signal(float)

    def __init__(
        self,
        low: float,
        high: float,
        default: float,
        decimals: int = 2,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if not low < high:
            raise ValueError(f"slider range must have low < high, got {low}..{high}")
        self._low, self._high, self._default = float(low), float(high), float(default)
        self._decimals = decimals
        self._step = 10.0**-decimals
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((self._high - self._low) / self._step))
        self.slider.setMinimumWidth(70)
        self.label = QtWidgets.QLabel()
        self.label.setProperty("role", "value")
        width = self.label.fontMetrics().horizontalAdvance(f"{-abs(high) - abs(low):.{decimals}f}")
        self.label.setFixedWidth(width + 4)
        self.label.setAlignment(
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        )
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.slider.installEventFilter(self)
        self.set_value(default, emit=False)

    def value(self) -> float:
        return round(self._low + self.slider.value() * self._step, self._decimals)

    def set_value(self, value: float, emit: bool = True) -> None:
        """Move to ``value`` (clamped to the range)."""
        ticks = round((min(max(float(value), self._low), self._high) - self._low) / self._step)
        if emit:
            self.slider.setValue(ticks)
        else:
            with QtCore.QSignalBlocker(self.slider):
                self.slider.setValue(ticks)
        self._show_value()

    def reset(self) -> None:
        self.set_value(self._default)

    def text(self) -> str:
        return self.label.text()

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if obj is self.slider and event.type() == QtCore.QEvent.Type.MouseButtonDblClick:
            self.reset()
            return True
        return super().eventFilter(obj, event)

    def _on_slider_moved(self, _ticks: int) -> None:
        self._show_value()
        self.valueChanged.emit(self.value())

    def _show_value(self) -> None:
        self.label.setText(
            f"{self.value():+.{self._decimals}f}"
            if self._low < 0
            else f"{self.value():.{self._decimals}f}"
        )
