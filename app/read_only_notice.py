"""``ReadOnlyNotice``: what the window says about a project it cannot write (new-user QA H1).

A read-only project (a share, a stick, a copy off a read-only medium) opens with a banner that
names it and the way out, File → Save As…; exploring goes on (listening, scrubbing, recording).
Work whose result could not be kept is refused before it starts: an import
(``ImportController.refused``), a new layout (``MapSync.refine``). A path recorded there stays
in the Paths list, unsaved (``PathLibrary``); Save As to a writable copy writes it into the
copy and takes the banner down.

Thread: GUI thread only.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QObject, Qt

from latentscape.engines.errors import LatentscapeError
from latentscape.project_writes import SAVE_AS_CURE, is_write_note, read_only_line


class ReadOnlyNotice(QObject):
    """Banner and notes for a read-only project, on the window ``window`` (a MainWindow)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        c = self._c = window.controller
        c.projectOpened.connect(self._on_opened)
        c.projectRenamed.connect(self._on_saved_as)
        # queued: after the paths feature has finished the recording (its slot runs first or
        # later, by the order of attachment)
        c.recordToggled.connect(self._on_record_toggled, Qt.ConnectionType.QueuedConnection)
        c.imports.refused.connect(c.errorOccurred)

    def _library(self):
        """The paths feature's PathLibrary, when it is attached (``attach_paths``)."""
        paths = getattr(self._window, "paths", None)
        return getattr(paths, "library", None)

    def _on_opened(self, store) -> None:
        banner = self._window.banner
        if store.read_only:
            banner.show_message(read_only_line(store.path), "warning")
        elif is_write_note(banner.text()):  # about the project left
            banner.clear()

    def _on_saved_as(self, store) -> None:
        """Save As made ``store`` a copy: what the project could not take goes into it."""
        if store.read_only:
            return
        library = self._library()
        if library is not None and library.store is store:
            try:
                written = library.save_unsaved()
            except (LatentscapeError, sqlite3.Error, OSError) as exc:
                self._c.errorOccurred.emit(f"the paths kept unsaved are still not saved: {exc}")
                return
            if written:
                s = "s" if written != 1 else ""
                self._c.message.emit(
                    f"Saved as {store.path.name}, with the {written} path{s} kept unsaved"
                )
        if is_write_note(self._window.banner.text()):
            self._window.banner.clear()

    def _on_record_toggled(self, on: bool) -> None:
        store, banner = self._c.store, self._window.banner
        if on:
            if store is not None and store.read_only and self._c.recording:
                banner.show_message(
                    f"{store.path.name} is read-only: a path recorded now stays in the Paths "
                    f"list, unsaved; {SAVE_AS_CURE}",
                    "warning",
                )
            return
        library = self._library()
        note = library.take_note() if library is not None else ""
        if not note or not library.unsaved_count():  # saved since (Save As while recording)
            return
        if store is not None and store.read_only:
            banner.show_message(note, "warning")
        else:  # a write that failed (a full disk)
            self._c.errorOccurred.emit(note)
