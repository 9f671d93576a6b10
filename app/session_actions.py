"""Opening projects and models: the part of :class:`ExplorerController` that swaps what is loaded.

A mixin so the controller stays one readable page; it uses the controller's runner, views,
settings, audio session and signals. The slow parts (reading the project, loading and measuring
the model) run on the TaskRunner; the ``_on_*`` handlers apply results on the GUI thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QTimer

from latentscape.engines.errors import LatentscapeError
from latentscape.project_session import (
    LoadedModel,
    ProjectSnapshot,
    discard_untitled,
    is_untitled,
    load_and_measure,
)
from latentscape.project_session import new_project as make_new_project
from latentscape.project_session import open_project as read_project
from latentscape.project_store import ProjectStore
from latentscape.project_writes import copy_failure, probe
from latentscape.warmup import freeze_heap

OTHER_MODEL_NOTE = (
    "This project's sounds were encoded with another model: import them again "
    "to hear them through this one."
)


T = TypeVar("T")


def wait_painting(work: Callable[[], T]) -> T:
    """Run ``work`` on a thread and return its result (or raise its error), keeping the
    window painting and its timers running meanwhile (GUI thread). User input waits: nothing
    can start while it runs. For copies of big projects (Save As of 100,000 sounds is seconds
    of SQLite backup; it froze the window for all of it)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the GUI thread, raised there
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="latentscape-save", daemon=True)
    thread.start()
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: None if thread.is_alive() else loop.quit())
    timer.start(5)
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    timer.stop()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class SessionActions:
    """Mixed into ``ExplorerController`` (GUI thread)."""

    # -- projects -------------------------------------------------------------------------
    def open_project(self, path: str | Path, model: str | None = None) -> None:
        """Open a project (worker thread: read, and find out whether it can be written:
        ``store.read_only``) and then its model, or ``model`` when given."""
        if not self.confirm_leave():
            return
        self._project_busy = True
        self._pending_model = model
        self.busyChanged.emit(f"Opening {Path(path).name}…")

        def read(ctx) -> ProjectSnapshot:
            snap = read_project(path)
            probe(snap.store)
            return snap

        self.runner.submit(
            read,
            on_done=self._on_project_read,
            on_error=self._on_project_error,
        )

    def new_project(self, path: str | Path | None = None, model: str | None = None) -> None:
        """Start an empty project (untitled without ``path``), with ``model`` loaded once it
        is open (None: the model loaded now stays)."""
        if not self.confirm_leave():
            return
        self._project_busy = True
        self._pending_model = model
        self.runner.submit(
            lambda ctx: make_new_project(path),
            on_done=self._on_project_read,
            on_error=self._on_project_error,
        )

    def save_project_as(self, path: str | Path) -> bool:
        """Copy the project to ``path`` and continue in the copy (the store saves every change
        as it happens, so "Save" has nothing left to write). A recording under way is finished
        first, into the project being copied; an import under way goes on into the copy.
        Returns False, with the error shown, when the copy cannot be written: the current
        project stays as it was."""
        if self.store is None:
            return False
        path = Path(path)
        if self.recording:
            self.set_recording(False)
        store, old_path = self.store, self.store.path
        self.busyChanged.emit(f"Saving {path.name}…")  # shown while an import is prepared
        if not self.imports.prepared(store):  # (seconds on a slow share) it cannot follow
            self.imports.stop_into(store)
            self.errorOccurred.emit(
                "The import was still reading its files, so it stops here; import the same"
                f" files again into {path.name} to finish it"
            )
        elsewhere = path.absolute().parent != old_path.absolute().parent

        def save() -> list:
            store.continue_as(path)
            return store.sounds() if elsewhere else []  # relative paths rebased for the copy

        try:
            rebased = wait_painting(save)
        except (OSError, sqlite3.Error, LatentscapeError) as exc:
            self.busyChanged.emit("")
            self.errorOccurred.emit(copy_failure(path, exc))
            return False
        self.busyChanged.emit("")
        self.sync.update_sounds(rebased)  # the map's sounds find their files from the copy
        self.settings.add_recent_file(path)
        self.settings.last_project = str(path)
        self.message.emit(f"Saved as {path.name}")
        self.projectRenamed.emit(store)  # the same store, now the copy: nothing reloads
        # an import under way goes on into the copy: nothing reads the file left behind
        if path.absolute() != old_path.absolute():
            discard_untitled(old_path)
        return True

    def _leave(self, store: ProjectStore) -> None:
        """Close a project the window moves away from: an import into it stops first, with
        what it finished stored; an untitled one's temp folder goes too (unless an import
        still being prepared reads it)."""
        self.imports.stop_into(store)
        store.close()
        if not self.imports.running:
            discard_untitled(store.path)

    def _on_project_read(self, snap: ProjectSnapshot) -> None:
        self._project_busy = False
        if self._closed:
            snap.store.close()
            return
        self.busyChanged.emit("")
        self._model_after_draw = None  # the last project's model, waiting for its map
        if self.recording:  # a recording belongs to the project it was made in: finish it
            self.set_recording(False)  # there, before that project closes
        if self.store is not None and self.store is not snap.store:
            self._leave(self.store)
        self.store = snap.store
        self.project_space = snap.space
        self.selected_id = -1
        # ids start at 1 in every project: what Space would replay names another sound here
        self.last_played = None
        self.views.map_view.hide_cursor()  # the last click's position, on the old map
        self.preview.clear()
        self.views.banner.clear("error")
        if not self.imports.running:  # the last import's outcome was about another project
            self.views.import_progress.clear()
        self.sync.show_snapshot(snap)
        left = (
            f"; {snap.unencoded} sounds are not on the map until they are encoded with its "
            "model: import their folders again"
            if snap.unencoded
            else ""
        )
        if left:
            self.views.banner.show_message(f"Opened {snap.store.path.name}{left}.", "info")
        if not is_untitled(snap.store.path):
            self.settings.add_recent_file(snap.store.path)
            self.settings.last_project = str(snap.store.path)
        self.projectOpened.emit(snap.store)
        self.message.emit(
            f"Opened {snap.store.path.name}: {len(snap.map)} sounds ({snap.load_s:.2f} s){left}"
        )
        self._report_missing_files(snap)
        model = self._pending_model or snap.model_path
        asked, self._pending_model = self._pending_model, None
        if model and not asked and not Path(model).is_file():  # its own model, not found
            self.errorOccurred.emit(missing_model_text(snap, model))
            if self.model is None and not self.audio.starting and self.audio.engine is None:
                self.start_audio()
        elif model and (self.model is None or Path(self.model.path) != Path(model)):
            self._load_model_once_drawn(model)
        elif self.model is None and not self.audio.starting and self.audio.engine is None:
            self.start_audio()

    def _report_missing_files(self, snap: ProjectSnapshot) -> None:
        """Say (on the banner, unless it says something already) how many of the opened
        project's sounds have no file where it was (moved, renamed, a drive not connected):
        they play from the model, but not their originals. A worker looks (a stat per sound);
        opening another project stops it."""
        store, base = snap.store, snap.store.path.absolute().parent
        stored = [s.path for s in self.state.sounds if s.path]  # (the map's, adopted from snap)

        def count(ctx) -> int | None:
            missing = 0
            for p in stored:
                if ctx.cancelled:
                    return None
                missing += not (base / p).is_file()  # (an absolute p: base is ignored)
            return missing

        def done(missing: int | None) -> None:
            if not missing or self.store is not store:
                return
            text = (
                f"{store.path.name}: the files of {missing} sounds are not where they were "
                "(moved, renamed, or on a drive not connected): they play from the model, not "
                "from their originals. Import their folders from where they are now to find "
                "them again."
                if missing > 1
                else f"{store.path.name}: the file of 1 sound is not where it was (moved, "
                "renamed, or on a drive not connected): it plays from the model, not from its "
                "original. Import its folder from where it is now to find it again."
            )
            if self.views.banner.isHidden():
                self.views.banner.show_message(text, "info")
            else:  # the banner says something else already
                self.message.emit(text)

        if self._missing_check is not None:
            self._missing_check.cancel()
        self._missing_check = self.runner.submit(count, on_done=done)

    def _load_model_once_drawn(self, path: str | Path) -> None:
        """Load ``path`` once the map is on screen. A big map is drawn over several event-loop
        turns, and the model's speed measurement (Python decoding on a worker) took the GIL
        from those paints. Opening a 100,000-sound project (``bench/gui_stalls.py --open``):
        the longest stall 275 ms at once, 90 ms with the model waiting; the map is drawn 0.3 s
        sooner, the audio plays 0.5 s later."""
        view = self.views.map_view
        if view.drawn_count() >= view.point_count():
            self.load_model(path)
            return
        self._model_after_draw = path  # counts as busy
        self.busyChanged.emit(f"Loading model {Path(path).name}…")

    def _on_points_drawn(self) -> None:
        path, self._model_after_draw = self._model_after_draw, None
        if path is not None and not self._closed:
            self.load_model(path)

    def _on_outside_change(self, snap: ProjectSnapshot) -> None:
        """Another program changed the open project (sounds imported, a map made): show the
        project as it is now; the selected sound stays selected if it is still there."""
        if snap.store is not self.store or self._closed:
            return
        box = self.views.map_view.getViewBox()
        (x0, x1), (y0, y1) = box.viewRange()
        switched = snap.space != self.project_space  # the other program gave it another model
        self.project_space = snap.space
        shown = self.state.atlas
        self.sync.show_snapshot(snap)
        box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)  # where the user looks
        if switched:
            self.projectModelChanged.emit(self.store, snap.model.content_hash if snap.model else "")
        else:
            self.sync.follow_outside_layout(shown)
            self.projectReadAgain.emit(self.store)
        if self.model is not None and self._project_model_differs():
            self.views.banner.show_message(OTHER_MODEL_NOTE, "info")
        index = self.state.index_of(self.selected_id) if self.selected_id >= 0 else -1
        if index >= 0:
            self.views.map_view.set_selected(index)
        else:
            self.selected_id = -1
            self.preview.clear()
        self.message.emit(
            f"{snap.store.path.name} changed in another program: read again "
            f"({len(snap.map)} sounds on the map)"
        )

    def _on_project_error(self, exc: BaseException, tb: str) -> None:
        self._project_busy = False
        self.busyChanged.emit("")
        self.errorOccurred.emit(str(exc))
        model, self._pending_model = self._pending_model, None
        if self._closed:
            return
        if model:  # asked for with the project (--model): still load it, or say why not
            self.load_model(model)
        elif self.model is None and not self.audio.starting and self.audio.engine is None:
            self.start_audio()  # the status bar said "audio: starting…" for good

    def holds_unsaved_work(self) -> bool:
        """True when closing or leaving the project loses work unless it is saved somewhere
        first: an untitled one (in a temp folder) that holds anything, or one that holds
        paths it could not save (read-only, a full disk: :meth:`unsaved_paths`)."""
        store = self.store
        if store is None:
            return False
        return (is_untitled(store.path) and store.has_content()) or self.unsaved_paths() > 0

    def unsaved_paths(self) -> int:
        """How many paths (or path changes) the project could not take; the window's
        ``ReadOnlyNotice`` answers it (none without the paths feature)."""
        return 0

    # -- models ---------------------------------------------------------------------------
    def load_model(self, path: str | Path) -> None:
        """Load and measure any model on a worker, then restart audio with it. A model the
        user asks for replaces the one a project was waiting to load."""
        self._model_after_draw = None
        self._model_busy = True
        self.busyChanged.emit(f"Loading model {Path(path).name}…")
        self.runner.submit(
            lambda ctx: load_and_measure(path),
            on_done=self._on_model_loaded,
            on_error=self._on_model_error,
        )

    def _on_model_loaded(self, loaded: LoadedModel) -> None:
        self._model_busy = False
        if self._closed:
            return
        self.busyChanged.emit("")
        freeze_heap()  # torch's objects: keep them out of full collections (app/warmup.py)
        self.model = loaded
        self.views.model_panel.set_model_info(loaded.info.to_dict())
        self.bindings.set_model_dims(loaded.info.latent_size)  # its sliders, at rest
        self.settings.add_recent_file(loaded.path, kind="models")
        self.audio.set_model(loaded.engine)
        banner = self.views.banner
        banner.clear("error")  # what failed before (an open, a play) is no longer the state
        if self._project_model_differs():
            banner.show_message(OTHER_MODEL_NOTE, "info")
        elif banner.text() == OTHER_MODEL_NOTE:
            banner.clear()
        slow = loaded.info.speed_warning  # dropouts ahead (QA s19 M2): said, not only heard
        if slow and (banner.isHidden() or banner.level() == "info"):
            banner.show_message(f"{Path(loaded.path).name} {slow}", "warning")
        rtf = loaded.info.realtime_factor
        speed = f", {rtf:.1f}x real time" if rtf else ""
        self.message.emit(f"Loaded {Path(loaded.path).name}{speed}")
        self.modelLoaded.emit(loaded.info)

    def _on_model_error(self, exc: BaseException, tb: str) -> None:
        self._model_busy = False
        self.busyChanged.emit("")
        self.errorOccurred.emit(str(exc))
        if self.audio.engine is None and not self.audio.starting:
            self.start_audio()


def missing_model_text(snap: ProjectSnapshot, looked_at: str) -> str:
    """What to say when a project's model file is not where it was (QA s19 M4: the banner
    said only "my.ts: no such file")."""
    name = Path(snap.model.path).name if snap.model is not None else Path(looked_at).name
    return (
        f"This project's model {name} was not found (looked at {looked_at}): until it is "
        "loaded, a selected sound plays only its original file. Find it with File → Open "
        "Model… (Ctrl+M)."
    )
