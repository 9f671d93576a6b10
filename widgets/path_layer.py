"""The lines of the recorded latent paths, drawn once into a cached image of the map.

A long gesture is thousands of mouse moves, and a wide antialiased line costs about a
microsecond per pixel of its length to stroke. Stroked on every repaint, one two-minute take
made each scrub move of the cursor cost 190 ms. So the lines are simplified to within half a
pixel (`path_simplify`), stroked into an image only when they or the view change, and a
repaint (the cursor moving) just copies the image. A path being recorded has only its new
part stroked. And however much was recorded, one restroke stays bounded: past
`WIDE_INK_BUDGET_PX` of visible line, the longest paths are drawn with a 1-pixel line, which
Qt draws a hundred times faster.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from .path_simplify import simplify_indices

BLOCK_POINTS = 512  # a path is simplified in blocks of this many points: a growing one redoes one
TOLERANCE_PX = 0.5  # a simplified line stays this close (or closer) to every recorded point
WIDE_INK_BUDGET_PX = 15_000  # visible line drawn with wide pens, at most (~20 ms to stroke)


class LayerPath:
    """One path's line: ``xy`` [n, 2] float64 map units (finite), its colour and width.

    Owns its simplified points, recomputed only when the map's scale passes a power of two
    (one block at a time while the path grows). GUI thread.
    """

    def __init__(self, xy: np.ndarray, color: QtGui.QColor, width_px: float) -> None:
        self.xy = xy
        self.color = color
        self.width_px = width_px
        self.fine = False  # drawn with a 1-pixel line (the layer decides)
        self.drawn_count = 0  # points of it on the layer's image (0: not drawn)
        self.lo, self.hi = _bounds(xy)
        self._scale: tuple[float, float] | None = None
        self._blocks: list[np.ndarray] = []  # simplified points of each block, at _scale
        self._points: np.ndarray | None = None
        self._qpath: QtGui.QPainterPath | None = None

    def grow(self, xy: np.ndarray) -> None:
        """The path went on: ``xy`` [m, 2] starts with the current points (m >= n)."""
        n = len(self.xy)
        lo, hi = _bounds(xy[n:])
        self.lo, self.hi = np.minimum(self.lo, lo), np.maximum(self.hi, hi)
        self.xy = xy
        del self._blocks[(n - 1) // BLOCK_POINTS :]  # the complete blocks stay as they are
        self._points = self._qpath = None

    def points(self, scale: tuple[float, float]) -> np.ndarray:
        """``[k, 2]`` float64 map units: the line to draw at ``scale`` (map units a pixel, a
        power of two at or under the view's), within `TOLERANCE_PX` of every point of ``xy``."""
        if scale != self._scale:
            self._scale, self._blocks, self._points, self._qpath = scale, [], None, None
        if self._points is None:
            n = len(self.xy)
            for start in range(len(self._blocks) * BLOCK_POINTS, max(n - 1, 1), BLOCK_POINTS):
                block = self.xy[start : start + BLOCK_POINTS + 1]
                keep = simplify_indices(block / np.asarray(scale), TOLERANCE_PX)
                self._blocks.append(block[keep])
            # Blocks share their end points: each after the first drops its first one.
            parts = [b[1:] if i else b for i, b in enumerate(self._blocks)]
            self._points = np.concatenate(parts) if parts else self.xy[:0]
        return self._points

    def qpath(self, scale: tuple[float, float]) -> QtGui.QPainterPath:
        """`points` at ``scale`` as a painter path (map units), built once."""
        points = self.points(scale)
        if self._qpath is None:
            self._qpath = pg.arrayToQPath(points[:, 0], points[:, 1], finiteCheck=False)
        return self._qpath

    def pen(self) -> QtGui.QPen:
        """A 1-pixel line when `fine` (Qt draws it a hundred times faster), else the
        path's own width; the path's colour either way."""
        if self.fine:
            return pg.mkPen(self.color, width=1)
        pen = pg.mkPen(self.color, width=self.width_px)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)  # an appended part joins seamlessly
        pen.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
        return pen


