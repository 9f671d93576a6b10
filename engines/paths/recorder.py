"""``PathRecorder``: capture the drags and clicks on the map as a :class:`~.path.LatentPath`.

The app calls :meth:`PathRecorder.start` when the user presses record, then
:meth:`PathRecorder.add` for every map event that sets what plays (a press is a ``click``, each
move while the button is down a ``drag``), and :meth:`PathRecorder.stop` to get the path.

What is stored matches what was heard: the live voice plays the newest target until the next
one arrives, so a ``click`` first repeats the previous point at the click's time (the path holds
the old value up to the click, then steps), while ``drag`` points are joined by straight lines.
A sound played by a click (:meth:`PathRecorder.add_sound`) is stored frame by frame as it
plays, then steps to what plays after it (the model's latent of silence: a one-shot dies away
in the path as it did live); a release of the scrub voice (:meth:`PathRecorder.release`) steps
to that too. Frames of a sound still ahead of the clock are cut where the next event comes, as
the live audition was.

The latent controls (:mod:`.controls`) are recorded too, as the path's lane: their state at
the press of record (``start(controls=)``), then each change the user makes
(:meth:`PathRecorder.add_controls`), on the same clock as the map's events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from .controls import CONTROL_COLUMNS, ControlLane
from .path import LatentPath, PathError

EventKind = Literal["click", "drag"]


class PathRecorder:
    """Thread-safe recorder of time-stamped map events.

    Parameters
    ----------
    clock : callable, optional
        Monotonic clock in seconds (default :func:`time.monotonic`); tests inject their own.

    Every method may be called from any thread (a lock guards the buffers); :meth:`add` is
    cheap (appends to lists) and never blocks on anything but that lock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._recording = False
        self._t0 = 0.0
        self._times: list[float] = []
        self._xy: list[np.ndarray] = []
        self._latents: list[np.ndarray] = []
        self._latent_size: int | None = None
        self._starts_at_first_event = True
        # Frames of a clicked sound not yet due: (time s, xy [2], latent [L]), oldest first.
        self._ahead: list[tuple[float, np.ndarray, np.ndarray]] = []
        # The latent controls' events: (time s since the start, values [17]), oldest first.
        self._lane: list[tuple[float, np.ndarray]] = []
        # The first points stacked by the last snapshot: (count, times [n], xy [n, 2],
        # latents [n, L]), valid while _gen is what it was (start, relocate and stop bump it).
        self._gen = 0
        self._stacked: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def is_recording(self) -> bool:
        with self._lock:
            return self._recording

    @property
    def point_count(self) -> int:
        with self._lock:
            return len(self._times)

    def xy_so_far(self) -> np.ndarray:
        """``[n, 2]`` float32 copy of the positions recorded so far (for drawing it live)."""
        with self._lock:
            return np.array(self._xy + [xy for _, xy, _ in self._ahead], np.float32).reshape(-1, 2)

    def relocate(self, move: Callable[[np.ndarray], np.ndarray]) -> None:
        """The map was laid out again: ``move(xy [n, 2]) -> [n, 2]`` gives the positions
        recorded so far on the new layout (what comes next is recorded on it)."""
        with self._lock:
            self._gen, self._stacked = self._gen + 1, None
            if self._xy:
                self._xy = list(move(np.array(self._xy, np.float32)))
            self._ahead = [(t, move(xy[None])[0], z) for t, xy, z in self._ahead]

    @property
    def elapsed_s(self) -> float:
        """Seconds since :meth:`start` (0 when not recording)."""
        with self._lock:
            return self._clock() - self._t0 if self._recording else 0.0

    def start(
        self,
        initial: tuple[np.ndarray, np.ndarray] | None = None,
        at_s: float | None = None,
        controls: Any = None,
    ) -> None:
        """Begin a new recording, discarding any points not yet taken by :meth:`stop`.

        Parameters
        ----------
        initial : (xy, latent), optional
            What is playing when recording starts (``xy`` ``[2]``, ``latent`` ``[latent_size]``).
            Given, the path starts at the press of record with that point; omitted, the path
            starts at the first event.
        at_s : float, optional
            Clock reading to use as the start instead of reading the clock now.
        controls : array-like, optional
            ``[17]`` latent controls now (:data:`~.controls.CONTROL_COLUMNS`): the first event
            of the path's lane. Omitted, the lane starts at the first :meth:`add_controls`
            (and a take without any has none).
        """
        first = None if initial is None else self._check(initial[0], initial[1], "drag")
        state = None if controls is None else self._check_controls(controls)
        with self._lock:
            self._clear_locked()
            self._latent_size = None
            self._t0 = self._clock() if at_s is None else float(at_s)
            self._recording = True
            if state is not None:
                self._lane.append((0.0, state))
            self._starts_at_first_event = first is None
            if first is not None:
                self._append_locked(*first, "drag", self._t0)

    def add(
        self,
        xy: Any,
        latent: Any,
        kind: EventKind = "drag",
        at_s: float | None = None,
    ) -> bool:
        """Record one map event; returns False (and records nothing) when not recording.

        Parameters
        ----------
        xy : array-like
            ``[2]`` map position in the unit square.
        latent : array-like
            ``[latent_size]`` latent that plays for this event (float32).
        kind : {"click", "drag"}
            A ``click`` (mouse press) steps from the previous value; a ``drag`` moves on a line.
        at_s : float, optional
            Clock reading of the event (default: read the clock now).
        """
        xy_arr, z = self._check(xy, latent, kind)
        with self._lock:
            if not self._recording:
                return False
            self._append_locked(xy_arr, z, kind, self._clock() if at_s is None else float(at_s))
            return True

    def add_sound(
        self,
        xy: Any,
        trajectory: np.ndarray,
        frame_s: float,
        then: Any,
        at_s: float | None = None,
    ) -> bool:
        """Record a click that plays ``trajectory`` ``[frames, latent_size]`` (one frame every
        ``frame_s`` seconds) at ``xy`` from now on, then ``then`` ``[latent_size]`` (what plays
        once it has ended). Frames still ahead when the next event (or the stop) comes are
        cut there. Returns False (and records nothing) when not recording."""
        frames = np.asarray(trajectory, np.float32).reshape(-1, np.asarray(then).size)
        if not len(frames) or frame_s <= 0:
            raise PathError("a sound needs at least one frame and a positive frame duration")
        xy_arr, first = self._check(xy, frames[0], "click")
        _, after = self._check(xy, then, "click")
        if not np.all(np.isfinite(frames)):
            raise PathError("recorded latent contains NaN or infinite values")
        with self._lock:
            if not self._recording:
                return False
            now = self._clock() if at_s is None else float(at_s)
            self._append_locked(xy_arr, first, "click", now)
            t = self._times[-1]
            self._ahead = [(t + k * frame_s, xy_arr, frames[k]) for k in range(1, len(frames))]
            self._ahead.append((t + len(frames) * frame_s, xy_arr, frames[-1]))
            self._ahead.append((t + len(frames) * frame_s, xy_arr, after))  # it has ended
            return True

    def add_controls(self, values: Any, at_s: float | None = None) -> bool:
        """Record a change of the latent controls: ``values`` ``[17]`` from now on. Returns
        False (and records nothing) when not recording. Any thread (the GUI's, at a touch)."""
        state = self._check_controls(values)
        with self._lock:
            if not self._recording:
                return False
            if self._lane and np.array_equal(self._lane[-1][1], state):
                return True  # no change (automation shows each value again and again)
            now = (self._clock() if at_s is None else float(at_s)) - self._t0
            self._lane.append((max(now, self._lane[-1][0] if self._lane else 0.0), state))
            return True

    @staticmethod
    def _check_controls(values: Any) -> np.ndarray:
        state = np.array(values, np.float32).reshape(-1)
        if state.shape != (CONTROL_COLUMNS,) or not np.all(np.isfinite(state)):
            raise PathError(f"latent controls must be {CONTROL_COLUMNS} finite values")
        return state

    def release(self, then: Any, at_s: float | None = None) -> bool:
        """Record the release of a drag where it was last: from now on ``then``
        ``[latent_size]`` plays (the model's silence). Returns False (and records nothing)
        when not recording or nothing was recorded yet."""
        with self._lock:
            if not self._recording or not self._xy:
                return False
            xy = self._xy[-1]
        return self.add(xy, then, "click", at_s)

    @staticmethod
    def _check(xy: Any, latent: Any, kind: str) -> tuple[np.ndarray, np.ndarray]:
        xy_arr = np.array(xy, dtype=np.float32).reshape(-1)
        z = np.array(latent, dtype=np.float32).reshape(-1)
        if xy_arr.shape != (2,):
            raise PathError(f"recorded position must have 2 values, got {xy_arr.shape[0]}")
        if kind not in ("click", "drag"):
            raise PathError(f"event kind must be 'click' or 'drag', got {kind!r}")
        if not (np.all(np.isfinite(xy_arr)) and np.all(np.isfinite(z))):
            # refused here, so one bad event cannot spoil the whole recording at stop()
            raise PathError("recorded position or latent contains NaN or infinite values")
        return xy_arr, z

    def _append_locked(self, xy: np.ndarray, z: np.ndarray, kind: str, now: float) -> None:
        """Append one event (the caller holds the lock)."""
        if self._latent_size is None:
            self._latent_size = int(z.shape[0])
        elif z.shape[0] != self._latent_size:
            raise PathError(
                f"recorded latent has {z.shape[0]} dims, earlier ones had {self._latent_size}"
            )
        t = max(now - self._t0, self._times[-1] if self._times else 0.0)
        self._cut_ahead_locked(t)
        if kind == "click" and self._times and t > self._times[-1]:
            self._times.append(t)  # hold the previous value up to the click
            self._xy.append(self._xy[-1])
            self._latents.append(self._latents[-1])
        self._times.append(t)
        self._xy.append(xy)
        self._latents.append(z)

    def stop(
        self,
        name: str = "path",
        seed: int | None = 0,
        model_hash: str = "",
        hold_to_stop: bool = True,
        at_s: float | None = None,
    ) -> LatentPath | None:
        """End the recording and return the path (``None`` when no event was recorded).

        Parameters
        ----------
        name, seed, model_hash
            Stored on the path (see :class:`~.path.LatentPath`).
        hold_to_stop : bool
            True: the last value holds until the press of stop, so the path lasts as long as
            the recording did; False: the path ends at its last event.
        at_s : float, optional
            Clock reading of the stop (default: read the clock now).
        """
        with self._lock:
            if not self._recording:
                return None
            self._recording = False
            take = self._take_locked(at_s)
            lane = list(self._lane)
            self._clear_locked()
        if take is None:
            return None
        fields = {"name": name, "seed": seed, "model_hash": model_hash}
        return _as_path(*take, hold_to_stop, lane, **fields)

    def snapshot(
        self,
        name: str = "path",
        seed: int | None = 0,
        model_hash: str = "",
        at_s: float | None = None,
    ) -> LatentPath | None:
        """The take so far, recording going on: the path :meth:`stop` would return now (the
        last value held to now), or ``None`` when not recording or nothing was recorded yet.

        Any thread (the take's autosave calls it on a worker, every few seconds): the lock is
        held only to copy the points added since the last snapshot; the arrays are built
        outside it, and only those points are stacked (a 20-minute take, 72 000 points, is
        not converted again each time: that held the GIL for 100 ms).
        """
        with self._lock:
            if not self._recording or not self._times:
                return None
            gen, stacked = self._gen, self._stacked
            start = stacked[0] if stacked is not None else 0
            new_t, new_xy, new_z = self._times[start:], self._xy[start:], self._latents[start:]
            count, ahead = len(self._times), list(self._ahead)
            stop_t = (self._clock() if at_s is None else float(at_s)) - self._t0
            first_event = self._starts_at_first_event
            lane = list(self._lane)
        t = np.asarray(new_t, np.float64)
        p = np.stack(new_xy) if new_xy else np.zeros((0, 2), np.float32)
        z = np.stack(new_z) if new_z else None
        if stacked is not None:
            t, p = np.concatenate([stacked[1], t]), np.concatenate([stacked[2], p])
            z = stacked[3] if z is None else np.concatenate([stacked[3], z])
        with self._lock:
            if self._gen == gen:  # nothing cleared or moved meanwhile: keep them for next time
                self._stacked = (count, t, p, z)
        # the clicked sound's frames due by now (or what played now, between two of them)
        times, xy, latents = [float(t[-1])], [p[-1]], [z[-1]]
        _cut_ahead(times, xy, latents, ahead, max(stop_t, times[0]))
        if len(times) > 1:
            t = np.concatenate([t, times[1:]])
            p = np.concatenate([p, np.stack(xy[1:])])
            z = np.concatenate([z, np.stack(latents[1:])])
        fields = {"name": name, "seed": seed, "model_hash": model_hash}
        return _as_path(t, p, z, stop_t, first_event, True, lane, **fields)

    def _take_locked(self, at_s: float | None) -> tuple | None:
        """Copies of the points so far, the clicked sound's frames due by now taken (not
        from the buffers), the time now (path s) and whether the path starts at the first
        event; None when nothing was recorded (the caller holds the lock)."""
        if not self._times:
            return None
        stop_t = (self._clock() if at_s is None else float(at_s)) - self._t0
        times, xy, latents = list(self._times), list(self._xy), list(self._latents)
        _cut_ahead(times, xy, latents, list(self._ahead), max(stop_t, times[-1]))
        return times, xy, latents, stop_t, self._starts_at_first_event

    def cancel(self) -> None:
        """Stop recording and drop what was recorded."""
        with self._lock:
            self._recording = False
            self._clear_locked()

    def _clear_locked(self) -> None:
        self._gen, self._stacked = self._gen + 1, None
        self._times.clear()
        self._xy.clear()
        self._latents.clear()
        self._ahead.clear()
        self._lane.clear()

    def _cut_ahead_locked(self, t: float) -> None:
        """Take the clicked sound's frames due by path time ``t`` s into the buffers (see
        :func:`_cut_ahead`); the caller holds the lock."""
        _cut_ahead(self._times, self._xy, self._latents, self._ahead, t)


