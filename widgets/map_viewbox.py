"""The map's ViewBox: the left button clicks and scrubs; right/middle drag and Shift+left pan;
Ctrl+click and Ctrl+drag (a box) mark sounds."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

ZOOM_IN_LIMIT = 1e-3  # the narrowest view, as a share of the points' extent
ZOOM_OUT_LIMIT = 4.0  # the widest view, in extents: the map never shrinks to a dot
# How far past the points the view may be panned, in extents: past the top of a fit that
# keeps the points clear of a legend covering half the map (MapSync.fit: up to 1.32).
PAN_MARGIN = 1.5
# Points closer than this (map units; maps are laid out in the unit square) are bounded as if
# this far apart: a sound imported twice, or a lone one, can still be seen with room around
# it (MapSync.fit shows at least 0.2 units).
MIN_EXTENT = 0.25


class MapViewBox(pg.ViewBox):
    """A ViewBox whose left button clicks and scrubs; other buttons and Shift pan."""

    clicked = QtCore.Signal(float, float)
    ctrlClicked = QtCore.Signal(float, float)  # a left click with Ctrl held
    scrubbed = QtCore.Signal(int, float, float)  # phase 0 start / 1 move / 2 end, x, y
    boxed = QtCore.Signal(float, float, float, float)  # Ctrl+left drag: x0, y0, x1, y1

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self._boxing = False  # the left drag under way marks a box of sounds

    def limit_to(self, xy: np.ndarray) -> None:
        """Bound zoom and pan to points ``xy`` [N, 2] (map units): the wheel stops before the
        points are lost to a view a millionth of the map wide, or shrink to one dot.

        An empty map has no bounds; points closer than ``MIN_EXTENT`` count as that far apart.
        """
        if len(xy) == 0:
            self.setLimits(
                xMin=None, xMax=None, yMin=None, yMax=None,
                minXRange=None, maxXRange=None, minYRange=None, maxYRange=None,
            )  # fmt: skip
            return
        lo, hi = xy.min(axis=0).astype(float), xy.max(axis=0).astype(float)
        extent = max(float((hi - lo).max()), MIN_EXTENT)
        margin = PAN_MARGIN * extent
        self.setLimits(
            xMin=lo[0] - margin, xMax=hi[0] + margin, yMin=lo[1] - margin, yMax=hi[1] + margin,
            minXRange=ZOOM_IN_LIMIT * extent, maxXRange=ZOOM_OUT_LIMIT * extent,
            minYRange=ZOOM_IN_LIMIT * extent, maxYRange=ZOOM_OUT_LIMIT * extent,
        )  # fmt: skip

    def mouseClickEvent(self, ev) -> None:
        ev.accept()
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            pos = self.mapSceneToView(ev.scenePos())
            ctrl = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
            (self.ctrlClicked if ctrl else self.clicked).emit(pos.x(), pos.y())

    def mouseDragEvent(self, ev, axis=None) -> None:
        left = ev.button() == QtCore.Qt.MouseButton.LeftButton
        shift = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
        if ev.isStart():  # Ctrl at the start makes the whole drag a box (held or not after)
            self._boxing = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
        ev.accept()
        if left and self._boxing:  # a box of sounds to mark, drawn as pyqtgraph's zoom box
            self.updateScaleBox(ev.buttonDownScenePos(), ev.scenePos())
            if ev.isFinish():
                self.rbScaleBox.hide()
                a = self.mapSceneToView(ev.buttonDownScenePos())
                b = self.mapSceneToView(ev.scenePos())
                self.boxed.emit(a.x(), a.y(), b.x(), b.y())
            return
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
