"""Read the most recent output (what the callback handed to the device), without locks."""

from __future__ import annotations

import numpy as np

from .shared_state import TAP_POS, SharedState


class OutputTap:
    """A window onto the output history the mixer keeps (``layout.tap_frames`` frames).

    Any thread may read. The consumer keeps writing while a read copies, so a read that asks
    for nearly the whole history could see its oldest frames overwritten; reads of up to half
    the history are safe at any sane block size.
    """

    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._tap = state.tap
        self._cap = state.layout.tap_frames

    @property
    def capacity_frames(self) -> int:
        return self._cap

    @property
    def position(self) -> int:
        """Total frames handed out since the state was created."""
        return int(self._state.ints[TAP_POS])

    def _copy(self, start: int, stop: int) -> np.ndarray:
        n = stop - start
        out = np.empty((n, self._tap.shape[1]), np.float32)
        a = start % self._cap
        first = min(n, self._cap - a)
        out[:first] = self._tap[a : a + first]
        if n > first:
            out[first:] = self._tap[: n - first]
        return out

    def latest(self, frames: int) -> np.ndarray:
        """The newest ``frames`` frames ``[frames, channels]`` float32 (zeros before the start)."""
        frames = min(frames, self._cap)
        stop = self.position
        start = stop - frames
        if start >= 0:
            return self._copy(start, stop)
        out = np.zeros((frames, self._tap.shape[1]), np.float32)
        out[-stop:] = self._copy(0, stop) if stop else out[:0]
        return out

    def read_since(self, position: int) -> tuple[np.ndarray, int]:
        """Frames handed out after ``position``, and the new position.

        Raises ``ValueError`` when frames after ``position`` were already overwritten (the
        caller polled too rarely).
        """
        stop = self.position
        if stop - position > self._cap:
            raise ValueError(
                f"output tap overrun: {stop - position} frames since the last read, "
                f"history holds {self._cap}"
            )
        return self._copy(position, stop), stop
