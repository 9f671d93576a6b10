"""View → Colour By: how the map groups its sounds into colours, and keeping those groups true.

The choice (one of :data:`~latentscape.colour_groups.MODES`) is kept in the project's settings
(``view.colour_by``), not the app's: which colouring tells sounds apart is a property of the
library (a nested one wants Top Folder, a flat one Folder), and the worker that reads a project
reads the choice with it, so the map is drawn in its groups from the start (no second drawing),
also when another program's change or a new model makes the window read the project again.

Groups are made on the controller's worker (:func:`~latentscape.colour_groups.colouring_of`):
when the choice changes, and when sounds came or changed since the last time (after an import,
also each time the map doubled during one). In between, arrivals get provisional groups.

Thread: GUI thread only (the groups are made on the controller's task runner).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from latentscape.colour_groups import COLOURS_KEY, MODES, SETTING_KEY, colouring_of

if TYPE_CHECKING:
    from latentscape.explorer_controller import ExplorerController
    from latentscape.widgets.map_view import MapView

GROWTH_TO_REDO = 2.0  # during an import, groups are made again each time the map doubled


class ColourBy(QtCore.QObject):
    """The "Colour By" submenu of ``menu`` and the colour groups of ``controller``'s map."""

    def __init__(
        self,
        controller: ExplorerController,
        view: MapView,
        menu: QtWidgets.QMenu,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._c, self._view = controller, view
        self.menu = menu.addMenu("&Colour By")
        self.menu.setEnabled(False)  # until a project is open
        self.menu.aboutToShow.connect(self._on_menu_shown)
        group = QtGui.QActionGroup(self)
        self.actions: dict[str, QtGui.QAction] = {}
        for mode, text in MODES.items():
            act = self.actions[mode] = self.menu.addAction(text)
            act.setCheckable(True)
            act.triggered.connect(lambda _=False, m=mode: self.set_mode(m))
            group.addAction(act)
        self.actions[controller.state.colouring.mode].setChecked(True)
        self._request = 0  # the newest job's number: older jobs' results are dropped
        self._running = False
        self._colours: dict[str, dict[str, int]] = {}  # per mode: the colours kept
        self._writing = False  # a write of them is under way (one at a time, newest last)
        self._write_again = False  # they changed meanwhile
        self._keep_timer = QtCore.QTimer(self)  # after the project is shown, once per turn
        self._keep_timer.setSingleShot(True)
        self._keep_timer.setInterval(0)
        self._keep_timer.timeout.connect(self._keep_colours)
        view.coloursChanged.connect(self._keep_timer.start)
        controller.projectOpened.connect(self._on_project_shown)
        controller.projectReadAgain.connect(self._on_project_shown)
        controller.projectModelChanged.connect(lambda store, _model: self._on_project_shown(store))
        controller.imports.importFinished.connect(lambda _report: self.update_groups())
        view.pointsDrawn.connect(self.update_groups)  # sounds set, added or changed

    @property
    def mode(self) -> str:
        return self._c.state.colouring.mode

    @property
    def busy(self) -> bool:
        """Groups are being made on a worker."""
        return self._running

    def set_mode(self, mode: str) -> None:
        """Colour the map by ``mode`` (a key of ``MODES``) and keep it as the project's choice;
        groups hidden in the legend show again."""
        store = self._c.store
        if mode not in MODES or store is None:
            return
        self.actions[mode].setChecked(True)
        if mode == self.mode and not self._running:
            return
        self._c.runner.submit(
            lambda ctx: store.set_setting(SETTING_KEY, mode),
            on_error=lambda exc, tb: self._c.message.emit(
                f"{store.path.name}: the colouring is not kept for next time ({exc})"
            ),
        )
        self._c.busyChanged.emit(f"Colouring the map by {MODES[mode].lower()}…")
        self._make_groups(mode, keep_hidden=False)

    def update_groups(self) -> None:
        """Make the groups again when sounds came or changed since they were made (after an
        import; during one only each time the map doubled: each run redraws every point)."""
        state = self._c.state
        if self._running or not state.colouring_stale or self._c.store is None:
            return
        made_from = state.colouring.made_from
        if self._c.imports.running and len(state) < max(1, GROWTH_TO_REDO * made_from):
            return
        self._make_groups(self.mode, keep_hidden=True)

    # -- internals -----------------------------------------------------------------------
    def _make_groups(self, mode: str, keep_hidden: bool) -> None:
        """Make ``mode``'s groups of the map's sounds on a worker, then colour the map."""
        c = self._c
        state = c.state
        sounds, trajectories = list(state.sounds), dict(state.trajectories)
        revision = state.revision
        base = str(c.store.path.absolute().parent)
        self._request += 1
        request, self._running = self._request, True

        def work(ctx):
            colouring = colouring_of(mode, sounds, trajectories, base)
            return colouring, colouring.categories(sounds, trajectories)

        def done(result) -> None:
            if request != self._request:
                return
            self._running = False
            colouring, categories = result
            if not keep_hidden:
                c.busyChanged.emit("")
            state.set_colouring(colouring, revision)
            if state.revision != revision:  # sounds arrived meanwhile: provisional groups
                categories = state.categories()
            self.actions[mode].setChecked(True)
            view = self._view
            shown = len(categories) == view.point_count()  # else the view is being replaced
            kept = None if keep_hidden else self._colours.get(mode)  # its colours last time
            if shown and view.set_categories(categories, keep_hidden, kept) and not keep_hidden:
                count = len(set(categories))
                groups = "group" if count == 1 else "groups"
                c.message.emit(f"Map coloured by {MODES[mode].lower()}: {count} {groups}")
            self.update_groups()  # what came meanwhile

        def failed(exc: BaseException, tb: str) -> None:
            if request == self._request:
                self._running = False
                self.actions[self.mode].setChecked(True)
                c.busyChanged.emit("")
                c.errorOccurred.emit(f"could not colour the map by {MODES[mode].lower()}: {exc}")

        c.runner.submit(work, on_done=done, on_error=failed)

    def _on_project_shown(self, store) -> None:
        """A project was opened or read again: its own colouring, read with it, is shown."""
        self._request += 1  # a job for what was shown before is dropped
        if self._running:
            self._running = False
            self._c.busyChanged.emit("")
        self.menu.setEnabled(store is not None)
        self.actions[self.mode].setChecked(True)
        self._colours = {m: dict(s) for m, s in self._c.state.colouring.kept.items()}
        self.update_groups()

    def _keep_colours(self) -> None:
        """Groups took colours: the project keeps each colouring's, so that its groups wear
        them again (a reopen, or this colouring chosen again; a worker writes them, a
        read-only project keeps none)."""
        mode, slots = self.mode, self._view.colour_slots()
        store = self._c.store
        if self._colours.get(mode) == slots or store is None:
            return
        self._colours[mode] = slots
        if not store.read_only:
            self._write_colours(store)

    def _write_colours(self, store) -> None:
        """Write the colours kept to ``store`` on a worker: one write at a time (the runner
        has two threads: two could commit out of order, the older last), and once more
        when they changed meanwhile."""
        if self._writing:
            self._write_again = True
            return
        self._writing, self._write_again = True, False
        colours = {m: dict(s) for m, s in self._colours.items()}

        def finished() -> None:
            self._writing = False
            now = self._c.store  # (another project's, if one was opened meanwhile)
            if self._write_again and now is not None and not now.read_only:
                self._write_colours(now)

        def failed(exc: BaseException, tb: str) -> None:
            self._c.message.emit(
                f"{store.path.name}: the map's colours are not kept for next time ({exc})"
            )
            finished()

        self._c.runner.submit(
            lambda ctx: store.set_setting(COLOURS_KEY, colours),
            on_done=lambda _: finished(),
            on_error=failed,
        )

    def _on_menu_shown(self) -> None:
        """Tag is offered when some sound of the map has a tag (or it is the choice)."""
        tagged = any(s.tags for s in self._c.state.sounds if not s.generated)
        self.actions["tag"].setEnabled(tagged or self.mode == "tag")
