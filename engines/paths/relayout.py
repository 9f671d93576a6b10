"""Moving a path drawn on a map to where its sounds went when the map was laid out again.

A path's positions were chosen among the sounds of the map it was recorded on; when UMAP lays
the map out anew, the path must be drawn among the same sounds, or its line crosses sounds it
does not play. Each position moves as its ``k`` nearest sounds of the old layout moved
(their displacements, inverse-distance weighted): on a sound it lands on that sound's new
place, and a layout that only shifts, or does not change, moves it the same way.

Thread: any (pure functions).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

NEIGHBOURS = 4


class LayoutMove:
    """Positions ``xy`` [P, 2] of a map whose sounds moved from ``old_xy`` [N, 2] to
    ``new_xy`` [N, 2] (same sounds, same order) -> where they lie among those sounds now,
    [P, 2] float32 (as they are when there are no sounds). The search tree over the old
    layout is built once, here (~30 ms at 100k sounds), for every path moved with it."""

    def __init__(self, old_xy: np.ndarray, new_xy: np.ndarray, k: int = NEIGHBOURS) -> None:
        old = np.asarray(old_xy, np.float64).reshape(-1, 2)
        new = np.asarray(new_xy, np.float64).reshape(-1, 2)
        if old.shape != new.shape:
            raise ValueError(f"{len(old)} old positions but {len(new)} new ones")
        self._k = min(k, len(old))
        self._shift = new - old
        self._tree = cKDTree(old) if len(old) else None

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        if self._tree is None or len(xy) == 0:
            return xy.astype(np.float32)
        k = self._k
        dist, idx = self._tree.query(xy, k=k)
        dist, idx = dist.reshape(len(xy), k), idx.reshape(len(xy), k)
        weights = 1.0 / np.maximum(dist, 1e-12) ** 2
        weights /= weights.sum(axis=1, keepdims=True)
        return (xy + np.einsum("pk,pkd->pd", weights, self._shift[idx])).astype(np.float32)

    @classmethod
    def of_sounds(
        cls, old_ids: np.ndarray, old_xy: np.ndarray, new_ids: np.ndarray, new_xy: np.ndarray
    ) -> LayoutMove:
        """The move of the sounds two layouts share, given as ids ``[N]`` / ``[M]`` with
        their positions ``[N, 2]`` / ``[M, 2]`` in any order; sounds only one of them holds
        (added or removed between them) take no part."""
        old_ids, new_ids = np.asarray(old_ids, np.int64), np.asarray(new_ids, np.int64)
        _, in_old, in_new = np.intersect1d(old_ids, new_ids, return_indices=True)
        return cls(np.asarray(old_xy)[in_old], np.asarray(new_xy)[in_new])
