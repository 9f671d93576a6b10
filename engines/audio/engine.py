"""``AudioEngine``: the realtime audio the GUI drives (auditions, scrubbing, paths).

Structure (DESIGN.md §4): each voice decodes on its own thread into its own lock-free ring
(:mod:`.voice_runner`, :mod:`.ring_buffer`); one consumer mixes the rings into the device
block (:mod:`.mixer`). Both sides can leave the app's process, sharing the rings through a
memory-mapped file:

- the consumer runs in a player process (:mod:`.player_process`): the callback never waits for
  the app's GIL, and a dying audio server cannot hang or take down the app;
- the decode threads run in a decoder process (:mod:`.voice_host_process`): a GUI thread
  that holds the GIL through a long redraw cannot starve them.

Without PortAudio, without a device, or when the device vanishes, a silent clock-paced
consumer takes over and :attr:`AudioEngine.status_reason` says why. If the decoder process
dies, decoding continues in the app's process.

Threads: the public methods belong to one owner thread (the GUI thread); :meth:`stats`,
:attr:`status_reason`, :attr:`tap` and :class:`VoiceHandle` may be read from any thread.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import numpy as np

from ..contract import ModelEngine
from ..errors import LatentscapeError
from .decoding import DecodeSettings, Decoding
from .devices import AudioDeviceError
from .latent_transform import IDENTITY, LatentTransform
from .output_setup import make_state, resolve_output
from .shared_state import (
    MASTER_GAIN,
    SharedState,
)
from .sinks import ClockSink, ProcessSink, SinkInfo, ThreadSink, open_sink
from .stats import AudioStats, collect_stats
from .tap import OutputTap
from .voice_handle import VoiceHandle
from .voice_host import VoiceBusyError, VoiceHost
from .voice_host_process import RemoteVoiceHost
from .voices import OutputFormat, VoiceFactory

PLAYERS = ("process", "thread", "silent")
DECODERS = ("auto", "process", "thread")
FALLBACK_RATE_HZ = 48000


class AudioEngineError(LatentscapeError):
    """The audio engine cannot do what was asked (not started, every voice slot busy)."""


class AudioEngine:
    """Realtime playback of a model's latents. See ``/work/notes/audio_api.md``.

    Parameters
    ----------
    engine
        The model; ``None`` allows only file auditions.
    device
        ``None`` (default output), a host API (``"JACK"``), ``"host API: name"`` or a name.
    block_frames
        Device block in frames (with JACK: equal to the server's period).
    sample_rate_hz
        Device rate; ``None`` takes the device's own (JACK insists on the server's).
    player
        Where the audio callback runs: ``"process"`` (its own process), ``"thread"`` (this
        process) or ``"silent"`` (no device; a clock-paced thread consumes the audio).
    decoder
        Where voices decode: ``"process"`` (a decoder process that loads ``engine.info.path``),
        ``"thread"`` (threads in this process), ``"auto"`` (process when the model is a file).
    seed
        ``int``: every voice's decoder noise is repeatable; ``None``: fresh noise.
    fade_ms
        Ramp length for voice starts and stops and gain changes.
    glide_ms
        Time constant of the scrub voice's glide towards a new target.
    lead_margin_ms
        Slack a scrub or path voice keeps queued for hiccups on top of twice its decode time,
        rounded up to whole blocks, at least two (see :class:`.voice_runner.VoiceRunner`).
    """

    def __init__(
        self,
        engine: ModelEngine | None,
        device: str | None = None,
        block_frames: int = 1024,
        sample_rate_hz: int | None = None,
        *,
        player: str = "process",
        decoder: str = "auto",
        seed: int | None = 0,
        fade_ms: float = 5.0,
        glide_ms: float = 40.0,
        lead_margin_ms: float = 6.0,
        slots: int = 8,
    ) -> None:
        if player not in PLAYERS:
            raise ValueError(f"player must be one of {PLAYERS}, got {player!r}")
        if decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")
        if not 16 <= block_frames <= 8192:
            raise ValueError(f"block_frames must be 16…8192, got {block_frames}")
        self._model = engine
        self._device_spec = device
        self._block = int(block_frames)
        self._requested_rate = sample_rate_hz
        self._player = player
        self._decoder_choice = decoder
        self._seed = seed
        self._fade_ms = fade_ms
        self._glide_ms = glide_ms
        self._lead_margin_s = lead_margin_ms / 1000.0
        self._slots = slots
        self._transform: LatentTransform = IDENTITY
        self._ids = itertools.count(1)
        self._scrub_id = 0
        self._path_id = 0
        self._lock = threading.RLock()  # owner methods vs the watch thread's swaps
        self._state: SharedState | None = None
        self._state_path: Path | None = None
        self._sink: ClockSink | ThreadSink | ProcessSink | None = None
        self._decoding: Decoding | None = None
        self._checker: VoiceFactory | None = None
        self._info = SinkInfo("none", sample_rate_hz or FALLBACK_RATE_HZ, 0.0)
        self._started_at = 0.0
        self._watch_stop = threading.Event()
        self._watch: threading.Thread | None = None
        self.status_reason = "not started"
        self.device_lost = False  # the device stopped while playing (see :meth:`_check_sink`)
        self.tap: OutputTap | None = None

    # -- properties ---------------------------------------------------------------------------
    @property
    def sample_rate_hz(self) -> int:
        return self._info.sample_rate_hz

    @property
    def block_frames(self) -> int:
        return self._block

    @property
    def channels(self) -> int:
        return self._state.layout.channels if self._state is not None else 2

    @property
    def device_label(self) -> str:
        return self._info.device

    @property
    def is_running(self) -> bool:
        return self._sink is not None

    @property
    def state(self) -> SharedState | None:
        """The shared rings and counters (tests and benches read them)."""
        return self._state

    @property
    def latent_transform(self) -> LatentTransform:
        return self._transform

    def process_ids(self) -> dict[str, int]:
        """Process ids of the helper processes now running: ``"player"``, ``"decoder"``."""
        found = {}
        for name, owner in (("player", self._sink), ("decoder", self._host)):
            pid = getattr(owner, "pid", None)
            if pid:
                found[name] = pid
        return found

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Warm the model, open the output (or fall back to silence, with a reason)."""
        if self._sink is not None:
            return
        reason = ""
        rate, channels, label = self._requested_rate or FALLBACK_RATE_HZ, 2, ""
        if self._player == "silent":
            reason = "audio output is off (silent player)"
        else:
            try:
                rate, channels, label = resolve_output(
                    self._player, self._device_spec, self._requested_rate
                )
            except AudioDeviceError as exc:
                reason = str(exc)
        self._make_state(rate, channels)
        assert self._state is not None
        self._start_host()
        player = "silent" if reason else self._player
        self._sink, self._info, failure = open_sink(
            player, self._state, self._state_path, label, rate, self._block
        )
        self.status_reason = reason or failure
        if self._state_path is not None:
            # the helper processes have mapped it: no name left to leak if anything crashes
            self._state_path.unlink(missing_ok=True)
            self._state_path = None
        self._started_at = time.monotonic()
        self.device_lost = False
        self._watch_stop.clear()
        self._watch = threading.Thread(
            target=self._watch_loop, name="latentscape-audio-watch", daemon=True
        )
        self._watch.start()

    def _make_state(self, rate: int, channels: int) -> None:
        shared = self._player == "process" or self._decoder_choice != "thread"
        self._state, self._state_path = make_state(
            self._slots, channels, rate, self._block, self._fade_ms, shared
        )
        self._info = SinkInfo("none", rate, 0.0)
        self.tap = OutputTap(self._state)

    def _format(self) -> OutputFormat:
        return OutputFormat(self.sample_rate_hz, self.channels, self._block)

    def _start_host(self) -> None:
        """Start decoding in a decoder process when possible, else in this process."""
        assert self._state is not None
        self._checker = VoiceFactory(self._model, self._format(), lambda: IDENTITY)
        settings = DecodeSettings(self._fade_ms, self._glide_ms, self._lead_margin_s)
        self._decoding = Decoding(self._state, self._format(), settings)
        self._decoding.start(
            self._decoder_choice, self._model, self._state_path, self._seed, self._transform
        )

    def _watch_loop(self) -> None:
        while not self._watch_stop.wait(0.05):
            with self._lock:
                self._check_sink()
                self._check_host()

    def _check_sink(self) -> None:
        sink = self._sink
        if sink is None or isinstance(sink, ClockSink):
            return
        reason = sink.poll()
        if reason is None:
            return
        assert self._state is not None
        self._sink, self._info, _ = open_sink(
            "silent", self._state, None, "", self._info.sample_rate_hz, self._block
        )
        self.status_reason = f"{reason}; playing silently"
        self.device_lost = True  # an AudioSession probes for it and starts a new engine

    def _check_host(self) -> None:
        if self._decoding is not None and self._decoding.check(
            self._model, self._seed, self._transform
        ):
            self._scrub_id = self._path_id = 0

    def stop(self, wait: bool = True) -> None:
        """Stop every voice and the output; the engine can be started again. ``wait=False``
        returns before the decoder process has exited (a restart: the next engine needs the
        device, not that process gone)."""
        self._watch_stop.set()
        if self._watch is not None:
            self._watch.join(2.0)
            self._watch = None
        with self._lock:
            if self._decoding is not None:
                self._decoding.close(wait)
                self._decoding = None
            if self._sink is not None:
                self._sink.stop()
                self._sink = None
            if self._state_path is not None:
                self._state_path.unlink(missing_ok=True)
                self._state_path = None
            self._scrub_id = self._path_id = 0
            self.status_reason = "stopped"

    def __enter__(self) -> AudioEngine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- model and controls -------------------------------------------------------------------
    def set_model(self, engine: ModelEngine | None) -> None:
        """Use another model: every voice stops (with a fade); the new model is warmed up."""
        with self._lock:
            self._model = engine
            self._scrub_id = self._path_id = 0
            if self._decoding is not None:
                self._checker = VoiceFactory(engine, self._format(), lambda: IDENTITY)
                self._decoding.set_model(engine, self._seed, self._transform)

    def set_seed(self, seed: int | None) -> None:
        """``int``: repeatable decoder noise for voices started from now on; ``None``: fresh."""
        self._seed = seed

    def set_master_gain(self, gain: float) -> None:
        """Linear master gain (ramped over ``fade_ms``); the clip guard limits to ±1 after it."""
        if not np.isfinite(gain) or gain < 0:
            raise ValueError(f"master gain must be a finite value >= 0, got {gain}")
        if self._state is not None:
            self._state.floats[MASTER_GAIN] = float(gain)

    def set_latent_transform(self, transform: LatentTransform) -> None:
        """Offset/scale/noise applied to every voice's frames from its next decode chunk on."""
        self._transform = transform
        if self._host is not None:
            self._host.set_transform(transform)

    @property
    def _host(self) -> VoiceHost | RemoteVoiceHost | None:
        return self._decoding.host if self._decoding is not None else None

    @property
    def decoder_mode(self) -> str:
        """Where voices decode now: ``"process"`` or ``"thread"`` ("" before start)."""
        return self._decoding.mode if self._decoding is not None else ""

    @property
    def decoder_note(self) -> str:
        """Why decoding runs in the app's process, when it was meant not to ("" otherwise)."""
        return self._decoding.note if self._decoding is not None else ""

    # -- voices -------------------------------------------------------------------------------
    def _need_started(self) -> tuple[SharedState, VoiceHost | RemoteVoiceHost, VoiceFactory]:
        if self._state is None or self._host is None or self._checker is None:
            raise AudioEngineError("the audio engine is not started")
        return self._state, self._host, self._checker

    def _handle(self, kind: str, call) -> VoiceHandle:
        state, _, _ = self._need_started()
        handle = VoiceHandle(next(self._ids), kind, state, self.sample_rate_hz)
        try:
            call(handle.voice_id)
        except VoiceBusyError as exc:
            raise AudioEngineError(str(exc)) from None
        return handle

    def audition(
        self,
        trajectory: np.ndarray | None = None,
        *,
        audio: np.ndarray | None = None,
        audio_rate_hz: int | None = None,
    ) -> VoiceHandle:
        """Play a decoded trajectory ``[frames, latent]`` or file ``audio`` once.

        A running audition plays on until this one starts, and is cut with a short fade in
        the block in which this one fades in. Returns at once; decoding runs on the voice's
        thread. ``audio`` is ``[channels, samples]`` or ``[samples]`` at
        ``audio_rate_hz``.
        """
        with self._lock:
            _, host, checker = self._need_started()
            if (trajectory is None) == (audio is None):
                raise ValueError("audition takes a trajectory or audio, not both or neither")
            if audio is not None:
                a = checker.check_audio(audio, audio_rate_hz or 0)
                return self._handle(
                    "file", lambda vid: host.audition_audio(vid, a, int(audio_rate_hz or 0))
                )
            assert trajectory is not None
            z = checker.check_frames(trajectory, "trajectory")
            seed = self._seed
            return self._handle("audition", lambda vid: host.audition_trajectory(vid, z, seed))

    def stop_audition(self) -> None:
        """Fade the audition out."""
        if self._host is not None:
            self._host.stop_audition()

    def scrub_to(self, latent: np.ndarray) -> None:
        """Make ``latent`` ``[latent_size]`` the scrub target (newest wins); starts the scrub."""
        with self._lock:
            _, host, checker = self._need_started()
            z = checker.check_latent(latent)
            if self._scrub_id:
                host.scrub_to(z)
            else:
                self.scrub_start(z)

    def scrub_start(self, latent: np.ndarray | None = None) -> VoiceHandle | None:
        """Start the continuous scrub voice (fades in) at ``latent`` or the last target.

        Returns its handle, or ``None`` when the scrub was already running.
        """
        with self._lock:
            _state, host, checker = self._need_started()
            z = checker.check_latent(latent) if latent is not None else None
            if self._scrub_id:
                if z is not None:
                    host.scrub_to(z)
                return None
            seed = self._seed
            handle = self._handle("scrub", lambda vid: host.scrub_start(vid, z, seed))
            self._scrub_id = handle.voice_id
            return handle

    def scrub_stop(self) -> None:
        """Fade the scrub voice out."""
        if self._host is not None and self._scrub_id:
            self._host.scrub_stop()
        self._scrub_id = 0

    def play_path(
        self,
        frames: np.ndarray,
        times_s: np.ndarray,
        loop: bool = False,
        speed: float = 1.0,
    ) -> VoiceHandle:
        """Play a recorded path ``frames`` ``[n, latent]`` at ``times_s`` ``[n]`` seconds."""
        with self._lock:
            _, host, checker = self._need_started()
            checker.check_path(frames, times_s, speed)
            z = np.asarray(frames, np.float32)
            t = np.asarray(times_s, np.float64)
            seed = self._seed
            handle = self._handle(
                "path", lambda vid: host.play_path(vid, z, t, bool(loop), float(speed), seed)
            )
            self._path_id = handle.voice_id
            return handle

    def set_path_playback(self, loop: bool | None = None, speed: float | None = None) -> None:
        """Change the playing path's loop and speed live (None keeps one): it goes on from
        where it is, from its next decoded chunk (a block or so later); loop off ends it at
        the end of the cycle under way. Nothing happens when no path plays."""
        if speed is not None and not (np.isfinite(speed) and speed > 0):
            raise ValueError(f"path speed must be > 0, got {speed}")
        with self._lock:
            if self._host is not None and self._path_id:
                self._host.set_path_playback(
                    None if loop is None else bool(loop), None if speed is None else float(speed)
                )

    def stop_path(self) -> None:
        """Fade the path voice out."""
        if self._host is not None:
            self._host.stop_path()
        self._path_id = 0

    def stop_all(self) -> None:
        """Fade every voice out."""
        if self._host is not None:
            self._host.stop_all()
        self._scrub_id = self._path_id = 0

    # -- figures ------------------------------------------------------------------------------
    def stats(self) -> AudioStats:
        """A snapshot of counters and latency figures (any thread)."""
        if isinstance(self._host, VoiceHost):
            self._host.publish_totals()
        return collect_stats(
            self._state,
            self._scrub_id or self._path_id,
            running=self._sink is not None,
            device=self._info.device,
            device_latency_s=self._info.latency_s,
            status_reason=self.status_reason,
            sample_rate_hz=self.sample_rate_hz,
            block_frames=self._block,
            elapsed_s=time.monotonic() - self._started_at if self._started_at else 0.0,
            decoder=self.decoder_mode,
            decoder_note=self.decoder_note,
            path_voice_id=self._path_id,
            scrub_voice_id=self._scrub_id,
        )
