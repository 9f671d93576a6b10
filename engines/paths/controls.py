"""``ControlLane``: the latent controls moved during a take, as an automation lane of its path.

The latent controls (offset and scale of latent dims z0-z7, and temperature) are one global
transform every voice applies (:class:`latentscape.engines.audio.latent_transform
.LatentTransform`). A take records their state as a lane of timed events, as a DAW records a
plug-in's knobs: the state at the start of the take, then each change. Between events a value
holds (step-held); at equal times the later event wins.

Each event is 17 float32 values (:data:`CONTROL_COLUMNS`): ``offset[8]``, ``scale[8]`` (dims
beyond a model's latent size are ignored, dims beyond 8 are left alone) and ``temperature``
(1.0 = the model as trained; above 1 adds latent noise of standard deviation ``t - 1``).

What a lane does to a path's latents: ``z'[d] = z[d] * scale[d](t) + offset[d](t)`` for
``d < 8``, then noise of std ``max(0, temperature(t) - 1)`` on every dim. :func:`heard` bakes
the offset and scale into the path exactly (no noise: CSV, MIDI); :func:`with_noise` adds the
noise on a render's frame grid (renders). The lane edits below keep a lane on its path's
timeline as :mod:`.edits` changes it.

Thread: any (pure functions on immutable values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .path import LatentPath

CONTROL_DIMS = 8
CONTROL_COLUMNS = 2 * CONTROL_DIMS + 1  # offset[8], scale[8], temperature
TEMPERATURE = 2 * CONTROL_DIMS  # column of the temperature
REST = np.array([0.0] * CONTROL_DIMS + [1.0] * CONTROL_DIMS + [1.0], np.float32)
"""The controls at rest: offsets 0, scales 1, temperature 1 (no added noise)."""
OFFSET_RANGE = (-3.0, 3.0)
SCALE_RANGE = (0.0, 2.0)
TEMPERATURE_RANGE = (0.0, 2.0)
"""What the sliders offer (widgets/latent_controls.py), and so what a lane may hold: a value
beyond them would render one way and play live, on a slider that stops at its end, another."""


class _LaneError(ValueError):
    """A bad lane (wrapped in :class:`~.path.PathError` by the path that holds it)."""


def control_values(offset: Any = (), scale: Any = (), temperature: float = 1.0) -> np.ndarray:
    """One event's ``[17]`` float32 values; missing dims take their rest value (0, 1)."""
    out = REST.copy()
    off = np.asarray(offset, np.float32).reshape(-1)[:CONTROL_DIMS]
    sc = np.asarray(scale, np.float32).reshape(-1)[:CONTROL_DIMS]
    out[: off.shape[0]] = off
    out[CONTROL_DIMS : CONTROL_DIMS + sc.shape[0]] = sc
    out[TEMPERATURE] = float(temperature)
    return out


