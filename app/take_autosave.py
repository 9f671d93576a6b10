"""The take being recorded, kept safe in the project (QA s19 M4: a crash during a take lost it).

While a path is recorded, the take so far — :meth:`PathRecorder.snapshot`: every point, the
last one held to now — is written into the project as one take item
(:mod:`latentscape.take_items`: arrays in an ``.npz`` payload, a 5-minute take is written in
milliseconds), replacing this take's last one, in one transaction: first
:data:`FIRST_WRITE_MS` after its first point (a take of a second is kept too: QA s19 Q2-10),
then every :data:`AUTOSAVE_MS`. When the take ends as a path, the path is added and the take
item removed in one transaction: after a crash the project holds one of them, never both
nor neither. A path the project could not take (a full disk) leaves its take item in it,
to be recovered; a take that ends with nothing to keep is removed.

The positions are written on the layout of the map the project holds, even while the window
shows a newer one not stored yet (:mod:`latentscape.stored_layout`), so a take never names a
map the project does not have.

When a project that holds a take is opened (the app died during it),
:func:`~latentscape.take_items.recover_takes` turns it into a path named
``"Path N (recovered)"``: at most one autosave interval of the take is lost. A take another
running copy of the app is recording now is left to it.

Thread: :class:`TakeAutosave` is created and called on the GUI thread; the snapshot, its
packing and the write run on its one worker thread (the GUI thread only starts them), under
the store's lock like any other write.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths import LatentPath
from latentscape.stored_layout import LayoutView, StoredLayout
from latentscape.take_items import (
    OWNER_KEY,
    TAKE_KIND,
    clear_takes,
    new_owner,
    recover_takes,
    take_item,
)

AUTOSAVE_MS = 2000
FIRST_WRITE_MS = 300  # how soon after its first point a take is first written


class _NotSaved(Exception):
    """The path was not written: the transaction that would replace its take rolls back."""


@dataclass(frozen=True)
class _Take:
    """One take under way: where it is kept, what its path will carry, its items' token."""

    store: Any  # ProjectStore
    seed: int
    model_hash: str
    owner: str = ""