def _cut_ahead(
    times: list[float],
    xy: list[np.ndarray],
    latents: list[np.ndarray],
    ahead: list[tuple[float, np.ndarray, np.ndarray]],
    t: float,
) -> None:
    """Move the clicked sound's frames due by path time ``t`` s from ``ahead`` to the point
    lists; if more were ahead, end with what played at ``t`` (between the last frame taken and
    the next) and drop them. Mutates the lists given."""
    while ahead and ahead[0][0] <= t:
        due, p, z = ahead.pop(0)
        times.append(due)
        xy.append(p)
        latents.append(z)
    if not ahead:
        return
    due, p, z = ahead[0]
    last_t, last_z = times[-1], latents[-1]
    w = (t - last_t) / (due - last_t) if due > last_t else 1.0
    if t > last_t:
        times.append(t)
        xy.append(p)
        latents.append((last_z + w * (z - last_z)).astype(np.float32))
    ahead.clear()


def _as_path(
    times: list[float] | np.ndarray,
    xy: list[np.ndarray] | np.ndarray,
    latents: list[np.ndarray] | np.ndarray,
    stop_t: float,
    starts_at_first_event: bool,
    hold_to_stop: bool,
    lane: list[tuple[float, np.ndarray]],
    **fields: Any,
) -> LatentPath:
    """The recorded points (lists of rows, or stacked arrays) as a path (``fields``: name,
    seed, model_hash): with ``hold_to_stop`` the last value holds until ``stop_t``; times
    start at the first event when ``starts_at_first_event``; ``lane``: the latent controls'
    events (see :func:`_lane_of`)."""
    t = np.asarray(times, dtype=np.float64)
    p = xy if isinstance(xy, np.ndarray) else np.stack(xy)
    z = latents if isinstance(latents, np.ndarray) else np.stack(latents)
    if hold_to_stop and stop_t > t[-1]:
        t = np.append(t, stop_t)
        p = np.concatenate([p, p[-1:]])
        z = np.concatenate([z, z[-1:]])
    shift = float(t[0]) if starts_at_first_event else 0.0
    if starts_at_first_event:
        t = t - t[0]
    return LatentPath(t, p, z, controls=_lane_of(lane, shift, float(t[-1])), **fields)


def _lane_of(
    events: list[tuple[float, np.ndarray]], shift_s: float, end_s: float
) -> ControlLane | None:
    """The path's lane of the controls' ``events`` (seconds since the start of recording):
    re-timed by ``-shift_s`` (the path starts at its first event); from 0 the state then (the
    last event by then, else the first), then the changes before the path's end ``end_s``
    (later ones are never heard). None without events."""
    if not events:
        return None
    times = np.array([t for t, _ in events], np.float64) - shift_s
    values = np.stack([v for _, v in events])
    by_start = int(np.searchsorted(times, 0.0, side="right"))
    inside = np.flatnonzero((times > 0.0) & (times < end_s))
    first = values[max(by_start - 1, 0)]
    return ControlLane(
        np.concatenate([[0.0], times[inside]]), np.concatenate([first[None], values[inside]])
    )