@dataclass(frozen=True, eq=False)
class ControlLane:
    """Timed events of the latent controls.

    Attributes
    ----------
    times_s : np.ndarray
        ``[k]`` float64 seconds on the path's time axis; ``times_s[0] == 0``, non-decreasing.
    values : np.ndarray
        ``[k, 17]`` float32: ``offset[8]``, ``scale[8]``, ``temperature`` from each time on.

    Arrays are read-only copies; a bad lane raises ValueError with one line saying what.
    """

    times_s: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        try:
            t = np.array(self.times_s, np.float64, copy=True)
            v = np.array(self.values, np.float32, copy=True)
        except (TypeError, ValueError) as exc:
            raise _LaneError(f"path controls: not numeric arrays ({exc})") from None
        if t.ndim != 1 or t.shape[0] == 0:
            raise _LaneError(f"path controls: expected non-empty times, got shape {t.shape}")
        if v.shape != (t.shape[0], CONTROL_COLUMNS):
            raise _LaneError(
                f"path controls: expected values of shape ({t.shape[0]}, {CONTROL_COLUMNS}), "
                f"got {v.shape}"
            )
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(v))):
            raise _LaneError("path controls: contain NaN or infinite values")
        if t[0] != 0.0 or np.any(np.diff(t) < 0):
            raise _LaneError("path controls: times must start at 0 s and never decrease")
        columns = (
            ("offset", v[:, :CONTROL_DIMS], OFFSET_RANGE),
            ("scale", v[:, CONTROL_DIMS:TEMPERATURE], SCALE_RANGE),
            ("temperature", v[:, TEMPERATURE], TEMPERATURE_RANGE),
        )
        for name, column, (lo, hi) in columns:
            if np.any(column < lo) or np.any(column > hi):
                raise _LaneError(f"path controls: {name} values must lie in {lo:g}..{hi:g}")
        t.setflags(write=False)
        v.setflags(write=False)
        object.__setattr__(self, "times_s", t)
        object.__setattr__(self, "values", v)

    @classmethod
    def constant(cls, values: Any) -> ControlLane:
        """A lane of one event at 0 s: ``values`` ``[17]`` all along."""
        return cls(np.zeros(1), np.asarray(values, np.float32).reshape(1, CONTROL_COLUMNS))

    @property
    def offset(self) -> np.ndarray:
        """``[k, 8]`` float32 offsets."""
        return self.values[:, :CONTROL_DIMS]

    @property
    def scale(self) -> np.ndarray:
        """``[k, 8]`` float32 scales."""
        return self.values[:, CONTROL_DIMS:TEMPERATURE]

    @property
    def temperature(self) -> np.ndarray:
        """``[k]`` float32 temperatures."""
        return self.values[:, TEMPERATURE]

    def __len__(self) -> int:
        return int(self.times_s.shape[0])

    def equals(self, other: ControlLane | None) -> bool:
        return (
            other is not None
            and np.array_equal(self.times_s, other.times_s)
            and np.array_equal(self.values, other.values)
        )

    def at(self, t: Any) -> np.ndarray:
        """``[m, 17]`` float32 values in effect at times ``t`` ``[m]`` (the later event at a
        time wins; before 0 the first event)."""
        i = np.searchsorted(self.times_s, np.asarray(t, np.float64).reshape(-1), side="right")
        return self.values[np.maximum(i - 1, 0)]

    def before(self, t: float) -> np.ndarray:
        """``[17]`` values in effect just before time ``t`` (the first event's at 0)."""
        i = int(np.searchsorted(self.times_s, float(t), side="left"))
        return self.values[max(i - 1, 0)]


