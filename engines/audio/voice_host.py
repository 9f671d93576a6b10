"""The decoding side of the audio engine: voices, their threads and their slots.

A :class:`VoiceHost` starts, retriggers and stops voices over a
:class:`~.shared_state.SharedState`. It runs either in the app's process (``decoder="thread"``)
or in a decoder process (:mod:`.voice_host_process`) that the app drives with the same
commands, so the decode threads never wait for a GIL the GUI holds. Everything the app reads
back (which slot a voice took, its first-chunk time, decode totals) goes through the state.

Decode priority: the voices' model calls go through one
:class:`~.decode_priority.DecodeScheduler` (one call at a time, a looping path before the scrub
before a click), and a click the model cannot carry next to them gives way: it starts late, is
shortened or is dropped, and :meth:`VoiceHost.give_way_counts` says how often (the voices
also count it in the state, where the app reads it in either process: ``AUDITIONS_LATE`` …).

Threads: the host's methods belong to one thread (the owner's, or the decoder process's
command loop); each voice decodes on its own thread.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..contract import ModelEngine
from .decode_priority import DecodePriority, DecodeScheduler
from .latent_transform import IDENTITY, LatentTransform
from .mailbox import Mailbox
from .shared_state import (
    DECODE_CPU_S,
    DECODE_S,
    DECODED_FRAMES,
    F_GAIN,
    F_PATH_LOOP,
    F_PATH_VOICE_S,
    FINISHED,
    FREE,
    GAVE_WAY_FIELDS,
    MODEL_LATENCY_S,
    S_CUT,
    S_ENDED,
    S_ERROR,
    S_FIRST_CHUNK_NS,
    S_GAVE_WAY,
    S_PLAYED,
    S_REPLACED,
    S_RETRIGGER,
    S_START_NS,
    S_STATE,
    S_STOP,
    S_UNDERRUNS,
    S_VOICE_ID,
    SharedState,
)
from .sources import PathSource
from .voice_runner import Source, VoiceRunner
from .voices import AHEAD_SAMPLES, OutputFormat, VoiceFactory

AUDITION_KINDS = ("audition", "file")


class VoiceBusyError(RuntimeError):
    """Every voice slot is taken by a voice that has not finished yet."""


class VoiceHost:
    """Voices over ``state`` for ``engine`` (``None``: file auditions only).

    ``priority`` sets how the voices share the model (:class:`.DecodePriority`; its default
    schedules them, ``DecodePriority(enabled=False)`` lets each decode on its own).
    """

    def __init__(
        self,
        state: SharedState,
        fmt: OutputFormat,
        engine: ModelEngine | None,
        *,
        fade_ms: float = 5.0,
        glide_ms: float = 40.0,
        lead_margin_s: float = 0.006,
        seed: int | None = 0,
        priority: DecodePriority | None = None,
    ) -> None:
        self._state = state
        self._priority = priority or DecodePriority()
        self._scheduler: DecodeScheduler | None = None
        self._gave_way = dict.fromkeys(GAVE_WAY_FIELDS, 0)  # of ended voices
        self._late_by_kind: dict[str, int] = {}  # of ended voices
        self._fmt = fmt
        self._fade_ms = fade_ms
        self._glide_ms = glide_ms
        self._lead_margin_s = lead_margin_s
        self._transform: LatentTransform = IDENTITY
        self._mailbox: Mailbox[np.ndarray] = Mailbox()
        self._runners: dict[int, VoiceRunner] = {}
        self._retired = [0.0, 0.0, 0]  # decode_s, decode_cpu_s, frames of ended voices
        self._scrub: VoiceRunner | None = None
        self._path: VoiceRunner | None = None
        self._path_source: PathSource | None = None  # the path voice's, for live changes
        self._factory = VoiceFactory(engine, fmt, lambda: self._transform, fade_ms)
        self.set_model(engine, seed)

    # -- model and controls -------------------------------------------------------------------
    def set_model(self, engine: ModelEngine | None, seed: int | None = 0) -> None:
        """Stop every voice and decode with ``engine`` from now on (warmed up here)."""
        self.stop_all()
        self._factory = VoiceFactory(engine, self._fmt, lambda: self._transform, self._fade_ms)
        p = self._priority
        # a fresh one: the decode times it plans with belong to the model
        self._scheduler = DecodeScheduler(p.concurrent, p.guard_s) if p.enabled else None
        latency = _warm(self._factory, seed, self._scheduler) if engine is not None else 0.0
        self._state.floats[MODEL_LATENCY_S] = latency

    def set_transform(self, transform: LatentTransform) -> None:
        self._transform = transform

    # -- slots --------------------------------------------------------------------------------
    def _acquire_slot(self) -> int:
        deadline = time.monotonic() + 0.5
        while True:
            for slot in range(self._state.layout.slots):
                runner = self._runners.get(slot)
                done = self._state.slot_ints(slot)[S_STATE] in (FREE, FINISHED)
                if runner is None and done:  # (a slot a dead decoder left is busy until done)
                    return self._reset_slot(slot)
                if runner is not None and done and not runner.alive:
                    self._retire(runner)
                    return self._reset_slot(slot)
            if time.monotonic() > deadline:
                raise VoiceBusyError("every audio voice is busy; stop one first")
            time.sleep(0.005)

    def _retire(self, runner: VoiceRunner) -> None:
        runner.close()
        if runner.gave_way:
            self._gave_way[runner.gave_way] += 1
        late = self._late_by_kind.get(runner.kind, 0)
        self._late_by_kind[runner.kind] = late + runner.late_decodes
        if runner.kind != "file":
            self._retired[0] += runner.decode_s
            self._retired[1] += runner.decode_cpu_s
            self._retired[2] += runner.audio_frames
        del self._runners[runner.slot]

    def _reset_slot(self, slot: int) -> int:
        si = self._state.slot_ints(slot)
        si[S_STATE] = FREE
        self._state.rings[slot].reset()
        for field in (S_STOP, S_ENDED, S_UNDERRUNS, S_PLAYED, S_START_NS, S_FIRST_CHUNK_NS):
            si[field] = 0
        for field in (S_REPLACED, S_RETRIGGER, S_CUT, S_GAVE_WAY):
            si[field] = 0
        si[S_ERROR] = 0
        self._state.slot_floats(slot)[F_GAIN] = 1.0
        return slot

    def _launch(
        self, voice_id: int, source: Source, kind: str, streaming: bool, retrigger: bool = False
    ) -> VoiceRunner:
        """Start ``source`` in a free slot. ``retrigger``: it replaces the running auditions,
        which play on until it starts (see :meth:`VoiceRunner.replace`)."""
        try:
            slot = self._acquire_slot()
        except VoiceBusyError:
            source.close()
            if retrigger:
                self.stop_audition()
            raise
        if isinstance(source, PathSource):  # its first segment is there before it starts
            source.report_to(self._state.slot_floats(slot)[F_PATH_VOICE_S : F_PATH_LOOP + 1])
        si = self._state.slot_ints(slot)
        si[S_VOICE_ID] = voice_id
        if retrigger:
            # marked before the new voice can start: its start cuts every voice marked so far
            for runner in self._runners.values():
                if runner.kind in AUDITION_KINDS:
                    runner.replace()
            si[S_RETRIGGER] = 1
        runner = VoiceRunner(
            self._state,
            slot,
            source,
            kind,
            self._fmt.sample_rate_hz,
            self._fmt.block_frames,
            streaming=streaming,
            lead_margin_s=self._lead_margin_s,
            scheduler=self._scheduler if kind != "file" else None,  # a file calls no model
            priority=self._priority,
        )
        self._runners[slot] = runner
        runner.start()
        return runner

    # -- voices -------------------------------------------------------------------------------
    def audition_trajectory(self, voice_id: int, trajectory: np.ndarray, seed: int | None) -> None:
        """Play a trajectory once; the running audition is cut where this one starts."""
        source = self._factory.audition_trajectory(trajectory, seed)
        self._launch(voice_id, source, "audition", False, retrigger=True)

    def audition_audio(self, voice_id: int, audio: np.ndarray, rate_hz: int) -> None:
        """Play file audio once; the running audition is cut where this one starts."""
        source = self._factory.audition_audio(audio, rate_hz)
        self._launch(voice_id, source, "file", False, retrigger=True)

    def stop_audition(self) -> None:
        """Fade out the audition, and any it replaced that still waits for it to start."""
        for runner in self._runners.values():
            if runner.kind in AUDITION_KINDS:
                runner.stop()

    def scrub_to(self, latent: np.ndarray) -> None:
        """Newest target wins; the scrub voice (if running) glides there."""
        self._mailbox.put(self._factory.check_latent(latent))

    def scrub_start(self, voice_id: int, latent: np.ndarray | None, seed: int | None) -> None:
        if latent is not None:
            self.scrub_to(latent)
        if self._mailbox.peek()[1] is None:
            raise ValueError("scrub needs a target latent first (scrub_to or scrub_start(z))")
        if self._scrub is None:
            source = self._factory.scrub(self._mailbox, self._glide_ms, seed)
            self._scrub = self._launch(voice_id, source, "scrub", streaming=True)

    def scrub_stop(self) -> None:
        if self._scrub is not None:
            self._scrub.stop()
            self._scrub = None

    def play_path(
        self,
        voice_id: int,
        frames: np.ndarray,
        times_s: np.ndarray,
        loop: bool,
        speed: float,
        seed: int | None,
    ) -> None:
        source = self._factory.path(frames, times_s, loop, speed, seed)
        self.stop_path()
        self._path = self._launch(voice_id, source, "path", streaming=True)
        self._path_source = source

    def set_path_playback(self, loop: bool | None, speed: float | None) -> None:
        """The playing path goes on from where it is with ``loop`` and ``speed`` (None: as
        it was), from its next chunk; nothing when no path plays."""
        if self._path_source is not None:
            self._path_source.set_playback(loop, speed)

    def stop_path(self) -> None:
        if self._path is not None:
            self._path.stop()
            self._path = None
        self._path_source = None

    def stop_all(self) -> None:
        self.stop_audition()
        self.scrub_stop()
        self.stop_path()
        for runner in self._runners.values():
            runner.stop()

    # -- figures and shutdown -------------------------------------------------------------------
    def publish_totals(self) -> None:
        """Write decode totals (all voices, ended ones included) into the state."""
        decode_s, cpu_s, frames = self._retired
        for r in list(self._runners.values()):
            if r.kind != "file":
                decode_s += r.decode_s
                cpu_s += r.decode_cpu_s
                frames += r.audio_frames
        floats = self._state.floats
        floats[DECODE_S], floats[DECODE_CPU_S], floats[DECODED_FRAMES] = decode_s, cpu_s, frames

    def give_way_counts(self) -> dict[str, int]:
        """Auditions that gave way to the path and scrub voices since the host started:
        ``{"late": n, "shortened": n, "dropped": n}`` (see :class:`.VoiceRunner`)."""
        counts = dict(self._gave_way)
        for r in list(self._runners.values()):
            if r.gave_way:
                counts[r.gave_way] += 1
        return counts

    def late_decodes_by_kind(self) -> dict[str, int]:
        """Chunks decoded after their voice had run dry, per kind of voice, since the host
        started: ``{"path": n, "audition": n, …}``."""
        counts = dict(self._late_by_kind)
        for r in list(self._runners.values()):
            counts[r.kind] = counts.get(r.kind, 0) + r.late_decodes
        return counts

    def errors(self) -> list[str]:
        return [r.error for r in self._runners.values() if r.error]

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop every voice and wait for its thread."""
        self.stop_all()
        for runner in list(self._runners.values()):
            runner.join(timeout_s)
            runner.close()
        self.publish_totals()


def _warm(factory: VoiceFactory, seed: int | None, scheduler: DecodeScheduler | None) -> float:
    """Run a few chunks through the voice path (first calls are slow); return the model lag (s).

    The quickest call of each size is the ``scheduler``'s first estimate for that size (the
    first calls are the slow ones); the sound is long enough for an audition's larger calls
    too, which a path keeps room for."""
    engine = factory.engine
    assert engine is not None
    frames = 3 * factory.block_chunk_frames() + math.ceil(AHEAD_SAMPLES / engine.hop_samples)
    z = np.zeros((frames, engine.latent_size), np.float32)
    source = factory.audition_trajectory(z, seed)
    quickest: dict[int, float] = {}
    if scheduler is not None:
        scheduler.click_frames = source.largest_call_frames()
    try:
        while True:
            size = source.next_frames()
            t0 = time.perf_counter()
            if source.next_chunk() is None:
                break
            dt = time.perf_counter() - t0
            if size:
                quickest[size] = min(dt, quickest.get(size, dt))
        if scheduler is not None:
            for size, seconds in quickest.items():
                scheduler.learn(size, seconds)
        return source.latency_samples / engine.sample_rate_hz
    finally:
        source.close()
