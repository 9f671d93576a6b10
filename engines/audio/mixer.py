"""The consumer side: mix the voices' rings into one output block (the audio callback's body).

:meth:`Mixer.render` is what the device callback runs, in this process or in the player
process, and what the offline renderer runs, so a stream and an offline render of the same
voices hand out the same samples. It copies and scales samples with numpy into preallocated
scratch arrays: no torch, no locks, no logging, no sample-sized allocations.

Gains move along linear ramps of ``FADE_FRAMES`` frames. A voice's ramp is indexed by the
voice's own played-frame count (not by block), so its output does not depend on where the
device's block boundaries fall. A voice starts with a fade-in, and a stop request fades it out
and then drops whatever it still had queued.

A retriggered audition is a cut, made in one block: the old voice (marked ``S_REPLACED``) plays
on until a newer ``S_RETRIGGER`` voice starts, and fades out in the block in which the new one
fades in (``S_CUT``). Stopping the old voice at the click instead left a block of silence
whenever a callback came between the click and the new voice's first decoded chunk (about one
click in ten with the demo model: QA s18 L3). A replaced voice that has not started is dropped.

Running dry is faded too. Until its producer has ended, a voice plays a block only while one
block *plus* ``FADE_FRAMES`` are queued (a look-ahead of one fade, which producers keep
queued on top of their lead). With less, it plays what it has with a fade-out that reaches
silence on its last frame, counts an underrun and waits, silent, until a block plus a fade are
queued again; then it fades back in. A starving voice thus dips instead of cutting to zero.
A replaced voice no longer decodes: running dry while it waits for its replacement fades it
out the same way but is no underrun.
"""

from __future__ import annotations

import time

import numpy as np

from .shared_state import (
    CALLBACKS,
    CLIPPED_BLOCKS,
    F_FROM,
    F_GAIN,
    F_ORIGIN,
    F_TO,
    FADE_FRAMES,
    FINISHED,
    FRAMES_OUT,
    LAST_CALLBACK_NS,
    MASTER_FROM,
    MASTER_GAIN,
    MASTER_ORIGIN,
    MASTER_TO,
    PLAYING,
    PRIMING,
    S_CUT,
    S_ENDED,
    S_PLAYED,
    S_REPLACED,
    S_RETRIGGER,
    S_START_NS,
    S_STARVED,
    S_STATE,
    S_STOP,
    S_UNDERRUNS,
    S_VOICE_ID,
    TAP_POS,
    UNDERRUNS,
    SharedState,
)


