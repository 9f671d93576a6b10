"""Where the mixed audio goes: a player process, an in-process stream, or a silent clock.

Every sink runs the one consumer of a :class:`~.shared_state.SharedState` (the
:class:`~.mixer.Mixer`); the owner starts at most one sink at a time on a state.

- :class:`ProcessSink` — the callback runs in :mod:`.player_process`: no GIL contention with
  the GUI (small blocks work), and a dying audio server cannot hang the app.
- :class:`ThreadSink` — the callback runs in this process (simple; needs ~1024-frame blocks
  next to a busy GUI).
- :class:`ClockSink` — no device: a thread consumes the rings at real-time pace so voices,
  counters and the output tap keep working in silence.

``poll()`` returns ``None`` while the sink runs, else a one-line reason it stopped.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .devices import AudioDeviceError
from .mixer import Mixer
from .output_stream import import_sounddevice, open_output_stream
from .shared_state import CMD_STOP, COMMAND, SINK_STATE, SINK_VANISHED, SharedState


@dataclass(frozen=True)
class SinkInfo:
    device: str
    sample_rate_hz: int
    latency_s: float


class ClockSink:
    """Consumes blocks at real-time pace on a thread, into nothing (silent output)."""

    def __init__(self, state: SharedState, sample_rate_hz: int, block_frames: int) -> None:
        self._mixer = Mixer(state)
        self._block = np.zeros((block_frames, state.layout.channels), np.float32)
        self._period_s = block_frames / sample_rate_hz
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="latentscape-clock-sink", daemon=True
        )
        self.info = SinkInfo("silent", sample_rate_hz, 0.0)

    def start(self) -> SinkInfo:
        self._thread.start()
        return self.info

    def _run(self) -> None:
        next_t = time.monotonic()
        while not self._stop.is_set():
            self._mixer.render(self._block)
            next_t += self._period_s
            delay = next_t - time.monotonic()
            if delay < -0.5:  # fell far behind (suspended): do not race to catch up
                next_t = time.monotonic()
            elif delay > 0:
                self._stop.wait(delay)

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def poll(self) -> str | None:
        return None

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2.0)


class ThreadSink:
    """A PortAudio stream in this process whose callback runs the mixer."""

    def __init__(
        self, state: SharedState, device: str | None, sample_rate_hz: int, block_frames: int
    ) -> None:
        self._state = state
        self._spec = device
        self._rate = sample_rate_hz
        self._block = block_frames
        self._stream: Any = None
        self._sd: Any = None
        self._vanished = False

    def start(self) -> SinkInfo:
        self._sd = import_sounddevice()
        opened = open_output_stream(self._sd, self._spec, self._rate, self._block, self._state)
        self._stream = opened.stream
        return SinkInfo(opened.device.label, opened.sample_rate_hz, opened.latency_s)

    def poll(self) -> str | None:
        if self._vanished:
            return "the audio device stopped (did its server quit?)"
        if self._stream is not None and not self._stream.active:
            self._vanished = True
            # PortAudio hangs closing a stream whose server died, and again at exit: abandon it.
            atexit.unregister(self._sd._exit_handler)
            self._stream = None
            self._state.ints[SINK_STATE] = SINK_VANISHED
            return self.poll()
        return None

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class ProcessSink:
    """The callback in :mod:`.player_process`, over a state file mapped by both processes."""

    def __init__(
        self,
        state: SharedState,
        state_path: Path,
        device: str | None,
        sample_rate_hz: int,
        block_frames: int,
        start_timeout_s: float = 15.0,
    ) -> None:
        self._state = state
        self._path = state_path
        self._spec = device or ""
        self._rate = sample_rate_hz
        self._block = block_frames
        self._timeout = start_timeout_s
        self._proc: subprocess.Popen[str] | None = None
        self._reason: str | None = None

    def start(self) -> SinkInfo:
        cmd = [
            sys.executable,
            "-m",
            "latentscape.engines.audio.player_process",
            "--state",
            str(self._path),
            "--layout",
            self._state.layout.to_json(),
            "--device",
            self._spec,
            "--rate",
            str(self._rate),
            "--block",
            str(self._block),
        ]
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        reply: dict[str, Any] = {}
        reader = threading.Thread(target=lambda: reply.update(self._read_reply()), daemon=True)
        reader.start()
        reader.join(self._timeout)
        if not reply:
            self._kill()
            raise AudioDeviceError("the audio player process did not start in time")
        if not reply.get("ok"):
            self._kill()
            raise AudioDeviceError(str(reply.get("reason", "the audio player process failed")))
        return SinkInfo(
            str(reply["device"]), int(reply["sample_rate_hz"]), float(reply["latency_s"])
        )

    def _read_reply(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except json.JSONDecodeError:
                    break
        return {"ok": False, "reason": "the audio player process exited without a word"}

    def poll(self) -> str | None:
        if self._reason is not None:
            return self._reason
        if self._proc is None or self._proc.poll() is None:
            if self._state.ints[SINK_STATE] != SINK_VANISHED:
                return None
            self._kill()
        if self._state.ints[SINK_STATE] == SINK_VANISHED:
            self._reason = "the audio device stopped (did its server quit?)"
        else:
            code = self._proc.returncode if self._proc is not None else None
            self._reason = f"the audio player process ended (exit code {code})"
        return self._reason

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)

    def stop(self) -> None:
        if self._proc is None:
            return
        self._state.ints[COMMAND] = CMD_STOP
        try:
            self._proc.wait(3.0)
        except subprocess.TimeoutExpired:
            self._kill()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


Sink = ClockSink | ThreadSink | ProcessSink


def open_sink(
    player: str,
    state: SharedState,
    state_path: Path | None,
    device: str,
    sample_rate_hz: int,
    block_frames: int,
) -> tuple[Sink, SinkInfo, str]:
    """Start the sink ``player`` names; on failure a :class:`ClockSink` and the reason why.

    Returns ``(sink, info, reason)`` with ``reason`` "" when the requested sink runs.
    """
    reason = ""
    if player != "silent":
        try:
            if player == "process":
                assert state_path is not None
                sink: Sink = ProcessSink(state, state_path, device, sample_rate_hz, block_frames)
            else:
                sink = ThreadSink(state, device, sample_rate_hz, block_frames)
            return sink, sink.start(), ""
        except AudioDeviceError as exc:
            reason = str(exc)
    clock = ClockSink(state, sample_rate_hz, block_frames)
    return clock, clock.start(), reason
