"""Items drawn over the map's points: the playing cursor and recorded latent paths."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from . import theme
from .map_points import PassiveScatter
from .path_layer import LayerPath, PathsLayer

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


@dataclass(eq=False)
class _DrawnPath:
    """A path on the map: its line (in the shared layer) and its marks (start, name, head)."""

    line: LayerPath
    name: str
    selected: bool
    stacked: int  # how many names of paths that start near it are printed above its own
    marks: list[pg.GraphicsObject]
    arrow: pg.ArrowItem | None = None


class PathsOverlay:
    """Recorded latent paths as lines from a hollow start ring to an arrow head at the end.

    The lines are drawn by one cached `PathsLayer`; the marks are items of their own. A path
    passed to :meth:`set_paths` again as it was keeps its items, and one that only grew (the
    path being recorded) is extended, not rebuilt. Arrow angles are computed in screen space, so
    they are re-aimed whenever the view changes. GUI thread.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._drawn: list[_DrawnPath] = []
        self._layer = PathsLayer()
        self._layer.setZValue(3)
        plot.addItem(self._layer, ignoreBounds=True)
        plot.getViewBox().sigTransformChanged.connect(self._on_view_changed)

    @property
    def names(self) -> list[str]:
        return [d.name for d in self._drawn]

    @property
    def marks(self) -> list[pg.GraphicsObject]:
        """The items drawn beside the paths' lines: start rings, names, arrows."""
        return [item for d in self._drawn for item in d.marks]

    def set_paths(self, paths: Sequence[tuple[np.ndarray, str, bool]]) -> None:
        """Draw ``paths``, each ``(xy [M, 2] map units, name, selected)``, instead of the
        paths drawn now. Non-finite points are left out."""
        unused = list(self._drawn)
        drawn: list[_DrawnPath] = []
        starts: list[np.ndarray] = []  # where the drawn names are, for stacking
        # Draw unselected paths first so the selected one is on top.
        for xy, name, selected in sorted(paths, key=lambda p: bool(p[2])):
            xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
            xy = xy[np.isfinite(xy).all(axis=1)]
            stacked = 0
            if len(xy):
                # Paths that start at the same spot stack their names instead of printing
                # them on top of each other (map units: the map fills the unit square).
                stacked = sum(1 for s in starts if np.abs(s - xy[0]).max() < LABEL_STACK_DISTANCE)
                starts.append(xy[0])
            key = (str(name), bool(selected), stacked)
            drawn.append(self._reuse(unused, xy, key) or self._create(xy, *key))
        for d in unused:
            for item in d.marks:
                self._plot.removeItem(item)
        self._drawn = drawn
        self._layer.set_paths([d.line for d in drawn if len(d.line.xy)])
        self._on_view_changed()

    def _reuse(self, unused: list[_DrawnPath], xy: np.ndarray, key: tuple) -> _DrawnPath | None:
        """A drawn path with the same name, selection and points, or one that these points
        extend (its items are updated); None if there is none."""
        alike = [d for d in unused if (d.name, d.selected, d.stacked) == key]
        match = next((d for d in alike if np.array_equal(d.line.xy, xy)), None)
        if match is None:
            match = next(
                (
                    d
                    for d in alike
                    if 0 < len(d.line.xy) < len(xy)
                    and np.array_equal(d.line.xy, xy[: len(d.line.xy)])
                ),
                None,
            )
            if match is None:
                return None
            match.line.grow(xy)
            self._place_arrow(match)
        unused.remove(match)
        return match

    def _create(self, xy: np.ndarray, name: str, selected: bool, stacked: int) -> _DrawnPath:
        color = PATH_SELECTED_COLOR if selected else PATH_COLOR
        faded = pg.mkColor(color)
        faded.setAlpha(255 if selected else 170)
        d = _DrawnPath(LayerPath(xy, faded, 3 if selected else 1.6), name, selected, stacked, [])
        if len(xy) == 0:
            return d
        start = PassiveScatter(
            [xy[0, 0]],
            [xy[0, 1]],
            symbol="o",
            size=11,
            brush=pg.mkBrush(theme.BACKGROUND),
            pen=pg.mkPen(faded, width=2),
        )
        label = pg.TextItem(name, color=faded, anchor=(0, 1.2 + 1.1 * stacked))
        label.setPos(float(xy[0, 0]), float(xy[0, 1]))
        for item in (start, label):
            self._add_mark(d, item)
        self._place_arrow(d)
        return d

    def _add_mark(self, d: _DrawnPath, item: pg.GraphicsObject) -> None:
        item.setZValue(4 if d.selected else 3)
        self._plot.addItem(item, ignoreBounds=True)
        d.marks.append(item)

    def _place_arrow(self, d: _DrawnPath) -> None:
        """Put the arrow head at the path's last point (making it once there are two)."""
        xy = d.line.xy
        if len(xy) < 2:
            return
        if d.arrow is None:
            d.arrow = pg.ArrowItem(
                headLen=16 if d.selected else 13,
                tipAngle=40,
                brush=pg.mkBrush(d.line.color),
                pen=pg.mkPen(None),
            )
            self._add_mark(d, d.arrow)
        d.arrow.setPos(float(xy[-1, 0]), float(xy[-1, 1]))

    def _on_view_changed(self, *_: object) -> None:
        vb = self._plot.getViewBox()
        o, ex, ey = (vb.mapViewToScene(QtCore.QPointF(*v)) for v in ((0, 0), (1, 0), (0, 1)))
        # Map units to scene pixels (pyqtgraph views are scaled and shifted, not rotated).
        to_scene = np.array([[ex.x() - o.x(), ex.y() - o.y()], [ey.x() - o.x(), ey.y() - o.y()]])
        for d in self._drawn:
            if d.arrow is not None:
                dx, dy = _last_stretch(d.line.xy, to_scene)
                # ArrowItem's angle 0 points left; Qt rotates clockwise on screen (y down).
                d.arrow.setStyle(angle=math.degrees(math.atan2(-dy, -dx)))


def _last_stretch(xy: np.ndarray, to_scene: np.ndarray) -> np.ndarray:
    """Scene vector ``[2]`` from the last point of ``xy`` [n >= 2, 2] back to the latest earlier
    point at least 4 pixels away on screen (or to the first point): the arrow's aim."""
    tip, end, window = xy[-1], len(xy) - 1, 64
    while True:  # look back a window at a time: the stretch is nearly always near the end
        lo = max(end - window, 0)
        back = (tip - xy[lo:end]) @ to_scene
        far = np.flatnonzero((back**2).sum(axis=1) >= 16)
        if len(far):
            return back[far[-1]]
        if lo == 0:
            return back[0]
        end, window = lo, window * 4