class TakeAutosave(QObject):
    """Keeps ``recorder``'s take in ``explorer``'s project while it records; ``layouts``
    says which map layout the project holds (None: the one shown is taken to be it).

    Signals
    -------
    saved(int points, float seconds)
        A write of the take ended: points kept, and how long the snapshot, packing and write
        took on the worker (emitted on the worker; queued to receivers on the GUI thread).
    """

    saved = Signal(int, float)
    _failed = Signal(str)

    def __init__(
        self, explorer, recorder, layouts: StoredLayout | None = None, parent=None
    ) -> None:
        super().__init__(parent)
        self.c = explorer
        self.recorder = recorder
        self.layouts = layouts or StoredLayout(
            lambda: getattr(explorer.state.atlas, "layout_id", None)
        )
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.write_now)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="take-autosave")
        self._lock = threading.Lock()  # guards _take: the GUI thread ends it, the worker reads
        self._take: _Take | None = None
        self._pending: Future | None = None
        self._told = False  # a failed write was reported during this take
        self._kept: dict[str, _Take] = {}  # path id -> its take, left: the path is not saved
        self._failed.connect(self._on_failed)

    # -- GUI thread ------------------------------------------------------------------------
    def start(self, store) -> None:
        """Recording started into ``store`` (None: no project yet, or one found read-only:
        nothing is kept; the take becomes a path at its end as before)."""
        model, seed = self.c.model, self.c.audio.seed
        take = None
        if store is not None and not getattr(store, "read_only", False):
            space = model.info.space if model else ""
            take = _Take(store, 0 if seed is None else int(seed), space, new_owner())
        with self._lock:
            self._take = take
        self._told = False
        if take is not None:
            self._timer.start(FIRST_WRITE_MS)  # polls for the first point, then AUTOSAVE_MS

    def write_now(self) -> None:
        """Write the take so far on the worker (skipped while the last write still runs, or
        while nothing is recorded yet)."""
        take = self._take
        if take is None or (self._pending is not None and not self._pending.done()):
            return
        if not self.recorder.point_count:
            return
        if self._timer.interval() != AUTOSAVE_MS:
            self._timer.setInterval(AUTOSAVE_MS)
        self._pending = self._pool.submit(self._write, take, self.layouts.view())

    def replace_by(self, library, path: LatentPath) -> str:
        """The take ends as ``path``: ``library.add(path)`` saves it (:class:`PathLibrary`;
        returns its id), and the take item goes in the same transaction, only if the path
        was written: a path the project could not take (a full disk) leaves the take kept,
        to be recovered, and is listed unsaved."""
        take = self._end()
        if take is None or take.store is not library.store:
            path_id = library.add(path)
            self._settle(library, path_id, take)
            return path_id
        path_id = None
        try:
            with take.store.transaction():
                path_id = library.add(path)
                if library.item_id(path_id) is None:
                    raise _NotSaved  # nothing to commit (SQLite may have rolled back already)
                clear_takes(take.store, take.owner)
        except _NotSaved:
            pass  # listed unsaved, its note says why
        except (sqlite3.Error, OSError, LatentscapeError) as exc:
            if path_id is None:  # no transaction could start: the path tries on its own
                path_id = library.add(path)
                self._settle(library, path_id, take)
                return path_id
            library.forget_write(path_id, str(exc))  # rolled back: the take is kept
        if library.item_id(path_id) is None:
            self._kept[path_id] = take
        return path_id

    def drop_saved(self, library) -> None:
        """Paths kept unsaved were saved since (Save As): their takes go from the project."""
        done = {
            pid: take
            for pid, take in self._kept.items()
            if pid not in library or library.item_id(pid) is not None
        }
        for pid, take in done.items():
            del self._kept[pid]
            if pid in library and take.store is library.store:
                self._remove(take)

    def recover(self, store) -> None:
        """Project ``store`` was opened: a take it holds (the app died during it) becomes a
        path (call before the paths are read), said after the project's own "Opened" line."""
        self._kept.clear()  # takes of the project left: recovered there at its next open
        if store is None:
            return
        try:
            names, errors = recover_takes(store)
        except (sqlite3.Error, OSError, LatentscapeError) as exc:
            names, errors = [], [f"an autosaved take could not be recovered: {exc}"]
        for line in errors:
            self.c.errorOccurred.emit(line)
        if names:
            QTimer.singleShot(0, self, lambda: self._tell(recovered_message(names)))

    def _tell(self, text: str) -> None:
        """In the status bar, and in the banner unless it says something else (the status bar
        gives way to the model's "Loaded" line within a second)."""
        self.c.message.emit(text)
        banner = self.c.views.banner
        if banner.isHidden():
            banner.show_message(text, "info")

    def discard(self) -> None:
        """The take ends with nothing to keep: its item goes."""
        self._remove(self._end())

    def shutdown(self) -> None:
        """Window closing (after the take was kept as a path): let a write under way finish."""
        self.discard()
        self._pool.shutdown(wait=True)

    def _end(self) -> _Take | None:
        self._timer.stop()
        with self._lock:
            take, self._take = self._take, None
        return take  # a write under way now leaves the store as it found it

    def _settle(self, library, path_id: str, take: _Take | None) -> None:
        """The path of ``take`` was added on its own: the take goes once the path is saved."""
        if library.item_id(path_id) is not None:
            self._remove(take)
        elif take is not None:
            self._kept[path_id] = take

    def _remove(self, take: _Take | None) -> None:
        if take is None:
            return
        try:
            items = take.store.items(TAKE_KIND, with_payload=False)
            if not any(i.meta.get(OWNER_KEY) == take.owner for i in items):
                return  # none written (nothing was recorded): no write to make
            with take.store.transaction():
                clear_takes(take.store, take.owner)
        except (sqlite3.Error, OSError, LatentscapeError) as exc:
            self.c.errorOccurred.emit(f"could not remove the autosaved take: {exc}")

    def _on_failed(self, message: str) -> None:
        if not self._told and self._take is not None:
            self._told = True  # once a take: the next write may well succeed
            self.c.errorOccurred.emit(message)

    # -- worker thread ---------------------------------------------------------------------
    def _live(self, take: _Take) -> bool:
        with self._lock:
            return self._take is take

    def _write(self, take: _Take, layouts: LayoutView) -> None:
        t0 = time.perf_counter()
        path = self.recorder.snapshot(seed=take.seed, model_hash=take.model_hash)
        if path is None or not self._live(take):
            return
        if self.layouts.generation != layouts.generation:
            return  # laid out again meanwhile: the next write knows where the points lie
        back, layout = layouts.on_disk(layouts.shown_id)
        if back is None:
            payload, meta = take_item(path, layout, take.owner)
        else:  # on the stored map, and as drawn on the one shown (stored soon, or never)
            ahead = (layouts.shown_id, path.xy)
            payload, meta = take_item(path.replace(xy=back(path.xy)), layout, take.owner, ahead)
        try:
            with take.store.transaction():
                if not self._live(take):  # ended while packing: the store is the GUI's now
                    return
                clear_takes(take.store, take.owner)
                take.store.put_item(TAKE_KIND, "take in progress", payload, meta)
        except (sqlite3.Error, OSError, LatentscapeError) as exc:
            if self._live(take):
                self._failed.emit(f"The take under way could not be saved to the project: {exc}")
            return
        self.saved.emit(path.point_count, time.perf_counter() - t0)


# -- words (Qt-free) ---------------------------------------------------------------------
def recovered_message(names: list[str]) -> str:
    """The status bar's line after :func:`recover_takes` made ``names``."""
    return (
        f"Recovered {', '.join(names)}: the take under way when latentscape stopped, as last "
        f"saved (every {AUTOSAVE_MS / 1000:g} s)"
    )
