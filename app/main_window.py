"""``MainWindow``: the map in the middle, the model panel on the right, spectrograms below.

Layout (first run): the map fills the centre under a banner strip; the "Model" dock sits on the
right; "Output" (live spectrogram) and "Selected sound" (original vs reconstruction) share the
bottom. Other features attach their own docks with :meth:`MainWindow.add_panel` (paths panel:
``install_paths_panel``; gallery: ``install_gallery_view``). Docks and geometry are remembered
in ``QSettings``.

Thread: GUI thread only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from latentscape.explorer_controller import ExplorerController, ExplorerViews
from latentscape.main_menus import MainMenus
from latentscape.project_session import folder_label, is_untitled
from latentscape.settings import AppSettings
from latentscape.widgets.banner import Banner
from latentscape.widgets.import_panel import ImportProgress
from latentscape.widgets.map_view import MapView
from latentscape.widgets.model_panel import ModelPanel
from latentscape.widgets.spectrogram_view import LiveSpectrogramView, SpectrogramPairView
from latentscape.widgets.tile_mime import local_paths

APP_NAME = "latentscape"
AUDIO_STARTING = "audio: starting…"
AUDIO_SWITCHING = "audio: switching…"  # the engine of the earlier setting plays meanwhile
OUTPUT_MIN_WIDTH = 150  # px: the live spectrogram stays readable on a 1024 px screen
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

        self.map_view = MapView()
        self.banner = Banner()
        central = QtWidgets.QWidget()
        box = QtWidgets.QVBoxLayout(central)
        box.setContentsMargins(6, 6, 6, 0)
        box.setSpacing(6)
        box.addWidget(self.banner)
        box.addWidget(self.map_view, 1)
        self.setCentralWidget(central)

        self.model_panel = ModelPanel()
        self.live_spectrogram = LiveSpectrogramView()
        self.live_spectrogram.setMinimumWidth(OUTPUT_MIN_WIDTH)
        self.pair_view = SpectrogramPairView()
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.model_panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.model_panel.minimumSizeHint().width() + 16)
        # The model panel runs the full height (its live figures at the bottom stay in view).
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
        self.setCorner(QtCore.Qt.Corner.TopRightCorner, Area.RightDockWidgetArea)
        self.add_panel("model", "Model", scroll, Area.RightDockWidgetArea)
        self.add_panel("output", "Output", self.live_spectrogram, Area.BottomDockWidgetArea)
        self.add_panel("selected", "Selected sound", self.pair_view, Area.BottomDockWidgetArea)
        self.splitDockWidget(
            self.docks["output"], self.docks["selected"], QtCore.Qt.Orientation.Horizontal
        )

        self.import_progress = ImportProgress()
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
        c.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        c.errorOccurred.connect(self._on_error)
        c.busyChanged.connect(self._busy_label.setText)
        c.projectOpened.connect(self._on_project_opened)
        c.projectRenamed.connect(self._on_project_opened)  # the title follows the file
        c.audio.statsUpdated.connect(self._on_audio_stats)
        c.audio.restarting.connect(self._on_audio_restarting)
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
        self.addDockWidget(area, dock)
        if tabify_with is not None and tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with], dock)
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
        """Call once every feature has added its docks: restores their saved places too, and on
        a first run puts the model panel and the selected sound in front of their tabs."""
        _, state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        else:
            for key in ("model", "selected"):
                self.docks[key].raise_()
            # resizeDocks does not move the splitter beside a tab group (Qt): a passing minimum
            # width does, once the window is shown.
            output = self.docks["output"]
            output.setMinimumWidth(440)
            QtCore.QTimer.singleShot(0, lambda: output.setMinimumWidth(0))

    # -- layout and settings ---------------------------------------------------------------
    def _first_layout(self) -> None:
        self.resize(1400, 900)
        self._size_docks()

    def _size_docks(self) -> None:
        width = max(360, self.model_panel.sizeHint().width() + 20)
        self.resizeDocks([self.docks["model"]], [width], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.docks["output"], self.docks["selected"]],
            [260, 260],
            QtCore.Qt.Orientation.Vertical,
        )
        self.resizeDocks(
            [self.docks["output"], self.docks["selected"]],
            [460, 560],
            QtCore.Qt.Orientation.Horizontal,
        )

    def _restore(self) -> None:
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        density = self.settings.flag("density", False)
        self.menus.actions["density"].setChecked(density)
        self.map_view.set_density_visible(density)

    def save_settings(self) -> None:
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
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
        """Ask what to do with an untitled project's work: "save", "discard" or "cancel".
        Tests replace it."""
        box = QtWidgets.QMessageBox(self)
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle(APP_NAME)
        box.setText("Save the untitled project?")
        box.setInformativeText(
            "It holds sounds or paths that are not saved anywhere yet; they are lost otherwise."
        )
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
        self.statusBar().showMessage(text, 10_000)
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
        if st.status_reason:
            text = "audio: silent"
        else:
            text = f"{st.device} · {st.sample_rate_hz / 1000:g} kHz · {st.block_frames} frames"
        if st.underruns:
            text += f" · {st.underruns} underrun{'s' if st.underruns != 1 else ''}"
        if st.clipped_blocks:  # the output went past full scale: limited to ±1, distorted
            text += f" · {st.clipped_blocks} clipped block{'s' if st.clipped_blocks != 1 else ''}"
        if self._audio_switching():  # the stats are the earlier setting's, still playing
            text += " · switching…"
        self._audio_label.setText(text)
