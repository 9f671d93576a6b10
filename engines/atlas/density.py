"""How well the corpus supports the decoder at each map point (for an overlay)."""

from __future__ import annotations

import numpy as np


def density_grid(points: np.ndarray, grid_size: int = 128) -> np.ndarray:
    """Support ``[G, G]`` float32 in 0..1 (row = y) over the unit square.

    A Gaussian kernel density of the sounds' map positions with a bandwidth of twice the median
    nearest-neighbour spacing, divided by its median value *at the sounds*: 1 means "as well
    supported as a typical sound", near 0 "far from every sound". Clipped to 1. Computed on a
    grid (splat + blur), so it costs the same for 100 or 100,000 sounds.
    """
    from scipy.ndimage import gaussian_filter
    from scipy.spatial import cKDTree

    from .grid_ops import bilinear, splat_mass

    points = np.asarray(points, np.float64)
    g = grid_size
    if len(points) == 0:
        return np.zeros((g, g), np.float32)
    if len(points) > 1:
        spacing = float(np.median(cKDTree(points).query(points, k=2)[0][:, 1]))
    else:
        spacing = 0.05
    fine = 2 * g  # computed at twice the resolution, then averaged down
    h_cells = max(2.0 * spacing, 1.0 / g) * fine
    mass = splat_mass(points, fine)
    kde = gaussian_filter(mass, h_cells, mode="constant", truncate=4.0)
    at_points = float(np.median(bilinear(kde[..., None], points)))
    pooled = kde.reshape(g, 2, g, 2).mean(axis=(1, 3))
    return np.clip(pooled / max(at_points, 1e-12), 0.0, 1.0).astype(np.float32)
