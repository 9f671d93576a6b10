"""Nearest-point lookup for the map, in screen pixels, fast enough for hover at 100k points."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

# Points appended since the last tree build are searched by brute force; past this many the
# tree is rebuilt (a build costs ~30-60 ms at 100k points, a brute-force pass over 5k ~50 µs).
_TAIL_LIMIT = 5000


class PointIndex:
    """Finds the point nearest to a position within a radius given in pixels.

    The radius is anisotropic in data units because the map's x and y scales differ: the caller
    passes the size of one screen pixel in data units (``ViewBox.viewPixelSize()``). Called on
    the GUI thread only.
    """

    def __init__(self) -> None:
        self._xy = np.zeros((0, 2), dtype=np.float64)
        self._tree: cKDTree | None = None
        self._tree_count = 0
        self._hidden: np.ndarray | None = None  # bool: points never found (hidden groups)

    def __len__(self) -> int:
        return len(self._xy)

    def set_points(self, xy: np.ndarray) -> None:
        """Replace all points; ``xy`` is [N, 2] in data coordinates."""
        self._xy = np.array(xy, dtype=np.float64, copy=True).reshape(-1, 2)
        self._tree = None
        self._tree_count = 0

    def set_hidden(self, mask: np.ndarray | None) -> None:
        """bool [N]: points ``nearest`` passes over (None: none); points added later count
        as shown until the next call."""
        self._hidden = None if mask is None else np.asarray(mask, dtype=bool).copy()

    def add_points(self, xy: np.ndarray) -> None:
        """Append points [M, 2]; they are searchable at once (brute force until the next build)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        self._xy = np.concatenate([self._xy, xy])

    def nearest(
        self, x: float, y: float, pixel_size: tuple[float, float], radius_px: float = 8.0
    ) -> int:
        """Index of the point nearest to (x, y) within ``radius_px`` screen pixels, or -1.

        Parameters
        ----------
        x, y : float
            The query position in data coordinates.
        pixel_size : (float, float)
            Width and height of one screen pixel in data units.
        radius_px : float
            The pick radius in screen pixels.
        """
        n = len(self._xy)
        if n == 0:
            return -1
        px, py = (max(abs(float(v)), 1e-30) for v in pixel_size)
        if self._tree is None or n - self._tree_count > _TAIL_LIMIT:
            self._tree = cKDTree(self._xy)
            self._tree_count = n
        candidates = self._tree.query_ball_point((x, y), r=radius_px * max(px, py))
        idx = np.asarray(candidates, dtype=np.int64)
        if self._tree_count < n:
            idx = np.concatenate([idx, np.arange(self._tree_count, n, dtype=np.int64)])
        if self._hidden is not None:
            known = idx < len(self._hidden)
            idx = idx[~known | ~self._hidden[np.where(known, idx, 0)]]
        if idx.size == 0:
            return -1
        d = self._xy[idx]
        dist2 = ((d[:, 0] - x) / px) ** 2 + ((d[:, 1] - y) / py) ** 2
        best = int(np.argmin(dist2))
        if dist2[best] > radius_px**2:
            return -1
        return int(idx[best])
