"""Single-producer/single-consumer ring buffer of float32 audio frames, without locks.

The storage and the two positions live in caller-provided numpy arrays, so the same ring works
in plain memory (one process) and in a shared memory map (decoder in the app, audio callback in
a player process). Positions are monotonic ``int64`` frame counts (never wrapped); the ring
index is ``position % capacity``.

Why no lock is needed: only the producer writes ``write_pos`` and only the consumer writes
``read_pos``; each is one aligned 8-byte store, which x86-64 and ARM64 perform atomically. The
producer stores the samples *before* it publishes the new ``write_pos``, and the consumer reads
``write_pos`` *before* it reads the samples, so the consumer never sees a frame that is not
written yet.
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """A view of one ring: ``data`` ``[capacity, channels]`` float32, ``positions`` ``int64[2]``.

    ``positions[0]`` is the write position (producer-owned), ``positions[1]`` the read position
    (consumer-owned). :meth:`write` belongs to the producer thread, :meth:`read_into` and
    :meth:`skip_all` to the consumer; :meth:`queued_frames` may be called from any thread.
    """

    __slots__ = ("_cap", "_data", "_pos")

    def __init__(self, data: np.ndarray, positions: np.ndarray) -> None:
        if data.dtype != np.float32 or data.ndim != 2:
            raise ValueError("ring data must be float32 [capacity, channels]")
        if positions.dtype != np.int64 or positions.shape != (2,):
            raise ValueError("ring positions must be int64[2]")
        self._data = data
        self._pos = positions
        self._cap = int(data.shape[0])

    @property
    def capacity_frames(self) -> int:
        return self._cap

    @property
    def channels(self) -> int:
        return int(self._data.shape[1])

    @property
    def write_position(self) -> int:
        return int(self._pos[0])

    @property
    def read_position(self) -> int:
        return int(self._pos[1])

    def queued_frames(self) -> int:
        """Frames written and not yet read (any thread; may be one update stale)."""
        return int(self._pos[0] - self._pos[1])

    def free_frames(self) -> int:
        """Frames the producer can write without overwriting unread ones (producer thread)."""
        return self._cap - int(self._pos[0] - self._pos[1])

    def reset(self) -> None:
        """Empty the ring. Only while neither side is using it (slot being recycled)."""
        self._pos[1] = self._pos[0]

    def write(self, frames: np.ndarray) -> int:
        """Copy as many of ``frames`` ``[n, channels]`` float32 as fit; return how many (producer)."""
        w = int(self._pos[0])
        free = self._cap - (w - int(self._pos[1]))
        n = min(int(frames.shape[0]), free)
        if n <= 0:
            return 0
        start = w % self._cap
        first = min(n, self._cap - start)
        self._data[start : start + first] = frames[:first]
        if n > first:
            self._data[: n - first] = frames[first:n]
        self._pos[0] = w + n  # publish after the samples are in place
        return n

    def read_into(self, out: np.ndarray, frames: int) -> int:
        """Copy up to ``frames`` queued frames into ``out[:frames]``; return how many (consumer).

        Allocates no sample memory; the caller zero-fills what was not delivered.
        """
        r = int(self._pos[1])
        n = min(frames, int(self._pos[0]) - r)
        if n <= 0:
            return 0
        start = r % self._cap
        first = min(n, self._cap - start)
        out[:first] = self._data[start : start + first]
        if n > first:
            out[first:n] = self._data[: n - first]
        self._pos[1] = r + n
        return n

    def skip_all(self) -> None:
        """Drop everything queued (consumer)."""
        self._pos[1] = self._pos[0]
