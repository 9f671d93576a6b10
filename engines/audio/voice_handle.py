"""``VoiceHandle``: one voice the app started, followed through the shared state."""

from __future__ import annotations

import time

import numpy as np

from .shared_state import (
    F_PATH_LOOP,
    F_PATH_VOICE_S,
    FINISHED,
    FREE,
    S_ERROR,
    S_FIRST_CHUNK_NS,
    S_PLAYED,
    S_START_NS,
    S_STATE,
    S_VOICE_ID,
    SharedState,
)


class VoiceHandle:
    """One voice the owner started, followed through the shared state (any thread)."""

    def __init__(self, voice_id: int, kind: str, state: SharedState, rate_hz: int) -> None:
        self.voice_id = voice_id
        self.kind = kind
        self._state = state
        self._rate = rate_hz
        self._slot: int | None = None
        self.requested_ns = time.monotonic_ns()

    def _slot_ints(self) -> np.ndarray | None:
        """The slot's fields while the slot still holds this voice, else None."""
        if self._slot is None:
            for slot in range(self._state.layout.slots):
                si = self._state.slot_ints(slot)
                if si[S_VOICE_ID] == self.voice_id and si[S_STATE] != FREE:
                    self._slot = slot
                    break
            else:
                return None
        si = self._state.slot_ints(self._slot)
        return si if si[S_VOICE_ID] == self.voice_id else None

    @property
    def first_chunk_ns(self) -> int:
        """``time.monotonic_ns()`` when its first audio was decoded; 0 until then."""
        si = self._slot_ints()
        return int(si[S_FIRST_CHUNK_NS]) if si is not None else 0

    @property
    def first_output_ns(self) -> int:
        """``time.monotonic_ns()`` when its first frame went to the device; 0 until then."""
        si = self._slot_ints()
        return int(si[S_START_NS]) if si is not None else 0

    @property
    def played_s(self) -> float:
        """Seconds of this voice handed to the device so far (a playhead)."""
        si = self._slot_ints()
        return float(si[S_PLAYED]) / self._rate if si is not None else 0.0

    @property
    def path_segment(self) -> tuple[float, float, float, bool] | None:
        """A path voice's playback segment under way: ``(voice_s, path_s, speed, loop)``.

        Output second ``voice_s`` of this voice (compare :attr:`played_s`) plays path second
        ``path_s``, and from there path time runs ``speed`` times as fast, wrapping at the
        path's end with ``loop``. ``None`` for other voices and once the slot moved on. The
        decoder writes it at each live change a little ahead of what is heard (its queue).
        """
        si = self._slot_ints()
        if si is None or self.kind != "path":
            return None
        fields = self._state.slot_floats(self._slot)[F_PATH_VOICE_S : F_PATH_LOOP + 1]
        seen = fields.copy()
        for _ in range(3):  # the decoder may be writing it: take two equal reads
            again = fields.copy()
            if np.array_equal(again, seen):
                break
            seen = again
        voice_s, path_s, speed, loop = (float(v) for v in seen)
        return (voice_s, path_s, speed, bool(loop)) if speed > 0 else None

    @property
    def finished(self) -> bool:
        """It played out, was stopped, or failed (its slot went on to another voice)."""
        si = self._slot_ints()
        if si is not None:
            return si[S_STATE] in (FINISHED, FREE)
        if self._slot is not None:
            return True
        # never seen: if the decoder already took a later voice, this one came and went
        # (voices are taken in order)
        layout = self._state.layout
        newest = max(int(self._state.slot_ints(s)[S_VOICE_ID]) for s in range(layout.slots))
        return newest > self.voice_id

    @property
    def failed(self) -> bool:
        si = self._slot_ints()
        return bool(si is not None and si[S_ERROR])
