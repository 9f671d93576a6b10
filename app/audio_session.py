"""The audio engine's lifecycle in the app: start/restart off the GUI thread, poll its stats.

Opening a device (a PortAudio query in a subprocess) and warming a model take from 0.1 s to a
few seconds, so :class:`AudioSession` does both on its own single worker thread and swaps the
ready engine in on the GUI thread. While a start for a new model runs, :attr:`engine` is None
and the app simply does not play; nothing blocks the window. Another device or block size
keeps the running engine playing until its successor is ready (make before break: 1.2-4.5 s
of silence before), unless the device cannot be opened twice: then it is let go first.
When the device stops while playing (its audio server quit), the engine plays on silently
and the session asks every few seconds whether the device is back; once it is, a new engine
is started on it, as if the user had chosen the device again.

Thread: create and call on the GUI thread.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from latentscape.engines.audio.devices import device_available
from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.audio.latent_transform import LatentTransform
from latentscape.engines.audio.stats import AudioStats
from latentscape.tasks import TaskRunner

STATS_INTERVAL_MS = 250
RECONNECT_PROBE_S = 3.0  # while the device is lost, look for it this often
PLAYER_ENV = "LATENTSCAPE_AUDIO_PLAYER"


def default_player() -> str:
    """``process`` (GIL-free callback) unless ``LATENTSCAPE_AUDIO_PLAYER`` names another."""
    return os.environ.get(PLAYER_ENV, "process")


@dataclass(frozen=True)
class AudioConfig:
    """What an engine is started with (a frozen request snapshot for the worker)."""

    model: object | None  # ModelEngine
    device: str | None
    block_frames: int
    player: str
    seed: int | None
    transform: LatentTransform


def _start_engine(cfg: AudioConfig, retired: list[AudioEngine]) -> AudioEngine:
    """Worker thread: stop the retired engines, start a new one (never raises for device
    trouble)."""
    for old in retired:
        old.stop(wait=False)  # its decoder process exits beside the new engine's start
    audio = AudioEngine(
        cfg.model,
        device=cfg.device,
        block_frames=cfg.block_frames,
        player=cfg.player,
        seed=cfg.seed,
    )
    audio.set_latent_transform(cfg.transform)
    audio.start()
    return audio


class AudioSession(QObject):
    """Owns the app's :class:`AudioEngine`.

    Signals
    -------
    restarting()
        A new engine is being started. For a new model the engine was let go (nothing plays
        meanwhile); for another device or block size it plays on until ``started``.
    started(AudioEngine)
        A (re)started engine is ready; ``status_reason`` says whether it is silent. (Or the
        engine that played on, when its successor failed to start: after ``switchFailed``.)
    statusChanged(str)
        The engine's ``status_reason`` changed ("" = playing on a device).
    statsUpdated(AudioStats)
        Every 250 ms while an engine runs.
    switchFailed(str)
        Another device or block size could not be started: the engine of the earlier setting
        plays on, :attr:`device` and :attr:`block_frames` are back to its values, and the
        text says why.
    reconnected(str)
        The device that stopped is back and plays again; the text says so.
    """

    restarting = Signal()
    started = Signal(object)
    statusChanged = Signal(str)
    statsUpdated = Signal(object)
    switchFailed = Signal(str)
    reconnected = Signal(str)

    def __init__(
        self,
        *,
        device: str | None = None,
        block_frames: int = 1024,
        player: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine: AudioEngine | None = None
        self.device = device
        self.block_frames = int(block_frames)
        self.player = player or default_player()
        self.seed: int | None = 0
        self.transform = LatentTransform()
        self._model: object | None = None
        self._runner = TaskRunner(max_threads=1, parent=self)  # one start at a time
        self._wanted: AudioConfig | None = None  # the newest request
        self._playing: AudioConfig | None = None  # the settings of :attr:`engine`
        self._starting = False  # a start runs on the worker
        self._retired: list[AudioEngine] = []  # let go, to be stopped by the next start
        self._last_reason: str | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(STATS_INTERVAL_MS)
        self._timer.timeout.connect(self._on_poll)
        self.last_error = ""
        self._closed = False
        self._awaiting_device = False  # the device stopped: probe until an engine plays on it
        self._probing = False
        self._last_probe = 0.0

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def starting(self) -> bool:
        return self._starting

    def start(self, model: object | None = None) -> None:
        """(Re)start with ``model``; the current engine stops first. Returns at once."""
        self._model = model
        self._restart()

    def set_model(self, model: object | None) -> None:
        """Swap the model (restarts the engine, which warms the model off the GUI thread)."""
        self.start(model)

    def set_device(self, device: str | None, block_frames: int | None = None) -> None:
        """Play on ``device`` with ``block_frames``: the engine playing now goes on until the
        new one is ready."""
        self.device = device
        if block_frames:
            self.block_frames = int(block_frames)
        self._request_start()

    def _restart(self) -> None:
        """Let the engine go, then start one with the current settings."""
        if self.engine is not None:
            self._retired.append(self.engine)
            self.engine = self._playing = None
        self._timer.stop()
        self._request_start()

    def _request_start(self) -> None:
        """Start an engine with the current settings; one that plays meanwhile goes on until
        it is ready. Requests made while a start runs are merged: only the newest is started
        next (a user stepping through the block sizes waits for one start after the last,
        not one per step)."""
        self._wanted = AudioConfig(
            self._model, self.device, self.block_frames, self.player, self.seed, self.transform
        )
        if not self._starting:
            self._launch()
        self.restarting.emit()  # with :attr:`starting` set

    def _launch(self) -> None:
        cfg, retired, self._retired = self._wanted, self._retired, []
        self._starting = True
        self._runner.submit(
            lambda ctx: _start_engine(cfg, retired),
            on_done=lambda audio: self._on_started(audio, cfg),
            on_error=lambda exc, tb: self._on_failed(exc, cfg),
        )

    def _on_started(self, audio: AudioEngine, cfg: AudioConfig) -> None:
        self._starting = False
        if self._closed:  # the window closed while the device was opening
            audio.stop()
            return
        if cfg is not self._wanted:  # asked for other settings meanwhile: start those
            self._retired.append(audio)
            self._launch()
            return
        old = self.engine
        if old is not None and audio.status_reason and not old.status_reason:
            # the device plays for the old engine but would not open for the new one: busy
            # (an ALSA hw device opens once). Let the old one go, then start again.
            self._retired.append(audio)
            self._restart()
            return
        audio.set_seed(self.seed)  # set while it started (the config kept the earlier ones)
        audio.set_latent_transform(self.transform)
        self.engine, self._playing = audio, cfg
        if old is not None:  # it played until now; its successor is ready
            self._runner.submit(lambda ctx: old.stop(wait=False))
        back = self._awaiting_device and not audio.status_reason
        self._awaiting_device = self._awaiting_device and not back
        self._timer.start()
        self._on_poll()
        self.started.emit(audio)
        if back:
            self.reconnected.emit(f"Sound output is back: playing on {audio.device_label} again.")

    def _on_failed(self, exc: BaseException, cfg: AudioConfig) -> None:
        self._starting = False
        if not self._closed and cfg is not self._wanted:
            self._launch()
            return
        if self._closed:  # shutting down: nothing is to start again
            return
        self.last_error = str(exc)
        if self.engine is not None and self._playing is not None:
            # the engine of the earlier settings plays on: so do its settings
            self.device, self.block_frames = self._playing.device, self._playing.block_frames
            self.switchFailed.emit(
                f"could not switch the audio output ({exc}); it plays on as before"
            )
            self.started.emit(self.engine)
            return
        self.statusChanged.emit(f"audio engine failed to start: {exc}")

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop the engine (blocking, for window close and tests)."""
        self._closed = True
        self._timer.stop()
        self._runner.wait(timeout_ms)
        QCoreApplication.sendPostedEvents()  # deliver a finished start: it stops its engine
        for audio in [*self._retired, self.engine]:
            if audio is not None:
                audio.stop()
        self._retired, self.engine, self._playing = [], None, None

    def wait_idle(self, timeout_ms: int = -1) -> bool:
        return self._runner.wait(timeout_ms)

    # -- controls (forwarded to the engine; remembered for restarts) ---------------------
    def set_seed(self, seed: int | None) -> None:
        self.seed = seed
        if self.engine is not None:
            self.engine.set_seed(seed)

    def set_transform(self, transform: LatentTransform) -> None:
        self.transform = transform
        if self.engine is not None:
            self.engine.set_latent_transform(transform)

    # -- polling ------------------------------------------------------------------------
    def stats(self) -> AudioStats | None:
        return self.engine.stats() if self.engine is not None else None

    def _on_poll(self) -> None:
        audio = self.engine
        if audio is None:
            return
        st = audio.stats()
        if st.status_reason != self._last_reason:
            self._last_reason = st.status_reason
            self.statusChanged.emit(st.status_reason)
        self.statsUpdated.emit(st)
        self._awaiting_device = self._awaiting_device or audio.device_lost
        if self._awaiting_device and st.status_reason:
            self._probe()

    def _probe(self) -> None:
        """Ask (on the worker) whether the lost device is back; start on it when it is."""
        now = time.monotonic()
        if self._probing or self._starting or now - self._last_probe < RECONNECT_PROBE_S:
            return
        self._probing, self._last_probe = True, now
        device, engine = self.device, self.engine
        self._runner.submit(
            lambda ctx: device_available(device),
            on_done=lambda found: self._on_probed(bool(found), engine),
            on_error=lambda exc, tb: self._on_probed(False, engine),
        )

    def _on_probed(self, found: bool, engine: AudioEngine | None) -> None:
        self._probing = False
        if found and engine is self.engine and not self._starting and not self._closed:
            self._request_start()  # the silent engine plays on until the new one is ready
