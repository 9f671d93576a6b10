"""``SoundFinder``: find a sound of the map by name.

A line edit with a list under it. Typing lists the sounds whose name, group (its folder or
tag, as the legend shows it) or folder path contains the text, case-insensitively and whatever
the Unicode form (a name from macOS stores "é" as "e" and an accent): names that begin with it
first, each part sorted by name, at most ``MAX_LISTED``. Picking one, or Enter (the row moved
to, else an exact name, else the first listed), emits ``soundChosen``. The sounds are read
again when the field takes focus and the map changed (``revision``); while the user types, at
most once per ``REREAD_WHILE_TYPING_S`` (an import changes the map every poll, and a re-read
of 100,000 sounds takes 70-170 ms). Text that no sound holds turns red while typed, and Enter on
it emits ``nothingFound``.

The matching runs in Python over casefolded labels (~20 ms for 100,000 sounds per key), and
the list holds only what is shown: Qt's own filtering completer took 0.6-1.1 s per key on
100,000 sounds, with the window frozen.

Thread: GUI thread only.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtWidgets

from . import theme

MAX_LISTED = 200
LIST_MIN_WIDTH_PX = 380  # the list may be wider than the field (names with their groups)
REREAD_WHILE_TYPING_S = 3.0
clock = time.monotonic  # seconds (tests script it)

# (sound id, name, group or "", folder path or "") of every sound on the map
Entries = Callable[[], Sequence[tuple[int, str, str, str]]]


def fold(text: str) -> str:
    """``text`` as matched: composed Unicode (NFC), casefolded."""
    return unicodedata.normalize("NFC", text).casefold()


def entry_label(name: str, group: str) -> str:
    """What the list shows: the name, and its group when it has one (names repeat across
    folders: kick.wav in every kit)."""
    return f"{name} — {group}" if group else name


class SoundFinder(QtWidgets.QLineEdit):
    """``entries`` gives the map's sounds; ``revision`` changes whenever they do.

    Signals: ``soundChosen(int sound_id)``, ``nothingFound(str text)``.
    """

    soundChosen = QtCore.Signal(int)
    nothingFound = QtCore.Signal(str)  # Enter on text that no sound's name or group holds

    def __init__(
        self,
        entries: Entries,
        revision: Callable[[], object],
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._entries = entries
        self._revision = revision
        self._read_at: object = None  # the revision the lists below were read at
        self._read_clock = -float("inf")  # clock() of that read
        self._ids: list[int] = []
        self._names: list[str] = []  # casefolded
        self._labels: list[str] = []
        self._folded: list[str] = []  # folded labels
        self._searched: list[str] = []  # folded labels, each with its folder path
        # (sound id, label) of each row of the list under the field, as it was drawn: a pick
        # never indexes the lists above, which a refresh may have re-read meanwhile
        self._shown: list[tuple[int, str]] = []
        self._just_chosen = False  # Enter on the list emits returnPressed and activated
        self._highlighted = -1  # the row of the list the user moved to (keys or mouse)
        self._model = QtCore.QStringListModel(self)
        self._completer = QtWidgets.QCompleter(self._model, self)
        self._completer.setCompletionMode(
            QtWidgets.QCompleter.CompletionMode.UnfilteredPopupCompletion
        )
        self._completer.setMaxVisibleItems(14)
        self._completer.activated[QtCore.QModelIndex].connect(self._on_activated)
        self._completer.highlighted[QtCore.QModelIndex].connect(self._on_highlighted)
        # setWidget, not setCompleter: the field would size the list to its own width
        self._completer.setWidget(self)
        self.setPlaceholderText("Find a sound…")
        self.setToolTip("Find a sound by name or group (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.textEdited.connect(self._list_matches)
        self.textChanged.connect(lambda text: text or self._show_no_match(False))
        self.returnPressed.connect(self.choose_best)

    def list_view(self) -> QtWidgets.QAbstractItemView:
        """The list under the field (a popup)."""
        return self._completer.popup()

    def refresh(self, *, typing: bool = False) -> None:
        """Read the map's sounds again if they changed since they were last read; ``typing``:
        only if that read is ``REREAD_WHILE_TYPING_S`` old."""
        if typing and clock() - self._read_clock < REREAD_WHILE_TYPING_S:
            return
        revision = self._revision()
        if revision == self._read_at:
            return
        rows = self._entries()
        labels = [entry_label(name, group) for _, name, group, _ in rows]
        folded = [fold(label) for label in labels]
        order = sorted(range(len(rows)), key=folded.__getitem__)  # by name, then group
        self._ids = [rows[k][0] for k in order]
        self._names = [fold(rows[k][1]) for k in order]
        self._labels = [labels[k] for k in order]
        self._folded = [folded[k] for k in order]
        self._searched = [f"{folded[k]}\n{fold(rows[k][3])}" for k in order]  # with the folder
        self._read_at = revision
        self._read_clock = clock()

    def matches(self, text: str, limit: int | None = None) -> list[int]:
        """Rows (list order) of the sounds listed for ``text``: names beginning with it
        first, then the others that hold it; at most ``limit``. Reads the sounds as typing
        does (:meth:`refresh`)."""
        self.refresh(typing=True)
        needle = fold(text.strip())
        if not needle:
            return []
        first = [k for k, name in enumerate(self._names) if name.startswith(needle)]
        starts = set(first)
        rest = (k for k, text in enumerate(self._searched) if needle in text and k not in starts)
        found = first + list(rest) if limit is None else first[:limit]
        if limit is not None:
            for k in rest:
                if len(found) >= limit:
                    break
                found.append(k)
        return found

    def matching_ids(self, text: str) -> list[int]:
        """Sound ids of :meth:`matches`, every one, from the map's sounds as they are now."""
        self.refresh()
        return [self._ids[k] for k in self.matches(text)]

    def choose_best(self) -> None:
        """Enter: the row the user moved to in the list, else the sound whose list label (or
        name) is the text, else the first listed."""
        if self._completer.popup().isVisible() and 0 <= self._highlighted < len(self._shown):
            self._choose(*self._shown[self._highlighted])
            return
        text = fold(self.text().strip())
        if not text:
            return
        self.refresh(typing=True)
        for rows in (self._folded, self._names):
            if text in rows:
                k = rows.index(text)
                self._choose(self._ids[k], self._labels[k])
                return
        found = self.matches(text, limit=1)
        if found:
            self._choose(self._ids[found[0]], self._labels[found[0]])
        else:
            self.nothingFound.emit(self.text().strip())

    def _list_matches(self, text: str) -> None:
        self._shown = [(self._ids[k], self._labels[k]) for k in self.matches(text, MAX_LISTED)]
        self._highlighted = -1
        self._model.setStringList([label for _, label in self._shown])
        self._show_no_match(bool(text.strip()) and not self._shown)
        if self._shown:
            # the list grows to the left: the field sits at the toolbar's right end
            width = max(self.width(), LIST_MIN_WIDTH_PX)
            self._completer.complete(QtCore.QRect(self.width() - width, 0, width, self.height()))
        else:
            self._completer.popup().hide()

    def _show_no_match(self, on: bool) -> None:
        self.setStyleSheet(f"color: {theme.ERROR};" if on else "")

    def no_match_shown(self) -> bool:
        return bool(self.styleSheet())

    def _on_highlighted(self, index: QtCore.QModelIndex) -> None:
        self._highlighted = self._completer.completionModel().mapToSource(index).row()

    def _on_activated(self, index: QtCore.QModelIndex) -> None:
        row = self._completer.completionModel().mapToSource(index).row()
        if 0 <= row < len(self._shown):
            self._choose(*self._shown[row])

    def _choose(self, sound_id: int, label: str) -> None:
        """Choose a sound, once per key press (whichever of its two signals comes first)."""
        if self._just_chosen:
            return
        self.setText(label)
        self._show_no_match(False)
        self.setCursorPosition(0)  # a narrow field shows the name's start, not its group
        self._completer.popup().hide()
        self._just_chosen = True
        QtCore.QTimer.singleShot(0, self._end_choice)
        self.soundChosen.emit(sound_id)

    def _end_choice(self) -> None:
        self._just_chosen = False

    def focusInEvent(self, event) -> None:
        if event.reason() != QtCore.Qt.FocusReason.PopupFocusReason:  # not the list closing
            self.refresh()
        super().focusInEvent(event)
