"""``ExplorerController``: wires the map, panels and spectrograms to the project, model and audio.

What a click, a drag or a key plays is :mod:`.playback_actions`; opening projects and models is
:mod:`.session_actions`; this module holds the state, builds the collaborators and imports.
Everything slow runs off the GUI thread (TaskRunner / the audio session's worker).

Hooks for other features (record/paths, galleries) are signals emitted on the GUI thread:
``soundAuditioned``, ``positionAuditioned``, ``scrubStarted``/``scrubMoved``/``scrubEnded``
(with the latent frame that was sent to the audio engine), ``recordToggled``, ``stoppedAll``,
``projectOpened``, ``projectRenamed`` (Save As: the same store, continued in the copy) and
``projectModelChanged`` (an import made the loaded model the project's:
what belongs to a model, such as priors, tiles and paths on the map, is that model's now),
``projectReadAgain`` (another program changed the project, its model stayed: what a feature
keeps in the project, such as priors, may have changed too), ``layoutChanged`` (the map was laid
out again: what is drawn among the sounds, such as paths, follows them); and the method
``audition_trajectory`` (:mod:`.playback_actions`).

Thread: GUI thread only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from latentscape.audio_bindings import AudioBindings
from latentscape.audio_session import AudioSession
from latentscape.import_controller import ImportController
from latentscape.live_spectrum import LiveSpectrumFeed
from latentscape.map_state import MapState
from latentscape.map_sync import MapSync
from latentscape.outside_changes import OutsideChanges
from latentscape.playback_actions import PlaybackActions
from latentscape.project_session import LoadedModel
from latentscape.project_session import new_project as make_new_project
from latentscape.session_actions import SessionActions
from latentscape.settings import AppSettings
from latentscape.sound_preview import SoundPreview
from latentscape.tasks import TaskHandle, TaskRunner
from latentscape.warmup import freeze_heap, warm_atlas
from latentscape.widgets.banner import Banner
from latentscape.widgets.import_panel import ImportProgress
from latentscape.widgets.latent_controls import LatentControls
from latentscape.widgets.map_view import MapView
from latentscape.widgets.model_panel import ModelPanel
from latentscape.widgets.spectrogram_view import LiveSpectrogramView, SpectrogramPairView


@dataclass
class ExplorerViews:
    """The views the controller drives (the main window builds and lays them out)."""

    map_view: MapView
    model_panel: ModelPanel
    latent_controls: LatentControls
    live_spectrogram: LiveSpectrogramView
    pair_view: SpectrogramPairView
    import_progress: ImportProgress
    banner: Banner
    dialog_parent: object | None = None


PROJECT_SUFFIX = ".lsc"
MODEL_SUFFIXES = (".ts", ".pt", ".ckpt", ".lsm")  # model files: drops and File → Open Model…


class ExplorerController(PlaybackActions, SessionActions, QObject):
    """The app's state and wiring. See the module docstring for the signals others hook into."""

    projectOpened = Signal(object)  # ProjectStore
    projectRenamed = Signal(object)  # ProjectStore: the same one, saved as another file
    projectModelChanged = Signal(object, str)  # ProjectStore, the content hash of its new model
    projectReadAgain = Signal(object)  # ProjectStore, after another program's change
    layoutChanged = Signal(object, object)  # sounds' map positions [N, 2] before and after
    replayRequested = Signal(str, object)  # (kind, what): Space, for a kind a feature owns
    stoppedAll = Signal()  # Esc / Stop All: also what waits to play again after an audio restart
    modelLoaded = Signal(object)  # ModelInfo
    soundAuditioned = Signal(int)  # sound id
    positionAuditioned = Signal(float, float, object)  # x, y, trajectory [frames, L] float32
    scrubStarted = Signal(float, float, object)  # x, y, latent [L] float32
    scrubMoved = Signal(float, float, object)  # x, y, latent [L] float32
    scrubEnded = Signal()
    recordToggled = Signal(bool)
    selectionChanged = Signal(int)  # sound id, -1 = none
    message = Signal(str)  # transient status-bar text
    errorOccurred = Signal(str)  # one-line error for the user
    busyChanged = Signal(str)  # what runs in the background ("" = idle)

    def __init__(
        self,
        views: ExplorerViews,
        settings: AppSettings,
        *,
        player: str | None = None,
        warm_up: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.views = views
        self.settings = settings
        self.runner = TaskRunner(max_threads=2, parent=self)
        self.state = MapState()
        # Asked before the project is left (open, new, close): the window asks the user about
        # an untitled project's work; without a window, leaving is always fine.
        self.confirm_leave: Callable[[], bool] = lambda: True
        self.store = None
        # The latent space of the project's model (ModelRef.space; None: no model yet), kept
        # here: it was read from the project on every scrub move (4-20 ms under an import).
        self.project_space: str | None = None
        self.model: LoadedModel | None = None
        self.recording = False
        self.selected_id = -1
        # ("sound", id) | ("xy", (x, y)) | ("path", id)
        self.last_played: tuple[str, object] | None = None
        self.last_voice = None  # VoiceHandle of the newest audition (tests, bench)
        self._pending_model: str | None = None
        self._project_busy = False
        self._model_busy = False
        self._model_after_draw: str | Path | None = None  # loaded once the map is drawn
        self._missing_check: TaskHandle | None = None  # counting a project's missing files
        self._closed = False

        self.audio = AudioSession(
            device=settings.audio_device,
            block_frames=settings.block_frames,
            player=player,
            parent=self,
        )
        self.live = LiveSpectrumFeed(views.live_spectrogram, parent=self)
        self.audio.started.connect(self.live.attach)
        self.bindings = AudioBindings(
            self.audio, views.latent_controls, views.model_panel, views.banner, parent=self
        )
        self.preview = SoundPreview(views.pair_view, self.runner, parent=self)
        self.modelLoaded.connect(self._preview_selected)  # its reconstruction, now there is one
        self.imports = ImportController(views.import_progress, views.dialog_parent, parent=self)
        self.imports.rules = settings.import_rules
        self.imports.message.connect(self.message)
        self.sync = MapSync(self, parent=self)
        self.imports.soundsImported.connect(self.sync.add_sounds)
        self.imports.soundsMoved.connect(self.sync.update_sounds)
        self.imports.mapReread.connect(self._on_map_reread)
        self.imports.importFinished.connect(self._refine_after_import)
        self.imports.importFinished.connect(lambda _report: self.read_project_space())
        self.outside = OutsideChanges(self, parent=self)  # `latentscape import` from a shell
        self.outside.changed.connect(self._on_outside_change)

        self._warming = warm_up
        if warm_up:  # one-time costs now, not in the middle of the user's first import
            self.runner.submit(warm_atlas, on_done=self._on_warm, on_error=self._on_warm)

        self._init_playback()  # the map's clicks and drags, the preview's play buttons
        mv = views.map_view
        mv.pointsDrawn.connect(self._on_points_drawn)
        # queued: a question (save the untitled project?) must not open inside the drop event,
        # which holds the file manager's drag until it returns
        mv.filesDropped.connect(self.open_dropped, Qt.ConnectionType.QueuedConnection)

    # -- startup / shutdown ---------------------------------------------------------------
    def start_audio(self) -> None:
        """Open the audio device with the current model (or none: file auditions only)."""
        self.audio.start(self.model.engine if self.model else None)

    def shutdown(self) -> None:
        """Stop imports, background jobs and the audio engine; close the project (blocking)."""
        self._closed = True
        self.outside.timer.stop()
        self.imports.shutdown()
        self.sync.reset()
        self.preview.clear()
        if self._missing_check is not None:  # a slow share need not hold the closing up
            self._missing_check.cancel()
        self.runner.wait(30_000)
        QCoreApplication.sendPostedEvents()  # finished jobs report now, and are ignored
        self.sync.reset()
        self.audio.shutdown()
        if self.store is not None:
            self._leave(self.store)  # the imports are stopped: an untitled folder goes too
            self.store = None

    def _on_warm(self, *_args) -> None:
        self._warming = False
        freeze_heap()

    @property
    def busy(self) -> bool:
        """True while anything runs in the background (tests wait for False)."""
        return (
            self._project_busy
            or self._warming
            or self._model_busy
            or self._model_after_draw is not None
            or self.audio.starting
            or self.sync.busy
            or self.imports.running
        )

    def _model_matches(self, latent_size: int, project_latents: bool = True) -> bool:
        """The loaded model can decode latents of ``latent_size`` dims; for the project's
        latents (its sounds, the map, priors trained on them) it must also be the project's
        model or share its latent space (an export of it): another model's latents play as a
        wrong sound, however many dims they have."""
        if self.model is None or self.model.engine.latent_size != latent_size:
            return False
        return not project_latents or self.decodes_project_latents()

    def decodes_project_latents(self) -> bool:
        """True when the loaded model reads the project's latent space (or there is no
        project model to differ from)."""
        space = self.project_space
        return space is None or (self.model is not None and space == self.model.info.space)

    def read_project_space(self) -> None:
        """Read :attr:`project_space` from the project (GUI thread: when an import, which may
        give it another model, ends; an opened or re-read project brings it in its snapshot)."""
        try:
            ref = self.store.model() if self.store is not None else None
        except sqlite3.Error:  # locked by another program just now: keep what was known
            return
        self.project_space = ref.space if ref is not None else None

    # -- selection ------------------------------------------------------------------------
    def select_sound(self, sound_id: int) -> None:
        index = self.state.index_of(sound_id)
        self.selected_id = int(sound_id) if index >= 0 else -1
        self.views.map_view.set_selected(index)
        self._preview_selected()
        self.selectionChanged.emit(self.selected_id)

    def _preview_selected(self, *_info) -> None:
        """Preview the selected sound: its original always, its reconstruction if a model can."""
        if (index := self.state.index_of(self.selected_id)) >= 0:
            traj = self.state.trajectory(self.selected_id)
            engine = self.model.engine if self._model_matches(traj.shape[1]) else None
            sound, loaded = self.state.sound_at(index), self.model is not None
            self.preview.show(engine, sound, traj, self.store, model_loaded=loaded)

    # -- import ---------------------------------------------------------------------------
    def open_dropped(self, paths: list[str]) -> None:
        """Dropped files: a project opens, a model loads, sounds and folders are imported."""
        projects = [p for p in paths if Path(p).suffix.lower() == PROJECT_SUFFIX]
        models = [p for p in paths if Path(p).suffix.lower() in MODEL_SUFFIXES]
        sounds = [p for p in paths if p not in projects and p not in models]
        if len(projects) + len(models) > 1:
            self.errorOccurred.emit("Drop one project or one model at a time")
        elif projects:
            self.open_project(projects[0])
        elif models:
            self.load_model(models[0])
        if sounds and not projects and not models:
            self.import_paths(sounds)
        elif sounds:
            self.message.emit(f"{len(sounds)} other dropped files were not imported")

    def import_paths(self, paths: list[str]) -> bool:
        """Import dropped/chosen files and folders into the project (a new one if none)."""
        if self.model is None or not self.model.engine.can_encode:
            self.errorOccurred.emit(
                "Load a model that can encode (File → Open Model…) before importing sounds"
            )
            return False
        if self.store is None:
            self.store = make_new_project().store
            self.project_space = None
            self.projectOpened.emit(self.store)
        changes_model = self._project_model_differs()
        if not self.imports.start(self.store, self.model.engine, paths, reread_map=changes_model):
            return False
        if not changes_model:
            self.project_space = self.model.info.space  # a first import makes it the project's
        # else the project takes the model once the import is prepared (_on_map_reread); until
        # then its sounds stay the old model's (refused by this one), and a failed preparation
        # leaves everything as it was
        return True

    def _on_map_reread(self, snap) -> None:
        """An import made the loaded model the project's: show the sounds already encoded with
        it and its saved map (the rest arrive as they are encoded), and tell the features."""
        if snap.store is not self.store or self.model is None:
            return
        self.project_space = snap.space
        self.selected_id = -1
        self.preview.clear()
        self.views.banner.clear("info")
        self.sync.show_snapshot(snap)
        self.projectModelChanged.emit(self.store, self.model.info.content_hash)
        self.message.emit(
            f"The project now uses {Path(self.model.path).name}: its sounds are encoded again"
        )

    def _project_model_differs(self) -> bool:
        """True when the project holds sounds encoded with another model than the loaded one."""
        return bool(self.project_space) and self.project_space != self.model.info.space

    def cancel_import(self) -> None:
        self.imports.cancel()

    # -- map ------------------------------------------------------------------------------
    def refine_projection(self) -> bool:
        """Re-project the map with UMAP in the background; the points glide when it is done."""
        return self.sync.refine()

    def _refine_after_import(self, _report: object) -> None:
        """Lay the map out with UMAP after an import, unless it already is a UMAP map that
        the import did not outgrow: then the new sounds were placed on it (``transform``) and
        no sound already there moves. An import that brings more sounds than the map had is
        laid out anew: a map of a few sounds says little about many others. Ctrl+R lays out
        every sound again."""
        arrived = set(self.imports.imported_ids)
        if not (self.sync.auto_refine and arrived):
            return
        kept = len(set(self.state.ids) - arrived)
        laid_out = self.state.atlas is not None and self.state.atlas.method == "umap"
        if not laid_out or len(arrived) > kept:
            self.sync.refine()
        else:
            n = len(arrived)
            self.message.emit(
                f"{n} sound{'s' if n > 1 else ''} placed on the map, which stays as it was "
                "(Ctrl+R lays out every sound again)"
            )

    def set_density_visible(self, visible: bool) -> None:
        self.sync.set_density_visible(visible)
