"""``PathsController``: record gestures on the map as latent paths, play, edit, export them.

Record (R / the record button → ``ExplorerController.recordToggled``): while recording, every
press on the map (a click on a sound or on empty space, the start of a drag) and every drag move
is captured with :class:`~latentscape.engines.paths.PathRecorder` — the map position in the
unit square and the latent frame the inverse map gave there, which is what the scrub voice
played. Stopping the recording adds the path to the project (item kind ``"path"``), the list
(:class:`~latentscape.widgets.paths_panel.PathsPanel`) and the map (line, start ring, arrow).

Play, edit (trim, retime, smooth, reverse, delete, undo), rename, export and import come from
the panel's intents; see :mod:`latentscape.paths_player`, :mod:`latentscape.controls_automation`
(the latent controls recorded with a take, and played back with its path),
:mod:`latentscape.path_transport`
(each path's Loop and Speed, live), :mod:`latentscape.paths_exchange` (export, import and OSC;
files written by :mod:`latentscape.paths_export`) and :mod:`latentscape.paths_library`.
Recording and playing go on together: a gesture can be recorded over a looping path.

Thread: GUI thread only. Install with :func:`attach_paths` (the window owns the controller).
"""

from __future__ import annotations

import sqlite3

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.controls_automation import ControlsAutomation
from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths import (
    PathRecorder,
    change_speed,
    reverse,
    smooth,
    trim,
)
from latentscape.engines.paths.relayout import LayoutMove
from latentscape.gesture_capture import GestureCapture
from latentscape.path_keys import install_path_keys
from latentscape.path_transport import PathTransport
from latentscape.paths_exchange import PathsExchange
from latentscape.paths_export import PathExporter
from latentscape.paths_library import PathLibrary
from latentscape.paths_player import OSC_DEFAULT_HOST, OSC_DEFAULT_PORT, PathPlayer
from latentscape.take_autosave import TakeAutosave
from latentscape.widgets.paths_panel import PathsPanel

SMOOTH_WINDOW_S = 0.25
LIVE_DRAW_MS = 100  # how often the path being recorded is redrawn on the map
RECORDING_LABEL = "Recording…"


