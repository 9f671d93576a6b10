"""Pooling a sound's latent trajectory into one vector for the map."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _stacked(trajectories: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All frames in one ``[sum T, L]`` float64 array, and each sound's first row."""
    frames = np.concatenate([np.asarray(t, np.float32) for t in trajectories]).astype(np.float64)
    lengths = np.array([len(t) for t in trajectories])
    return frames, np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths


def anchor_latents(trajectories: Sequence[np.ndarray]) -> np.ndarray:
    """Each sound's representative latent frame, its time mean: ``[n, L]`` float32."""
    frames, starts, lengths = _stacked(trajectories)
    return (np.add.reduceat(frames, starts, axis=0) / lengths[:, None]).astype(np.float32)


def pooled_features(trajectories: Sequence[np.ndarray]) -> np.ndarray:
    """Map features ``[n, 2L]`` float32: per-dimension mean and standard deviation over time.

    The mean says where a sound sits in latent space, the deviation how much it moves (a
    steady drone and a percussive hit with the same mean land apart).
    """
    frames, starts, lengths = _stacked(trajectories)
    mean = np.add.reduceat(frames, starts, axis=0) / lengths[:, None]
    square = np.add.reduceat(frames * frames, starts, axis=0) / lengths[:, None]
    std = np.sqrt(np.maximum(square - mean * mean, 0.0))
    return np.concatenate([mean, std], axis=1).astype(np.float32)


def standardise(
    features: np.ndarray, mean: np.ndarray | None = None, scale: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-score columns (fitting ``mean``/``scale`` when not given); returns (z, mean, scale)."""
    f = np.asarray(features, np.float64)
    if mean is None or scale is None:
        mean = f.mean(axis=0)
        scale = f.std(axis=0)
        scale[scale < 1e-9] = 1.0
    return ((f - mean) / scale).astype(np.float32), mean, scale
