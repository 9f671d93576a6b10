"""The take being recorded, kept safe in the project (QA s19 M4: a crash during a take lost it).

While a path is recorded, every :data:`AUTOSAVE_MS` (and at once when recording starts) the
take so far — :meth:`PathRecorder.snapshot`: every point, the last one held to now — is
written into the project as one item of kind :data:`TAKE_KIND` (arrays in an ``.npz``
payload: a 5-minute take is written in milliseconds, where its JSON would take a second),
replacing the last one, in one transaction. When the take ends as a path, the path is added and
the take item removed in one transaction: after a crash the project holds one of them, never
both nor neither. A take that ends with nothing to keep is removed.

When a project that holds a take is opened (the app died during it), :func:`recover_takes`
turns it into a path named ``"Path N (recovered)"``: at most one autosave interval of the take
is lost. A take another running copy of the app is recording now (same machine, its process
alive, written within :data:`LIVE_ELSEWHERE_S`) is left to it.

Thread: :class:`TakeAutosave` is created and called on the GUI thread; the snapshot, its
packing and the write run on its one worker thread (the GUI thread only starts them), under
the store's lock like any other write. :func:`recover_takes`: any one thread.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths import ITEM_KIND, LatentPath, path_to_item
from latentscape.map_paths import LAYOUT_KEY, layout_meta
from latentscape.project_records import pack_arrays, unpack_arrays

TAKE_KIND = "path-take"  # project item: the take in progress (at most one per project)
AUTOSAVE_MS = 2000
LIVE_ELSEWHERE_S = 60.0  # a take written this recently by a live process is still recorded
RECOVERED = " (recovered)"
_NUMBERED = re.compile(r"^Path (\d+)(?: \(recovered\))?$")


@dataclass(frozen=True)
class _Take:
    """One take under way: where it is kept and what its path will carry."""

    store: Any  # ProjectStore
    seed: int
    model_hash: str


class TakeAutosave(QObject):
    """Keeps ``recorder``'s take in ``explorer``'s project while it records.

    Signals
    -------
    saved(int points, float seconds)
        A write of the take ended: points kept, and how long the snapshot, packing and write
        took on the worker (emitted on the worker; queued to receivers on the GUI thread).
    """

    saved = Signal(int, float)
    _failed = Signal(str)

    def __init__(self, explorer, recorder, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.c = explorer
        self.recorder = recorder
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.write_now)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="take-autosave")
        self._lock = threading.Lock()  # guards _take: the GUI thread ends it, the worker reads
        self._take: _Take | None = None
        self._pending: Future | None = None
        self._told = False  # a failed write was reported during this take
        self._failed.connect(self._on_failed)

    # -- GUI thread ------------------------------------------------------------------------
    def start(self, store) -> None:
        """Recording started into ``store`` (None: no project yet, or one found read-only:
        nothing is kept; the take becomes a path at its end as before)."""
        model, seed = self.c.model, self.c.audio.seed
        take = None
        if store is not None and not getattr(store, "read_only", False):
            take = _Take(store, 0 if seed is None else int(seed), model.info.space if model else "")
        with self._lock:
            self._take = take
        self._told = False
        if take is not None:
            self._timer.start()
            self.write_now()

    def write_now(self) -> None:
        """Write the take so far on the worker (skipped while the last write still runs)."""
        take = self._take
        if take is None or (self._pending is not None and not self._pending.done()):
            return
        layout = getattr(self.c.state.atlas, "layout_id", None)  # the recorder follows relayouts
        self._pending = self._pool.submit(self._write, take, layout)

    def replace_by(self, library, path: LatentPath) -> str:
        """The take ends as ``path``: ``library.add(path)`` saves it (:class:`PathLibrary`;
        returns its id), and the take item goes in the same transaction. An add that raises
        leaves the take kept, to be recovered."""
        take = self._end()
        if take is None or take.store is not library.store:
            path_id = library.add(path)
            self._remove(take)
            return path_id
        with take.store.transaction():
            path_id = library.add(path)
            clear_takes(take.store)
        return path_id

    def recover(self, store) -> None:
        """Project ``store`` was opened: a take it holds (the app died during it) becomes a
        path (call before the paths are read), said after the project's own "Opened" line."""
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

    def _remove(self, take: _Take | None) -> None:
        if take is None:
            return
        try:
            if not take.store.items(TAKE_KIND, with_payload=False):
                return  # none written (nothing was recorded): no write to make
            with take.store.transaction():
                clear_takes(take.store)
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

    def _write(self, take: _Take, layout: int | None) -> None:
        t0 = time.perf_counter()
        path = self.recorder.snapshot(seed=take.seed, model_hash=take.model_hash)
        if path is None or not self._live(take):
            return
        payload, meta = take_item(path, layout)
        try:
            with take.store.transaction():
                if not self._live(take):  # ended while packing: the store is the GUI's now
                    return
                clear_takes(take.store)
                take.store.put_item(TAKE_KIND, "take in progress", payload, meta)
        except (sqlite3.Error, OSError, LatentscapeError) as exc:
            if self._live(take):
                self._failed.emit(f"The take under way could not be saved to the project: {exc}")
            return
        self.saved.emit(path.point_count, time.perf_counter() - t0)


