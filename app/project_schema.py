"""Schema of the ``.lsc`` project file and its migrations.

``PRAGMA user_version`` holds the schema version; ``PRAGMA application_id`` marks the file as a
latentscape project. Migration ``n`` takes a file from version ``n`` to ``n + 1``; each runs in
the same transaction as the version bump, so a crash mid-migration leaves the old version.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from latentscape.engines.loader import SQLITE_MAGIC
from latentscape.project_records import ProjectError

APPLICATION_ID = 0x4C534350  # "LSCP": at byte 68 of the file, after SQLITE_MAGIC at 0


def _is_project_header(head: bytes) -> bool:
    """Whether a file's first 72 bytes are a latentscape project's (SQLite, our id)."""
    return head.startswith(SQLITE_MAGIC) and int.from_bytes(head[68:72], "big") == APPLICATION_ID


def is_project_file(path: str | Path) -> bool:
    """Whether ``path`` is a latentscape project, whatever its name (False if unreadable)."""
    try:
        if not Path(path).is_file():  # a FIFO would block the read
            return False
        with open(path, "rb") as f:
            return _is_project_header(f.read(72))
    except OSError:
        return False


def check_replaceable_by_project(path: Path) -> None:
    """ProjectError when ``path`` exists and is not a latentscape project (nor empty): a
    project saved under that name must not replace a sound, a text or another program's
    database (QA s22 #3: Save As to "tone01.wav" replaced the sound with the project)."""
    try:
        with open(path, "rb") as f:
            head = f.read(72)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ProjectError(f"{path.name}: cannot be replaced ({exc.strerror or exc})") from None
    if head and not _is_project_header(head):
        raise ProjectError(
            f"{path.name}: exists and is not a latentscape project; not replacing it "
            "(choose another name)"
        )


MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema
    """
    CREATE TABLE model (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        path TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        info TEXT NOT NULL
    );
    CREATE TABLE sounds (
        id INTEGER PRIMARY KEY,
        path TEXT,
        content_hash TEXT NOT NULL,
        duration_s REAL NOT NULL,
        folder TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        generated INTEGER NOT NULL DEFAULT 0,
        segment_index INTEGER NOT NULL DEFAULT 0,
        start_s REAL NOT NULL DEFAULT 0,
        meta TEXT NOT NULL DEFAULT '{}',
        added_at REAL NOT NULL
    );
    CREATE INDEX sounds_hash ON sounds (content_hash, segment_index);
    CREATE TABLE latents (
        sound_id INTEGER NOT NULL REFERENCES sounds (id) ON DELETE CASCADE,
        model_hash TEXT NOT NULL,
        frames INTEGER NOT NULL,
        dims INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (sound_id, model_hash)
    );
    CREATE TABLE maps (
        name TEXT PRIMARY KEY,
        model_hash TEXT NOT NULL,
        settings TEXT NOT NULL,
        data BLOB NOT NULL,
        saved_at REAL NOT NULL
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        payload BLOB NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX items_kind ON items (kind, id);
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 1 -> 2: one map per model. Under version 1 the name alone was the key, so mapping with
    # another model replaced the first model's map, and switching back meant mapping again.
    """
    CREATE TABLE maps_per_model (
        name TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        settings TEXT NOT NULL,
        data BLOB NOT NULL,
        saved_at REAL NOT NULL,
        PRIMARY KEY (name, model_hash)
    );
    INSERT INTO maps_per_model SELECT name, model_hash, settings, data, saved_at FROM maps;
    DROP TABLE maps;
    ALTER TABLE maps_per_model RENAME TO maps;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
# Files of this schema or newer read correctly without the later migrations: a read-only one
# (a share, an archive, a colleague's) is opened as it is. Schema 1 keyed maps by name alone;
# its one map per name reads the same through the queries of schema 2.
READABLE_FROM = 1


def _newer(path: Path, version: int) -> ProjectError:
    return ProjectError(
        f"{path.name}: made by a newer latentscape (schema {version}, "
        f"this one reads up to {SCHEMA_VERSION}); update latentscape"
    )


def migrate(
    conn: sqlite3.Connection,
    path: Path,
    create: bool,
    transaction: Callable[[], AbstractContextManager[object]],
) -> None:
    """Bring ``conn``'s schema up to date inside ``transaction()`` (the store's); a blank file
    becomes a project only when ``create`` (opening an empty file the user picked must not
    write into it). ProjectError, with ``conn`` closed, when the file cannot be a project."""
    conn.execute("BEGIN")  # one read transaction: the three as one program last left them
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    if app_id != APPLICATION_ID and (tables or version):
        conn.close()
        raise ProjectError(f"{path.name}: an SQLite file, but not a latentscape project")
    if app_id != APPLICATION_ID and not create:
        conn.close()
        raise ProjectError(f"{path.name}: not a latentscape project (an empty file)")
    if version < 0:
        conn.close()
        raise ProjectError(f"{path.name}: a damaged project (schema version {version})")
    if version > SCHEMA_VERSION:
        conn.close()
        raise _newer(path, version)
    if version == SCHEMA_VERSION:
        return
    try:
        with transaction():
            # read again under the write lock: another program (a second import of the same
            # new project, a newer latentscape) may have made the file since the read above
            done = conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not (done and version >= SCHEMA_VERSION):
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        if version > SCHEMA_VERSION:  # left as it was
            conn.close()
            raise _newer(path, version)
    except sqlite3.OperationalError as exc:
        folder = path.absolute().parent
        if os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK):
            raise  # writable: another trouble, said as it is
        # The file, or its folder (where the rollback journal goes), cannot be written.
        if app_id == APPLICATION_ID and version >= READABLE_FROM:
            return  # an older schema that reads the same: opened as it is, read-only
        conn.close()
        if app_id != APPLICATION_ID:  # a new project in an empty file
            raise ProjectError(
                f"{path.name}: cannot be written ({exc.__cause__ or exc}); choose another place"
            ) from None
        raise ProjectError(
            f"{path.name}: made by an older latentscape and must be upgraded, but "
            "it cannot be written here: copy it somewhere writable"
        ) from None
