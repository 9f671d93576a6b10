"""How good and how new a prior's windows are, measured against real held-out windows.

- :func:`window_features`: pooled features of each window (per latent dimension: mean and
  standard deviation over time, mean absolute frame-to-frame change), after normalising by the
  training statistics so every dimension counts alike.
- :func:`frechet_distance`: Fréchet distance between Gaussians fitted to two feature sets
  (as in FID/FAD). Lower is closer to the real distribution.
- :func:`nearest_neighbour_diversity`: distance from each window to its nearest training window
  (Euclidean, normalised, flattened). Generated windows should be about as far from the training
  set as real held-out windows are; much closer means the prior copies training sounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from .base import PriorError


def window_features(windows: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Features ``[n, 3 * latent]`` float64 of windows ``[n, frames, latent]``."""
    w = (np.asarray(windows, np.float64) - mean) / std
    if w.ndim != 3:
        raise PriorError(f"windows must be [n, frames, latent], got {list(w.shape)}")
    motion = np.abs(np.diff(w, axis=1)).mean(1)
    return np.concatenate([w.mean(1), w.std(1), motion], axis=1)


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to ``[n, d]`` feature sets (n ≥ 2 each)."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise PriorError("Fréchet distance needs two [n ≥ 2, d] feature sets of equal width")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    cov_a, cov_b = np.atleast_2d(cov_a), np.atleast_2d(cov_b)
    # tr sqrt(A B) = Σ sqrt(eig(sqrt(A) B sqrt(A))): symmetric, so eigh is exact and stable
    vals, vecs = linalg.eigh(cov_a)
    root_a = (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T
    inner = linalg.eigvalsh(root_a @ cov_b @ root_a)
    cross = float(np.sqrt(np.clip(inner, 0.0, None)).sum())
    trace = np.trace(cov_a) + np.trace(cov_b) - 2.0 * cross
    return float(np.sum((mu_a - mu_b) ** 2) + max(trace, 0.0))


def frechet_windows(
    generated: np.ndarray, reference: np.ndarray, mean: np.ndarray, std: np.ndarray
) -> float:
    """Fréchet distance between pooled features of two window sets ``[n, frames, latent]``."""
    return frechet_distance(
        window_features(generated, mean, std), window_features(reference, mean, std)
    )


def nearest_distances(
    queries: np.ndarray, train: np.ndarray, mean: np.ndarray, std: np.ndarray
) -> np.ndarray:
    """Distance ``[n]`` from each query window to its nearest training window."""
    q = ((np.asarray(queries, np.float64) - mean) / std).reshape(len(queries), -1)
    t = ((np.asarray(train, np.float64) - mean) / std).reshape(len(train), -1)
    t_sq = (t**2).sum(1)
    best = np.empty(len(q))
    for start in range(0, len(q), 256):  # bounded memory for large training sets
        chunk = q[start : start + 256]
        d2 = (chunk**2).sum(1)[:, None] + t_sq[None] - 2.0 * chunk @ t.T
        best[start : start + 256] = np.sqrt(np.maximum(d2.min(1), 0.0))
    return best


@dataclass(frozen=True)
class Diversity:
    """Nearest-training-window distances: generated vs real held-out windows.

    ``ratio`` = median generated / median held-out distance (≈ 1: as novel as real new sounds;
    ≪ 1: copies). ``copy_fraction`` = share of generated windows closer to the training set than
    the closest 5 % of held-out windows are.
    """

    generated_median: float
    held_out_median: float
    ratio: float
    copy_fraction: float


def nearest_neighbour_diversity(
    generated: np.ndarray,
    held_out: np.ndarray,
    train: np.ndarray,
    mean: np.ndarray,
    std: np.ndarray,
) -> Diversity:
    """Compare how close generated and held-out windows come to the training windows."""
    gen_d = nearest_distances(generated, train, mean, std)
    held_d = nearest_distances(held_out, train, mean, std)
    held_median = float(np.median(held_d))
    threshold = 0.1 * held_median
    return Diversity(
        generated_median=float(np.median(gen_d)),
        held_out_median=held_median,
        ratio=float(np.median(gen_d) / max(held_median, 1e-12)),
        copy_fraction=float(np.mean(gen_d < threshold)),
    )
