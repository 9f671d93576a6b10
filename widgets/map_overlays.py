"""Items drawn over the map's points: the playing cursor and recorded latent paths."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from . import theme
from .map_points import PassiveScatter

PATH_COLOR = "#f4f4f4"
PATH_SELECTED_COLOR = theme.WARNING
LABEL_STACK_DISTANCE = 0.03  # map units: starts closer than this stack their names


class CursorOverlay:
    """A crosshair (two dim lines and a ring) that marks the position being played.

    ``color`` picks the ring's colour, so the scrub cursor and a path's playhead differ.
    """

    def __init__(self, plot: pg.PlotItem, color: str, lines: bool, z: float = 20) -> None:
        self.ring = PassiveScatter(
            symbol="o", size=20, brush=None, pen=pg.mkPen(color, width=2.5), pxMode=True
        )
        self.dot = PassiveScatter(symbol="o", size=5, brush=pg.mkBrush(color), pen=None)
        self.lines: list[pg.InfiniteLine] = []
        if lines:
            line_color = pg.mkColor(color)
            line_color.setAlpha(110)
            pen = pg.mkPen(line_color, width=1, style=QtCore.Qt.PenStyle.DashLine)
            self.lines = [pg.InfiniteLine(angle=90, pen=pen), pg.InfiniteLine(angle=0, pen=pen)]
        for item in (self.ring, self.dot, *self.lines):
            item.setZValue(z)
            item.setVisible(False)
            # Lines must not stretch the auto-range; ignoreBounds keeps them out of it.
            plot.addItem(item, ignoreBounds=True)

    def show_at(self, x: float, y: float) -> None:
        self.ring.setData([x], [y])
        self.dot.setData([x], [y])
        if self.lines:
            self.lines[0].setValue(x)
            self.lines[1].setValue(y)
        for item in (self.ring, self.dot, *self.lines):
            item.setVisible(True)

    def hide(self) -> None:
        for item in (self.ring, self.dot, *self.lines):
            item.setVisible(False)

    def is_visible(self) -> bool:
        return self.ring.isVisible()

    def position(self) -> tuple[float, float] | None:
        if not self.is_visible():
            return None
        x, y = self.ring.getData()
        return float(x[0]), float(y[0])


class PathsOverlay:
    """Recorded latent paths as lines from a hollow start ring to an arrow head at the end.

    Arrow angles are computed in screen space, so they are re-aimed whenever the view changes.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._items: list[pg.GraphicsObject] = []
        self._arrows: list[tuple[pg.ArrowItem, np.ndarray]] = []
        self._names: list[str] = []
        self._label_starts: list[np.ndarray] = []  # where the drawn names are, for stacking
        plot.getViewBox().sigTransformChanged.connect(self._on_view_changed)

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def set_paths(self, paths: Sequence[tuple[np.ndarray, str, bool]]) -> None:
        for item in self._items:
            self._plot.removeItem(item)
        self._items, self._arrows, self._names = [], [], []
        self._label_starts: list[np.ndarray] = []
        # Draw unselected paths first so the selected one is on top.
        for xy, name, selected in sorted(paths, key=lambda p: bool(p[2])):
            self._add_path(np.asarray(xy, dtype=np.float64).reshape(-1, 2), str(name), selected)
        self._on_view_changed()

    def _add_path(self, xy: np.ndarray, name: str, selected: bool) -> None:
        self._names.append(name)
        if len(xy) == 0:
            return
        color = PATH_SELECTED_COLOR if selected else PATH_COLOR
        faded = pg.mkColor(color)
        faded.setAlpha(255 if selected else 170)
        z = 4 if selected else 3
        curve = pg.PlotCurveItem(
            xy[:, 0], xy[:, 1], pen=pg.mkPen(faded, width=3 if selected else 1.6), antialias=True
        )
        start = PassiveScatter(
            [xy[0, 0]],
            [xy[0, 1]],
            symbol="o",
            size=11,
            brush=pg.mkBrush(theme.BACKGROUND),
            pen=pg.mkPen(faded, width=2),
        )
        # Paths that start at the same spot stack their names instead of printing them on top
        # of each other (map units: the map fills the unit square).
        stacked = sum(
            1 for s in self._label_starts if np.abs(s - xy[0]).max() < LABEL_STACK_DISTANCE
        )
        self._label_starts.append(xy[0])
        label = pg.TextItem(name, color=faded, anchor=(0, 1.2 + 1.1 * stacked))
        label.setPos(float(xy[0, 0]), float(xy[0, 1]))
        new: list[pg.GraphicsObject] = [curve, start, label]
        if len(xy) >= 2:
            arrow = pg.ArrowItem(
                pos=(float(xy[-1, 0]), float(xy[-1, 1])),
                headLen=16 if selected else 13,
                tipAngle=40,
                brush=pg.mkBrush(faded),
                pen=pg.mkPen(None),
            )
            new.append(arrow)
            self._arrows.append((arrow, xy))
        for item in new:
            item.setZValue(z)
            self._plot.addItem(item, ignoreBounds=True)
        self._items.extend(new)

    def _on_view_changed(self, *_: object) -> None:
        vb = self._plot.getViewBox()
        for arrow, xy in self._arrows:
            tip = vb.mapViewToScene(QtCore.QPointF(*xy[-1]))
            # Aim along the last stretch that is at least a few pixels long on screen.
            for k in range(len(xy) - 2, -1, -1):
                tail = vb.mapViewToScene(QtCore.QPointF(*xy[k]))
                dx, dy = tip.x() - tail.x(), tip.y() - tail.y()
                if dx * dx + dy * dy >= 16 or k == 0:
                    break
            # ArrowItem's angle 0 points left; Qt rotates clockwise on screen (y down).
            arrow.setStyle(angle=math.degrees(math.atan2(-dy, -dx)))
