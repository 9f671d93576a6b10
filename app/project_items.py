"""Generic items of a project (latent paths, priors, gallery tiles, …): a mixin of the store.

Other features keep their data here without touching the schema: a ``kind``, a ``name``, an
opaque ``payload`` (use :func:`~latentscape.project_records.pack_arrays` for arrays) and JSON
``meta``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from latentscape.project_records import Item, StorePart


class ItemsMixin(StorePart):
    """Items API of :class:`~latentscape.project_store.ProjectStore` (same locking rules)."""

    # -- items ---------------------------------------------------------------------------------
    def put_item(
        self, kind: str, name: str, payload: bytes = b"", meta: dict[str, Any] | None = None
    ) -> int:
        now = time.time()
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO items (kind, name, payload, meta, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (kind, name, sqlite3.Binary(bytes(payload)), json.dumps(meta or {}), now, now),
            )
            return int(cur.lastrowid)

    def update_item(
        self,
        item_id: int,
        *,
        name: str | None = None,
        payload: bytes | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        with self.transaction() as c:
            old = self.get_item(item_id)
            c.execute(
                "UPDATE items SET name = ?, payload = ?, meta = ?, updated_at = ? WHERE id = ?",
                (
                    old.name if name is None else name,
                    sqlite3.Binary(old.payload if payload is None else bytes(payload)),
                    json.dumps(old.meta if meta is None else meta),
                    time.time(),
                    int(item_id),
                ),
            )

    @staticmethod
    def _item(row: Sequence[Any]) -> Item:
        return Item(row[0], row[1], row[2], bytes(row[3]), json.loads(row[4]), row[5], row[6])

    def items(self, kind: str | None = None, *, with_payload: bool = True) -> list[Item]:
        payload = "payload" if with_payload else "X''"
        sql = f"SELECT id, kind, name, {payload}, meta, created_at, updated_at FROM items"
        with self._lock:
            if kind is None:
                rows = self._conn.execute(sql + " ORDER BY id").fetchall()
            else:
                rows = self._conn.execute(sql + " WHERE kind = ? ORDER BY id", (kind,)).fetchall()
        return [self._item(r) for r in rows]

    def get_item(self, item_id: int) -> Item:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, kind, name, payload, meta, created_at, updated_at FROM items "
                "WHERE id = ?",
                (int(item_id),),
            ).fetchone()
        if row is None:
            raise self._error(f"no item with id {item_id} in {self._path.name}")
        return self._item(row)

    def delete_item(self, item_id: int) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM items WHERE id = ?", (int(item_id),))

    @staticmethod
    def _error(message: str) -> Exception:
        from latentscape.project_store import ProjectError

        return ProjectError(message)
