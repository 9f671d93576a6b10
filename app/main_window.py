"""``MainWindow``: the map in the middle, latent controls and model on the right, spectrograms below.

Layout (first run): the map fills the centre under a banner strip; on the right, "Latent
controls" sit above the "Model" dock (the paths panel is a tab beside it, so a path's Stop and
the offsets are in view together); "Output" (live spectrogram) and "Selected sound" (original
vs reconstruction) share the bottom. Other features attach their own docks with
:meth:`MainWindow.add_panel` (paths panel: ``install_paths_panel``; gallery:
``install_gallery_view``). The first window fits its screen, and its docks leave the map most
of it (:mod:`.window_geometry`). Docks and geometry are remembered in ``QSettings``; a saved
geometry that no longer fits the screen is not used.

Thread: GUI thread only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from latentscape.explorer_controller import ExplorerController, ExplorerViews
from latentscape.main_menus import MainMenus
from latentscape.project_session import folder_label, is_untitled
from latentscape.read_only_notice import ReadOnlyNotice
from latentscape.settings import AppSettings
from latentscape.widgets.banner import Banner
from latentscape.widgets.import_panel import ImportProgress
from latentscape.widgets.latent_controls import LatentControls, full_height_px
from latentscape.widgets.map_view import MapView
from latentscape.widgets.model_panel import ModelPanel
from latentscape.widgets.spectrogram_view import LiveSpectrogramView, SpectrogramPairView
from latentscape.widgets.status_bar import StatusBar, elide, reading_ms
from latentscape.widgets.tile_mime import local_paths
from latentscape.window_geometry import dock_sizes, place_first, saved_geometry_fits

APP_NAME = "latentscape"
AUDIO_STARTING = "audio: starting…"
AUDIO_SWITCHING = "audio: switching…"  # the engine of the earlier setting plays meanwhile
OUTPUT_MIN_WIDTH = 150  # px: the live spectrogram stays readable on a 1024 px screen
# The docks' saved layout is used again only by a window with the same docks. 1: the latent
# controls have a dock of their own; a layout saved before gives way to the first run's (Qt
# left the paths and gallery docks of one unplaced).
LAYOUT_VERSION = 1
DEVICE_LABEL_PX = 160  # px: a long device name ("JACK Audio Connection Kit: system") is elided
Area = QtCore.Qt.DockWidgetArea


class MainWindow(QtWidgets.QMainWindow):
    """The app window. ``controller`` is the :class:`ExplorerController` others extend.

    ``closing()`` is emitted once the user agreed to close, before the controller shuts down:
    features (paths, gallery) finish their work on it.
    """

    closing = QtCore.Signal()

    def __init__(
        self,
        settings: AppSettings | None = None,
        *,
        player: str | None = None,
        warm_up: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings or AppSettings()
        self.setWindowTitle(APP_NAME)
        self.setObjectName("main_window")
        self.setDockOptions(
            QtWidgets.QMainWindow.DockOption.AnimatedDocks
            | QtWidgets.QMainWindow.DockOption.AllowTabbedDocks
        )
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        # The saved dock layout, restored once every feature's dock is in (finish_setup):
        # restored twice, a tab group keeps its first tab bar drawn, stale (Qt).
        self._saved_state: QtCore.QByteArray | None = self.settings.window_state()[1]
        self._tab_with: dict[str, str] = {}  # first-run tab groups, where no state places them

        self.map_view = MapView()
        self.banner = Banner()
        central = QtWidgets.QWidget()
        box = QtWidgets.QVBoxLayout(central)
        box.setContentsMargins(6, 6, 6, 0)
        box.setSpacing(6)
        box.addWidget(self.banner)
        box.addWidget(self.map_view, 1)
        self.setCentralWidget(central)

        self.latent_controls = LatentControls()
        self.model_panel = ModelPanel()
        self.live_spectrogram = LiveSpectrogramView()
        self.live_spectrogram.setMinimumWidth(OUTPUT_MIN_WIDTH)
        self.pair_view = SpectrogramPairView()
        # The right column runs the full height (the model's live figures stay in view).
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
        self.setCorner(QtCore.Qt.Corner.TopRightCorner, Area.RightDockWidgetArea)
        latent = _scrolled(self.latent_controls)
        self.add_panel("latent", "Latent controls", latent, Area.RightDockWidgetArea)
        self.add_panel("model", "Model", _scrolled(self.model_panel), Area.RightDockWidgetArea)
        self.splitDockWidget(
            self.docks["latent"], self.docks["model"], QtCore.Qt.Orientation.Vertical
        )
        self.add_panel("output", "Output", self.live_spectrogram, Area.BottomDockWidgetArea)
        self.add_panel("selected", "Selected sound", self.pair_view, Area.BottomDockWidgetArea)
        self.splitDockWidget(
            self.docks["output"], self.docks["selected"], QtCore.Qt.Orientation.Horizontal
        )

        self.setStatusBar(StatusBar())
        self.import_progress = ImportProgress()
        self.import_progress.finished.connect(self._on_import_finished)
        self._busy_label = QtWidgets.QLabel()
        self._busy_label.setProperty("role", "dim")
        self._hover_label = QtWidgets.QLabel()
        self._audio_label = QtWidgets.QLabel(AUDIO_STARTING)
        self._audio_label.setProperty("role", "dim")
        bar = self.statusBar()
        bar.addPermanentWidget(self._hover_label)
        bar.addPermanentWidget(self._busy_label)
        bar.addPermanentWidget(self.import_progress)
        bar.addPermanentWidget(self._audio_label)

        views = ExplorerViews(
            map_view=self.map_view,
            model_panel=self.model_panel,
            latent_controls=self.latent_controls,
            live_spectrogram=self.live_spectrogram,
            pair_view=self.pair_view,
            import_progress=self.import_progress,
            banner=self.banner,
            dialog_parent=self,
        )
        self.controller = ExplorerController(
            views, self.settings, player=player, warm_up=warm_up, parent=self
        )
        c = self.controller
        c.confirm_leave = self.confirm_leave_project
        c.message.connect(lambda text: self.statusBar().showMessage(text, reading_ms(text)))
        c.errorOccurred.connect(self._on_error)
        self.read_only_notice = ReadOnlyNotice(self)  # a project it cannot write: banner
        c.busyChanged.connect(self._busy_label.setText)
        c.projectOpened.connect(self._on_project_opened)
        c.projectRenamed.connect(self._on_project_opened)  # the title follows the file
        c.audio.statsUpdated.connect(self._on_audio_stats)
        c.audio.restarting.connect(self._on_audio_restarting)
        c.modelLoaded.connect(self._forget_crosshair)
        c.imports.importFinished.connect(self._forget_crosshair)
        self.map_view.pointHovered.connect(self._on_hovered)
        self.setAcceptDrops(True)  # files dropped anywhere on the window import too
        self.menus = MainMenus(self)
        self.actions_by_name = self.menus.actions
        self._first_layout()
        self._restore()

    # -- hooks for other features ------------------------------------------------------------
    def add_panel(
        self,
        key: str,
        title: str,
        widget: QtWidgets.QWidget,
        area: QtCore.Qt.DockWidgetArea = Area.RightDockWidgetArea,
        tabify_with: str | None = None,
    ) -> QtWidgets.QDockWidget:
        """Dock ``widget`` under ``title`` (remembered by ``key``); tabbed with another dock."""
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(
            QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        if tabify_with is not None and tabify_with in self.docks and self._saved_state is None:
            self.layout().activate()  # else the group gets a second tab bar, stale (Qt)
            self.tabifyDockWidget(self.docks[tabify_with], dock)
        else:
            self.addDockWidget(area, dock)
            if tabify_with is not None:
                self._tab_with[key] = tabify_with  # unless the saved state places it
        self.docks[key] = dock
        if hasattr(self, "menus"):
            self.menus.add_dock_toggle(dock)
        return dock

    def install_paths_panel(self, widget: QtWidgets.QWidget) -> QtWidgets.QDockWidget:
        """The latent-paths list (issue 7): a tab beside the model panel."""
        return self.add_panel("paths", "Paths", widget, Area.RightDockWidgetArea, "model")

    def install_gallery_view(self, widget: QtWidgets.QWidget) -> QtWidgets.QDockWidget:
        """The prior galleries (issue 8): a tab beside the selected-sound spectrograms."""
        return self.add_panel("gallery", "Gallery", widget, Area.BottomDockWidgetArea, "selected")

    def finish_setup(self) -> None:
        """Call once every feature has added its docks: restores their saved places; on a
        first run (or a layout saved with other docks) puts the model panel and the selected
        sound in front of their tabs and sizes the docks for the window as shown."""
        state, self._saved_state = self._saved_state, None
        if state is not None and self.restoreState(state, LAYOUT_VERSION):
            return
        for key, group in self._tab_with.items():
            self.tabifyDockWidget(self.docks[group], self.docks[key])
        self._tab_with.clear()
        for key in ("model", "selected"):
            self.docks[key].raise_()
        # Sized again once shown, with every feature's dock in: the window's real size.
        QtCore.QTimer.singleShot(0, lambda: self._size_docks(self.size(), shown=True))

    # -- layout and settings ---------------------------------------------------------------
    def _first_layout(self) -> None:
        """The first window fits its screen (maximised on a small one); the docks leave the
        map most of it."""
        self._size_docks(place_first(self))

    def _size_docks(self, size: QtCore.QSize, shown: bool = False) -> None:
        """Dock sizes for a window of ``size`` (:func:`dock_sizes`); the latent controls get
        the height of a full set of sliders (no model is loaded yet)."""

        def widest(*keys: str) -> int:
            return max(self.docks[k].minimumSizeHint().width() for k in keys if k in self.docks)

        sizes = dock_sizes(size, widest("latent", "model", "paths"), widest("selected", "gallery"))
        Orientation = QtCore.Qt.Orientation
        self.resizeDocks([self.docks["model"]], [sizes.side_px], Orientation.Horizontal)
        latent = self.docks["latent"]  # its title bar comes on top of the controls' height
        title = latent.minimumSizeHint().height() - latent.widget().minimumSizeHint().height()
        self.resizeDocks([latent], [full_height_px() + title + 6], Orientation.Vertical)
        bottom = [self.docks["output"], self.docks["selected"]]
        self.resizeDocks(bottom, [sizes.bottom_px] * 2, Orientation.Vertical)
        rest = size.width() - sizes.side_px - sizes.output_px
        self.resizeDocks(bottom, [sizes.output_px, rest], Orientation.Horizontal)
        if shown:  # resizeDocks does not move the splitter beside a tab group (Qt): a passing
            output = self.docks["output"]  # minimum width does, once the window is shown
            output.setMinimumWidth(sizes.output_px)
            QtCore.QTimer.singleShot(0, lambda: output.setMinimumWidth(0))

    def _restore(self) -> None:
        geometry, _ = self.settings.window_state()
        if geometry is not None and saved_geometry_fits(geometry, self.minimumSizeHint()):
            self.restoreGeometry(geometry)  # else the first layout's: another screen now
        density = self.settings.flag("density", False)
        self.menus.actions["density"].setChecked(density)
        self.map_view.set_density_visible(density)

    def save_settings(self) -> None:
        self.settings.set_window_state(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self.confirm_leave_project():
            event.ignore()
            return
        self.closing.emit()  # the features (paths, gallery) finish before the controller
        self.save_settings()
        self.controller.shutdown()
        super().closeEvent(event)

    def confirm_leave_project(self) -> bool:
        """May the current project be left (closed, or replaced by another)? Named projects
        save every change as it happens; an untitled one with work in it is saved where the
        user says, or let go, or kept open (``ask_unsaved``: "save", "discard", "cancel")."""
        c = self.controller
        if not c.holds_unsaved_work():
            return True
        choice = self.ask_unsaved()
        if choice == "save":
            path = self.menus.ask_save_path()
            return bool(path) and c.save_project_as(path)
        return choice == "discard"

    def ask_unsaved(self) -> str:
        """Ask what to do with work not saved anywhere (an untitled project's, or paths a
        read-only project could not keep): "save", "discard" or "cancel". Tests replace it."""
        box = QtWidgets.QMessageBox(self)
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle(APP_NAME)
        question, detail = self.read_only_notice.leave_question() or (
            "Save the untitled project?",
            "It holds sounds or paths that are not saved anywhere yet; they are lost otherwise.",
        )
        box.setText(question)
        box.setInformativeText(detail)
        Button = QtWidgets.QMessageBox.StandardButton
        box.setStandardButtons(Button.Save | Button.Discard | Button.Cancel)
        box.setDefaultButton(Button.Save)
        answer = box.exec()
        return {Button.Save: "save", Button.Discard: "discard"}.get(Button(answer), "cancel")

    # -- drops outside the map ---------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            QtCore.QTimer.singleShot(0, lambda: self.controller.open_dropped(paths))
        else:
            event.ignore()

    # -- status ------------------------------------------------------------------------------
    def _on_project_opened(self, store) -> None:
        """The title names the project and its folder (two projects may share a name); an
        untitled one's temp folder tells the user nothing."""
        name = Path(store.path).name
        where = "" if is_untitled(store.path) else f" ({folder_label(store.path)})"
        self.setWindowTitle(f"{name}{where} — {APP_NAME}")
        self.map_view.show_all_groups()  # groups hidden in another project's legend

    def _on_error(self, text: str) -> None:
        self.statusBar().showMessage(text, reading_ms(text, 10_000))
        self.banner.show_message(text, "error")

    def _on_hovered(self, index: int) -> None:
        self._hover_label.setText(self.map_view.name_of(index) if index >= 0 else "")

    def _audio_switching(self) -> bool:
        """A new engine starts while the one of the earlier setting plays on."""
        audio = self.controller.audio
        return audio.engine is not None and audio.starting

    def _on_audio_restarting(self) -> None:
        self._audio_label.setText(AUDIO_SWITCHING if self._audio_switching() else AUDIO_STARTING)

    def _on_audio_stats(self, st) -> None:
        label = self._audio_label
        if st.status_reason:
            text = "audio: silent"
        else:
            device = elide(label, st.device, DEVICE_LABEL_PX)
            text = f"{device} · {st.sample_rate_hz / 1000:g} kHz · {st.block_frames} frames"
        label.setToolTip(f"Audio output: {st.device}" if st.device else "")
        if st.underruns:
            text += f" · {st.underruns} underrun{'s' if st.underruns != 1 else ''}"
        if st.clipped_blocks:  # the output went past full scale: limited to ±1, distorted
            text += f" · {st.clipped_blocks} clipped block{'s' if st.clipped_blocks != 1 else ''}"
        if self._audio_switching():  # the stats are the earlier setting's, still playing
            text += " · switching…"
        self._audio_label.setText(text)

    def _on_import_finished(self, text: str) -> None:
        """An import's notes ("…; 58 sounds are not on the map until…") need the user to act
        or know: the banner shows the whole outcome, unless it holds a warning or an error."""
        head, _, notes = text.partition("; ")
        banner = self.banner
        if notes and not (banner.isVisible() and banner.level() in ("warning", "error")):
            notes = ". ".join(n[:1].upper() + n[1:] for n in notes.split("; "))
            banner.show_message(f"{head}. {notes}.", "info")

    def _forget_crosshair(self, *_args) -> None:
        """A model switch or an import leaves nothing playing where the last click was: its
        crosshair goes (one that plays on stays)."""
        if not self.controller.is_playing():
            self.map_view.hide_cursor()


def _scrolled(panel: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
    """``panel`` in a vertical scroll area as wide as the panel needs (a short window)."""
    scroll = QtWidgets.QScrollArea()
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(panel.minimumSizeHint().width() + 16)
    return scroll
