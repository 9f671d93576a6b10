"""Simplify a polyline for drawing: fewer vertices, the same line to within a fraction of a pixel.

Qt strokes a path vertex by vertex, so a recorded gesture of 12,000 mouse moves costs as much to
paint as its vertex count says, though most of those vertices sit on the line their neighbours
already draw. Pure numpy, no Qt: callers scale the points to pixels first.
"""

from __future__ import annotations

import numpy as np

ANCHOR_EVERY = 128  # points kept from the start: fewer, cheaper rounds for ~1% more points
MAX_ROUNDS = 96  # breadth-first rounds; a path still undecided after them keeps its points


def segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each point ``p[i]`` to the segment ``a[i]``–``b[i]`` (all ``[m, 2]``).

    To the segment, not to its line: a point beyond an end (a gesture that overshoots and comes
    back) is as far as it looks. A segment of length 0 measures the distance to its one point.
    """
    ab = b - a
    ap = p - a
    den = np.einsum("ij,ij->i", ab, ab)
    num = np.einsum("ij,ij->i", ap, ab)
    t = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    np.clip(t, 0.0, 1.0, out=t)
    off = ap - ab * t[:, None]
    return np.sqrt(np.einsum("ij,ij->i", off, off))


def simplify_indices(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the points of the polyline ``xy`` [n, 2] to keep when drawing it.

    Ramer–Douglas–Peucker, run breadth-first so each round is a few numpy passes: every dropped
    point lies within ``tolerance`` (same units as ``xy``, e.g. pixels) of the segment drawn in
    its place, so corners, overshoots and jumps stay. The first and last points are always kept.
    Returns sorted int64 indices ``[k]``, ``k <= n``. Any thread (pure numpy).
    """
    p = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = len(p)
    if n <= 2:
        return np.arange(n, dtype=np.int64)
    keep = np.zeros(n, dtype=bool)
    keep[::ANCHOR_EVERY] = True  # fewer rounds, for a point kept in a hundred
    keep[n - 1] = True
    undecided = np.flatnonzero(~keep)
    for _ in range(MAX_ROUNDS):
        if not len(undecided):
            break
        kept = np.flatnonzero(keep)
        right = np.searchsorted(kept, undecided)  # the kept point after each undecided one
        d = segment_distance(p[undecided], p[kept[right - 1]], p[kept[right]])
        new_group = np.empty(len(right), dtype=bool)
        new_group[0] = True
        np.not_equal(right[1:], right[:-1], out=new_group[1:])
        starts = np.flatnonzero(new_group)
        group = np.cumsum(new_group) - 1  # which segment of the drawn line each point is on
        worst = np.maximum.reduceat(d, starts)
        split = worst > tolerance
        # Each segment with a point too far from it is split at its farthest point (the first
        # one, on a tie); the points of the other segments are settled: they are dropped.
        at_worst = np.flatnonzero((d == worst[group]) & split[group])
        if not len(at_worst):
            break
        first = at_worst[np.r_[True, group[at_worst][1:] != group[at_worst][:-1]]]
        keep[undecided[first]] = True
        still = split[group]
        still[first] = False
        undecided = undecided[still]
    else:
        keep[undecided] = True
    return np.flatnonzero(keep)


def ink_length(xy: np.ndarray) -> float:
    """Total length of the polyline ``xy`` [n, 2] (its units: pixels give pixels of ink)."""
    p = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if len(p) < 2:
        return 0.0
    return float(np.sqrt((np.diff(p, axis=0) ** 2).sum(axis=1)).sum())
