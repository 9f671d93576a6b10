"""The project file (``.lsc``): one SQLite database holding everything a session made.

Durability: rollback journal (``journal_mode=DELETE``) with ``synchronous=FULL``, so the project
is a single file at rest and a process killed mid-write leaves the last committed state (SQLite
rolls the leftover "hot" journal back on the next open). Every public method runs in one
transaction; :meth:`ProjectStore.transaction` groups several.

Threads: every method may be called from any thread; one connection is shared behind a
re-entrant lock, so calls are serialised.

Latents are stored per model content hash: changing the project's model keeps the sounds and
their old latents, and :meth:`ProjectStore.latents` answers for the current model only.

The store is split by what it keeps: sounds and latents (:mod:`latentscape.project_sounds`),
generic items (:mod:`latentscape.project_items`) and maps (:mod:`latentscape.project_maps`)
are mixins; opening, transactions, copies, the model and settings are here.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from latentscape.project_items import ItemsMixin
from latentscape.project_maps import CURRENT_MAP, MapsMixin
from latentscape.project_records import (
    Item,
    ModelRef,
    NewSound,
    ProjectError,
    Sound,
    check_project_name,
    pack_arrays,
    rebase_paths,
    unpack_arrays,
)
from latentscape.project_schema import SCHEMA_VERSION, check_replaceable_by_project, migrate
from latentscape.project_sounds import SoundsMixin, latent_hash
from latentscape.project_writes import kind_of, write_errors

__all__ = [
    "CURRENT_MAP",
    "Item",
    "ModelRef",
    "NewSound",
    "ProjectError",
    "ProjectStore",
    "Sound",
    "latent_hash",
    "pack_arrays",
    "unpack_arrays",
]


class ProjectStore(SoundsMixin, ItemsMixin, MapsMixin):
    """An open project file. Use :meth:`open` or :meth:`create`, then :meth:`close`."""

    read_only = False  # a write was refused as read-only, or check_writable found it so

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self._path = path
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0
        self._connection = 0  # counts the connections this store had (Save As makes one)
        self._version_at_open = int(conn.execute("PRAGMA data_version").fetchone()[0])

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, *, overwrite: bool = False) -> ProjectStore:
        """Create a new, empty project at ``path`` (ProjectError if it exists, unless overwrite)."""
        path = Path(path)
        check_project_name(path)  # before an existing file is replaced
        if path.exists():
            if not overwrite:
                raise ProjectError(f"{path}: already exists (choose another name)")
            if path.is_dir():
                raise ProjectError(f"{path}: is a directory")
            path.unlink()
        return cls.open(path, create=True)

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> ProjectStore:
        """Open the project at ``path``; ``create`` makes a new one when it does not exist."""
        path = Path(path)
        if path.is_dir():
            raise ProjectError(f"{path}: is a directory, not a project file")
        if not path.exists() and not create:
            raise ProjectError(f"{path}: no such project file")
        if not path.parent.exists():
            raise ProjectError(f"{path.parent}: no such folder")
        existed = path.exists()
        if not existed:
            check_project_name(path)  # a new one; an existing one opens (a write may fail)
        conn = None
        try:
            conn = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=10.0
            )
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            store = cls(path, conn)
            migrate(conn, path, create, store.transaction)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if not isinstance(exc, sqlite3.OperationalError):
                raise ProjectError(f"{path.name}: not a latentscape project ({exc})") from None
            if isinstance(exc, ProjectError):  # a full disk, said with the project's name
                raise
            if "locked" in str(exc):  # a real project that cannot be used now
                raise ProjectError(f"{path.name}: in use by another program ({exc})") from None
            if not (existed or os.access(path.parent, os.W_OK | os.X_OK)):
                raise ProjectError(f"{path}: the folder {path.parent} is not writable") from None
            raise ProjectError(f"{path.name}: cannot open the project ({exc})") from None
        return store

    @property
    def path(self) -> Path:
        return self._path

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def relative(self, path: str | Path) -> str:
        """``path`` as stored: relative to the project's folder when inside it (so a project
        moved together with its sounds and model still finds them), else absolute."""
        full = Path(os.path.normpath(Path(path).absolute()))  # "a/../b" stored as "b"
        try:
            return full.relative_to(self._path.absolute().parent).as_posix()
        except ValueError:
            return str(full)

    def resolve(self, path: str | Path) -> Path:
        """A stored path (sound, model) as a usable path: relative ones are under the project."""
        p = Path(path)
        return p if p.is_absolute() else self._path.absolute().parent / p

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ProjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group calls into one atomic transaction (re-entrant; the outermost one commits)."""
        with self._lock, write_errors(self):
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._rollback()
                raise
            self._depth -= 1
            if outer:
                try:
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise

    def check_writable(self) -> None:
        """ProjectError unless the project can be written (a read-only file or folder): for
        long work whose result would otherwise be lost at the end. Writes nothing; sets
        :attr:`read_only` (a project another program is writing is not read-only)."""
        with self._lock:
            if self._depth:
                return  # inside a transaction: it writes already
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")  # same value
            except sqlite3.OperationalError as exc:
                self.read_only = kind_of(exc) == "read-only"
                raise ProjectError(f"{self._path.name}: cannot be written ({exc})") from None
            finally:
                self._rollback()
            self.read_only = False

    def _rollback(self) -> None:
        """Roll back, unless SQLite already has (it does on a full disk, and a ROLLBACK then
        fails with "no transaction is active", hiding the real error)."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def save_as(self, new_path: str | Path) -> None:
        """Write a consistent copy of the project to ``new_path`` (replaced if it is a
        project; ProjectError if it is any other file).

        Stored relative paths (sounds, model) are rewritten for the new folder, so the copy
        still finds its files (e.g. the shipped demo copied to a user folder before editing).
        """
        new_path = Path(new_path)
        check_project_name(new_path)
        check_replaceable_by_project(new_path)
        tmp = new_path.with_name(new_path.name + ".partial")
        tmp.unlink(missing_ok=True)
        try:
            with self._lock:
                dest = sqlite3.connect(str(tmp), isolation_level=None)
                try:
                    self._conn.backup(dest)
                    rebase_paths(dest, self._path.absolute().parent, new_path.absolute().parent)
                finally:
                    dest.close()
            tmp.replace(new_path)
        except BaseException:  # a full disk, say: no part of a copy is left behind
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
                leftover.unlink(missing_ok=True)
            raise

    def continue_as(self, new_path: str | Path) -> None:
        """Copy the project to ``new_path`` (:meth:`save_as`) and continue in the copy: this
        store reads and writes the copy from now on, and the original is closed as it was.

        The copy and the switch happen under the store's lock, so every write lands in one of
        them: a write that began before is in the copy, one that comes after (a worker that
        holds this store, such as a map save or a prior still training) goes to it. Opening
        the copy as a new store left such late writes in the original, lost to the user."""
        with self._lock:
            if self._depth:
                raise ProjectError("cannot save a copy inside a transaction")
            self.save_as(new_path)
            copy = ProjectStore.open(new_path)
            self._conn.close()
            self._conn, self._path = copy._conn, copy._path
            self._connection += 1
            self._version_at_open = copy._version_at_open
            self.read_only = copy.read_only  # (a copy just written: writable)

    # -- model ---------------------------------------------------------------------------------
    def set_model(self, path: str, content_hash: str, info: dict[str, Any]) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO model (id, path, content_hash, info) VALUES (1, ?, ?, ?)",
                (str(path), content_hash, json.dumps(info)),
            )

    def model(self) -> ModelRef | None:
        with self._lock:
            row = self._conn.execute("SELECT path, content_hash, info FROM model").fetchone()
        return None if row is None else ModelRef(row[0], row[1], json.loads(row[2]))

    def _model_hash(self) -> str:
        row = self._conn.execute("SELECT content_hash FROM model").fetchone()
        return "" if row is None else row[0]

    # -- reading -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def read_transaction(self) -> Iterator[None]:
        """Reads that see one state of the project, whatever other programs commit meanwhile
        (a deferred transaction; writes inside it are not allowed)."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._conn.execute("COMMIT")

    def data_version(self) -> tuple[int, int, int]:
        """``(connection, now, at_open)``: SQLite's ``data_version`` now and when this
        connection was opened. It changes when another connection (another program) commits
        to the project; this store's own writes leave it as it is. It counts per connection,
        and Save As gives the store a new one: compare only numbers of one ``connection``."""
        with self._lock:
            now = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            return self._connection, now, self._version_at_open

    def has_content(self) -> bool:
        """True when the project holds any sound or item (paths, priors, galleries)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT EXISTS(SELECT 1 FROM sounds) OR EXISTS(SELECT 1 FROM items)"
            ).fetchone()
        return bool(row[0])

    # -- settings ------------------------------------------------------------------------------
    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, json.dumps(value)))

    def setting(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])
