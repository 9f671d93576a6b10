"""Auditions, scrubbing and the transport: the part of :class:`ExplorerController` that plays.

Click a point: audition its trajectory. Click empty space: audition the inverse map's trajectory
there. Press-and-drag: scrub (an inverse-map frame per move → ``AudioEngine.scrub_to``) under a
crosshair; a drag that rests on a sound's dot for ``SCRUB_REST_MS`` moves the scrub voice to
that sound's own latent (the inverse map is exact only at the dot's centre, so that passing
drags stay smooth). Space plays the last sound or position again, Esc silences everything.
When a model too slow for a playing path (or the scrub) and a click at once makes the click
give way, the status bar says so, once, with the cause and the cure (:func:`gave_way_text`).

A mixin, like :class:`~.session_actions.SessionActions`: it uses the controller's audio
session, map state, views, preview and signals.

Thread: GUI thread only.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer

from latentscape.engines.audio.stats import AudioStats

# How long a drag must rest on a sound's dot before the scrub voice plays that sound's own
# latent: longer than the ~12-33 ms between the moves of a moving hand, short enough to feel
# immediate.
SCRUB_REST_MS = 150
PLAY_ORIGINAL = "“Play original” (Selected sound) plays this sound's own file"
GAVE_WAY_EVERY_S = 1.0  # at most one "click gave way" message a second
GAVE_WAY_KINDS = ("dropped", "shortened", "late")  # the worst one is told when several come


def gave_way_text(how: str, st: AudioStats, model_name: str) -> str:
    """The status line for a click that gave way ``how`` (``"late"``, ``"shortened"`` or
    ``"dropped"``): what happened, to what it gave way (``st``'s path and scrub), why (the
    model's measured speed) and what to do."""
    if how == "late":
        held = st.late_start_s
        late = f"{held:.1f} s" if held >= 0.1 else f"{1000 * held:.0f} ms"
        head = f"Click started {late} late"
    else:
        head = "Click cut short" if how == "shortened" else "Click skipped"
    if st.path_playing and st.scrubbing:
        cause, cure = "the playing path and the scrub come first", "stop the path"
    elif st.scrubbing:
        cause, cure = "the scrub comes first", "let go of the drag"
    else:  # (a path that ended since, too)
        cause, cure = "the playing path comes first", "stop the path"
    rate = f" decodes at {st.decode_rtf:.1f}× real time," if st.decode_rtf else " is"
    return f"{head}: {cause} ({model_name}{rate} too slow for both; {cure} to hear clicks at once)"


def unplayable_text(model_name: str, model_loaded: bool, has_file: bool) -> str:
    """What a click on the map says when the loaded model, if any, cannot decode the project's
    latents: which model can (``model_name``), and that the sound's original file
    (``has_file``) plays all the same."""
    if model_loaded:
        text = (
            f"These sounds were encoded with {model_name}: load it, or import them again "
            "with this model, to hear them"
        )
        return f"{text} ({PLAY_ORIGINAL})" if has_file else text
    load = f"load {model_name} (File → Open Model…, Ctrl+M) to hear the map"
    return f"No model loaded: {PLAY_ORIGINAL}; {load}" if has_file else f"No model loaded: {load}"


class PlaybackActions:
    """Mixed into ``ExplorerController`` (GUI thread)."""

    def _init_playback(self) -> None:
        """Called once from the controller's ``__init__``: the drag-rest timer and the map's
        gestures."""
        self._scrub_rest = QTimer(self)  # a drag that stops on a dot plays that sound
        self._scrub_rest.setSingleShot(True)
        self._scrub_rest.setInterval(SCRUB_REST_MS)
        self._scrub_rest.timeout.connect(self._on_scrub_rest)
        self._scrub_xy: tuple[float, float] | None = None
        self._gave_way_seen: dict[str, int] = {}  # the engine's counts so far, by how
        self._gave_way_told_at = float("-inf")
        self.audio.statsUpdated.connect(self._on_audio_stats)
        mv = self.views.map_view
        mv.pointClicked.connect(self._on_point_clicked)
        mv.emptyClicked.connect(self.audition_position)
        mv.scrubStarted.connect(self.scrub_begin)
        mv.scrubMoved.connect(self.scrub_move)
        mv.scrubEnded.connect(self.scrub_end)
        self.views.pair_view.playOriginal.connect(self.play_original)
        self.views.pair_view.playReconstruction.connect(self.play_reconstruction)

    # -- audio ----------------------------------------------------------------------------
    def _playable(
        self, latent_size: int | None = None, project_latents: bool = True, has_file: bool = False
    ) -> object | None:
        """The audio engine, if it can play latents of ``latent_size`` dims (None: a file);
        else None, after telling the user why. ``has_file``: the sound asked for has an
        original file, which plays without a model."""
        engine = self.audio.engine
        if engine is None:
            self.message.emit("Audio is starting…" if self.audio.starting else "No audio engine")
            return None
        if latent_size is not None and not self._model_matches(latent_size, project_latents):
            ref = self.store.model() if self.store is not None else None
            name = Path(ref.path).name if ref is not None else "this project's model"
            self.message.emit(unplayable_text(name, self.model is not None, has_file))
            return None
        return engine

    def _on_audio_stats(self, st: AudioStats) -> None:
        """Tell the user when a click gave way (counts the decoder keeps in the shared state;
        every 250 ms), at most once a second."""
        counts = st.gave_way
        before, self._gave_way_seen = self._gave_way_seen, counts
        if any(n < before.get(kind, 0) for kind, n in counts.items()):
            return  # a new engine counts from 0
        how = next((kind for kind in GAVE_WAY_KINDS if counts[kind] > before.get(kind, 0)), None)
        now_s = time.monotonic()
        if how is None or now_s - self._gave_way_told_at < GAVE_WAY_EVERY_S:
            return
        self._gave_way_told_at = now_s
        name = Path(self.model.path).name if self.model is not None else "the model"
        self.message.emit(gave_way_text(how, st, name))

    # -- map gestures ---------------------------------------------------------------------
    def _on_point_clicked(self, index: int) -> None:
        self.audition_sound(self.state.sound_at(index).id)

    def audition_sound(self, sound_id: int) -> None:
        """Play sound ``sound_id``'s decoded trajectory and select it."""
        traj = self.state.trajectory(sound_id)
        self.select_sound(sound_id)
        self.last_played = ("sound", sound_id)
        has_file = bool(self.state.sound_at(self.state.index_of(sound_id)).path)
        audio = self._playable(traj.shape[1], has_file=has_file)
        if audio is not None:
            self.last_voice = audio.audition(trajectory=traj)
            self.soundAuditioned.emit(int(sound_id))

    def audition_position(self, x: float, y: float) -> None:
        """Play what the model decodes at map position (x, y): the inverse map's trajectory."""
        atlas = self.state.atlas
        if atlas is None:
            return
        traj = atlas.trajectory_at(x, y, self.state.trajectories)
        self.last_played = ("xy", (float(x), float(y)))
        self.views.map_view.set_cursor(x, y)
        self.audition_trajectory(traj)
        self.positionAuditioned.emit(float(x), float(y), traj)

    def audition_trajectory(self, trajectory: np.ndarray, project_latents: bool = True) -> bool:
        """Play any latent trajectory ``[frames, latent_size]`` float32 (galleries, paths);
        ``project_latents``: it is in the project's latent space (not the loaded model's own
        prior's), so another model cannot play it."""
        audio = self._playable(trajectory.shape[1], project_latents)
        if audio is None:
            return False
        self.last_voice = audio.audition(trajectory=np.ascontiguousarray(trajectory, np.float32))
        return True

    def scrub_begin(self, x: float, y: float) -> None:
        atlas, audio = self.state.atlas, self.audio.engine
        if atlas is None:
            return
        z = atlas.frame_at(x, y)
        self.views.map_view.set_cursor(x, y)
        if self._playable(z.shape[0]) is not None:
            audio.scrub_start(z)
        self._scrub_xy = (float(x), float(y))
        self._scrub_rest.start()
        self.scrubStarted.emit(float(x), float(y), z)

    def scrub_move(self, x: float, y: float) -> None:
        if self.state.atlas is None:
            return
        self.views.map_view.set_cursor(x, y)
        self._scrub_to(x, y)
        self._scrub_xy = (float(x), float(y))
        self._scrub_rest.start()

    def _scrub_to(self, x: float, y: float) -> None:
        """Send the inverse map's frame at (x, y) to the scrub voice; emit ``scrubMoved``."""
        z = self.state.atlas.frame_at(x, y)
        audio = self.audio.engine
        if audio is not None and self._model_matches(z.shape[0]):
            audio.scrub_to(z)
        self.scrubMoved.emit(float(x), float(y), z)

    def _on_scrub_rest(self) -> None:
        """The drag has rested: on a sound's dot, play that sound's own latent (the inverse
        map's frame at the dot's centre)."""
        if self._scrub_xy is None or self.state.atlas is None:
            return
        view = self.views.map_view
        index = view.point_at(*self._scrub_xy)
        if index >= 0:
            self._scrub_to(*(float(v) for v in view.positions()[index]))

    def scrub_end(self) -> None:
        self._scrub_rest.stop()
        self._scrub_xy = None
        if self.audio.engine is not None:
            self.audio.engine.scrub_stop()
        self.views.map_view.hide_cursor()
        self.scrubEnded.emit()

    # -- transport ------------------------------------------------------------------------
    def is_playing(self) -> bool:
        st = self.audio.stats()
        return bool(st is not None and st.voices > 0)

    def play_stop(self) -> None:
        """Space: stop everything if something plays, else play the last sound/position again
        (or what a feature set as ``last_played``: ``replayRequested`` asks it to play)."""
        if self.is_playing():
            self.stop_sound()
        elif self.last_played is not None:
            kind, what = self.last_played
            if kind == "sound" and int(what) in self.state.trajectories:
                self.audition_sound(int(what))
            elif kind == "xy":
                self.audition_position(*what)
            else:
                self.replayRequested.emit(kind, what)
        elif self.selected_id >= 0:
            self.audition_sound(self.selected_id)

    def stop_all(self) -> None:
        """Esc, the panic key: silence every voice, and end a drag under way (its further moves
        stay silent) and a recording (it is kept as a path)."""
        self.views.map_view.cancel_scrub()
        self.set_recording(False)
        self.stop_sound()

    def stop_sound(self) -> None:
        """Silence every voice (Space while something plays); a recording goes on."""
        if self.audio.engine is not None:
            self.audio.engine.stop_all()
        self.views.map_view.hide_cursor()
        self.stoppedAll.emit()

    def toggle_record(self) -> None:
        """R: flip the record state and tell listeners (latent-path recording hooks in here)."""
        self.set_recording(not self.recording)

    def set_recording(self, on: bool) -> None:
        if bool(on) != self.recording:
            self.recording = bool(on)
            self.recordToggled.emit(self.recording)

    # -- the selected sound ----------------------------------------------------------------
    def play_original(self) -> None:
        p, audio = self.preview.current, self._playable()
        if p is None or audio is None:
            return
        if p.original is None:
            self.message.emit(f"Original {p.missing}")
            return
        self.last_voice = audio.audition(audio=p.original, audio_rate_hz=p.original_rate_hz)

    def play_reconstruction(self) -> None:
        if self.preview.current is not None:
            self.audition_sound(self.preview.current.sound_id)
