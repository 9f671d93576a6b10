"""The project file (``.lsc``): one SQLite database holding everything a session made.

Durability: rollback journal (``journal_mode=DELETE``) with ``synchronous=FULL``, so the project
is a single file at rest and a process killed mid-write leaves the last committed state (SQLite
rolls the leftover "hot" journal back on the next open). Every public method runs in one
transaction; :meth:`ProjectStore.transaction` groups several.

Threads: every method may be called from any thread; one connection is shared behind a
re-entrant lock, so calls are serialised.

Latents are stored per model content hash: changing the project's model keeps the sounds and
their old latents, and :meth:`ProjectStore.latents` answers for the current model only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from latentscape.project_items import ItemsMixin
from latentscape.project_maps import CURRENT_MAP, MapsMixin
from latentscape.project_records import (
    Item,
    ModelRef,
    NewSound,
    ProjectError,
    Sound,
    _blob_latents,
    _latent_blob,
    check_project_name,
    pack_arrays,
    rebase_paths,
    unpack_arrays,
)
from latentscape.project_schema import SCHEMA_VERSION, migrate
from latentscape.project_writes import kind_of, write_errors

__all__ = [
    "CURRENT_MAP",
    "Item",
    "ModelRef",
    "NewSound",
    "ProjectError",
    "ProjectStore",
    "Sound",
    "pack_arrays",
    "unpack_arrays",
]


def latent_hash(latents: np.ndarray) -> str:
    """The content hash of a generated sound: its float32 latents, hashed."""
    z = np.ascontiguousarray(latents, dtype=np.float32)
    return "latent:" + hashlib.sha256(z.tobytes()).hexdigest()


class ProjectStore(ItemsMixin, MapsMixin):
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
        """Write a consistent copy of the project to ``new_path`` (replaced if it exists).

        Stored relative paths (sounds, model) are rewritten for the new folder, so the copy
        still finds its files (e.g. the shipped demo copied to a user folder before editing).
        """
        new_path = Path(new_path)
        check_project_name(new_path)
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

    # -- sounds --------------------------------------------------------------------------------
    def add_sounds(self, sounds: Sequence[NewSound]) -> list[int]:
        """Add ``sounds`` in one transaction; their latents count for the current model."""
        ids: list[int] = []
        now = time.time()
        with self.transaction() as c:
            model_hash = self._model_hash()
            for s in sounds:
                cur = c.execute(
                    "INSERT INTO sounds (path, content_hash, duration_s, folder, name, tags, "
                    "generated, segment_index, start_s, meta, added_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        s.path,
                        s.content_hash,
                        float(s.duration_s),
                        s.folder,
                        s.name,
                        json.dumps(list(s.tags)),
                        int(s.generated),
                        int(s.segment_index),
                        float(s.start_s),
                        json.dumps(s.meta),
                        now,
                    ),
                )
                sound_id = int(cur.lastrowid)
                ids.append(sound_id)
                if s.latents is not None:
                    c.execute(
                        "INSERT INTO latents VALUES (?, ?, ?, ?, ?)",
                        (sound_id, model_hash, *_latent_blob(s.latents)),
                    )
        return ids

    def add_generated_sound(
        self,
        latents: np.ndarray,
        *,
        name: str,
        tags: Sequence[str] = (),
        meta: dict[str, Any] | None = None,
        content_hash: str = "",
    ) -> int:
        """Add a sound that exists only as a latent trajectory (generated=True, no file)."""
        z = np.ascontiguousarray(latents, dtype=np.float32)
        digest = content_hash or latent_hash(z)
        model = self.model()
        rate = model.info.get("frame_rate_hz") if model else None
        if model and not rate and model.info.get("hop_samples"):
            rate = model.info["sample_rate_hz"] / model.info["hop_samples"]
        duration = z.shape[0] / rate if rate else 0.0
        new = NewSound(
            path=None,
            content_hash=digest,
            duration_s=duration,
            latents=z,
            name=name,
            tags=tuple(tags),
            generated=True,
            meta=dict(meta or {}),
        )
        return self.add_sounds([new])[0]

    def generated_sound_with(self, latents: np.ndarray) -> Sound | None:
        """The generated sound holding exactly ``latents`` (added before), or None: one
        indexed lookup of its :func:`latent_hash`."""
        with self._lock:
            row = self._conn.execute(
                self._SOUND_SQL + " WHERE s.content_hash = ? AND s.generated ORDER BY s.id",
                (self._model_hash(), latent_hash(latents)),
            ).fetchone()
        return self._sound(row) if row is not None else None

    def sounds_with_content(self, content_hash: str, segment_index: int) -> list[Sound]:
        """The sounds cut from content ``content_hash`` at ``segment_index`` (indexed)."""
        with self._lock:
            rows = self._conn.execute(
                self._SOUND_SQL + " WHERE s.content_hash = ? AND s.segment_index = ?",
                (self._model_hash(), content_hash, int(segment_index)),
            ).fetchall()
        return [self._sound(r) for r in rows]

    _SOUND_SQL = (
        "SELECT s.id, s.path, s.content_hash, s.duration_s, s.folder, s.name, s.tags, "
        "s.generated, s.segment_index, s.start_s, s.meta, l.frames FROM sounds s "
        "LEFT JOIN latents l ON l.sound_id = s.id AND l.model_hash = ?"
    )

    @staticmethod
    def _sound(row: Sequence[Any]) -> Sound:
        return Sound(
            id=row[0],
            path=row[1],
            content_hash=row[2],
            duration_s=row[3],
            folder=row[4],
            name=row[5],
            tags=tuple(json.loads(row[6])),
            generated=bool(row[7]),
            segment_index=row[8],
            start_s=row[9],
            meta=json.loads(row[10]),
            frames=row[11],
        )

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

    def sound_paths(self) -> list[str]:
        """The distinct stored paths of the project's sounds (as stored: see :meth:`resolve`)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT path FROM sounds WHERE path IS NOT NULL"
            ).fetchall()
        return [r[0] for r in rows]

    def sounds(self) -> list[Sound]:
        with self._lock:
            rows = self._conn.execute(
                self._SOUND_SQL + " ORDER BY s.id", (self._model_hash(),)
            ).fetchall()
        return [self._sound(r) for r in rows]

    def sound(self, sound_id: int) -> Sound:
        with self._lock:
            row = self._conn.execute(
                self._SOUND_SQL + " WHERE s.id = ?", (self._model_hash(), int(sound_id))
            ).fetchone()
        if row is None:
            raise ProjectError(f"no sound with id {sound_id} in {self._path.name}")
        return self._sound(row)

    def latents(self, sound_id: int, model_hash: str | None = None) -> np.ndarray | None:
        """Latent trajectory ``[frames, latent_size]`` float32 for the current model (or the
        model with the content hash ``model_hash``), or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT frames, dims, data FROM latents WHERE sound_id = ? AND model_hash = ?",
                (int(sound_id), model_hash or self._model_hash()),
            ).fetchone()
        return None if row is None else _blob_latents(*row)

    def all_latents(self, model_hash: str | None = None) -> dict[int, np.ndarray]:
        """Every sound's latents for the current model (or the model with the content hash
        ``model_hash``), by sound id (ordered by id)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT sound_id, frames, dims, data FROM latents WHERE model_hash = ? "
                "ORDER BY sound_id",
                (model_hash or self._model_hash(),),
            ).fetchall()
        return {r[0]: _blob_latents(r[1], r[2], r[3]) for r in rows}

    def latent_ids(self) -> list[int]:
        """Ids of the sounds that have latents for the current model (ordered)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT sound_id FROM latents WHERE model_hash = ? ORDER BY sound_id",
                (self._model_hash(),),
            ).fetchall()
        return [r[0] for r in rows]

    def put_latents(self, sound_id: int, latents: np.ndarray) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO latents VALUES (?, ?, ?, ?, ?)",
                (int(sound_id), self._model_hash(), *_latent_blob(latents)),
            )

    def update_meta(self, sound_id: int, changes: dict[str, Any]) -> None:
        """Merge ``changes`` into a sound's ``meta``."""
        with self.transaction() as c:
            row = c.execute("SELECT meta FROM sounds WHERE id = ?", (int(sound_id),)).fetchone()
            if row is not None:
                meta = {**json.loads(row[0]), **changes}
                c.execute(
                    "UPDATE sounds SET meta = ? WHERE id = ?", (json.dumps(meta), int(sound_id))
                )

    def move_sound(self, sound_id: int, path: str, folder: str, name: str) -> None:
        """A sound's file was found elsewhere (moved or renamed): store its new place."""
        with self.transaction() as c:
            c.execute(
                "UPDATE sounds SET path = ?, folder = ?, name = ? WHERE id = ?",
                (path, folder, name, int(sound_id)),
            )

    def set_tags(self, sound_id: int, tags: Sequence[str]) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE sounds SET tags = ? WHERE id = ?", (json.dumps(list(tags)), int(sound_id))
            )

    # -- settings ------------------------------------------------------------------------------
    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, json.dumps(value)))

    def setting(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])
