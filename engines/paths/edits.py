"""Edits of a :class:`~.path.LatentPath`; each returns a new path and leaves its input alone.

All edits work on the path as a piecewise-linear function of time (see :mod:`.path`), so they
treat positions and latents alike, and keep steps (equal timestamps) where they can. A path's
lane of latent controls (:mod:`.controls`) follows its timeline through trim, delete, speed and
reverse; smoothing leaves it as it is.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .controls import lane_join, lane_retimed, lane_reversed, lane_trim
from .path import LatentPath, PathError, interpolate_rows

SmoothMode = Literal["centred", "causal"]


def _values(path: LatentPath) -> np.ndarray:
    """``[n, 2 + latent_size]`` float64 rows of xy then latents."""
    return np.concatenate([path.xy, path.latents], axis=1).astype(np.float64)


def _rebuild(path: LatentPath, times: np.ndarray, values: np.ndarray, **changes) -> LatentPath:
    return path.replace(
        times_s=times,
        xy=values[:, :2].astype(np.float32),
        latents=values[:, 2:].astype(np.float32),
        **changes,
    )


def trim(path: LatentPath, start_s: float, end_s: float) -> LatentPath:
    """Keep the part between ``start_s`` and ``end_s`` (path seconds), re-timed to start at 0.

    The ends are cut exactly: a point is interpolated at each cut unless one is already there,
    so the result lasts ``end_s - start_s`` seconds.
    """
    d = path.duration_s
    if not (np.isfinite(start_s) and np.isfinite(end_s)):
        raise PathError(f"trim: times must be finite numbers, got {start_s!r}..{end_s!r}")
    start_s, end_s = float(max(0.0, start_s)), float(min(d, end_s))
    if end_s < start_s or (end_s == start_s and d > 0):
        raise PathError(
            f"trim: nothing left between {start_s:.3f} s and {end_s:.3f} s "
            f"(the path lasts {d:.3f} s)"
        )
    t = path.times_s
    values = _values(path)
    inside = (t > start_s) & (t < end_s)
    first = interpolate_rows(t, values, np.array([start_s]))
    last = interpolate_rows(t, values, np.array([end_s]))
    at_end = t == end_s
    # at a step exactly on a cut, keep what plays after the start cut and before the end cut
    parts_t = [np.array([start_s]), t[inside]]
    parts_v = [first, values[inside]]
    if end_s > start_s:
        parts_t.append(np.array([end_s]))
        parts_v.append(values[at_end][:1] if at_end.any() else last)
    new_t = np.concatenate(parts_t) - start_s
    new_v = np.concatenate(parts_v)
    lane = path.controls
    if lane is not None:
        lane = lane_trim(lane, start_s, end_s)
    return _rebuild(path, new_t, new_v, controls=lane)


def delete_span(path: LatentPath, start_s: float, end_s: float) -> LatentPath:
    """Cut out ``start_s..end_s`` and join the rest; the result lasts ``end_s - start_s`` less.

    Where the two sides meet, the path steps from the value at ``start_s`` to the one at
    ``end_s``.
    """
    d = path.duration_s
    start_s, end_s = float(max(0.0, start_s)), float(min(d, end_s))
    if not end_s > start_s:
        raise PathError(f"delete: empty span {start_s:.3f}..{end_s:.3f} s")
    if start_s == 0.0 and end_s == d:
        raise PathError("delete: the span covers the whole path (delete the path instead)")
    pieces = []
    if start_s > 0.0:
        pieces.append(trim(path, 0.0, start_s))
    if end_s < d:
        pieces.append(trim(path, end_s, d))
    if len(pieces) == 1:
        return pieces[0]
    head, tail = pieces
    lane = None
    if head.controls is not None and tail.controls is not None:
        lane = lane_join(head.controls, tail.controls, head.duration_s)
    return path.replace(
        times_s=np.concatenate([head.times_s, tail.times_s + head.duration_s]),
        xy=np.concatenate([head.xy, tail.xy]),
        latents=np.concatenate([head.latents, tail.latents]),
        controls=lane,
    )


def change_speed(path: LatentPath, factor: float) -> LatentPath:
    """Play ``factor`` times faster: every timestamp is divided by ``factor`` (> 0)."""
    if not (factor > 0 and np.isfinite(factor)):
        raise PathError(f"speed factor must be a positive number, got {factor!r}")
    times = path.times_s / float(factor)
    lane = path.controls
    if lane is not None:
        lane = lane_retimed(lane, float(factor), float(times[-1]))
    return path.replace(times_s=times, controls=lane)


def reverse(path: LatentPath) -> LatentPath:
    """The same gesture backwards in time: a point at ``t`` moves to ``duration - t``."""
    t = path.duration_s - path.times_s[::-1]
    t[0] = 0.0  # exact, whatever rounding did
    lane = path.controls
    if lane is not None:
        lane = lane_reversed(lane, float(t[-1]))
    return path.replace(times_s=t, xy=path.xy[::-1], latents=path.latents[::-1], controls=lane)


def _running_integral(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Integral from ``times[0]`` to ``at`` of the piecewise-linear path; held beyond the ends."""
    dt = np.diff(times)[:, None]
    seg = 0.5 * (values[:-1] + values[1:]) * dt
    cum = np.concatenate([np.zeros((1, values.shape[1])), np.cumsum(seg, axis=0)])
    t0, t1 = times[0], times[-1]
    inner = np.clip(at, t0, t1)
    i = np.clip(np.searchsorted(times, inner, side="right") - 1, 0, max(0, len(times) - 2))
    if len(times) == 1:
        base = np.zeros((at.shape[0], values.shape[1]))
    else:
        v_at = interpolate_rows(times, values, inner)
        base = cum[i] + 0.5 * (values[i] + v_at) * (inner - times[i])[:, None]
    before = np.minimum(at - t0, 0.0)[:, None] * values[0]
    after = np.maximum(at - t1, 0.0)[:, None] * values[-1]
    return base + before + after


def smooth(path: LatentPath, window_s: float, mode: SmoothMode = "centred") -> LatentPath:
    """Moving average over ``window_s`` seconds of xy and latents.

    ``centred`` averages ``[t - w/2, t + w/2]`` (no delay: a straight ramp stays where it was);
    ``causal`` averages ``[t - w, t]`` as a live smoother would (a ramp arrives ``w/2`` late).
    Beyond the ends the end values are held. The average is exact for the piecewise-linear
    path; it is evaluated at the original times plus a grid every ``window_s / 4`` so the
    shape of a smoothed step is kept. ``window_s`` <= 0 returns the path unchanged.
    """
    if not np.isfinite(window_s):
        raise PathError(f"smooth: window must be a finite number of seconds, got {window_s!r}")
    if window_s <= 0 or path.point_count == 1:
        return path
    if mode not in ("centred", "causal"):
        raise PathError(f"smooth: mode must be 'centred' or 'causal', got {mode!r}")
    t = path.times_s
    values = _values(path)
    step = window_s / 4.0
    grid = np.arange(0.0, path.duration_s, step)
    at = np.unique(np.concatenate([t, grid, [path.duration_s]]))
    lo, hi = (at - window_s / 2, at + window_s / 2) if mode == "centred" else (at - window_s, at)
    mean = (_running_integral(t, values, hi) - _running_integral(t, values, lo)) / window_s
    return _rebuild(path, at, mean)