class PathsController(PathsExchange, QObject):
    """Wires the paths panel, the map and the explorer's gestures to paths and the audio engine.

    Signals
    -------
    pathsChanged()
        The list of paths or one of them changed (panel and map are already updated).
    recorded(str path_id)
        A recording ended and was added.
    exportFinished(str file) / exportFailed(str message)
    """

    pathsChanged = Signal()
    recorded = Signal(str)
    exportFinished = Signal(str)
    exportFailed = Signal(str)
    undoAvailable = Signal(bool)  # the library holds a change to undo
    redoAvailable = Signal(bool)  # ... and an undone one to make again

    def __init__(self, explorer, panel: PathsPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.c = explorer
        self.panel = panel
        self.map_view = explorer.views.map_view
        self.library = PathLibrary(lambda: getattr(self.c.state.atlas, "layout_id", None))
        self.recorder = PathRecorder()
        self.takes = TakeAutosave(explorer, self.recorder, self.library.layouts, parent=self)
        self.player = PathPlayer(self.map_view, parent=self)
        self.transport = PathTransport(panel, self.player, self.library, self._guard)
        self.exporter = PathExporter(parent=self)
        self.automation = ControlsAutomation(
            explorer.views.latent_controls,
            explorer.bindings.apply_controls,
            self.player,
            self.recorder,
            explorer.errorOccurred.emit,
            parent=self,
        )
        explorer.modelLoaded.connect(lambda _info: self.automation.controls_rebuilt())
        qs = explorer.settings.qsettings
        self.osc_host = str(qs.value("osc/host", OSC_DEFAULT_HOST))
        self.osc_port = int(qs.value("osc/port", OSC_DEFAULT_PORT))
        self._closed = False
        self._live_draw = QTimer(self)  # the path being recorded, redrawn a few times a second
        self._live_draw.setSingleShot(True)
        self._live_draw.setInterval(LIVE_DRAW_MS)
        self._live_draw.timeout.connect(self._draw_map)

        c = explorer
        c.recordToggled.connect(self._on_record_toggled)
        self.capture = GestureCapture(
            c, self.recorder, self.player.send_frame, self._on_recorded_point, c.errorOccurred.emit
        )
        c.projectOpened.connect(self._on_project_opened)
        c.projectModelChanged.connect(lambda _store, _model: self._draw_map())  # another map
        c.layoutChanged.connect(self._on_layout_changed)
        c.sync.stored.connect(lambda layout: self._guard(lambda: self.library.save_moved(layout)))
        c.audio.restarting.connect(self._on_audio_restarting)
        c.stoppedAll.connect(self._forget_resume)
        c.replayRequested.connect(self._on_replay)
        c.audio.started.connect(self._on_audio_started)
        # (id, speed, lane let go of) of a loop to go on with on the next engine
        self._resume_loop: tuple[str, float, bool] | None = None

        p = panel
        p.selectionChanged.connect(self._on_selected)
        p.renameRequested.connect(self.rename)
        p.playRequested.connect(self.play)
        p.stopRequested.connect(self.stop)
        p.trimRequested.connect(lambda pid, a, b: self._edit(pid, "trim", trim, a, b))
        p.retimeRequested.connect(lambda pid, f: self._edit(pid, "retime", change_speed, f))
        p.smoothRequested.connect(lambda pid: self._edit(pid, "smooth", smooth, SMOOTH_WINDOW_S))
        p.reverseRequested.connect(lambda pid: self._edit(pid, "reverse", reverse))
        p.forgetControlsRequested.connect(self.forget_controls)
        p.deleteRequested.connect(self.delete)
        p.undoRequested.connect(self.undo)
        p.exportRequested.connect(self._on_export_requested)
        p.importRequested.connect(self._on_import_requested)
        p.oscToggled.connect(self.set_osc_enabled)
        p.oscTargetChanged.connect(self.set_osc_target)
        p.set_osc_target(self.osc_host, self.osc_port)

        self.exporter.finished.connect(self._on_exported)
        self.exporter.failed.connect(self._on_export_failed)
        self.exporter.progress.connect(c.busyChanged)
        if c.store is not None:
            self._on_project_opened(c.store)

    # -- record ------------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.recorder.is_recording

    def _on_record_toggled(self, on: bool) -> None:
        if on:  # a playing path plays on: a gesture is recorded over the loop (QA s19 M1)
            self.recorder.start(controls=self.automation.state())  # the lane's first event
            self.takes.start(self.library.store)
            self.c.message.emit("Recording a path: click and drag on the map, R to stop")
        else:
            self.finish_recording()
            self.takes.discard()  # a take that became no path

    def finish_recording(self) -> str:
        """End the recording and add the path; returns its id ("" when nothing was recorded)."""
        model = self.c.model
        seed = self.c.audio.seed
        try:
            path = self.recorder.stop(
                name=self.library.next_name(),
                seed=0 if seed is None else int(seed),
                model_hash=model.info.space if model is not None else "",
                hold_to_stop=not self.capture.resting(),  # no dead air at a loop's end
            )
        except LatentscapeError as exc:
            self.c.errorOccurred.emit(str(exc))
            return ""
        if path is None:
            self.c.message.emit("Nothing recorded: click or drag on the map while recording")
            return ""
        path_id = self._guard(lambda: self.takes.replace_by(self.library, path))
        if not path_id:
            self._refresh()  # what the library holds, and no "Recording…" line left on the map
            return ""
        self._refresh(select=path_id)
        self.c.last_played = ("path", path_id)  # chosen in the list: Space plays it
        self.c.message.emit(f"Recorded {path.name} ({path.duration_s:.1f} s)")
        self.recorded.emit(path_id)
        return path_id

    def _on_selected(self, path_id: str) -> None:
        """A path chosen in the list is what Space plays next (until a sound is played)."""
        if path_id:
            self.c.last_played = ("path", path_id)
        self._draw_map()

    def _on_replay(self, kind: str, what) -> None:
        if kind == "path" and what in self.library:
            self.play(what, *self.transport.settings(what))

    def _on_audio_restarting(self) -> None:
        """The engine is being replaced (another device or block size): a looping path will
        go on looping on the new one (from its start), and until then on the engine that
        plays on, if it does; a path played once ends here."""
        player = self.player
        plays_on = self.c.audio.engine is not None
        if player.is_playing and player.loop:
            # a lane the user let go of (a touch) stays let go of on the new engine
            self._resume_loop = (player.path_id, player.speed, not self.automation.reading)
            if plays_on:
                return  # followed until ``started``
        if plays_on:
            player.stop()  # silent on the engine that plays on, as the panel shows
        player.forget_engine()

    def _on_audio_started(self, engine) -> None:
        self.player.forget_engine()
        resume, self._resume_loop = self._resume_loop, None
        if resume is None or resume[0] not in self.library:
            return
        path, model = self.library.path(resume[0]), self.c.model
        if model is None or not path.plays_with(model.info):  # the user loaded another model:
            self.c.message.emit(f"'{path.name}' stopped: it was recorded with another model")
            return  # no error, nothing failed
        self.play(resume[0], loop=True, speed=resume[1], read_lane=not resume[2])

    def _on_recorded_point(self) -> None:
        if not self._live_draw.isActive():
            self._live_draw.start()

    # -- play --------------------------------------------------------------------------------
    def play(
        self, path_id: str, loop: bool = False, speed: float = 1.0, read_lane: bool = True
    ) -> bool:
        """Play a path through the audio engine (once or looped, ``speed`` × as recorded);
        ``read_lane=False``: the controls stay as they are (a loop the user had touched going
        on after an audio restart)."""
        if path_id not in self.library:
            return False
        path = self.library.path(path_id)
        audio = self.c.audio.engine
        if audio is None:
            self.c.message.emit("Audio is starting…" if self.c.audio.starting else "No audio")
            return False
        model = self.c.model
        if model is None or not path.plays_with(model.info):
            self.c.errorOccurred.emit(
                f"'{path.name}' was recorded with another model: load that model to hear it"
            )
            return False
        if read_lane:
            self.automation.prime(path)  # its recorded controls, before its first frame decodes
        else:
            self.automation.stay_let_go()
        try:  # a recording under way goes on: the path plays under it
            self.player.play(audio, path_id, path, loop, speed)
        except (LatentscapeError, ValueError) as exc:
            self.automation.stay_let_go(False)
            self.c.errorOccurred.emit(str(exc))
            return False
        self.c.last_played = ("path", path_id)  # Space plays it again
        return True

    def stop(self) -> None:
        self._forget_resume()
        self.player.stop()

    def _forget_resume(self) -> None:
        self._resume_loop = None

    # -- edit --------------------------------------------------------------------------------
    def _edit(self, path_id: str, label: str, fn, *args) -> bool:
        if path_id not in self.library:
            return False
        ok = self._guard(
            lambda: self.library.edit(path_id, fn(self.library.path(path_id), *args), label)
        )
        if ok:
            if self.player.path_id == path_id:
                self.player.stop()
            self._refresh(select=path_id)
        return bool(ok)

    def forget_controls(self, path_id: str) -> bool:
        """Drop the latent controls recorded with ``path_id`` (an edit: Undo brings them
        back): it then plays, renders and exports with the sliders as they are."""
        path = self.library.path(path_id) if path_id in self.library else None
        if path is None or path.controls is None:
            self.c.message.emit("This path has no recorded latent controls")
            return False
        done = self._edit(path_id, "forget controls", lambda p: p.replace(controls=None))
        if done:
            self.c.message.emit(f"'{path.name}' now plays with the sliders as they are")
        return done

    def rename(self, path_id: str, name: str) -> None:
        if path_id in self.library:
            self._guard(lambda: self.library.rename(path_id, name))  # a blank name is refused
            # Called from the table's itemChanged: rebuild the table after the edit completes
            # (a refused name goes back to the path's own).
            QTimer.singleShot(0, lambda: self._refresh(select=path_id))

    def delete(self, path_id: str) -> None:
        if path_id not in self.library:
            return
        if self.player.path_id == path_id:
            self.player.stop()
        if self._guard(lambda: self.library.delete(path_id) or True):
            self._refresh()

    def undo(self) -> None:
        path_id = self._guard(self.library.undo)
        self._refresh(select=path_id or None)

    def redo(self) -> None:
        path_id = self._guard(self.library.redo)
        if self.player.path_id and self.player.path_id not in self.library:
            self.player.stop()  # its deletion made again, as a deletion stops it
        self._refresh(select=path_id if path_id in self.library else None)

    # -- project / lifecycle -----------------------------------------------------------------
    def _on_project_opened(self, store) -> None:
        self._resume_loop = None
        if self.recording:  # a recording belongs to the project it was made in
            self.c.set_recording(False)
        self.player.stop()
        self.takes.recover(store)  # a take the app died during becomes a path
        self._guard(lambda: self.library.set_store(store) or True)
        for line in self.library.load_errors:
            self.c.errorOccurred.emit(line)
        self._refresh()

    def shutdown(self) -> None:
        """Window closing: keep a running recording, stop playback/OSC, finish renders."""
        if self._closed:
            return
        self._closed = True
        if self.recording:
            self.finish_recording()
        self.takes.shutdown()
        self.player.shutdown()
        self.exporter.shutdown()

    # -- views -------------------------------------------------------------------------------
    def _refresh(self, select: str | None = None) -> None:
        self.panel.set_paths(self.library.rows())
        if select is not None and select in self.library:
            self.panel.select_path(select)
        self.transport.show_selected()
        self.panel.set_undo_available(self.library.can_undo)
        self.undoAvailable.emit(self.library.can_undo)
        self.redoAvailable.emit(self.library.can_redo)
        self._draw_map()
        self.pathsChanged.emit()

    def _draw_map(self) -> None:
        """The library's paths recorded on this map (this latent space: a path of another
        model's map would be drawn at meaningless places), the selected one highlighted, and
        the one being recorded."""
        selected, space = self.panel.selected_path(), self.c.project_space
        paths = [(pid, self.library.path(pid)) for pid in self.library.ids()]
        drawn = [
            (np.asarray(path.xy), path.name, pid == selected)
            for pid, path in paths
            if not (space and path.model_hash) or path.model_hash == space
        ]
        live = self.recorder.xy_so_far() if self.recorder.is_recording else None
        if live is not None and len(live):
            drawn.append((live, RECORDING_LABEL, True))
        self.map_view.set_paths(drawn)

    def _on_layout_changed(self, old_xy, new_xy) -> None:
        """The map was laid out again: the paths follow the sounds they were recorded among."""
        self.library.layouts.moved(old_xy, new_xy)  # first: what is written meanwhile maps back
        if not len(self.library) and not self.recorder.is_recording:
            return
        move = LayoutMove(old_xy, new_xy)
        self.recorder.relocate(move)  # a recording under way goes on on the new layout
        self.library.relocate(move, self.c.project_space, self.c.state.atlas.layout_id)
        self._draw_map()

    def _guard(self, fn):
        """Run ``fn``; a LatentscapeError, or a project write that fails (a full disk, a
        locked file), becomes a one-line error for the user (returns None)."""
        try:
            return fn()
        except (LatentscapeError, OSError, sqlite3.Error) as exc:
            self.c.errorOccurred.emit(str(exc))
            return None


def attach_paths(window) -> PathsController:
    """Create the paths panel and controller and install them in ``window`` (a MainWindow)."""
    panel = PathsPanel()
    window.install_paths_panel(panel)
    controller = PathsController(window.controller, panel, parent=window)
    undo = window.actions_by_name["undo"]  # Edit → Undo, Ctrl+Z
    undo.setText("&Undo Path Edit")
    undo.triggered.connect(controller.undo)
    controller.undoAvailable.connect(undo.setEnabled)
    redo = window.actions_by_name["redo"]  # Edit → Redo, Ctrl+Shift+Z
    redo.setText("&Redo Path Edit")
    redo.triggered.connect(controller.redo)
    controller.redoAvailable.connect(redo.setEnabled)
    install_path_keys(window, controller)
    window.closing.connect(controller.shutdown)
    window.paths = controller
    return controller
