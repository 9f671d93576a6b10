"""Edit → Tag Marked Sounds… (Ctrl+T): name the marked sounds (or the selected one) with a tag,
kept in the project (QA s22: View → Colour By → Tag had nothing to show, as nothing set tags).

A sound's tag is its group on the map when coloured by tag, and by folder too (a tag names a
sound's group before its folder does: :mod:`.colour_groups`). An empty tag takes the tags
away. The project is written on a worker, in one transaction; the map takes the new records
as it takes those of moved files (``MapSync.update_sounds``).

Thread: GUI thread (the write runs on the controller's task runner).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from latentscape.colour_groups import GENERATED, UNTAGGED
from latentscape.marked_files import marked_sounds
from latentscape.project_records import Sound

if TYPE_CHECKING:
    from latentscape.explorer_controller import ExplorerController
    from latentscape.widgets.map_view import MapView

MAX_TAG_CHARS = 64
RESERVED_TAGS = (GENERATED, UNTAGGED)


def write_tags(store, sound_ids: Sequence[int], tags: tuple[str, ...]) -> list[Sound]:
    """Give ``sound_ids`` these ``tags`` in ``store``, all or none (worker thread); returns
    their new records."""
    with store.transaction():
        for sound_id in sound_ids:
            store.set_tags(sound_id, tags)
    return [store.sound(sound_id) for sound_id in sound_ids]


class SoundTagger(QtCore.QObject):
    """Tags the sounds marked on ``view`` (else the selected one) of ``controller``'s map."""

    def __init__(
        self, controller: ExplorerController, view: MapView, parent: QtCore.QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._c, self._view = controller, view
        self.dialog_parent: QtWidgets.QWidget | None = None

    def chosen_sounds(self) -> list[Sound]:
        """The marked sounds, else the selected one, else none; not generated ones (they
        keep their own group, and their tags name the prior that made them)."""
        c = self._c
        chosen = marked_sounds(c.state, self._view.marks.indices(), c.selected_id)
        return [s for s in chosen if not s.generated]

    def tag_chosen(self) -> None:
        """Ask for a tag and give it to the chosen sounds."""
        sounds = self.chosen_sounds()
        if not sounds:
            self._c.message.emit(
                "Mark sounds of the corpus on the map first (Ctrl+click, Ctrl+drag a box)"
            )
            return
        tag = self.ask_tag(len(sounds), self.known_tags(), sounds[0].tags)
        if tag is not None:
            self.apply([s.id for s in sounds], tag)

    def known_tags(self) -> list[str]:
        """Every tag the map's sounds have, sorted: offered in the dialog."""
        return sorted({t for s in self._c.state.sounds if not s.generated for t in s.tags})

    def ask_tag(self, count: int, known: list[str], current: Sequence[str]) -> str | None:
        """A dialog for the tag of ``count`` sounds; None when cancelled. Tests replace it."""
        dialog = QtWidgets.QInputDialog(self.dialog_parent)
        dialog.setWindowTitle("Tag sounds")
        what = "the selected sound" if count == 1 else f"the {count} marked sounds"
        dialog.setLabelText(f"Tag for {what} (empty: no tag):")
        dialog.setComboBoxEditable(True)
        dialog.setComboBoxItems(["", *known])
        dialog.setTextValue(current[0] if current else "")
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return dialog.textValue()

    def apply(self, sound_ids: list[int], tag: str) -> None:
        """Give ``sound_ids`` the tag ``tag`` ("" or blanks: none) in the project, then on
        the map; a tag too long, or a project that cannot be written, is said."""
        c, tag = self._c, " ".join(tag.split())  # one line, single spaces
        store = c.store
        if store is None:
            return
        if len(tag) > MAX_TAG_CHARS:
            c.errorOccurred.emit(f"A tag has at most {MAX_TAG_CHARS} characters")
            return
        if tag.lower() in RESERVED_TAGS:  # the names of the map's own groups
            c.errorOccurred.emit(f"“{tag}” names a group of its own on the map: choose another")
            return
        if store.read_only:
            c.errorOccurred.emit(f"{store.path.name} is read-only: save it elsewhere to tag")
            return
        tags = (tag,) if tag else ()

        def done(sounds: list[Sound]) -> None:
            if c.store is not store:  # another project is shown now
                return
            c.sync.update_sounds(sounds)
            n = len(sounds)
            what = f"{n} sound{'s' if n != 1 else ''}"
            c.message.emit(f"Tagged {what} “{tag}”" if tag else f"Took the tags of {what} away")

        c.runner.submit(
            lambda ctx: write_tags(store, sound_ids, tags),
            on_done=done,
            on_error=lambda exc, tb: c.errorOccurred.emit(f"could not tag the sounds: {exc}"),
        )
