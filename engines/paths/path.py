"""``LatentPath``: a recorded gesture on the map, as time-stamped map positions and latents.

A path is a piecewise-linear function of time: between two points, position and latent move in
a straight line. A *step* (a click that jumps somewhere new) is two points with the same
timestamp, the old value then the new one, so the path holds the old value up to the click and
jumps there. Times start at 0 and never decrease.

Paths are immutable: every edit (:mod:`.edits`) returns a new one, which makes undo a list of
paths (:class:`~.history.PathEditHistory`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import LatentscapeError
from .controls import ControlLane


class PathError(LatentscapeError):
    """A path is unusable (bad arrays, bad edit arguments, a corrupt or unknown file)."""


@dataclass(frozen=True)
class PathFrames:
    """A path sampled on a regular grid (see :meth:`LatentPath.frames_at_rate`).

    Attributes
    ----------
    times_s : np.ndarray
        ``[m]`` float64, playback time of each frame in seconds from the start of playback
        (already divided by the speed).
    path_times_s : np.ndarray
        ``[m]`` float64, the position of each frame on the path's own time axis (for a cursor).
    xy : np.ndarray
        ``[m, 2]`` float32 map positions.
    latents : np.ndarray
        ``[m, latent_size]`` float32 latent frames, ready for a decoder.
    frame_rate_hz : float
        Frames per second of playback time.
    """

    times_s: np.ndarray
    path_times_s: np.ndarray
    xy: np.ndarray
    latents: np.ndarray
    frame_rate_hz: float

    def __len__(self) -> int:
        return int(self.times_s.shape[0])


def _as_array(value: Any, dtype: type, name: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        raise PathError(f"path {name}: not a numeric array ({exc})") from None
    if not np.all(np.isfinite(arr)):
        raise PathError(f"path {name}: contains NaN or infinite values")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class LatentPath:
    """A gesture: ``n`` >= 1 points, each a time, a map position and the latent that played.

    Attributes
    ----------
    times_s : np.ndarray
        ``[n]`` float64 seconds from the start; ``times_s[0] == 0``, non-decreasing (equal
        neighbours mark a step).
    xy : np.ndarray
        ``[n, 2]`` float32 positions in the map's unit square (x, y in 0..1; values outside are
        kept, and clipped only where an export needs a bounded range).
    latents : np.ndarray
        ``[n, latent_size]`` float32 latent frames.
    name : str
        Display name.
    seed : int or None
        Noise seed for decoding this path (``None``: fresh noise on every render).
    model_hash : str
        SHA-256 of the model file the latents belong to ("" when unknown).
    meta : dict
        Free JSON-able data kept through save/load (colour, playback speed, loop, …).
    controls : ControlLane or None
        The latent controls recorded with the path (:mod:`.controls`): events at times
        within ``[0, duration_s]``, step-held. ``None`` (older paths, imported files without
        one): the path plays with whatever the controls are.

    Arrays are read-only copies; the constructor validates shapes and values and raises
    :class:`PathError` with one line saying what is wrong.
    """

    times_s: np.ndarray
    xy: np.ndarray
    latents: np.ndarray
    name: str = "path"
    seed: int | None = 0
    model_hash: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    controls: ControlLane | None = None

    def __post_init__(self) -> None:
        times = _as_array(self.times_s, np.float64, "times")
        xy = _as_array(self.xy, np.float32, "xy")
        latents = _as_array(self.latents, np.float32, "latents")
        if times.ndim != 1 or times.shape[0] == 0:
            raise PathError(f"path times: expected a non-empty 1-D array, got shape {times.shape}")
        n = times.shape[0]
        if xy.shape != (n, 2):
            raise PathError(f"path xy: expected shape ({n}, 2), got {xy.shape}")
        if latents.ndim != 2 or latents.shape[0] != n or latents.shape[1] == 0:
            raise PathError(f"path latents: expected shape ({n}, latent_size), got {latents.shape}")
        if times[0] != 0.0:
            raise PathError(f"path times: must start at 0 s, starts at {float(times[0]):g} s")
        if np.any(np.diff(times) < 0):
            raise PathError("path times: must never decrease")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0
        ):
            raise PathError(
                f"path seed: expected an integer of 0 or more, or None, got {self.seed!r}"
            )
        lane = self.controls
        if lane is not None:
            if not isinstance(lane, ControlLane):
                try:
                    lane = ControlLane(*lane)
                except (TypeError, ValueError) as exc:
                    raise PathError(str(exc) or "path controls: expected (times, values)") from None
            if lane.times_s[-1] > times[-1]:
                raise PathError(
                    f"path controls: an event at {float(lane.times_s[-1]):g} s is after the "
                    f"path's end ({float(times[-1]):g} s)"
                )
        object.__setattr__(self, "controls", lane)
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "latents", latents)
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "model_hash", str(self.model_hash))
        object.__setattr__(self, "meta", dict(self.meta))

    # ------------------------------------------------------------------ properties
    @property
    def point_count(self) -> int:
        return int(self.times_s.shape[0])

    def __len__(self) -> int:
        return self.point_count

    @property
    def latent_size(self) -> int:
        return int(self.latents.shape[1])

    @property
    def duration_s(self) -> float:
        return float(self.times_s[-1])

    def plays_with(self, info) -> bool:
        """Whether the model with ``info`` (a ``ModelInfo``) decodes these latents as recorded:
        the same latent size and, when the path names its model, that model's file or latent
        space (an export of the checkpoint it was recorded with)."""
        if info.latent_size != self.latent_size:
            return False
        return not self.model_hash or self.model_hash in (info.content_hash, info.space)

    def replace(self, **changes: Any) -> LatentPath:
        """A copy with ``changes`` applied (``name=``, ``times_s=``, …), validated again."""
        return dataclasses.replace(self, **changes)

    def equals(self, other: LatentPath) -> bool:
        """True when every array and field is identical (bit for bit)."""
        return (
            np.array_equal(self.times_s, other.times_s)
            and np.array_equal(self.xy, other.xy)
            and np.array_equal(self.latents, other.latents)
            and (self.name, self.seed, self.model_hash, self.meta)
            == (other.name, other.seed, other.model_hash, other.meta)
            and (
                self.controls.equals(other.controls)
                if self.controls is not None
                else other.controls is None
            )
        )

    # ------------------------------------------------------------------ sampling
    def sample(self, path_times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position and latent at arbitrary times on the path's own axis.

        Parameters
        ----------
        path_times_s : np.ndarray
            ``[m]`` seconds; values outside ``[0, duration_s]`` get the end values.

        Returns
        -------
        xy : np.ndarray
            ``[m, 2]`` float32.
        latents : np.ndarray
            ``[m, latent_size]`` float32.

        At a step (equal timestamps) the later value wins, as it did live.
        """
        t = np.asarray(path_times_s, dtype=np.float64).reshape(-1)
        values = np.concatenate([self.xy, self.latents], axis=1).astype(np.float64)
        out = interpolate_rows(self.times_s, values, t)
        return out[:, :2].astype(np.float32), out[:, 2:].astype(np.float32)

    def frames_at_rate(
        self, frame_rate_hz: float, speed: float = 1.0, loop: bool = False
    ) -> PathFrames:
        """Resample onto a regular playback grid, e.g. a model's frame rate.

        Parameters
        ----------
        frame_rate_hz : float
            Frames per second of playback (``engine.info.frame_rate_hz`` for a decoder).
        speed : float
            Playback speed; 2.0 plays the path in half its duration.
        loop : bool
            False: frames at ``k / frame_rate_hz`` for every ``k`` with the time inside the
            played duration ``duration_s / speed`` (both ends included, so at least one frame).
            True: one seamless cycle to repeat back to back: ``max(1, round(duration_s / speed
            * frame_rate_hz))`` frames covering ``[0, period)``; the cycle length is rounded to
            whole frames (at most half a frame off).

        Returns
        -------
        PathFrames
        """
        if not (frame_rate_hz > 0 and np.isfinite(frame_rate_hz)):
            raise PathError(f"frame rate must be a positive number, got {frame_rate_hz!r}")
        if not (speed > 0 and np.isfinite(speed)):
            raise PathError(f"playback speed must be a positive number, got {speed!r}")
        played_s = self.duration_s / speed
        if loop:
            count = max(1, round(played_s * frame_rate_hz))
        else:
            # tiny tolerance so a duration that is a whole number of frames keeps its last frame
            count = int(np.floor(played_s * frame_rate_hz + 1e-9)) + 1
        times = np.arange(count, dtype=np.float64) / frame_rate_hz
        path_times = np.minimum(times * speed, self.duration_s)
        xy, latents = self.sample(path_times)
        return PathFrames(times, path_times, xy, latents, float(frame_rate_hz))


def interpolate_rows(xp: np.ndarray, fp: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Piecewise-linear interpolation of rows ``fp [n, d]`` at ``x [m]``; ``xp`` non-decreasing.

    Outside ``[xp[0], xp[-1]]`` the end rows are held. Where ``xp`` repeats (a step), ``x``
    equal to the step time takes the last row of the step.
    """
    n = xp.shape[0]
    if n == 1:
        return np.repeat(fp[:1], x.shape[0], axis=0)
    # index of the segment start: last i with xp[i] <= x (the later row at a step)
    i = np.searchsorted(xp, x, side="right") - 1
    i = np.clip(i, 0, n - 2)
    x0 = xp[i]
    x1 = xp[i + 1]
    span = x1 - x0
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(span > 0, (x - x0) / np.where(span > 0, span, 1.0), 1.0)
    w = np.clip(w, 0.0, 1.0)[:, None]
    return fp[i] * (1.0 - w) + fp[i + 1] * w
