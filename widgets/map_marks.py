"""``MapMarks``: the sounds marked on the map, several at once (Ctrl+click, Ctrl+drag a box).

The marked sounds are what "copy file paths" and "export the files" act on, as in a sample
browser; a plain click on a sound marks it alone. Each is ringed in the accent colour.
Indices are the map view's (the order the points were added). GUI thread only.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from . import theme
from .map_points import PassiveScatter


class MapMarks(QtCore.QObject):
    """Marked point indices, in the order they were marked, and their rings on ``plot``."""

    changed = QtCore.Signal(list)  # list[int]: the marked indices now

    def __init__(self, plot: pg.PlotItem, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._marked: list[int] = []
        self._rings = PassiveScatter(
            symbol="o", size=15, brush=None, pen=pg.mkPen(theme.ACCENT, width=2)
        )
        self._rings.setZValue(8)
        plot.addItem(self._rings, ignoreBounds=True)

    def indices(self) -> list[int]:
        return list(self._marked)

    def set(self, indices, xy: np.ndarray) -> None:
        """Mark exactly ``indices`` (points of ``xy`` [N, 2], map units)."""
        marked = list(dict.fromkeys(int(i) for i in indices))
        if marked != self._marked:
            self._marked = marked
            self.redraw(xy)
            self.changed.emit(self.indices())

    def toggle(self, index: int, xy: np.ndarray) -> None:
        """Ctrl+click: mark ``index``, or unmark it if it was marked."""
        rest = [i for i in self._marked if i != index]
        self.set(rest if len(rest) < len(self._marked) else [*self._marked, index], xy)

    def add_box(self, corner_a, corner_b, xy: np.ndarray, shown: np.ndarray | None) -> None:
        """Ctrl+drag: mark also the points inside the box between two corners (map units);
        ``shown`` bool [N] leaves out points of hidden groups (None: every point counts)."""
        (x0, y0), (x1, y1) = np.minimum(corner_a, corner_b), np.maximum(corner_a, corner_b)
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        if shown is not None:
            inside &= shown
        self.set([*self._marked, *np.flatnonzero(inside).tolist()], xy)

    def clear(self) -> None:
        self.set([], np.zeros((0, 2), np.float32))

    def redraw(self, xy: np.ndarray) -> None:
        """Ring the marked points where ``xy`` puts them (after they moved)."""
        keep = [i for i in self._marked if i < len(xy)]
        if keep:
            self._rings.setData(x=xy[keep, 0], y=xy[keep, 1])
        else:
            self._rings.clear()
