"""Maps of a project (2D layout, inverse map, density), one per name and model: a mixin of
the store. A map belongs to the model whose latents it lays out, so switching the project's
model and back finds the first model's map again (schema 2)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from latentscape.project_records import (
    ProjectError,
    StorePart,
    pack_arrays,
    unpack_arrays,
)

if TYPE_CHECKING:
    from latentscape.engines.atlas import Atlas

CURRENT_MAP = "current"


class MapsMixin(StorePart):
    """Maps API of :class:`~latentscape.project_store.ProjectStore` (same locking rules)."""

    def put_map(self, name: str, arrays: dict[str, np.ndarray], settings: dict[str, Any]) -> None:
        """Store a map under ``name`` for the current model (replacing that model's only)."""
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO maps VALUES (?, ?, ?, ?, ?)",
                (name, self._model_hash(), json.dumps(settings), pack_arrays(arrays), time.time()),
            )

    def get_map(
        self, name: str, model_hash: str | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """The map saved under ``name`` for the current model (or the model with the content
        hash ``model_hash``): (arrays, settings), or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT settings, data FROM maps WHERE name = ? AND model_hash = ?",
                (name, model_hash or self._model_hash()),
            ).fetchone()
        return None if row is None else (unpack_arrays(row[1]), json.loads(row[0]))

    def put_atlas(self, atlas: Atlas, space: str | None = None) -> int:
        """Store ``atlas`` as the current model's map; with ``space`` (the latent space its
        latents came from), a ProjectError instead when the project's model has another one
        now (another program switched it meanwhile). The paths saved on the map it replaces
        move with it, in the same transaction (:mod:`~latentscape.map_paths`); returns how
        many moved."""
        from latentscape.map_paths import move_saved_paths

        with self.transaction():
            if space is not None:
                self.check_space(space, "this map of the earlier model's latents was not saved")
            model = self.model()
            moved = 0 if model is None else move_saved_paths(self, atlas, model)
            self.put_map(CURRENT_MAP, atlas.to_arrays(), {"method": atlas.method})
            return moved

    def check_space(self, space: str, lost: str) -> None:
        """ProjectError saying ``lost`` unless the project's model still has latent space
        ``space`` (another program may have switched it since a map or an import began). Call
        it inside the transaction that writes what depends on it."""
        model = self.model()
        if model is None or model.space != space:
            raise ProjectError(
                f"{self._path.name}: its model changed meanwhile (in another program?); {lost}"
            )

    def atlas(self, model_hash: str | None = None) -> Atlas | None:
        """The current model's map (or ``model_hash``'s) as an Atlas, or None."""
        from latentscape.engines.atlas import Atlas

        saved = self.get_map(CURRENT_MAP, model_hash)
        return None if saved is None else Atlas.from_arrays(saved[0])
