"""``StatusBar``: messages that fit beside the permanent widgets, elided, the whole text a hover
away; ``elide`` for labels that must stay within a width.

A ``QStatusBar`` cuts a long message off mid-word where its permanent widgets begin ("…a
training checkpoint, not a m"). This one ends it with "…" instead, shows the whole message as
the tooltip of the message's area, and keeps the message up while that tooltip is read.
:func:`reading_ms` gives long messages time to be read before they go.

Thread: GUI thread only.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

MESSAGE_MS = 6000  # a short message's time on screen
READING_MS_PER_CHAR = 60  # ~17 characters a second: a long message stays longer
HOLD_MS = 8000  # a message stays this long after its tooltip was asked for


def reading_ms(text: str, base_ms: int = MESSAGE_MS) -> int:
    """How long ``text`` stays in the status bar: ``base_ms``, longer for a long text."""
    return max(int(base_ms), len(text) * READING_MS_PER_CHAR)


def elide(label: QtWidgets.QLabel, text: str, width_px: int) -> str:
    """``text`` cut to ``width_px`` in ``label``'s font with "…" at the end (whole if it fits)."""
    metrics = label.fontMetrics()
    return metrics.elidedText(text, QtCore.Qt.TextElideMode.ElideRight, max(0, int(width_px)))


class StatusBar(QtWidgets.QStatusBar):
    """A ``QStatusBar`` whose temporary message is elided to the room left of the permanent
    widgets, with the whole message as the tooltip there (see the module docstring)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._permanent: list[QtWidgets.QWidget] = []
        self.messageChanged.connect(lambda _text: self.update())

    # -- queries ---------------------------------------------------------------------------
    def message_rect(self) -> QtCore.QRect:
        """Where the message is drawn: from the left edge to the first permanent widget shown
        (as ``QStatusBar`` places it), in this widget's coordinates."""
        left, right = 6, self.width() - 12
        for widget in self._permanent:
            if widget.isVisible():
                right = min(right, widget.x() - 2)
                break
        return QtCore.QRect(left, 0, max(0, right - left), self.height())

    def shown_message(self) -> str:
        """The message as drawn: whole, or elided with "…" where it does not fit."""
        text = self.currentMessage()
        width = self.message_rect().width()
        return self.fontMetrics().elidedText(text, QtCore.Qt.TextElideMode.ElideRight, width)

    def message_tooltip(self) -> str:
        """The tooltip over the message: the whole message where it is elided, else ""."""
        text = self.currentMessage()
        return text if text and self.shown_message() != text else ""

    # -- QStatusBar ------------------------------------------------------------------------
    def addPermanentWidget(self, widget: QtWidgets.QWidget, stretch: int = 0) -> None:
        super().addPermanentWidget(widget, stretch)
        self._permanent.append(widget)

    def insertPermanentWidget(self, index: int, widget: QtWidgets.QWidget, stretch: int = 0) -> int:
        at = super().insertPermanentWidget(index, widget, stretch)
        self._permanent.insert(max(0, min(index, len(self._permanent))), widget)
        return at

    def removeWidget(self, widget: QtWidgets.QWidget) -> None:
        super().removeWidget(widget)
        if widget in self._permanent:
            self._permanent.remove(widget)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if not self.currentMessage():
            super().paintEvent(event)
            return
        # As QStatusBar paints, but the message elided: the panel, the permanent widgets'
        # frames (other widgets are hidden under a message), then the text.
        painter = QtGui.QPainter(self)
        option = QtWidgets.QStyleOption()
        option.initFrom(self)
        style = self.style()
        style.drawPrimitive(
            QtWidgets.QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self
        )
        for widget in self._permanent:
            if widget.isVisible():
                frame = QtWidgets.QStyleOption()
                frame.rect = widget.geometry().adjusted(-2, -1, 2, 1)
                frame.palette = self.palette()
                frame.state = QtWidgets.QStyle.StateFlag.State_None
                style.drawPrimitive(
                    QtWidgets.QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame, painter, widget
                )
        painter.setPen(self.palette().windowText().color())
        painter.drawText(
            self.message_rect(),
            QtCore.Qt.AlignmentFlag.AlignLeading
            | QtCore.Qt.AlignmentFlag.AlignVCenter
            | QtCore.Qt.TextFlag.TextSingleLine,
            self.shown_message(),
        )

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip:
            pos = event.pos()
            tip = self.message_tooltip()
            if tip and self.message_rect().contains(pos):
                QtWidgets.QToolTip.showText(event.globalPos(), tip, self, self.message_rect())
                self.showMessage(tip, max(HOLD_MS, reading_ms(tip)))  # stays while it is read
                return True
        return super().event(event)
