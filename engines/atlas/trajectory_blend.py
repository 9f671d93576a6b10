"""Blend nearby sounds' trajectories, time-aligned, for "play what lies here"."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def resample_time(trajectory: np.ndarray, frames: int) -> np.ndarray:
    """Linear resampling of ``[T, L]`` along time to ``[frames, L]`` (same start and end)."""
    t = np.asarray(trajectory, np.float32)
    if t.shape[0] == frames:
        return t
    if t.shape[0] == 1:
        return np.repeat(t, frames, axis=0)
    src = np.linspace(0.0, t.shape[0] - 1.0, frames)
    i0 = np.minimum(src.astype(np.int64), t.shape[0] - 2)
    w = (src - i0)[:, None].astype(np.float32)
    return t[i0] * (1 - w) + t[i0 + 1] * w


def blend_trajectories(
    trajectories: Sequence[np.ndarray], weights: np.ndarray, frames: int | None = None
) -> np.ndarray:
    """Weighted blend of trajectories ``[T_i, L]`` aligned on a common, normalised time axis.

    Onsets line up because import trims leading silence. ``frames`` defaults to the weighted
    mean length, so a weight of 1 on one sound returns that sound's trajectory unchanged.
    """
    w = np.asarray(weights, np.float64)
    w = w / w.sum()
    if frames is None:
        lengths = np.array([len(t) for t in trajectories], np.float64)
        frames = max(1, round(float(w @ lengths)))
    out = np.zeros((frames, np.asarray(trajectories[0]).shape[1]), np.float32)
    for t, wi in zip(trajectories, w):
        if wi > 0:
            out += np.float32(wi) * resample_time(t, frames)
    return out
