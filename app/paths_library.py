"""``PathLibrary``: the app's recorded latent paths, their edit histories and their storage.

Qt-free model behind the paths panel: each path has an opaque id (``"path-3"``), a
:class:`~latentscape.engines.paths.PathEditHistory`, and the project item it is saved in
(``kind == "path"``; every change is written at once, the store has no "unsaved" state).
Undo is one app-wide stack over edits, renames and deletions, in the order they were made.

A project that cannot be written (read-only, a full disk) keeps the changes here, listed but
unsaved: a new path is never lost to a failed write, and :meth:`PathLibrary.save_unsaved`
writes what is left once Save As has moved the project to a copy that can take it.

Thread: GUI thread only (the store itself is thread-safe; the histories are not).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from latentscape.engines.paths import (
    ITEM_KIND,
    LatentPath,
    PathEditHistory,
    PathError,
    path_from_item,
    path_to_item,
)
from latentscape.map_paths import LAYOUT_KEY, layout_meta
from latentscape.project_records import ProjectError
from latentscape.project_writes import SAVE_AS_CURE, ProjectWriteError
from latentscape.stored_layout import StoredLayout

_NUMBERED = re.compile(r"^Path (\d+)(?: \(recovered\))?$")  # recovered takes count too


def next_path_number(names: Iterable[str]) -> int:
    """N for the next ``"Path N"``: one more than the highest ``"Path N"`` or
    ``"Path N (recovered)"`` among ``names``."""
    return max((int(m.group(1)) for n in names if (m := _NUMBERED.match(n))), default=0) + 1


@dataclass
class PathEntry:
    """One path in the library: its history and the project item holding it (None: unsaved)."""

    path_id: str
    history: PathEditHistory
    item_id: int | None = None
    order: int | None = None  # list position key in the project (first item id it was saved as)
    layout: int | None = None  # Atlas.layout_id its positions lie on (None: not known)
    moved: bool = False  # moved to a new layout and not saved since (see PathLibrary.relocate)
    unsaved: bool = False  # changed while the project could not be written (not in it)
    orphan: bool = False  # added with no project open: goes into the next one set

    @property
    def path(self) -> LatentPath:
        return self.history.current


class PathLibrary:
    """Ordered paths with undo, mirrored into a :class:`~latentscape.project_store.ProjectStore`.

    Without a store (no project yet) paths live in memory and are written into the next store
    set with :meth:`set_store`, so a recording made before any project exists is not lost.
    Paths a project could not take (read-only) are that project's: they never go into
    another one (the window asks before it leaves them: :meth:`unsaved_count`).

    ``layout_now()`` is the layout new paths are drawn on (the map shown); ``layouts`` knows
    which one the project holds (:mod:`latentscape.stored_layout`): what is written while the
    two differ is written on the stored one.
    """

    def __init__(
        self,
        layout_now: Callable[[], int | None] = lambda: None,
        layouts: StoredLayout | None = None,
    ) -> None:
        self.store = None
        self._layout_now = layout_now  # the layout new paths are drawn on (Atlas.layout_id)
        self.layouts = StoredLayout(layout_now) if layouts is None else layouts
        self._entries: dict[str, PathEntry] = {}
        self._undo: list[tuple] = []
        self._redo: list[tuple[str, str]] = []  # ("edit" | "delete", path id), newest last
        self._counter = 0
        self.load_errors: list[str] = []  # one line per stored path that could not be read
        self._unsaved_deletes: list[int] = []  # item ids deleted while the project was read-only
        self._note = ""  # why the last new path is not saved (take_note)

    # -- project ---------------------------------------------------------------------------
    def set_store(self, store) -> None:
        """Show the paths saved in ``store``; paths recorded with no project open move into it
        (not those another project could not take); undo starts afresh."""
        unsaved = [(e.path, e.layout) for e in self._entries.values() if e.orphan]
        self.store = store
        self.layouts.reset()
        self._entries.clear()
        self._undo.clear()
        self._redo.clear()
        self._unsaved_deletes.clear()
        self.load_errors = []
        if store is None:
            return
        items = sorted(store.items(ITEM_KIND), key=lambda i: (_order(i), i.id))
        for item in items:
            try:
                path = path_from_item(item)
            except PathError as exc:  # a damaged item is reported and left in the project
                self.load_errors.append(str(exc))
                continue
            layout = item.meta.get(LAYOUT_KEY) if isinstance(item.meta, dict) else None
            entry = PathEntry(self._new_id(), PathEditHistory(path), item.id, _order(item))
            entry.layout = int(layout) if isinstance(layout, int) else None
            self._insert(entry)
        for path, layout in unsaved:
            self.add(path, layout)

    # -- queries ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path_id: object) -> bool:
        return path_id in self._entries

    def ids(self) -> list[str]:
        return list(self._entries)

    def path(self, path_id: str) -> LatentPath:
        """The current version of a path (``PathError`` for an unknown id)."""
        return self._entry(path_id).path

    def item_id(self, path_id: str) -> int | None:
        return self._entry(path_id).item_id

    def rows(self) -> list[tuple[str, str, float]]:
        """``(path_id, name, duration_s)`` for ``PathsPanel.set_paths``."""
        return [(pid, e.path.name, e.path.duration_s) for pid, e in self._entries.items()]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def next_name(self) -> str:
        """``"Path N"`` with N one more than the highest number in use."""
        return f"Path {next_path_number(e.path.name for e in self._entries.values())}"

    # -- changes ---------------------------------------------------------------------------
    def add(self, path: LatentPath, layout: int | None = None) -> str:
        """Add a new path drawn on map layout ``layout`` (default: the map's now), saved at
        once when there is a store; returns its id. A path the project cannot take (read-only,
        a full disk) stays listed, unsaved; :meth:`take_note` says why."""
        layout = self._layout_now() if layout is None else layout
        entry = PathEntry(self._new_id(), PathEditHistory(path), layout=layout)
        entry.orphan = self.store is None
        self._insert(entry)  # first: a failed write must not lose the gesture
        kept = f"{path.name} is in the Paths list but not saved"
        try:
            self._save_new(entry)
        except (ProjectError, sqlite3.Error, OSError) as exc:
            self._note = f"{kept}: {exc}"
        else:
            if self.store is not None and entry.item_id is None:  # a read-only project
                self._note = f"{kept}: {self.store.path.name} is read-only; {SAVE_AS_CURE}"
        return entry.path_id

    def take_note(self) -> str:
        """Why the last path added is not saved ("" when it is, or was said already)."""
        note, self._note = self._note, ""
        return note

    def forget_write(self, path_id: str, why: str) -> None:
        """New path ``path_id`` was written in a transaction that was rolled back after
        :meth:`add` (its commit failed): it is listed, unsaved, and :meth:`take_note` says
        ``why``."""
        entry = self._entry(path_id)
        entry.item_id, entry.order, entry.moved = None, None, False
        self._note = f"{entry.path.name} is in the Paths list but not saved: {why}"

    def unsaved_count(self) -> int:
        """Paths whose current version the project lacks, and deletions it has not had."""
        if self.store is None:
            return 0
        return len(self.unsaved_names()) + len(self._unsaved_deletes)

    def unsaved_names(self) -> list[str]:
        """The names of the paths whose current version the project lacks, in list order."""
        return [e.path.name for e in self._entries.values() if e.item_id is None or e.unsaved]

    def save_unsaved(self) -> int:
        """Write what the project could not take (after Save As moved it to a writable copy),
        in one commit; returns how many paths were written. Raises the store's error (and
        keeps everything unsaved) when it still cannot be written."""
        store = self.store
        due = [e for e in self._entries.values() if e.item_id is None or e.unsaved]
        if store is None or store.read_only or not (due or self._unsaved_deletes):
            return 0
        before = [(e, e.item_id, e.order) for e in due]
        try:
            with store.transaction():
                for item_id in self._unsaved_deletes:
                    store.delete_item(item_id)
                for entry in due:
                    self._save(entry)
        except BaseException:  # rolled back: nothing of it is in the project
            for entry, item_id, order in before:
                entry.item_id, entry.order, entry.unsaved = item_id, order, True
            raise
        self._unsaved_deletes.clear()
        return len(due)

    def edit(self, path_id: str, new_path: LatentPath, label: str = "edit") -> LatentPath:
        """Replace a path by an edited version (undoable) and save it."""
        entry = self._entry(path_id)
        entry.history.apply(new_path, label)
        self._save(entry)
        self._undo.append(("edit", path_id))
        self._redo.clear()  # a new edit: what was undone before cannot come back
        return entry.path

    def rename(self, path_id: str, name: str) -> LatentPath:
        name = name.strip()
        if not name:
            raise PathError("a path needs a name")
        if name == self.path(path_id).name:
            return self.path(path_id)
        return self.edit(path_id, self.path(path_id).replace(name=name), "rename")

    def restyle(self, path_id: str, change) -> LatentPath:
        """Apply ``change(path) -> path`` to every version of a path and save it: for how it
        plays (loop, speed), which no undo of an edit takes back, and which is not an edit
        to undo itself."""
        entry = self._entry(path_id)
        entry.history.map_versions(change)
        self._save(entry)
        return entry.path

    def delete(self, path_id: str) -> None:
        """Remove a path (undoable: :meth:`undo` puts it back where it was)."""
        self._delete(path_id)
        self._redo.clear()

    def _delete(self, path_id: str) -> None:
        entry = self._entry(path_id)
        position = list(self._entries).index(path_id)
        stored = entry.item_id is not None and self.store is not None
        if stored and not self._writable(lambda: self.store.delete_item(entry.item_id)):
            self._unsaved_deletes.append(entry.item_id)  # deleted from a Save As copy
        entry.item_id = None
        del self._entries[path_id]
        self._undo.append(("delete", path_id, entry, position))

    def undo(self) -> str | None:
        """Undo the newest change; returns the id of the path it touched (None: nothing to undo)."""
        if not self._undo:
            return None
        action = self._undo.pop()
        if action[0] == "edit":
            entry = self._entries.get(action[1])
            if entry is None:  # cannot happen: a deleted path's edits sit under its deletion
                return None
            if entry.history.can_undo:  # (its oldest versions may be forgotten: a no-op)
                entry.history.undo()
                self._redo.append(("edit", entry.path_id))  # (also when the save fails)
            self._save(entry)
            return entry.path_id
        _, path_id, entry, position = action
        self._insert(entry, position)  # listed again even if the project cannot take it
        self._redo.append(("delete", path_id))
        self._save_new(entry)  # a new item, keeping the old list position (meta "order")
        return path_id

    def redo(self) -> str | None:
        """Make the newest undone change again; returns the id of the path it touched (None:
        nothing to redo). A new edit or deletion forgets what was undone."""
        if not self._redo:
            return None
        kind, path_id = self._redo.pop()
        if kind == "delete":
            self._delete(path_id)
            return path_id
        entry = self._entry(path_id)
        if entry.history.can_redo:
            entry.history.redo()
            self._undo.append(("edit", path_id))
            self._save(entry)
        return path_id

    def relocate(self, move, space: str, layout: int | None) -> None:
        """The map of latent space ``space`` was laid out again, as layout ``layout``:
        ``move(xy) -> xy`` gives each of its paths' positions (every version, deleted ones
        too) on it. Not undoable (the layout is not an edit of the path), and not saved
        here: the paths saved on the old layout move with the map when it is stored
        (:mod:`latentscape.map_paths`), and :meth:`save_moved` saves these once it is (what is
        saved meanwhile is saved on the stored layout: ``layouts``)."""

        def change(path: LatentPath) -> LatentPath:
            mine = not (space and path.model_hash) or path.model_hash == space
            return path.replace(xy=move(path.xy)) if mine else path

        deleted = [action[2] for action in self._undo if action[0] == "delete"]
        for entry in [*self._entries.values(), *deleted]:
            before = entry.path
            entry.history.map_versions(change)
            if entry.path is not before:
                entry.layout, entry.moved = layout, True

    def save_moved(self, layout: int) -> None:
        """The project's map is layout ``layout`` now: save the paths moved onto it and not
        saved since, in one commit (a path moved while importing is saved with the map
        that has its sounds, never before it)."""
        self.layouts.stored(layout)
        due = [e for e in self._entries.values() if e.moved and e.layout == layout]
        if self.store is None or not due:
            return
        if self.store.read_only:  # kept here until Save As
            for entry in due:
                entry.unsaved = True
            return
        with self.store.transaction():
            for entry in due:
                self._save(entry)

    # -- internals -------------------------------------------------------------------------
    def _entry(self, path_id: str) -> PathEntry:
        try:
            return self._entries[path_id]
        except KeyError:
            raise PathError(f"no path with id {path_id!r}") from None

    def _new_id(self) -> str:
        self._counter += 1
        return f"path-{self._counter}"

    def _insert(self, entry: PathEntry, position: int | None = None) -> None:
        items = list(self._entries.items())
        if position is None:
            position = len(items)
        items.insert(position, (entry.path_id, entry))
        self._entries = dict(items)

    def _meta(self, entry: PathEntry) -> tuple[str, bytes, dict, bool]:
        """The item of ``entry``, and whether it is written behind: on the stored map's
        layout, its own being one not stored yet (it stays ``moved``: :meth:`save_moved`
        writes it as drawn once that map is stored)."""
        back, layout = self.layouts.view().on_disk(entry.layout)
        path = entry.path if back is None else entry.path.replace(xy=back(entry.path.xy))
        name, payload, meta = path_to_item(path)
        if entry.order is not None:
            meta["order"] = entry.order
        return name, payload, layout_meta(meta, layout), back is not None

    def _writable(self, write: Callable[[], object]) -> bool:
        """Run a write to the store; False, writing nothing, when the project is read-only
        (known before, or found by this write). Other failures (a full disk) raise."""
        if not self.store.read_only:
            try:
                write()
                return True
            except ProjectWriteError:
                if not self.store.read_only:
                    raise
        return False

    def _save_new(self, entry: PathEntry) -> None:
        entry.item_id, entry.moved, entry.unsaved = None, False, False
        if self.store is None:
            return
        name, payload, meta, behind = self._meta(entry)

        def put() -> None:
            entry.item_id = self.store.put_item(ITEM_KIND, name, payload, meta)

        if self._writable(put):
            entry.moved, entry.orphan = behind, False
            if entry.order is None:
                entry.order = entry.item_id

    def _save(self, entry: PathEntry) -> None:
        if self.store is None:
            return
        if entry.item_id is None:
            self._save_new(entry)
            return
        entry.moved = False
        name, payload, meta, behind = self._meta(entry)

        def update() -> None:
            self.store.update_item(entry.item_id, name=name, payload=payload, meta=meta)

        entry.unsaved = True  # until written (a full disk raises)
        entry.unsaved = not self._writable(update)
        entry.moved = behind and not entry.unsaved


def _order(item) -> int:
    order = item.meta.get("order") if isinstance(item.meta, dict) else None
    return int(order) if isinstance(order, int) else int(item.id)