class Mixer:
    """Renders blocks ``[frames, channels]`` float32 from a :class:`SharedState`.

    Called on the audio thread (one consumer at a time).
    """

    def __init__(self, state: SharedState) -> None:
        self._s = state
        layout = state.layout
        self._max = layout.max_block_frames
        self._voice = np.zeros((self._max, layout.channels), np.float32)
        self._gain = np.zeros(self._max, np.float32)
        self._steps = np.arange(1, self._max + 1, dtype=np.float32)
        self._slot_ints = [state.slot_ints(s) for s in range(layout.slots)]
        self._slot_floats = [state.slot_floats(s) for s in range(layout.slots)]
        self._tap = state.tap
        self._tap_frames = layout.tap_frames
        # Slots whose voice ends in the block being rendered: marked FINISHED only once the
        # block is in the output tap, so whoever sees FINISHED also finds all of its audio there.
        self._ending: list[np.ndarray] = []
        self._ready = [False] * layout.slots  # per slot: a priming voice starts in this block

    def render(self, out: np.ndarray) -> None:
        """Fill ``out`` ``[frames, channels]`` float32 completely (audio thread)."""
        frames = out.shape[0]
        done = 0
        while done < frames:
            n = min(self._max, frames - done)
            self._render_block(out[done : done + n])
            done += n

    def _ramp(self, first: float, n: int, frm: float, to: float, fade: float) -> np.ndarray | float:
        """Gains for ramp positions ``first+1 … first+n``: a scalar once the ramp is over.

        Python floats only: a numpy float64 scalar would make numpy buffer a float64 copy.
        """
        first, frm, to = float(first), float(frm), float(to)
        if first >= fade or frm == to:
            return to
        g = self._gain[:n]
        np.add(self._steps[:n], first, out=g)
        g *= 1.0 / fade
        np.clip(g, 0.0, 1.0, out=g)
        g *= to - frm
        g += frm
        return g

    def _render_block(self, out: np.ndarray) -> None:
        s = self._s
        ints, floats = s.ints, s.floats
        n = out.shape[0]
        out.fill(0.0)
        fade = float(floats[FADE_FRAMES])
        look_ahead = int(fade)
        starved = False
        ending = self._ending
        newest = self._find_starts(n + look_ahead)
        for slot, ring in enumerate(s.rings):
            si = self._slot_ints[slot]
            state = si[S_STATE]
            if state != PRIMING and state != PLAYING:
                continue
            sf = self._slot_floats[slot]
            replaced = si[S_REPLACED] != 0
            if replaced and not si[S_CUT] and 0 < si[S_VOICE_ID] < newest:
                si[S_CUT] = 1  # its replacement fades in in this block: fade out in it too
            stop = si[S_STOP] != 0 or si[S_CUT] != 0
            ended = si[S_ENDED] != 0  # read before the queue: all frames are in once it is set
            short = not ended and ring.queued_frames() < n + look_ahead
            if state == PRIMING:
                ready = self._ready[slot]
                if stop or (replaced and not ready):  # (replaced once it was due: it starts)
                    ring.skip_all()
                    ending.append(si)
                    continue
                if not ready:
                    continue  # not primed: starting late beats starting with a gap
                si[S_STATE] = PLAYING
                si[S_PLAYED] = 0
                si[S_STARVED] = 0
                si[S_START_NS] = time.monotonic_ns()
                sf[F_FROM], sf[F_TO], sf[F_ORIGIN] = 0.0, sf[F_GAIN], 0.0
            played = int(si[S_PLAYED])
            if si[S_STARVED]:
                if stop:  # already faded out
                    ring.skip_all()
                    ending.append(si)
                    continue
                if short:
                    if not replaced:
                        si[S_UNDERRUNS] += 1
                        starved = True
                    continue
                si[S_STARVED] = 0  # resume: fade in as at a start
                sf[F_FROM], sf[F_TO], sf[F_ORIGIN] = 0.0, sf[F_GAIN], played
            target = 0.0 if stop else float(sf[F_GAIN])
            if target != sf[F_TO]:
                current = self._ramp_value(played, sf, fade)
                sf[F_FROM], sf[F_TO], sf[F_ORIGIN] = current, target, played
            voice = self._voice[:n]
            got = ring.read_into(voice, n)
            if short and not stop:
                if not replaced:
                    si[S_UNDERRUNS] += 1
                    starved = True
                si[S_STARVED] = 1
                self._fade_to_silence(played, got, sf, fade)
            if got:
                g = self._ramp(played - sf[F_ORIGIN], got, sf[F_FROM], sf[F_TO], fade)
                _scale(voice[:got], g)
                out[:got] += voice[:got]
                played += got
                si[S_PLAYED] = played
            faded_out = stop and played - sf[F_ORIGIN] >= fade
            if faded_out or (ended and ring.queued_frames() == 0):
                ring.skip_all()
                ending.append(si)
        self._apply_master(out, fade)
        if out.max() > 1.0 or out.min() < -1.0:
            np.clip(out, -1.0, 1.0, out=out)
            ints[CLIPPED_BLOCKS] += 1
        self._write_tap(out)
        for si in ending:
            si[S_STATE] = FINISHED
        ending.clear()
        if starved:
            ints[UNDERRUNS] += 1
        ints[FRAMES_OUT] += n
        ints[CALLBACKS] += 1
        ints[LAST_CALLBACK_NS] = time.monotonic_ns()

    def _find_starts(self, primed_frames: int) -> int:
        """Mark the priming voices that start in this block; return the voice id of the newest
        of them that retriggers (0: none). Its start cuts the voices it replaced.

        A voice starts once ``primed_frames`` (a block and the look-ahead) are queued, or its
        producer has ended; a replaced voice never starts. Decided before any voice is mixed,
        so that the old voice's fade-out and the new one's fade-in share a block (and a voice
        replaced meanwhile still starts: it has cut the one before).
        """
        newest = 0
        for slot, ring in enumerate(self._s.rings):
            si = self._slot_ints[slot]
            ready = (
                si[S_STATE] == PRIMING
                and not si[S_REPLACED]
                and (si[S_ENDED] != 0 or ring.queued_frames() >= primed_frames)
            )
            self._ready[slot] = bool(ready)
            if ready and si[S_RETRIGGER] and not si[S_STOP]:
                newest = max(newest, int(si[S_VOICE_ID]))
        return newest

    def _fade_to_silence(self, played: int, got: int, sf: np.ndarray, fade: float) -> None:
        """Set the voice's ramp to fall from its gain now to 0 at its ``got``-th next frame.

        Over the last ``fade`` of those frames, or over all of them when fewer came (the
        ramp's start then lies before ``played``, with its origin value scaled to match).
        """
        current = self._ramp_value(played, sf, fade)
        length = min(float(got), fade)
        start = current * fade / length if length > 0 else 0.0
        sf[F_FROM], sf[F_TO], sf[F_ORIGIN] = start, 0.0, played + got - fade

    @staticmethod
    def _ramp_value(position: int, sf: np.ndarray, fade: float) -> float:
        frac = min(1.0, max(0.0, (position - sf[F_ORIGIN]) / fade))
        return float(sf[F_FROM] + (sf[F_TO] - sf[F_FROM]) * frac)

    def _apply_master(self, out: np.ndarray, fade: float) -> None:
        floats = self._s.floats
        pos = int(self._s.ints[FRAMES_OUT])
        target = float(floats[MASTER_GAIN])
        if target != floats[MASTER_TO]:
            frac = min(1.0, max(0.0, (pos - floats[MASTER_ORIGIN]) / fade))
            current = floats[MASTER_FROM] + (floats[MASTER_TO] - floats[MASTER_FROM]) * frac
            floats[MASTER_FROM], floats[MASTER_TO], floats[MASTER_ORIGIN] = current, target, pos
        n = out.shape[0]
        g = self._ramp(pos - floats[MASTER_ORIGIN], n, floats[MASTER_FROM], floats[MASTER_TO], fade)
        _scale(out, g)

    def _write_tap(self, out: np.ndarray) -> None:
        ints = self._s.ints
        n = out.shape[0]
        pos = int(ints[TAP_POS])
        cap = self._tap_frames
        start = pos % cap
        first = min(n, cap - start)
        self._tap[start : start + first] = out[:first]
        if n > first:
            self._tap[: n - first] = out[first:]
        ints[TAP_POS] = pos + n


def _scale(block: np.ndarray, g: np.ndarray | float) -> None:
    """``block`` ``[frames, channels]`` *= gains ``g`` ``[frames]`` (or one gain), in place.

    Column by column: ``block *= g[:, None]`` makes numpy buffer a block-sized copy.
    """
    if isinstance(g, float):
        if g != 1.0:
            block *= g
        return
    for c in range(block.shape[1]):
        block[:, c] *= g
