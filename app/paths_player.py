"""``PathPlayer``: play a latent path through the audio engine, move the map's path cursor along
it, and stream it over OSC.

The audio engine's path voice plays the path's latents at its timestamps (once or looped, at a
speed); a 30 Hz GUI timer reads the voice's playhead (``VoiceHandle.played_s``, seconds handed
to the device) and puts the yellow path cursor where the path is at that moment. With OSC on,
an :class:`~latentscape.engines.paths.osc_stream.OscStreamer` plays the same path on its own
clock-paced thread (``/path``, ``/play 1``, frames, ``/play 0``; docs/osc.md), and map drags are
sent frame by frame.

Thread: GUI thread (the OSC streamer's thread is its own).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.engines.paths import LatentPath

CURSOR_INTERVAL_MS = 33
OSC_DEFAULT_HOST = "127.0.0.1"
OSC_DEFAULT_PORT = 9000


class PathPlayer(QObject):
    """Plays one path at a time.

    Signals
    -------
    started(str path_id)
    stopped(str path_id)
        The path ended (not looping) or was stopped.
    """

    started = Signal(str)
    stopped = Signal(str)

    def __init__(self, map_view, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._map = map_view
        self.path_id = ""
        self.path: LatentPath | None = None
        self.handle = None  # VoiceHandle of the playing path voice
        self.loop = False
        self.speed = 1.0
        self.playhead_s = 0.0  # where the cursor is on the path's own time axis
        self.cursor_xy: tuple[float, float] | None = None  # where the map's path cursor is
        self._audio = None
        self.osc = None  # OscStreamer while streaming is on
        self._timer = QTimer(self)
        self._timer.setInterval(CURSOR_INTERVAL_MS)
        self._timer.timeout.connect(self._on_tick)

    @property
    def is_playing(self) -> bool:
        return self.path is not None

    def play(self, audio, path_id: str, path: LatentPath, loop: bool, speed: float) -> None:
        """Start ``path`` on ``audio`` (an :class:`AudioEngine`); a playing path stops first.

        Raises the engine's errors (AudioEngineError, ValueError) for the caller to show.
        """
        self.stop()
        self.handle = audio.play_path(path.latents, path.times_s, loop=loop, speed=speed)
        self._audio = audio
        self.path_id, self.path, self.loop, self.speed = path_id, path, bool(loop), float(speed)
        self.playhead_s = 0.0
        if self.osc is not None:
            self.osc.play(path, speed=speed, loop=loop)
        self._show_cursor(0.0)
        self._timer.start()
        self.started.emit(path_id)

    def stop(self) -> None:
        """Fade the path voice out, stop the OSC stream, hide the cursor."""
        if self.path is None:
            return
        if self._audio is not None and self.handle is not None and not self.handle.finished:
            self._audio.stop_path()
        self._finish()

    def forget_engine(self) -> None:
        """The audio engine is being replaced: stop following its voice."""
        self._audio = None
        if self.path is not None:
            self._finish()

    def _finish(self) -> None:
        path_id = self.path_id
        self._timer.stop()
        if self.osc is not None:
            self.osc.stop()
        self._map.hide_path_cursor()
        self.cursor_xy = None
        self.path, self.handle, self.path_id = None, None, ""
        self.stopped.emit(path_id)

    # -- OSC ---------------------------------------------------------------------------------
    def set_osc(self, streamer) -> None:
        """Stream over ``streamer`` (an OscStreamer), or stop streaming (None)."""
        if self.osc is not None:
            self.osc.close()
        self.osc = streamer
        if streamer is not None and self.path is not None:
            streamer.play(self.path, speed=self.speed, loop=self.loop)

    def send_frame(self, x: float, y: float, latent: np.ndarray) -> None:
        """A map drag/click while streaming: one OSC frame (no-op when streaming is off)."""
        if self.osc is not None:
            self.osc.send_frame((x, y), latent)

    def shutdown(self) -> None:
        self.stop()
        self.set_osc(None)

    # -- cursor ------------------------------------------------------------------------------
    def path_time_at(self, played_s: float) -> float:
        """Where on the path (path seconds) the voice is after ``played_s`` seconds of output."""
        path = self.path
        t = played_s * self.speed
        duration = path.duration_s if path is not None else 0.0
        if duration <= 0:
            return 0.0
        return float(t % duration) if self.loop else float(min(t, duration))

    def _show_cursor(self, path_time_s: float) -> None:
        xy, _ = self.path.sample(np.array([path_time_s]))
        self.cursor_xy = (float(xy[0, 0]), float(xy[0, 1]))
        self._map.set_path_cursor(*self.cursor_xy)

    def _on_tick(self) -> None:
        handle = self.handle
        if self.path is None or handle is None:
            return
        if handle.finished or handle.failed:
            self._finish()
            return
        self.playhead_s = self.path_time_at(handle.played_s)
        self._show_cursor(self.playhead_s)
