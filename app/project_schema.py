"""Schema of the ``.lsc`` project file and its migrations.

``PRAGMA user_version`` holds the schema version; ``PRAGMA application_id`` marks the file as a
latentscape project. Migration ``n`` takes a file from version ``n`` to ``n + 1``; each runs in
the same transaction as the version bump, so a crash mid-migration leaves the old version.
"""

from __future__ import annotations

APPLICATION_ID = 0x4C534350  # "LSCP"

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
