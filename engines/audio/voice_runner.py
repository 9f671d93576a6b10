"""The producer side of one voice: runs a source into its slot's ring.

In a stream, every voice gets its own decode thread (:meth:`VoiceRunner.start`). Streaming
voices (scrub, path) keep only ``lead`` frames queued so that the sound follows the hand
closely; the lead adapts to the measured decode time. Auditions decode ahead as far as the
ring allows. Offline, :meth:`VoiceRunner.fill` runs the same source synchronously.

With a :class:`~.decode_priority.DecodeScheduler`, every model call waits for the voice's
turn (a looping path before a click), a streaming voice keeps one other voice's call more
queued, and an audition that cannot keep up gives way: it starts late, is shortened or is
dropped (:attr:`VoiceRunner.gave_way`; see :mod:`.decode_priority`).

Counters (``late_decodes``, ``decode_s``, ``decode_cpu_s``, ``audio_frames``) are plain
attributes written by the voice's thread and readable from any thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Protocol

import numpy as np

from .decode_priority import GRANTED, YIELDED, DecodePriority, DecodeScheduler, start_decision
from .shared_state import (
    FADE_FRAMES,
    GAVE_WAY_FIELDS,
    LATE_DECODES,
    LATE_START_S,
    PLAYING,
    PRIMING,
    S_ENDED,
    S_ERROR,
    S_FIRST_CHUNK_NS,
    S_GAVE_WAY,
    S_REPLACED,
    S_STATE,
    S_STOP,
    S_UNDERRUNS,
    SharedState,
)

MARGIN_STEP_S = 0.005  # a streaming voice that ran dry keeps 5 ms more queued from then on
MAX_MARGIN_S = 0.08
CALM_S = 10.0  # after this long without running dry, the margin shrinks back slowly
# the voices' threads of one host add to the same global counters (a numpy `+=` is three steps)
_COUNTERS_LOCK = threading.Lock()


class Source(Protocol):
    def next_chunk(self) -> np.ndarray | None: ...

    def close(self) -> None: ...

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        """Entered once around the producing loop, on the producing thread."""
        ...


class VoiceRunner:
    """Feeds ``source`` into ring ``slot`` of ``state``.

    Parameters
    ----------
    kind
        ``"audition"``, ``"scrub"`` or ``"path"`` (for stats and the GUI).
    rate_hz
        Device rate of the ring (frames per second).
    block_frames
        Device block size; a streaming voice keeps at least two blocks queued (:attr:`lead_frames`).
    streaming
        True: keep a short lead (scrub, path). False: decode ahead as far as the ring allows.
    lead_margin_s
        Slack for the scheduler's and the GIL's hiccups that a streaming voice adds to twice
        its decode time, rounded up to whole blocks (latency against underruns). It is the
        floor of an adaptive margin that grows by 5 ms each time the voice runs dry (to 80 ms
        at most) and shrinks back after 10 s without.
    scheduler
        The host's decode scheduler (``None``: the voice decodes whenever it wants); file
        auditions, which call no model, take none.
    priority
        The rules an audition gives way by (with a scheduler).

    Attributes
    ----------
    gave_way : str
        ``""``, or how this audition gave way to voices of a higher class: ``"late"`` (held
        its start back until it could play to its end; :attr:`held_s` says how long),
        ``"shortened"`` (faded out where it would have run dry) or ``"dropped"`` (too little
        came in time; it never played). Written by the voice's thread, which also writes it
        to the slot (``S_GAVE_WAY``), counts it in the state (``AUDITIONS_LATE`` …) and, for
        a late start, writes :attr:`held_s` (``LATE_START_S``), for the app to read.
    """

    def __init__(
        self,
        state: SharedState,
        slot: int,
        source: Source,
        kind: str,
        rate_hz: int,
        block_frames: int,
        streaming: bool,
        lead_margin_s: float = 0.006,
        scheduler: DecodeScheduler | None = None,
        priority: DecodePriority | None = None,
    ) -> None:
        self.slot = slot
        self.lead_margin_s = lead_margin_s
        self._margin_s = lead_margin_s
        self._calm_since = time.monotonic()
        self.kind = kind
        self._state = state
        self._ring = state.rings[slot]
        self._si = state.slot_ints(slot)
        self._source = source
        self._rate = rate_hz
        self._block = block_frames
        self._streaming = streaming
        self._pending: np.ndarray | None = None
        self._stop = threading.Event()
        self._replaced = False
        self._source_done = False
        self._thread: threading.Thread | None = None
        self._underruns_seen = 0
        self._decode_ema_s = 0.0
        self.late_decodes = 0
        self.decode_s = 0.0
        self.decode_cpu_s = 0.0
        self.audio_frames = 0
        self.chunks = 0
        self.error: str | None = None
        self._closed = False
        self.started_ns = time.monotonic_ns()
        self.first_chunk_ns = 0  # when the first chunk was decoded (benchmarks read it)
        self._scheduler = scheduler
        self._priority = priority or DecodePriority()
        self._ticket = None
        # an audition under a scheduler holds its audio back until it may start
        self._holding = scheduler is not None and not streaming
        self._held: list[np.ndarray] = []
        self._held_frames = 0
        self._can_start_ns = 0  # when it began to hold back because it cannot keep up
        self.gave_way = ""
        self.held_s = 0.0
        self._si[S_STATE] = PRIMING

    # -- control (owner thread) ------------------------------------------------------------
    def start(self) -> None:
        """Start the decode thread."""
        self._thread = threading.Thread(
            target=self._run, name=f"latentscape-{self.kind}-voice-{self.slot}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Fade the voice out (the consumer does it) and stop decoding. Any thread."""
        self._si[S_STOP] = 1
        self._stop.set()
        self._cancel_turn()

    def replace(self) -> None:
        """A newer audition replaces this one (any thread).

        It stops decoding, so that the new voice's first chunk does not wait behind its
        chunks, but its queued audio plays on until the new voice starts: the mixer then fades
        it out in the block in which the new one fades in. It is not marked ended: should its
        queue run dry first, it fades out as a starving voice does.
        """
        self._replaced = True
        self._si[S_REPLACED] = 1
        self._stop.set()
        self._cancel_turn()

    def _cancel_turn(self) -> None:
        """A stopped voice's model call in flight no longer holds up the other voices."""
        ticket = self._ticket
        if ticket is not None and self._scheduler is not None:
            self._scheduler.cancel(ticket)

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the decode thread; True when it has ended (or never ran)."""
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def lead_frames(self) -> int:
        """Frames a streaming voice keeps queued before it decodes the next chunk.

        The mixer's look-ahead (one fade, :mod:`.mixer`) plus twice the decode time and the
        margin rounded up to whole blocks, and at least two blocks. The queue drops a block at
        a time, so only whole blocks buy time; and when the machine is busy, a late callback
        is followed at once by the next (the device catching up): two blocks in a row. With
        one block and a few ms queued, a scrub ran dry under ordinary GUI work on 2 cores.
        """
        margin_frames = (2.0 * self._decode_ema_s + self._margin_s) * self._rate
        blocks = max(2, int(np.ceil(margin_frames / self._block)))
        if self._ticket is not None and self._scheduler is not None:
            extra_s = self._scheduler.lead_extra_s(self._ticket)
            if extra_s > 0:  # with others decoding: that much slack still left when it asks
                extra_blocks = (margin_frames + extra_s * self._rate) / self._block
                blocks = max(blocks, 1 + int(np.ceil(extra_blocks)))
        return int(self._state.floats[FADE_FRAMES]) + blocks * self._block

    def _slack_s(self) -> float:
        """Seconds before this voice runs dry, were the next callback due now (any thread).

        Counts the audio it holds back (an audition waiting to start) as queued.
        """
        queued = self._ring.queued_frames() + self._held_frames
        look_ahead = int(self._state.floats[FADE_FRAMES])
        return (queued - look_ahead - self._block) / self._rate

    def _adapt_margin(self, ran_dry: bool) -> None:
        """A jitter buffer: widen the margin when the voice ran dry, narrow it when calm."""
        now = time.monotonic()
        if ran_dry:
            self._margin_s = min(MAX_MARGIN_S, self._margin_s + MARGIN_STEP_S)
            self._calm_since = now
        elif now - self._calm_since > CALM_S and self._margin_s > self.lead_margin_s:
            self._margin_s = max(self.lead_margin_s, self._margin_s * 0.98)

    # -- production --------------------------------------------------------------------------
    def _produce(self) -> bool:
        """Decode the next chunk into ``_pending``; False when the source is done.

        With a scheduler it waits for its turn first; when it gives way instead, or is
        stopped meanwhile, ``_pending`` stays empty and the stop event is set.
        """
        if self._scheduler is not None and self._ticket is not None:
            next_frames = getattr(self._source, "next_frames", None)
            if next_frames is not None:
                self._ticket.next_frames = next_frames()
            may_yield = not self._streaming and not self._holding
            outcome = self._scheduler.acquire(self._ticket, self._stop.is_set, may_yield)
            if outcome != GRANTED:
                if outcome == YIELDED:  # (one that has not started yet is never heard)
                    started = self._si[S_STATE] == PLAYING
                    self._give_way("shortened" if started else "dropped")
                return True
            t0 = time.perf_counter()
            try:
                return self._decode_chunk()
            finally:
                self._scheduler.release(self._ticket, time.perf_counter() - t0)
        return self._decode_chunk()

    def _decode_chunk(self) -> bool:
        t0, c0 = time.perf_counter(), time.thread_time()
        chunk = self._source.next_chunk()
        dt = time.perf_counter() - t0
        self.decode_cpu_s += time.thread_time() - c0
        self.decode_s += dt
        self._decode_ema_s = dt if self.chunks == 0 else 0.8 * self._decode_ema_s + 0.2 * dt
        self.chunks += 1
        if chunk is None:
            return False
        underruns = int(self._si[S_UNDERRUNS])
        ran_dry = underruns != self._underruns_seen and self._si[S_STATE] == PLAYING
        if ran_dry:
            self.late_decodes += 1
            self._count(LATE_DECODES)
        self._underruns_seen = underruns
        if self._streaming:
            self._adapt_margin(ran_dry)
        self.audio_frames += chunk.shape[0]
        self._pending = np.ascontiguousarray(chunk, np.float32)
        if not self.first_chunk_ns:
            self.first_chunk_ns = time.monotonic_ns()
            self._si[S_FIRST_CHUNK_NS] = self.first_chunk_ns
        return True

    def _count(self, field: int) -> None:
        with _COUNTERS_LOCK:
            self._state.ints[field] += 1

    def _mark_gave_way(self, how: str) -> None:
        """Record how this audition gave way, here and in the state (the voice's thread)."""
        counter, code = GAVE_WAY_FIELDS[how]
        self.gave_way = how
        self._si[S_GAVE_WAY] = code
        if how == "late":  # written before the count that makes the app read it
            self._state.floats[LATE_START_S] = self.held_s
        self._count(counter)

    def _give_way(self, how: str) -> None:
        """Stop this audition for a voice of a higher class (the mixer fades it out)."""
        self._mark_gave_way(how)
        self.stop()

    def _hold(self, source_done: bool) -> None:
        """An audition waiting to start: keep ``_pending`` back, and start (move what it
        holds into ``_pending``) or drop the voice when :func:`start_decision` says so."""
        if self._pending is not None:
            self._held.append(self._pending)
            self._held_frames += self._pending.shape[0]
            self._pending = None
        now = time.monotonic_ns()
        look_ahead = int(self._state.floats[FADE_FRAMES])
        min_play = self._block + look_ahead
        # the mixer plays a block per callback while a block and the look-ahead are queued
        lasts_s = (self._held_frames - look_ahead) // self._block * self._block / self._rate
        elapsed_s = (now - self.started_ns) / 1e9
        held_s = self._held_frames / self._rate
        rate_x = (self.audio_frames / self._rate) / max(elapsed_s, 1e-6)
        remaining_s = 0.0
        progress = getattr(self._source, "progress", None)
        if progress is not None and self.audio_frames:
            done, total = progress()
            remaining_s = self.audio_frames / self._rate * max(0, total - done) / max(1, done)
        next_call_s = 0.0
        next_frames = getattr(self._source, "next_frames", None)
        if next_frames is not None and self._scheduler is not None and self._priority.start_whole:
            next_call_s = self._scheduler.call_estimate_s(next_frames()) if not source_done else 0.0
        decision = start_decision(
            elapsed_s,
            held_s,
            rate_x,
            remaining_s,
            source_done,
            min_play / self._rate,
            self._priority,
            next_call_s,
            lasts_s,
        )
        if decision in ("wait", "hold"):
            if decision == "hold" and not self._can_start_ns:
                self._can_start_ns = now  # from here on it gives way
            return
        self._holding = False
        if decision == "drop":
            self._held.clear()
            self._held_frames = 0
            self._give_way("dropped")
            return
        if self._can_start_ns:
            self.held_s = (now - self._can_start_ns) / 1e9
            self._mark_gave_way("late")
        held = self._held
        self._pending = np.concatenate(held) if len(held) > 1 else held[0]
        self._held = []
        self._held_frames = 0

    def _write_pending(self) -> bool:
        """Write what fits of ``_pending``; True once all of it is in the ring."""
        assert self._pending is not None
        n = self._ring.write(self._pending)
        if n == self._pending.shape[0]:
            self._pending = None
            return True
        self._pending = self._pending[n:]
        return False

    def _finish(self) -> None:
        self._si[S_ENDED] = 1

    def fill(self, frames: int) -> None:
        """Offline: produce until ``frames`` are queued, the ring is full or the source ends."""
        with self._source.decode_scope():
            while self._ring.queued_frames() < frames and not self._si[S_ENDED]:
                if self._pending is None and not self._produce():
                    self._finish()
                    self.close()
                    return
                if not self._write_pending():
                    return

    def close(self) -> None:
        """Release the source (idempotent). The decode thread does this itself when it ends."""
        if not self._closed:
            self._closed = True
            self._source.close()

    def _produce_until_stopped(self) -> None:
        while not self._stop.is_set():
            if self._pending is None:
                if self._streaming:
                    excess = self._ring.queued_frames() - self.lead_frames
                    if excess > 0:
                        self._stop.wait(min(0.02, max(0.0005, excess / self._rate)))
                        continue
                if not self._produce():
                    if self._holding:
                        self._hold(source_done=True)
                        if self._pending is not None:
                            self._write_all()
                    self._source_done = True
                    break
                if self._pending is None:  # stopped, or gave way, while it waited for a turn
                    continue
                if self._holding and not self._stop.is_set():
                    self._hold(source_done=False)
            if self._pending is not None and not self._write_pending():
                self._stop.wait(min(0.01, self._block / self._rate / 2))

    def _write_all(self) -> None:
        """Write ``_pending`` whole (the source has ended), waiting for room in the ring."""
        while not self._write_pending() and not self._stop.is_set():
            self._stop.wait(min(0.01, self._block / self._rate / 2))

    def _run(self) -> None:
        if self._scheduler is not None:
            self._ticket = self._scheduler.join(self.kind, self._slack_s)
        try:
            with self._source.decode_scope():
                self._produce_until_stopped()
        except Exception as exc:  # a failing model must not kill the app: end the voice
            text = str(exc).strip().splitlines()
            self.error = text[0] if text else type(exc).__name__
            self._si[S_ERROR] = 1
        finally:
            if self._ticket is not None and self._scheduler is not None:
                self._scheduler.leave(self._ticket)
            if self._source_done or not self._replaced or self._si[S_ERROR]:
                self._finish()
            with contextlib.suppress(Exception):
                self.close()
