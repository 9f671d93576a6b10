"""Grid helpers shared by the inverse map, its gap settling and the density overlay.

All grids are cell-centred over the unit square, ``[G, G, ...]`` with row = y.
"""

from __future__ import annotations

import numpy as np


def _splat_cells(points: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    """The 4 cells each point touches and their bilinear weights, each ``[4 n]``."""
    f = np.clip(points * g - 0.5, 0.0, g - 1.0)
    i0 = np.minimum(f.astype(np.int64), max(g - 2, 0))
    t = f - i0
    cells, weights = [], []
    for dx in (0, 1):
        for dy in (0, 1):
            weights.append((t[:, 0] if dx else 1 - t[:, 0]) * (t[:, 1] if dy else 1 - t[:, 1]))
            ix = np.minimum(i0[:, 0] + dx, g - 1)
            iy = np.minimum(i0[:, 1] + dy, g - 1)
            cells.append(iy * g + ix)
    return np.concatenate(cells), np.concatenate(weights)


def splat_mass(points: np.ndarray, g: int) -> np.ndarray:
    """Bilinear splat of a unit mass at each of ``points`` (unit square): ``[G, G]``."""
    cell, w = _splat_cells(points, g)
    return np.bincount(cell, weights=w, minlength=g * g).reshape(g, g)


def splat(points: np.ndarray, values: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear splat of unit masses at ``points`` (unit square) and of their ``values``
    ``[n, L]``: (mass ``[G, G]``, sums ``[G, G, L]``)."""
    cell, w = _splat_cells(points, g)
    mass = np.bincount(cell, weights=w, minlength=g * g).reshape(g, g)
    sums = np.empty((g * g, values.shape[1]), np.float32)
    for j in range(values.shape[1]):
        sums[:, j] = np.bincount(cell, weights=w * np.tile(values[:, j], 4), minlength=g * g)
    return mass, sums.reshape(g, g, -1)


def blur(a: np.ndarray, width: float) -> np.ndarray:
    """Gaussian blur (``width`` cells) over the first two axes, zero outside the grid."""
    from scipy.ndimage import gaussian_filter

    sigma = (width, width) + (0,) * (a.ndim - 2)
    return gaussian_filter(a, sigma, mode="constant", truncate=3.0)


def upsample(a: np.ndarray, g: int) -> np.ndarray:
    """Bilinear resampling of a cell-centred ``[h, h, ...]`` grid to ``[g, g, ...]``."""
    h = a.shape[0]
    if h == g:
        return a
    pos = np.clip((np.arange(g) + 0.5) / g * h - 0.5, 0.0, h - 1.0)
    i0 = np.minimum(pos.astype(np.int64), h - 2)
    t = (pos - i0).astype(np.float32)
    shape = (-1,) + (1,) * (a.ndim - 1)
    rows = a[i0] * (1 - t).reshape(shape) + a[i0 + 1] * t.reshape(shape)
    shape = (1, -1) + (1,) * (a.ndim - 2)
    return rows[:, i0] * (1 - t).reshape(shape) + rows[:, i0 + 1] * t.reshape(shape)


def bilinear(grid: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Bilinear lookup of ``grid`` ``[G, G, L]`` at points ``xy`` ``[m, 2]`` → ``[m, L]``."""
    g = grid.shape[0]
    f = np.clip(np.asarray(xy, np.float64) * g - 0.5, 0.0, g - 1.0)
    i0 = np.minimum(f.astype(np.int64), max(g - 2, 0))
    i1 = np.minimum(i0 + 1, g - 1)
    t = (f - i0)[:, :, None].astype(np.float32)
    top = grid[i0[:, 1], i0[:, 0]] * (1 - t[:, 0]) + grid[i0[:, 1], i1[:, 0]] * t[:, 0]
    bot = grid[i1[:, 1], i0[:, 0]] * (1 - t[:, 0]) + grid[i1[:, 1], i1[:, 0]] * t[:, 0]
    return top * (1 - t[:, 1]) + bot * t[:, 1]


def mean_step(grid: np.ndarray) -> float:
    """Mean latent distance between side-by-side nodes of ``grid`` ``[G, G, L]``."""
    return float(np.mean([np.linalg.norm(np.diff(grid, axis=a), axis=2).mean() for a in (0, 1)]))


# (slices of the first node, slices of the second, length in cells) of each neighbour pair
_NEIGHBOURS = (
    ((slice(None, -1),), (slice(1, None),), 1.0),
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None)), 1.0),
    ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None)), 2.0**0.5),
    ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1)), 2.0**0.5),
)


def limit_steps(grid: np.ndarray, cap: float, iterations: int = 25) -> np.ndarray:
    """``grid`` ``[G, G, L]`` relaxed toward no two neighbouring nodes (sides and diagonals)
    differing by more than ``cap`` latent units per cell: in each of ``iterations`` sweeps,
    each pair that does moves toward each other by the excess. The steepest step approaches
    the cap (a cliff 10 caps high ends within 15 % of it after 25 sweeps). A copy, float32.

    A gradient limiter: cliffs become ramps of the largest slope allowed, gentler detail is
    left as it is. Drags over the map then take more even steps (bench/atlas.py inverse,
    ``ours_step_cap…``) at some cost in held-out error.
    """
    out = np.array(grid, np.float32)
    for _ in range(iterations):
        for first, second, cells in _NEIGHBOURS:
            a, b = out[first], out[second]  # views
            d = b - a
            n = np.sqrt(np.einsum("ijk,ijk->ij", d, d))
            limit = np.float32(cap * cells)
            i, j = np.nonzero(n > limit)  # few pairs after the first sweeps: move only those
            if i.size:
                move = (0.5 * (1.0 - limit / n[i, j]))[:, None] * d[i, j]
                a[i, j] += move
                b[i, j] -= move
    return out


def latent_spacing(anchors: np.ndarray) -> np.ndarray:
    """Each anchor's distance to its nearest other anchor in latent space ``[n]``."""
    n = len(anchors)
    if n < 2:
        return np.ones(n)
    from scipy.spatial import cKDTree

    d = cKDTree(anchors).query(anchors, k=2)[0][:, 1] if anchors.shape[1] <= 32 else None
    if d is None:  # high-dimensional latents: brute force in blocks
        sq = (anchors.astype(np.float64) ** 2).sum(1)
        d = np.empty(n)
        for a in range(0, n, 1024):
            blk = sq[a : a + 1024, None] + sq[None] - 2.0 * anchors[a : a + 1024] @ anchors.T
            blk[np.arange(len(blk)), np.arange(a, a + len(blk))] = np.inf
            d[a : a + 1024] = np.sqrt(np.maximum(blk.min(1), 0.0))
    positive = d[d > 0]
    floor = float(np.median(positive)) if positive.size else 1.0
    return np.maximum(d, 0.1 * floor)
