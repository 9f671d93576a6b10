"""Storing a map that was computed while sounds kept arriving (Qt-free; any one thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from latentscape.project_store import ProjectError, ProjectStore

if TYPE_CHECKING:
    from latentscape.engines.atlas import Atlas


def put_atlas_with_arrivals(store: ProjectStore, atlas: Atlas, model_hash: str) -> int:
    """Store ``atlas`` (made from the latents of model ``model_hash``) in ``store`` with every
    sound that has latents but no place on it added (``Atlas.with_added``: the others stay
    put); returns how many were added.

    Sounds an import stored while the map was computed (another process) would otherwise be
    left off it. The placing runs outside the write lock (a UMAP transform takes seconds); the
    final check and the write are one transaction. An import that gave the project another
    model meanwhile makes it a ProjectError (the map is of the old one).
    """
    placed = 0
    while True:
        with store.transaction():
            model = store.model()
            if model is None or model.content_hash != model_hash:
                raise ProjectError(
                    f"{store.path.name}: the project's model changed while the map was made; "
                    "make the map again"
                )
            known = set(atlas.sound_ids.tolist())
            ids = [i for i in store.latent_ids() if i not in known]
            if not ids:
                store.put_atlas(atlas)
                return placed
        atlas = atlas.with_added([store.latents(i) for i in ids], ids)
        placed += len(ids)