def apply_controls(latents: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``latents`` ``[m, L]`` with each row's offset/scale ``values`` ``[m, 17]`` applied:
    ``z[:, d] * scale[d] + offset[d]`` for ``d < min(L, 8)``, in float32 as a voice does."""
    z = np.array(latents, np.float32, copy=True)
    v = np.asarray(values, np.float32)
    k = min(z.shape[1], CONTROL_DIMS)
    z[:, :k] *= v[:, CONTROL_DIMS : CONTROL_DIMS + k]
    z[:, :k] += v[:, :k]
    return z


def noise_std(values: np.ndarray) -> np.ndarray:
    """``[m]`` latent noise std of ``values`` ``[m, 17]``: ``max(0, temperature - 1)``."""
    return np.maximum(0.0, np.asarray(values, np.float64)[:, TEMPERATURE] - 1.0)


def heard(path: LatentPath) -> LatentPath:
    """``path`` with its lane's offset and scale baked into its latents, and no lane: the
    latents as heard (without the temperature's noise), exactly. A path without a lane is
    returned as it is.

    The result is piecewise linear like any path: at each lane event a step (two points at
    its time: the old controls, then the new) is inserted; points of ``path`` at that time
    are replaced by the step, its first and last value.
    """
    lane = path.controls
    if lane is None:
        return path
    from .path import interpolate_rows

    t = path.times_s
    rows = np.concatenate([path.xy, path.latents], axis=1).astype(np.float64)
    events = np.unique(lane.times_s[lane.times_s > 0])
    keep = ~np.isin(t, events)
    times, values, controls, order = [t[keep]], [rows[keep]], [lane.at(t[keep])], [keep[keep]]
    for s in events:
        first = int(np.searchsorted(t, s, side="left"))
        last = int(np.searchsorted(t, s, side="right")) - 1
        inner = interpolate_rows(t, rows, np.array([s]))[0]
        left = rows[first] if first < len(t) and t[first] == s else inner
        right = rows[last] if last >= 0 and t[last] == s else inner
        times.append(np.array([s, s]))
        values.append(np.stack([left, right]))
        controls.append(np.stack([lane.before(s), lane.at([s])[0]]))
        order.append(np.array([False, True]))
    all_t = np.concatenate(times)
    sort = np.lexsort((np.concatenate(order), all_t))  # stable: a path's steps keep order
    v = np.concatenate(values)[sort]
    z = apply_controls(v[:, 2:].astype(np.float32), np.concatenate(controls)[sort])
    return path.replace(times_s=all_t[sort], xy=v[:, :2], latents=z, controls=None)


def with_noise(path: LatentPath, lane: ControlLane, step_s: float, seed: int | None) -> LatentPath:
    """``path`` (offset/scale already applied: :func:`heard`) with the lane's noise added on
    a render's frame grid: a point every ``step_s`` path seconds (a frame of the model at the
    render's speed) from 0 to the end, each ``z + std(t) * N(0, 1)`` drawn from
    ``np.random.default_rng(seed)``. The path as it is when the lane adds no noise."""
    if not np.any(noise_std(lane.values) > 0) or not step_s > 0:
        return path
    count = int(np.floor(path.duration_s / step_s + 1e-9)) + 1
    grid = np.minimum(np.arange(count) * step_s, path.duration_s)  # as a voice times frames
    xy, z = path.sample(grid)
    std = noise_std(lane.at(grid)).astype(np.float32)
    rng = np.random.default_rng(seed)
    z = z + std[:, None] * rng.standard_normal(z.shape, np.float32)
    if grid[-1] < path.duration_s:  # the last frame holds to the end
        grid = np.append(grid, path.duration_s)
        xy, z = np.vstack([xy, xy[-1:]]), np.vstack([z, z[-1:]])
    return path.replace(times_s=grid, xy=xy, latents=z, controls=None)


# -- the lane through the path's edits --------------------------------------------------------
def lane_trim(lane: ControlLane, start_s: float, end_s: float) -> ControlLane:
    """The lane between ``start_s`` and ``end_s``, re-timed to start at 0: the value at
    ``start_s`` from 0, then the events inside (one at ``end_s`` is never heard: dropped)."""
    inside = (lane.times_s > start_s) & (lane.times_s < end_s)
    times = np.concatenate([[0.0], lane.times_s[inside] - start_s])
    values = np.concatenate([lane.at([start_s]), lane.values[inside]])
    return ControlLane(np.minimum(times, max(0.0, end_s - start_s)), values)


def lane_join(head: ControlLane, tail: ControlLane, at_s: float) -> ControlLane:
    """``head`` then ``tail`` from ``at_s`` on (``tail`` re-timed by ``at_s``)."""
    return ControlLane(
        np.concatenate([head.times_s, tail.times_s + at_s]),
        np.concatenate([head.values, tail.values]),
    )


def lane_retimed(lane: ControlLane, divisor: float, end_s: float) -> ControlLane:
    """Every time divided by ``divisor``, as :func:`~.edits.change_speed` divides the path's
    (kept within its new end ``end_s``, whatever rounding did)."""
    return ControlLane(np.minimum(lane.times_s / divisor, end_s), lane.values)


def lane_reversed(lane: ControlLane, duration_s: float) -> ControlLane:
    """The lane backwards on a path of ``duration_s``: what held over ``[t_i, t_i+1)`` holds
    over ``(d - t_i+1, d - t_i]``."""
    t = np.concatenate([[0.0], duration_s - lane.times_s[:0:-1]])
    return ControlLane(np.clip(t, 0.0, duration_s), lane.values[::-1])


def lane_tiled(lane: ControlLane, count: int, period_s: float, stretch: float) -> ControlLane:
    """``count`` passes of the lane back to back, each time multiplied by ``stretch`` and
    pass ``k`` starting at ``k * period_s`` (a pass never runs past its period)."""
    t = np.minimum(lane.times_s * stretch, period_s)
    times = np.concatenate([t + k * period_s for k in range(count)])
    return ControlLane(np.maximum.accumulate(times), np.tile(lane.values, (count, 1)))
