"""``PathPlayer``: play a latent path through the audio engine, move the map's path cursor along
it, and stream it over OSC.

The audio engine's path voice plays the path's latents at its timestamps (once or looped, at a
speed; :meth:`PathPlayer.set_playback` changes both while it plays, from where it is); a 30 Hz
GUI timer reads the voice's playhead (``VoiceHandle.played_s``, seconds handed to the device)
and its playback segments (``VoiceHandle.path_segment``), and puts the yellow path cursor where
the path is at that moment (``moved``: the list's readout follows it). With OSC on,
an :class:`~latentscape.engines.paths.osc_stream.OscStreamer` plays the same path on its own
clock-paced thread (``/path``, ``/play 1``, frames, ``/play 0``; docs/osc.md), and map drags are
sent frame by frame. Each playback segment the voice reports is handed to the streamer, timed
to when the voice plays it (``voice_s - played_s`` from now), so after a live Loop/Speed change
the stream goes on from where it is at the new rate as the audio does, and a loop turned off
ends it at the end of the cycle under way.

Thread: GUI thread (the OSC streamer's thread is its own).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.engines.paths import LatentPath
from latentscape.engines.paths.controls import heard

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
    moved(str path_id, float playhead_s)
        The cursor moved to path second ``playhead_s`` (about 30 times a second).
    """

    started = Signal(str)
    stopped = Signal(str)
    moved = Signal(str, float)

    def __init__(self, map_view, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._map = map_view
        self.path_id = ""
        self.path: LatentPath | None = None
        self._streamed: LatentPath | None = None  # ``path`` as OSC streams it (as heard)
        self.handle = None  # VoiceHandle of the playing path voice
        self.loop = False
        self.speed = 1.0
        self.playhead_s = 0.0  # where the cursor is on the path's own time axis
        self.played_s = 0.0  # the voice's output seconds that placed it (the last tick)
        self.cursor_xy: tuple[float, float] | None = None  # where the map's path cursor is
        self._audio = None
        # (voice_s, path_s, speed, loop) segments seen, oldest first: a live change is
        # decoded a little before it is heard, so the one before it still places the cursor
        self._segments: list[tuple[float, float, float, bool]] = []
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
        self._streamed = None
        self._segments = [(0.0, 0.0, self.speed, self.loop)]
        self.playhead_s = self.played_s = 0.0
        if self.osc is not None:
            self.osc.play(self._stream_path(), speed=speed, loop=loop)
        self._show_cursor(0.0)
        self._timer.start()
        self.started.emit(path_id)

    def set_playback(self, loop: bool, speed: float) -> None:
        """The playing path goes on from where it is at ``speed`` ×, looping or not (loop
        off: it ends at the end of the cycle under way). The OSC stream follows when the voice
        takes the change up (:meth:`_follow_segments`). Raises the engine's ValueError for a
        speed <= 0."""
        if self.path is None or (bool(loop), float(speed)) == (self.loop, self.speed):
            return
        if self._audio is not None and self.handle is not None and not self.handle.finished:
            self._audio.set_path_playback(loop=bool(loop), speed=float(speed))
        self.loop, self.speed = bool(loop), float(speed)

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
        self.path, self._streamed, self.handle, self.path_id = None, None, None, ""
        self.stopped.emit(path_id)

    # -- OSC ---------------------------------------------------------------------------------
    def set_osc(self, streamer) -> None:
        """Stream over ``streamer`` (an OscStreamer), or stop streaming (None)."""
        if self.osc is not None:
            self.osc.close()
        self.osc = streamer
        if streamer is not None and self.path is not None:
            self._start_osc(self.handle.played_s if self.handle is not None else self.played_s)

    def _start_osc(self, played_s: float) -> None:
        """Stream the playing path from where the voice is after ``played_s`` seconds of
        output, with the segment it plays then and any it has queued."""
        _, _, speed, loop = self._segment_at(played_s)
        start_s = self.path_time_at(played_s)
        self.osc.play(self._stream_path(), speed=speed, loop=loop, start_s=start_s)
        for voice_s, _, speed, loop in self._segments:
            if voice_s > played_s:
                self.osc.set_playback(loop, speed, delay_s=voice_s - played_s)

    def _stream_path(self) -> LatentPath:
        """The playing path as OSC streams it: its latents as heard, as the other exports
        carry them, so an external decoder (nn~ in Max) hears its recorded controls. Made
        when a stream first needs it (a long lane takes a while)."""
        if self._streamed is None:
            self._streamed = heard(self.path)
        return self._streamed

    def send_frame(self, x: float, y: float, latent: np.ndarray) -> None:
        """A map drag/click while streaming: one OSC frame (no-op when streaming is off)."""
        if self.osc is not None:
            self.osc.send_frame((x, y), latent)

    def shutdown(self) -> None:
        self.stop()
        self.set_osc(None)

    # -- cursor ------------------------------------------------------------------------------
    def path_time_at(self, played_s: float) -> float:
        """Where on the path (path seconds) the voice is after ``played_s`` seconds of output:
        in the newest playback segment that has begun by then (the voice reports each)."""
        path = self.path
        duration = path.duration_s if path is not None else 0.0
        if duration <= 0 or not self._segments:
            return 0.0
        voice_s, path_s, speed, loop = self._segment_at(played_s)
        t = path_s + (played_s - voice_s) * speed
        return float(t % duration) if loop else float(min(max(t, 0.0), duration))

    def _segment_at(self, played_s: float) -> tuple[float, float, float, bool]:
        """The newest ``(voice_s, path_s, speed, loop)`` segment begun by ``played_s``."""
        begun = [s for s in self._segments if s[0] <= played_s] or self._segments[:1]
        return begun[-1]

    def _follow_segments(self, played_s: float) -> None:
        """Take the voice's newest segment (and hand it to the OSC stream, timed to when the
        voice plays it); forget those that later ones replaced."""
        segment = self.handle.path_segment if self.handle is not None else None
        if segment is not None and segment != self._segments[-1]:
            self._segments.append(segment)
            if self.osc is not None:
                voice_s, _, speed, loop = segment
                self.osc.set_playback(loop, speed, delay_s=voice_s - played_s)
        while len(self._segments) > 1 and self._segments[1][0] <= played_s:
            del self._segments[0]

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
        self.played_s = played_s = handle.played_s
        self._follow_segments(played_s)
        _, _, speed, loop = self._segments[-1]
        if loop and self.osc is not None and not self.osc.is_playing:
            # the stream (a little ahead) ended the path just before the voice took Loop back
            # on: loop it again from where the voice is
            start_s = self.path_time_at(played_s)
            self.osc.play(self._stream_path(), speed=speed, loop=True, start_s=start_s)
        self.playhead_s = self.path_time_at(played_s)
        self._show_cursor(self.playhead_s)
        self.moved.emit(self.path_id, self.playhead_s)
