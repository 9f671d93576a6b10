"""The map's ViewBox: the left button clicks and scrubs; right/middle drag and Shift+left pan."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore


class MapViewBox(pg.ViewBox):
    """A ViewBox whose left button clicks and scrubs; other buttons and Shift pan."""

    clicked = QtCore.Signal(float, float)
    scrubbed = QtCore.Signal(int, float, float)  # phase 0 start / 1 move / 2 end, x, y

    def __init__(self) -> None:
        super().__init__(enableMenu=False)

    def mouseClickEvent(self, ev) -> None:
        ev.accept()
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            pos = self.mapSceneToView(ev.scenePos())
            self.clicked.emit(pos.x(), pos.y())

    def mouseDragEvent(self, ev, axis=None) -> None:
        left = ev.button() == QtCore.Qt.MouseButton.LeftButton
        shift = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
        ev.accept()
        if left and not shift:
            pos = self.mapSceneToView(ev.scenePos())
            if ev.isStart():
                down = self.mapSceneToView(ev.buttonDownScenePos())
                self.scrubbed.emit(0, down.x(), down.y())
            self.scrubbed.emit(1, pos.x(), pos.y())
            if ev.isFinish():
                self.scrubbed.emit(2, pos.x(), pos.y())
            return
        before = self.mapSceneToView(ev.lastScenePos())
        after = self.mapSceneToView(ev.scenePos())
        self.translateBy(x=before.x() - after.x(), y=before.y() - after.y())
