"""The main window's menus, toolbar actions and shortcuts.

File: open model, new/open project, recent files, save/save as, import, export. Edit: Undo
(Ctrl+Z) and Redo (Ctrl+Shift+Z), which the features that can undo take over (paths). View: density
overlay, refine map, fit, find a sound (Ctrl+F, the toolbar's search field), colour by
(:mod:`.colour_menu`), docks. Playback:
Space = play/stop, R = record, Esc = stop all. Audio: output device (queried off the GUI
thread), block size. Help (:mod:`.help_menu`): shortcuts (F1), documentation, About.

Thread: GUI thread only.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from latentscape.colour_menu import ColourBy
from latentscape.engines.corpus import ImportRules
from latentscape.engines.errors import LatentscapeError
from latentscape.engines.sound_files import with_suffix
from latentscape.explorer_controller import MODEL_SUFFIXES
from latentscape.exports import export_map_csv, export_sound_wav
from latentscape.help_menu import HelpMenu, key_text, label_of
from latentscape.marked_files import copy_files, files_of, marked_sounds
from latentscape.project_schema import is_project_file
from latentscape.project_session import folder_label, is_untitled, project_file_name
from latentscape.sound_tags import SoundTagger
from latentscape.widgets import theme
from latentscape.widgets.import_options import ImportOptions, ImportOptionsDialog
from latentscape.widgets.import_panel import folder_above
from latentscape.widgets.sound_finder import SoundFinder

if TYPE_CHECKING:
    from latentscape.main_window import MainWindow

AUDIO_FILTER = "Sounds (*.wav *.flac *.aif *.aiff *.ogg *.mp3);;All files (*)"
MODEL_FILTER = f"Models ({' '.join('*' + s for s in MODEL_SUFFIXES)});;All files (*)"
PROJECT_FILTER = "latentscape projects (*.lsc)"
BLOCK_SIZES = (256, 512, 1024, 2048)


def library_parent(folders: set[str]) -> str:
    """:func:`folder_above` the sounds' stored folders, or "" (a project's own relative
    folders, absolute and relative ones mixed)."""
    return folder_above(folders) or ""


def import_options_dialog(rules: ImportRules, parent) -> ImportOptionsDialog:
    """The Import Options dialog showing ``rules``, with the built-in rules as its defaults."""

    def options(r: ImportRules) -> ImportOptions:
        return ImportOptions(
            r.segment_s, r.trim_silence, r.max_file_s, r.split, r.onset_sensitivity
        )

    dialog = ImportOptionsDialog(options(rules), parent)
    dialog.set_defaults(options(ImportRules()))
    return dialog


class MainMenus(QtCore.QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.c = window.controller
        self.actions: dict[str, QtGui.QAction] = {}
        bar = window.menuBar()

        f = bar.addMenu("&File")
        self._act(f, "open_model", "Open &Model…", self.open_model, "Ctrl+M")
        f.addSeparator()
        self._act(f, "new_project", "&New Project", self.new_project, QtGui.QKeySequence.New)
        self._act(f, "open_project", "&Open Project…", self.open_project, QtGui.QKeySequence.Open)
        self.recent_menu = f.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._act(f, "save", "&Save", self.save, QtGui.QKeySequence.Save)
        self._act(f, "save_as", "Save &As…", self.save_as, QtGui.QKeySequence.SaveAs)
        f.addSeparator()
        self._act(f, "import_files", "&Import Sounds…", self.import_files, "Ctrl+I")
        self._act(f, "import_folder", "Import &Folder…", self.import_folder, "Ctrl+Shift+I")
        self._act(f, "import_options", "Import &Options…", self.edit_import_options)
        export = f.addMenu("&Export")
        self._act(
            export, "export_sound", "Selected Sound's &Reconstruction as WAV…", self.export_sound
        )
        self._act(export, "export_map", "Map as &CSV…", self.export_map)
        self._act(
            export, "export_files", "Marked Sounds' &Files to Folder…", self.export_marked_files
        )
        f.addSeparator()
        self._act(f, "quit", "&Quit", window.close, QtGui.QKeySequence.Quit)

        e = bar.addMenu("&Edit")  # what can be undone comes from the features (paths)
        self._act(e, "undo", "&Undo", lambda: None, QtGui.QKeySequence.Undo).setEnabled(False)
        redo = self._act(e, "redo", "&Redo", lambda: None, "Ctrl+Shift+Z")
        redo.setShortcuts([QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence("Ctrl+Y")])
        redo.setEnabled(False)
        self._act(e, "copy_path", "&Copy Sound File Paths", self.copy_sound_path, "Ctrl+Shift+C")
        self.tagger = SoundTagger(self.c, window.map_view, parent=self)
        self.tagger.dialog_parent = window
        self._act(e, "tag", "&Tag Marked Sounds…", self.tagger.tag_chosen, "Ctrl+T")

        v = bar.addMenu("&View")
        density = self._act(v, "density", "&Density Overlay", self.c.set_density_visible, "D")
        density.setCheckable(True)
        self._act(v, "refine", "&Refine Map (UMAP)", self.c.refine_projection, "Ctrl+R")
        self._act(v, "fit", "&Fit Map", self.c.sync.fit, "Home")
        self._act(v, "find", "Find &Sound…", self.focus_finder, QtGui.QKeySequence.Find)
        self.colour_by = ColourBy(self.c, window.map_view, v, parent=self)
        v.addSeparator()
        self.docks_menu = v.addMenu("&Panels")

        p = bar.addMenu("&Playback")
        self._act(p, "play_stop", "&Play / Stop", self.c.play_stop, "Space")
        record = self._act(p, "record", "&Record Path", self.c.set_recording, "R")
        record.setCheckable(True)
        self.c.recordToggled.connect(record.setChecked)
        self._act(p, "stop_all", "&Stop All", self.stop_all, "Esc")

        a = bar.addMenu("&Audio")
        self.device_menu = a.addMenu("Output &Device")
        self.device_menu.aboutToShow.connect(self._fill_devices)
        self._devices: list | None = None
        self._device_group = QtGui.QActionGroup(self)
        block = a.addMenu("&Block Size")
        group = QtGui.QActionGroup(self)
        self._block_actions: dict[int, QtGui.QAction] = {}
        for frames in BLOCK_SIZES:
            act = self._block_actions[frames] = block.addAction(f"{frames} frames")
            act.setCheckable(True)
            act.setChecked(frames == window.settings.block_frames)
            act.triggered.connect(lambda _=False, n=frames: self.set_block(n))
            group.addAction(act)
        self.c.audio.switchFailed.connect(self._on_switch_failed)
        window.map_view.marks.changed.connect(self._on_marked)

        self.help = HelpMenu(window, bar.addMenu("&Help"), self._act)

        tools = self.toolbar = window.addToolBar("Transport")
        tools.setObjectName("toolbar_transport")
        tools.setMovable(False)
        tools.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in ("play_stop", "record", "density", "refine", "import_folder", "open_model"):
            tools.addAction(self.actions[name])
        self._record_button = tools.widgetForAction(self.actions["record"])
        if self._record_button is not None:
            self._record_button.setObjectName("record_button")
            self._record_button.setStyleSheet(
                f"QToolButton#record_button:checked {{ background: {theme.RECORD};"
                " color: white; font-weight: bold; }"
            )
        spacer = QtWidgets.QWidget()
        spacer.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred
        )
        tools.addWidget(spacer)
        self.finder = SoundFinder(self._finder_entries, lambda: self.c.state.revision)
        self.finder.setMaximumWidth(320)
        self.finder.soundChosen.connect(self._on_sound_found)
        self.finder.nothingFound.connect(
            lambda text: self.c.message.emit(f"No sound matches “{text}”")
        )
        tools.addWidget(self.finder)
        for dock in window.docks.values():
            self.add_dock_toggle(dock)

    def _act(self, menu, name, text, slot, shortcut=None) -> QtGui.QAction:
        act = QtGui.QAction(text, self.w)
        if shortcut is not None:
            act.setShortcut(QtGui.QKeySequence(shortcut))
            # Shortcuts work while focus is in any child (sliders included), not only the map.
            act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(f"{label_of(act)} ({key_text(act)})")  # the toolbar names the key
        act.triggered.connect(lambda checked=False: slot(checked) if act.isCheckable() else slot())
        menu.addAction(act)
        self.w.addAction(act)
        self.actions[name] = act
        return act

    # -- finding a sound ------------------------------------------------------------------
    def focus_finder(self) -> None:
        """Ctrl+F: the finder takes the keys; a hidden toolbar is shown for it."""
        self.toolbar.show()
        self.finder.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
        self.finder.selectAll()

    def stop_all(self) -> None:
        """Esc, the panic key, wherever the keys are; in the finder it also clears the field
        and gives the keys back to the map (Space plays again, not types)."""
        if self.finder.hasFocus():
            self.finder.clear()
            self.w.map_view.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
        self.c.stop_all()

    def _finder_entries(self) -> list[tuple[int, str, str, str]]:
        """(id, name, colour group: what the legend shows, folder from the library's own
        folder on) of every sound on the map."""
        state = self.c.state
        folders = [posixpath.dirname(s.path) if s.path else "" for s in state.sounds]
        above = library_parent(set(folders) - {""})
        if above:  # "/home/alice/Samples/Drums" is found as "Samples/Drums": not by "alice"
            cut = len(above) + 1
            folders = [f[cut:] if f.startswith(above + "/") else f for f in folders]
        return list(zip(state.ids, state.names(), state.categories(), folders))

    def _on_sound_found(self, sound_id: int) -> None:
        """Hear the sound found, selected, and show it on the map (its group too, if hidden);
        keys go to the map again (Space plays, not types)."""
        index = self.c.state.index_of(sound_id)
        if index < 0:  # the map changed while the list was open
            self.c.message.emit("That sound is no longer on the map")
            return
        (group,) = self.c.state.categories([self.c.state.sound_at(index)])
        self.w.map_view.set_group_hidden(group, False)  # found: its group shows again
        self.c.audition_sound(sound_id)
        self.c.sync.reveal(index)
        self.w.map_view.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def add_dock_toggle(self, dock: QtWidgets.QDockWidget) -> None:
        self.docks_menu.addAction(dock.toggleViewAction())

    # -- file ---------------------------------------------------------------------------
    def _ask_open(self, title: str, filters: str) -> str | None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.w, title, "", filters)
        return path or None

    def open_model(self) -> None:
        path = self._ask_open("Open model", MODEL_FILTER)
        if path:
            self.open_model_file(path)

    def open_model_file(self, path: str) -> None:
        """Load the model ``path`` (File → Open Model, Recent); a project chosen there opens
        as a project, as a drop opens it (QA s22: the loader's words named only -p)."""
        if is_project_file(path):
            self.c.open_project(path)
        else:
            self.c.load_model(path)

    def new_project(self) -> None:
        self.c.new_project()

    def open_project(self) -> None:
        path = self._ask_open("Open project", PROJECT_FILTER)
        if path:
            self.c.open_project(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for kind, opener in (("projects", self.c.open_project), ("models", self.open_model_file)):
            # moved or deleted files are left out (and kept: a drive may come back)
            paths = [p for p in self.w.settings.recent_files(kind) if Path(p).exists()]
            names = Counter(Path(p).name for p in paths)
            for path in paths:
                name = Path(path).name
                label = f"{name} ({folder_label(path)})" if names[name] > 1 else name
                act = self.recent_menu.addAction(label)
                act.setToolTip(path)
                act.triggered.connect(lambda _=False, p=path, o=opener: o(p))
            self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("Clear List")
        clear.triggered.connect(self._clear_recent)

    def _clear_recent(self) -> None:
        self.w.settings.clear_recent_files("projects")
        self.w.settings.clear_recent_files("models")

    def save(self) -> None:
        store = self.c.store
        if store is None or is_untitled(store.path):
            self.save_as()
        else:
            self.w.statusBar().showMessage(f"{Path(store.path).name}: every change is saved", 4000)

    def save_as(self) -> None:
        if self.c.store is None:
            return
        path = self.ask_save_path()
        if path:
            self.c.save_project_as(path)

    def ask_save_path(self) -> str | None:
        """A file dialog for where to save the project (``.lsc`` added unless typed); None
        when cancelled. Tests replace it."""
        typed, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.w, "Save project as", "", PROJECT_FILTER
        )
        if not typed:
            return None
        path = project_file_name(typed)
        if path != typed and Path(path).exists():  # the dialog asked about the name typed
            answer = QtWidgets.QMessageBox.question(
                self.w, "Save project as", f"{Path(path).name} already exists. Replace it?"
            )
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                return None
        return path

    def import_files(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self.w, "Import sounds", "", AUDIO_FILTER)
        if paths:
            self.c.import_paths(paths)

    def edit_import_options(self) -> None:
        """How the next imports cut files into sounds; remembered between runs."""
        dialog = import_options_dialog(self.c.imports.rules, self.w)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.set_import_rules(dialog.options())

    def set_import_rules(self, options: ImportOptions) -> None:
        rules = replace(
            self.c.imports.rules,
            segment_s=options.segment_s,
            trim_silence=options.trim_silence,
            max_file_s=options.max_file_s,
            split=options.split,
            onset_sensitivity=options.onset_sensitivity,
        )
        self.c.imports.rules = self.w.settings.import_rules = rules

    def import_folder(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self.w, "Import a folder of sounds")
        if path:
            self.c.import_paths([path])

    def _on_marked(self, indices: list) -> None:
        if len(indices) > 1:
            self.w.statusBar().showMessage(
                f"{len(indices)} sounds marked: Ctrl+T tags them, Ctrl+Shift+C copies their "
                "file paths, File → Export → Marked Sounds' Files copies the files",
                6000,
            )

    def _marked_files(self) -> list[Path] | None:
        """The files of the sounds marked on the map (else the selected one); None, after
        saying why, when there are none."""
        c = self.c
        sounds = marked_sounds(c.state, self.w.map_view.marks.indices(), c.selected_id)
        files = files_of(sounds, c.store.resolve) if c.store is not None else []
        if not files:
            text = "Mark sounds on the map first (click, Ctrl+click, Ctrl+drag a box)"
            self.w.statusBar().showMessage(text if not sounds else "They have no files", 4000)
            return None
        return files

    def copy_sound_path(self) -> None:
        """The marked sounds' files, as full paths on the clipboard, one a line (to paste
        into a sampler, a DAW's browser or a file manager)."""
        files = self._marked_files()
        if files is not None:
            QtGui.QGuiApplication.clipboard().setText("\n".join(map(str, files)))
            what = str(files[0]) if len(files) == 1 else f"{len(files)} file paths"
            self.w.statusBar().showMessage(f"Copied {what}", 4000)

    def export_marked_files(self) -> None:
        """Copy the marked sounds' own files into a folder the user picks (worker)."""
        files = self._marked_files()
        if files is None:
            return
        folder = QtWidgets.QFileDialog.getExistingDirectory(self.w, "Copy the files to")
        if folder:
            self.copy_files_to(files, Path(folder))

    def copy_files_to(self, files: list[Path], folder: Path) -> None:
        c = self.c

        def done(result) -> None:
            copies, missing = result
            gone = f"; {len(missing)} not found (moved?)" if missing else ""
            c.message.emit(f"Copied {len(copies)} files to {folder}{gone}")

        c.runner.submit(
            lambda ctx: copy_files(files, folder),
            on_done=done,
            on_error=lambda exc, tb: c.errorOccurred.emit(f"could not copy the files: {exc}"),
        )

    def export_sound(self) -> None:
        c = self.c
        if c.selected_id < 0 or c.model is None:
            self.w.statusBar().showMessage("Select a sound on the map first", 4000)
            return
        if not c.decodes_project_latents():
            c.errorOccurred.emit(
                "export failed: the sound was encoded with another model than the loaded one"
            )
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.w, "Export the model's reconstruction of the sound", "", "WAV (*.wav)"
        )
        if path:
            path = with_suffix(path, ".wav")
            traj, engine = c.state.trajectory(c.selected_id), c.model.engine
            c.runner.submit(
                lambda ctx: export_sound_wav(engine, traj, path),
                on_done=lambda p: c.message.emit(f"Exported {Path(p).name}"),
                on_error=lambda e, tb: c.errorOccurred.emit(f"export failed: {e}"),
            )

    def export_map(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.w, "Export map", "", "CSV (*.csv)")
        if path:
            try:
                written = export_map_csv(self.c.state, with_suffix(path, ".csv"))
            except LatentscapeError as exc:
                self.c.errorOccurred.emit(f"export failed: {exc}")
                return
            self.c.message.emit(f"Exported {written.name}")

    # -- audio --------------------------------------------------------------------------
    def _fill_devices(self) -> None:
        menu = self.device_menu
        menu.clear()
        current = self.w.settings.audio_device
        default = menu.addAction("System Default")
        default.setCheckable(True)
        default.setChecked(current is None)
        default.triggered.connect(lambda: self.set_device(None))
        self._device_group.addAction(default)
        menu.addSeparator()
        if self._devices is None:
            menu.addAction("Looking for devices…").setEnabled(False)
            from latentscape.engines.audio.devices import list_output_devices

            self.c.runner.submit(lambda ctx: list_output_devices(), on_done=self._on_devices)
            return
        if not self._devices:
            menu.addAction("No output devices found").setEnabled(False)
        for dev in self._devices:
            act = menu.addAction(dev.label)
            act.setCheckable(True)
            act.setChecked(dev.label == current)
            act.triggered.connect(lambda _=False, spec=dev.label: self.set_device(spec))
            self._device_group.addAction(act)
        menu.addSeparator()
        refresh = menu.addAction("Refresh List")
        refresh.triggered.connect(self._refresh_devices)

    def _on_devices(self, devices: list) -> None:
        self._devices = list(devices)
        if self.device_menu.isVisible():
            self._fill_devices()

    def _refresh_devices(self) -> None:
        self._devices = None

    def set_device(self, spec: str | None) -> None:
        self.w.settings.audio_device = spec
        self.c.audio.set_device(spec)

    def set_block(self, frames: int) -> None:
        self.w.settings.block_frames = frames
        self.c.audio.set_device(self.c.audio.device, frames)

    def _on_switch_failed(self, reason: str) -> None:
        """The audio plays on with its earlier device and block size: so do the menus and the
        settings kept for the next run."""
        audio = self.c.audio
        self.w.settings.audio_device = audio.device
        self.w.settings.block_frames = audio.block_frames
        if audio.block_frames in self._block_actions:
            self._block_actions[audio.block_frames].setChecked(True)
        self.c.errorOccurred.emit(reason)