def _bounds(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(xy):
        return np.full(2, np.inf), np.full(2, -np.inf)
    return xy.min(axis=0), xy.max(axis=0)


def quantized_scale(transform: QtGui.QTransform) -> tuple[float, float] | None:
    """Map units a pixel on each axis, rounded down to a power of two (None: degenerate)."""
    sx = math.hypot(transform.m11(), transform.m12())
    sy = math.hypot(transform.m21(), transform.m22())
    if not (sx > 0 and sy > 0 and math.isfinite(sx) and math.isfinite(sy)):
        return None
    return 2.0 ** math.floor(math.log2(1 / sx)), 2.0 ** math.floor(math.log2(1 / sy))


def visible_ink_px(points: np.ndarray, transform: QtGui.QTransform, w: float, h: float) -> float:
    """Pixels of line of ``points`` [k, 2] (map units) on a ``w`` x ``h`` screen."""
    if len(points) < 2:
        return 0.0
    t = transform
    m = np.array([[t.m11(), t.m12()], [t.m21(), t.m22()]])
    px = points @ m + (t.dx(), t.dy())
    a, b = px[:-1], px[1:]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    seen = (hi[:, 0] >= 0) & (lo[:, 0] <= w) & (hi[:, 1] >= 0) & (lo[:, 1] <= h)
    return float(np.sqrt(((b - a)[seen] ** 2).sum(axis=1)).sum())


class PathsLayer(pg.GraphicsObject):
    """Draws `LayerPath` lines, in order (the last on top), over the map's points.

    Lives in the view box's child group, so its coordinates are map units. Paints from an image
    of the whole viewport, restroked only when the view, the paths or their pens change; a
    path that only grew (the one being recorded, when drawn last) has just its new part
    stroked onto the image. GUI thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self._paths: list[LayerPath] = []
        self._image: QtGui.QImage | None = None
        self._key: tuple | None = None
        self._bounds = QtCore.QRectF()
        self.restrokes = 0  # how often the whole image was stroked (tests read it)

    def set_paths(self, paths: Sequence[LayerPath]) -> None:
        """Draw ``paths`` from now on; any that are not the ones drawn now make a restroke,
        unless only the last one grew (see `LayerPath.grow`)."""
        paths = list(paths)
        grown_last = (
            len(paths) == len(self._paths)
            and all(a is b for a, b in zip(paths, self._paths, strict=True))
            and all(p.drawn_count == len(p.xy) for p in paths[:-1])
        )
        if not grown_last:
            self._key = None
        self._paths = paths
        self.prepareGeometryChange()
        self._bounds = self._data_bounds()
        self.update()

    def _data_bounds(self) -> QtCore.QRectF:
        if not self._paths:
            return QtCore.QRectF()
        lo = np.min([p.lo for p in self._paths], axis=0)
        hi = np.max([p.hi for p in self._paths], axis=0)
        return QtCore.QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])

    def boundingRect(self) -> QtCore.QRectF:
        if not self._paths:
            return QtCore.QRectF()
        px, py = self.pixelVectors()
        pad_x = 4 * (px.length() if px is not None else 0.0)  # the widest pen's half width,
        pad_y = 4 * (py.length() if py is not None else 0.0)  # plus antialiasing
        return self._bounds.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the padding is in pixels

    def paint(self, p: QtGui.QPainter, opt, widget=None) -> None:
        if not self._paths:
            return
        t = p.transform()
        scale = quantized_scale(t)
        if widget is None or scale is None:  # an export to another device: stroke directly
            p.save()
            for path in self._paths:
                self._stroke(p, path, scale)
            p.restore()
            return
        dpr = widget.devicePixelRatioF()
        w, h = widget.width(), widget.height()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), w, h, dpr)
        if key != self._key or self._image is None:
            self._restroke(t, scale, w, h, dpr)
            self._key = key
        elif any(path.drawn_count != len(path.xy) for path in self._paths):
            self._append(t, scale, w, h)
        p.save()
        p.resetTransform()
        p.drawImage(QtCore.QPointF(0, 0), self._image)
        p.restore()

    def _assign_pens(self, t, scale, w: float, h: float) -> bool:
        """Wide pens for the selected paths (wider pens), then the shortest, while their
        visible lines add up to at most `WIDE_INK_BUDGET_PX`; 1-pixel lines for the others.
        True if any path's pen changed."""
        if scale is None:
            inks = [0.0] * len(self._paths)
        else:
            inks = [visible_ink_px(p.points(scale), t, w, h) for p in self._paths]
        order = sorted(range(len(self._paths)), key=lambda i: (-self._paths[i].width_px, inks[i]))
        changed, total = False, 0.0
        for i in order:
            fine = total + inks[i] > WIDE_INK_BUDGET_PX
            total += 0.0 if fine else inks[i]
            changed |= fine != self._paths[i].fine
            self._paths[i].fine = fine
        return changed

    def _restroke(self, t, scale, w: int, h: int, dpr: float) -> None:
        self._assign_pens(t, scale, w, h)
        size = QtCore.QSize(max(1, round(w * dpr)), max(1, round(h * dpr)))
        if self._image is None or self._image.size() != size:
            self._image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        self._image.setDevicePixelRatio(dpr)
        self._image.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(self._image)
        painter.setTransform(t)
        for path in self._paths:
            self._stroke(painter, path, scale)
        painter.end()
        self.restrokes += 1

    def _append(self, t, scale, w: int, h: int) -> None:
        """Stroke only what the last path added since it was drawn, onto the image."""
        if self._assign_pens(t, scale, w, h):
            self._restroke(t, scale, w, h, self._image.devicePixelRatio())
            return
        path = self._paths[-1]
        tail = path.xy[max(path.drawn_count - 1, 0) :]
        keep = simplify_indices(tail / np.asarray(scale), TOLERANCE_PX)
        painter = QtGui.QPainter(self._image)
        painter.setTransform(t)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(path.pen())
        painter.drawPath(pg.arrayToQPath(tail[keep, 0], tail[keep, 1], finiteCheck=False))
        painter.end()
        path.drawn_count = len(path.xy)

    @staticmethod
    def _stroke(painter: QtGui.QPainter, path: LayerPath, scale) -> None:
        path.drawn_count = len(path.xy)
        if len(path.xy) < 2:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(path.pen())
        if scale is None:
            painter.drawPath(pg.arrayToQPath(path.xy[:, 0], path.xy[:, 1], finiteCheck=False))
        else:
            painter.drawPath(path.qpath(scale))
