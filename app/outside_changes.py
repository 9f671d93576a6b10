"""Changes another program makes to the open project (``latentscape import``/``map`` from a
shell while the window shows the project): the window reads the project again and shows them.

Without this the window kept showing the sounds and the map it had read, and its next map
save (a refine, an import's consolidation) wrote that map over the one the other program had
saved: sounds the CLI imported fell off the map (QA s17). Every ``CHECK_MS`` the store's
``data_version`` is read on a worker (it changes only with another connection's commits);
once it changed and the window is idle (no import, layout, save or model load of its own),
the project is read again (:func:`~latentscape.project_session.snapshot_of`) and shown.

Thread: GUI thread (the reads run on the controller's task runner).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.project_session import snapshot_of

CHECK_MS = 2000


class OutsideChanges(QObject):
    """Watches ``explorer``'s open project; ``changed(snapshot)`` when another program changed
    it (emitted only while the window is idle: nothing of its own would be overwritten)."""

    changed = Signal(object)  # ProjectSnapshot, read after another program's change

    def __init__(self, explorer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._c = explorer
        self._store = None  # the project the version below is of
        self._version: tuple[int, int] | None = None  # (connection, data_version) last seen
        self._stale = False  # it changed, and was not shown yet (the window was busy)
        self._reading = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self._check)
        self.timer.start()
        explorer.projectOpened.connect(lambda _store: self._check())  # its baseline, at once

    def watching(self) -> bool:
        """The open project's version is known: a change from now on will be seen."""
        return (
            self._store is not None and self._store is self._c.store and self._version is not None
        )

    def _check(self) -> None:
        store = self._c.store
        if store is None or self._reading or self._c._closed:
            return
        if store is not self._store:  # another project
            self._store, self._version, self._stale = store, None, False
        known, stale, idle = self._version, self._stale, not self._c.busy

        def read(ctx):
            connection, now, at_open = store.data_version()
            if known is None or known[0] != connection:  # new here, or a new file (Save As)
                base = at_open  # what the window read came after this
            else:
                base = known[1]
            changed = stale or now != base
            return (connection, now), changed, snapshot_of(store) if changed and idle else None

        self._reading = True
        self._c.runner.submit(
            read,
            on_done=lambda r: self._on_checked(store, *r),
            on_error=lambda exc, tb: setattr(self, "_reading", False),
        )

    def _on_checked(self, store, version: tuple[int, int], changed: bool, snap) -> None:
        self._reading = False
        if store is not self._c.store or self._c._closed:
            return
        self._version = version
        if not changed:
            return
        if snap is None or self._c.busy:  # the window is at work of its own: show it when idle
            self._stale = True
            return
        self._stale = False
        self.changed.emit(snap)
