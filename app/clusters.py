"""Colour groups for a map whose sounds share one folder and have no tags: k-means clusters.

Runs on a worker (called from ``project_session``); plain numpy, deterministic for a seed.
"""

from __future__ import annotations

import numpy as np


def cluster_count(n: int) -> int:
    """About one colour per ~12 sounds, between 3 and 8 (the legend stays readable)."""
    return int(np.clip(round(np.sqrt(n / 2.0)), 3, 8)) if n >= 6 else 1


def kmeans(features: np.ndarray, k: int, seed: int = 0, iters: int = 40) -> np.ndarray:
    """Labels ``[n]`` int64 in 0..k-1 for ``features`` ``[n, d]``, ordered by cluster size.

    k-means++ seeding, Lloyd iterations; empty clusters are re-seeded at the farthest point.
    """
    x = np.asarray(features, np.float64)
    n = len(x)
    if k <= 1 or n <= k:
        return np.zeros(n, np.int64)
    rng = np.random.default_rng(seed)
    centres = [x[rng.integers(n)]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(x[rng.choice(n, p=d2 / d2.sum())] if d2.sum() > 0 else x[rng.integers(n)])
    c = np.array(centres)
    labels = np.zeros(n, np.int64)
    for _ in range(iters):
        d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        new = d2.argmin(1)
        for j in range(k):
            members = x[new == j]
            c[j] = members.mean(0) if len(members) else x[d2.min(1).argmax()]
        if np.array_equal(new, labels):
            break
        labels = new
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    return np.argsort(order)[labels].astype(np.int64)
