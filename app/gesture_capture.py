"""``GestureCapture``: the explorer's map gestures, as the recorder and the OSC stream get them.

What a path stores is what was heard (QA s19 H1: clicks on drum sounds played back as one
drone, and a let-go drag as a held tone):

- a drag: the scrub frame at each move, joined by lines; its release steps to the model's latent
  of silence (``LoadedModel.silence``), as the scrub voice fell silent;
- a click on a sound or between sounds: the trajectory the audition played, frame by frame,
  then silence; the next gesture cuts it where it came, as the live voice was cut.

Without a latent of silence (a model that cannot encode) a release holds the last frame, and
a click's sound holds its last frame. The OSC stream gets one frame per gesture, as before.

A take that ends resting (released, or its clicked sound over) ends there, not at the press
of stop: a looped path has no stretch of dead air at its end (QA s19 Q2-11).

Thread: GUI thread (the recorder is thread-safe).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths.recorder import PathRecorder


class GestureCapture:
    """Feeds ``recorder`` from ``explorer``'s gesture signals; ``send_frame(x, y, z)`` streams
    each gesture's frame (OSC), ``recorded_point()`` is called after each recorded event, and
    ``failed(message)`` gets a recorder error."""

    def __init__(
        self,
        explorer,
        recorder: PathRecorder,
        send_frame: Callable[[float, float, np.ndarray], None],
        recorded_point: Callable[[], None],
        failed: Callable[[str], None],
    ) -> None:
        self.c = explorer
        self.recorder = recorder
        self._rests_from: float | None = None  # monotonic s from which the take is silent
        self._send, self._recorded, self._failed = send_frame, recorded_point, failed
        explorer.scrubStarted.connect(lambda x, y, z: self._frame(x, y, z, "click"))
        explorer.scrubMoved.connect(lambda x, y, z: self._frame(x, y, z, "drag"))
        explorer.scrubEnded.connect(self._on_scrub_ended)
        explorer.positionAuditioned.connect(self._on_position_auditioned)
        explorer.soundAuditioned.connect(self._on_sound_auditioned)

    def resting(self) -> bool:
        """True when the take is silent now: its last gesture was a release, or a click
        whose sound has played out."""
        return self._rests_from is not None and time.monotonic() >= self._rests_from

    def _frame(self, x: float, y: float, z: np.ndarray, kind: str) -> None:
        self._rests_from = None
        self._record(lambda: self.recorder.add((x, y), z, kind=kind))
        self._send(x, y, z)

    def _on_scrub_ended(self) -> None:
        silence = self._silence()
        if silence is not None:
            self._rests_from = time.monotonic()
            self._record(lambda: self.recorder.release(silence))

    def _on_position_auditioned(self, x: float, y: float, trajectory: np.ndarray) -> None:
        atlas = self.c.state.atlas
        if atlas is not None:
            self._sound(x, y, trajectory, atlas.frame_at(x, y))

    def _on_sound_auditioned(self, sound_id: int) -> None:
        state = self.c.state
        index = state.index_of(sound_id)
        if state.atlas is None or index < 0:
            return
        x, y = (float(v) for v in self.c.views.map_view.positions()[index])
        # what the audition played; on the map, the sound's own (pooled) latent
        self._sound(x, y, state.trajectory(sound_id), state.atlas.frame_at(x, y))

    def _sound(self, x: float, y: float, trajectory: np.ndarray, frame: np.ndarray) -> None:
        model = self.c.model
        if model is not None and self.recorder.is_recording:
            silence = self._silence()
            then = trajectory[-1] if silence is None else silence
            frame_s = 1.0 / model.info.frame_rate_hz
            ends = time.monotonic() + len(trajectory) * frame_s
            self._rests_from = None if silence is None else ends
            self._record(lambda: self.recorder.add_sound((x, y), trajectory, frame_s, then))
        self._send(x, y, frame)

    def _silence(self) -> np.ndarray | None:
        model = self.c.model
        return None if model is None else model.silence

    def _record(self, event: Callable[[], bool]) -> None:
        if not self.recorder.is_recording:
            return
        try:
            event()
        except LatentscapeError as exc:
            self._failed(str(exc))
            return
        self._recorded()
