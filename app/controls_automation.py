"""``ControlsAutomation``: the latent controls as an automation lane of the paths (QA s19 M3).

As a DAW records and plays a plug-in's knobs:

- **write**: while a take records, the controls' state at the press of record
  (:meth:`ControlsAutomation.state`, given to ``PathRecorder.start``) and each change the
  user makes (``LatentControls.touched`` → ``PathRecorder.add_controls``) go into the take,
  on the recorder's clock: the path's lane (:mod:`latentscape.engines.paths.controls`);
- **read**: while a path with a lane plays (once or looping, at any Speed), the controls
  follow the lane at the player's cursor (``PathPlayer.moved``, about 30 times a second), and
  the audio's transform with them. They are moved with the widget's setters, which never
  emit, so a move made by automation is not taken for a touch; a take recorded over the
  playing path records it, as it records what the map played (what was heard);
- **touch** (latch): the user moving a control while a path plays lets go of the controls
  for the rest of that playback (an audio restart that a looping path plays through keeps
  it let go of); playing a path again reads its lane again. When the path
  stops, the controls stay where they are. A path without a lane leaves them alone.

The lane is read at the cursor, what the device plays now; a voice decodes a little ahead,
so live, a change is heard up to a decode chunk late (tens of ms). Offline renders apply the
lane on the model's frame grid (:func:`latentscape.engines.paths.render.with_lane`).

Thread: GUI thread (the recorder is thread-safe).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths import LatentPath, PathRecorder
from latentscape.engines.paths.controls import CONTROL_DIMS, TEMPERATURE, control_values
from latentscape.paths_player import PathPlayer
from latentscape.widgets.latent_controls import LatentControls


class ControlsAutomation(QObject):
    """Records ``controls`` into ``recorder``'s takes and plays ``player``'s path's lane onto
    them; ``apply()`` hands the controls as they are to the audio (``AudioBindings
    .apply_controls``); ``failed(message)`` gets a recorder error."""

    def __init__(
        self,
        controls: LatentControls,
        apply: Callable[[], None],
        player: PathPlayer,
        recorder: PathRecorder,
        failed: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controls, self.player, self.recorder = controls, player, recorder
        self._apply, self._failed = apply, failed
        self.reading = False  # the controls follow the playing path's lane
        self._shown: np.ndarray | None = None  # the lane's values last put on the controls
        self._skip_next = False  # stay_let_go(): the next start leaves the controls alone
        controls.touched.connect(self._on_touched)
        player.started.connect(self._on_started)
        player.stopped.connect(self._on_stopped)
        player.moved.connect(self._on_moved)

    def state(self) -> np.ndarray:
        """``[17]`` float32: the controls now (dims without a slider at rest)."""
        offset, scale = self.controls.latent_controls()
        return control_values(offset, scale, self.controls.temperature.value())

    def prime(self, path: LatentPath) -> None:
        """``path`` is about to play: its lane's first values on the controls (and the audio)
        before its voice starts, so its first frames decode with them."""
        if path.controls is not None:
            self._shown = None  # the controls may have moved since they were last shown
            self._show(path.controls.values[0])

    # -- handlers ----------------------------------------------------------------------------
    def _on_started(self, _path_id: str) -> None:
        path, skip, self._skip_next = self.player.path, self._skip_next, False
        self._shown = None
        self.reading = path is not None and path.controls is not None and not skip
        if self.reading:
            self._follow(self.player.playhead_s)

    def _on_moved(self, _path_id: str, playhead_s: float) -> None:
        if self.reading:
            self._follow(playhead_s)

    def _on_stopped(self, _path_id: str) -> None:
        self.reading = False  # the controls stay where they are
        self._shown = None

    def stay_let_go(self, on: bool = True) -> None:
        """The next path to start does not read its lane: the controls stay as they are (a
        loop the user had let go of, going on after an audio restart); ``on=False`` takes
        that back (the path did not start)."""
        self._skip_next = on

    def _on_touched(self) -> None:
        """The user moved a control: automation lets go (latch), and a take records it."""
        self.reading = False
        self._shown = None
        self._record(self.state())

    def controls_rebuilt(self) -> None:
        """A model load put the controls back at rest (GUI thread, after the sliders were
        rebuilt): a take under way records it, as it was heard from then on."""
        self._shown = None
        self._record(self.state())

    def _record(self, values: np.ndarray) -> None:
        try:
            self.recorder.add_controls(values)
        except LatentscapeError as exc:
            self._failed(str(exc))

    # -- internals ---------------------------------------------------------------------------
    def _follow(self, playhead_s: float) -> None:
        path = self.player.path
        if path is not None and path.controls is not None:
            self._show(path.controls.at([playhead_s])[0])

    def _show(self, values: np.ndarray) -> None:
        """Put ``values`` ``[17]`` on the controls (not emitting) and the audio, if changed."""
        if self._shown is not None and np.array_equal(self._shown, values):
            return
        self._shown = np.array(values, np.float32)
        self.controls.set_latent_controls(
            values[:CONTROL_DIMS].tolist(), values[CONTROL_DIMS:TEMPERATURE].tolist()
        )
        self.controls.set_temperature(float(values[TEMPERATURE]))
        self._apply()
        self._record(self.state())  # heard: a take recorded over the loop keeps it