# -- the take item (Qt-free) ---------------------------------------------------------------
def take_item(path: LatentPath, layout: int | None) -> tuple[bytes, dict]:
    """``(payload, meta)`` of a take item holding ``path``, drawn on map layout ``layout``."""
    payload = pack_arrays({"times_s": path.times_s, "xy": path.xy, "latents": path.latents})
    meta = {
        "seed": path.seed,
        "model_hash": path.model_hash,
        "point_count": path.point_count,
        "duration_s": path.duration_s,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "written_at": time.time(),
    }
    return payload, layout_meta(meta, layout)


def clear_takes(store) -> None:
    """Remove every take item of ``store`` (call inside its transaction)."""
    for item in store.items(TAKE_KIND, with_payload=False):
        store.delete_item(item.id)


def recover_takes(store) -> tuple[list[str], list[str]]:
    """Turn the takes ``store`` holds (the app died while recording them) into paths, in one
    transaction; returns ``(names of the paths made, one line per take that could not be
    read)``. A take unreadable is left in the project; one still recorded elsewhere is left."""
    if not store.items(TAKE_KIND, with_payload=False):
        return [], []  # the usual case: a read, no write (a read-only project opens)
    names: list[str] = []
    errors: list[str] = []
    with store.transaction():
        used = [
            int(m.group(1))
            for i in store.items(ITEM_KIND, with_payload=False)
            if (m := _NUMBERED.match(i.name))
        ]
        for item in store.items(TAKE_KIND):
            if _live_elsewhere(item.meta, item.updated_at):
                continue
            name = f"Path {max(used, default=0) + 1}{RECOVERED}"
            try:
                path = _path_of(item, name)
            except Exception as exc:  # any damage (a bad zip, a missing array): never fatal
                errors.append(f"an autosaved take could not be recovered: {exc or repr(exc)}")
                continue
            layout = item.meta.get(LAYOUT_KEY)
            layout = layout if isinstance(layout, int) else None
            path_name, payload, meta = path_to_item(path)
            store.put_item(ITEM_KIND, path_name, payload, layout_meta(meta, layout))
            store.delete_item(item.id)
            used.append(max(used, default=0) + 1)
            names.append(name)
    return names, errors


def recovered_message(names: list[str]) -> str:
    """The status bar's line after :func:`recover_takes` made ``names``."""
    return (
        f"Recovered {', '.join(names)}: the take under way when latentscape stopped, as last "
        f"saved (every {AUTOSAVE_MS / 1000:g} s)"
    )


def _path_of(item, name: str) -> LatentPath:
    arrays = unpack_arrays(item.payload)
    seed = item.meta.get("seed", 0)
    return LatentPath(
        arrays["times_s"],
        arrays["xy"],
        arrays["latents"],
        name=name,
        seed=seed if isinstance(seed, int) and seed >= 0 else 0,
        model_hash=str(item.meta.get("model_hash", "")),
    )


def _live_elsewhere(meta: dict, updated_at: float) -> bool:
    """The take is being recorded by another copy of the app now: on this machine, by a
    process that is alive, written recently."""
    pid = meta.get("pid")
    if meta.get("host") != socket.gethostname() or not isinstance(pid, int) or pid == os.getpid():
        return False
    if time.time() - updated_at > LIVE_ELSEWHERE_S:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True
