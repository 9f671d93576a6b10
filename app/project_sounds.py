"""Sounds of a project and their latents: a mixin of the store.

A sound is a file (or a part of one: ``segment_index``, ``start_s``) or, when ``generated``, a
latent trajectory with no file. Its latents are stored per model content hash; every read here
answers for the project's current model unless given another ``model_hash``. Latents are
``[frames, latent_size]`` float32.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from latentscape.project_records import (
    NewSound,
    ProjectError,
    Sound,
    StorePart,
    _blob_latents,
    _latent_blob,
)


def latent_hash(latents: np.ndarray) -> str:
    """The content hash of a generated sound: its float32 latents, hashed."""
    z = np.ascontiguousarray(latents, dtype=np.float32)
    return "latent:" + hashlib.sha256(z.tobytes()).hexdigest()


class SoundsMixin(StorePart):
    """Sounds API of :class:`~latentscape.project_store.ProjectStore` (same locking rules)."""

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
