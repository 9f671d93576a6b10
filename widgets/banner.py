"""``Banner``: a clear, dismissable message strip across the top of the window."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from . import theme

# level -> (icon, text colour, background, border)
_LEVELS = {
    "info": ("ℹ", theme.TEXT, "#1c3347", theme.ACCENT),
    "warning": ("⚠", "#fbe3a6", "#3d3012", theme.WARNING),
    "error": ("✖", "#ffd5d5", "#45191b", theme.ERROR),
}


class Banner(QtWidgets.QFrame):
    """A message like "No audio device: playing silently — <reason>" with a close button.

    Hidden until `show_message`; ``dismissed()`` is emitted when the user closes it.
    """

    dismissed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self._icon = QtWidgets.QLabel()
        self._text = QtWidgets.QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QtWidgets.QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self._on_close_clicked)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.setSpacing(10)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self.close_button)
        self._level = "info"
        self.hide()

    def show_message(self, text: str, level: str = "warning") -> None:
        """Show ``text``; ``level`` is "info", "warning" or "error" (sets icon and colour)."""
        if level not in _LEVELS:
            raise ValueError(f"banner level must be one of {sorted(_LEVELS)}, got {level!r}")
        icon, fg, bg, border = _LEVELS[level]
        self._level = level
        self._icon.setText(icon)
        self._text.setText(text)
        self.setStyleSheet(
            f"QFrame#banner {{ background: {bg}; border: 1px solid {border};"
            f" border-radius: 6px; }}"
            f" QFrame#banner QLabel {{ color: {fg}; font-size: 11pt; }}"
            f" QFrame#banner QToolButton {{ color: {fg}; border: none; background: transparent;"
            f" font-size: 12pt; padding: 2px 6px; }}"
        )
        self.show()

    def text(self) -> str:
        return self._text.text()

    def level(self) -> str:
        return self._level

    def clear(self, level: str | None = None) -> None:
        """Hide the message, or only a message of ``level`` (a failure since put right)."""
        if level is None or self._level == level:
            self.hide()

    def _on_close_clicked(self) -> None:
        self.hide()
        self.dismissed.emit()
