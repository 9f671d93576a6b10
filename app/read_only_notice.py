"""``ReadOnlyNotice``: what the window says about a project it cannot write (new-user QA H1).

A read-only project (a share, a stick, a copy off a read-only medium) opens with a banner that
names it and the way out, File → Save As…; exploring goes on (listening, scrubbing, recording).
Work whose result could not be kept is refused before it starts: an import
(``ImportController.refused``), a new layout (``MapSync.refine``). A path recorded there stays
in the Paths list, unsaved (``PathLibrary``), and the banner names what is kept so (after a
rename too: QA s19 Q2-12); Save As to a writable copy writes it into the copy and takes the
banner down. Leaving such a project (closing the window, opening another) asks first, as an
untitled project does (``holds_unsaved_work``, :meth:`ReadOnlyNotice.unsaved_count`): the
paths kept unsaved are that project's, never moved into another one.

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
        c.unsaved_paths = self.unsaved_count  # leaving the project asks while there are any
        self._kept_line = ""  # the banner shown about paths kept unsaved
        self._watching = None  # the paths controller whose changes re-word that banner

    def _paths(self):
        """The paths feature, when it is attached (``attach_paths``)."""
        return getattr(self._window, "paths", None)

    def _library(self):
        """The paths feature's PathLibrary, when it is attached."""
        return getattr(self._paths(), "library", None)

    def unsaved_count(self) -> int:
        """Paths (and path edits, deletions) the open project lacks, the take under way too
        when the project cannot take it: what leaving the project loses."""
        library, paths, store = self._library(), self._paths(), self._c.store
        count = library.unsaved_count() if library is not None else 0
        if store is not None and store.read_only and paths is not None and paths.recording:
            count += 1 if paths.recorder.point_count else 0
        return count

    def leave_question(self) -> tuple[str, str] | None:
        """``(question, detail)`` to ask before the project is left while it holds paths it
        could not save; None when it holds none (an untitled project's own question)."""
        count, store = self.unsaved_count(), self._c.store
        if not count or store is None:
            return None
        why = "is read-only" if store.read_only else "could not be written"
        things = "1 path change is" if count == 1 else f"{count} path changes are"
        return (
            f"Save the paths {store.path.name} could not keep?",
            f"{store.path.name} {why}: {things} kept only in this window, lost otherwise. "
            "Save As… writes the project with them to a copy.",
        )

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
            names = library.unsaved_names()
            try:
                written = library.save_unsaved()
            except (LatentscapeError, sqlite3.Error, OSError) as exc:
                self._c.errorOccurred.emit(f"the paths kept unsaved are still not saved: {exc}")
                return
            self._paths().takes.drop_saved(library)  # their autosaved takes: not needed now
            if written:
                what = names[0] if names and written == 1 else f"the {written} paths"
                self._c.message.emit(
                    f"Saved as {store.path.name}, and {what} with it (not saved before)"
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
            self._kept_line = note
            self._watch(self._paths())
        else:  # a write that failed (a full disk)
            self._c.errorOccurred.emit(note)

    def _watch(self, paths) -> None:
        if paths is not None and paths is not self._watching:
            self._watching = paths
            paths.pathsChanged.connect(self._on_paths_changed)

    def _on_paths_changed(self) -> None:
        """A rename, an edit, a deletion: the banner about paths kept unsaved says what is
        kept now (it went on naming the path as recorded: QA s19 Q2-12)."""
        banner, store, library = self._window.banner, self._c.store, self._library()
        if not self._kept_line or banner.text() != self._kept_line or library is None:
            return
        if store is None or not store.read_only or library.store is not store:
            return
        names = library.unsaved_names()
        if not names:
            self._kept_line = ""
            banner.show_message(read_only_line(store.path), "warning")
            return
        what = names[0] if len(names) == 1 else f"{len(names)} paths"
        self._kept_line = (
            f"{what} {'is' if len(names) == 1 else 'are'} in the Paths list but not saved: "
            f"{store.path.name} is read-only; {SAVE_AS_CURE}"
        )
        banner.show_message(self._kept_line, "warning")
