"""Saved paths move with their map in the transaction that stores it (app/map_paths.py):
whoever lays the map out again (``latentscape map`` from a shell, the window) never leaves the
project with a map and paths drawn among other sounds."""

from __future__ import annotations

import numpy as np

from latentscape.cli import main
from latentscape.engines.paths import ITEM_KIND, LatentPath, path_from_item, path_to_item
from latentscape.map_paths import LAYOUT_KEY
from latentscape.project_store import ProjectStore


def _across(a: np.ndarray, b: np.ndarray, space: str, name: str) -> LatentPath:
    """A path from map position ``a`` to ``b`` in 9 points."""
    t = np.linspace(0.0, 1.0, 9)
    xy = (a[None] * (1 - t[:, None]) + b[None] * t[:, None]).astype(np.float32)
    return LatentPath(t, xy, np.zeros((9, 4), np.float32), name=name, model_hash=space)


def _put(store, path: LatentPath, layout: int | None) -> int:
    name, payload, meta = path_to_item(path)
    if layout is not None:
        meta[LAYOUT_KEY] = layout
    return store.put_item(ITEM_KIND, name, payload, meta)


def _xy_of(store, item_id: int) -> np.ndarray:
    return path_from_item(store.get_item(item_id)).xy


def test_latentscape_map_moves_the_saved_paths_with_their_sounds(pca_project):
    """A path from one sound to another, saved on the PCA map; ``latentscape map`` lays the
    map out with UMAP: the path now runs between the same two sounds' new places, in one
    commit with the map. Paths of another model's space, and one on a layout that is not
    the saved map's (the window moved it itself), stay where they are."""
    with ProjectStore.open(pca_project) as store:
        pca, space = store.atlas(), store.model().space
        a, b = pca.xy[0], pca.xy[5]
        legacy = _put(store, _across(a, b, space, "legacy"), None)  # saved before layout ids
        stamped = _put(store, _across(b, a, space, "stamped"), pca.layout_id)
        elsewhere = _put(store, _across(a, b, space, "window's"), 12345)
        other = _put(store, _across(a, b, "another-space", "other model's"), None)
        untouched = {i: _xy_of(store, i) for i in (elsewhere, other)}
    assert main(["map", "-p", pca_project, "--method", "umap", "--quiet"]) == 0
    with ProjectStore.open(pca_project) as store:
        umap = store.atlas()
        assert umap.layout_id != pca.layout_id and umap.method == "umap"
        row = {int(s): k for k, s in enumerate(umap.sound_ids)}
        new_a, new_b = umap.xy[row[int(pca.sound_ids[0])]], umap.xy[row[int(pca.sound_ids[5])]]
        assert np.linalg.norm(new_a - a) > 0.05  # the sounds did move
        for item_id, (start, end) in ((legacy, (new_a, new_b)), (stamped, (new_b, new_a))):
            xy = _xy_of(store, item_id)
            np.testing.assert_allclose(xy[0], start, atol=1e-4)
            np.testing.assert_allclose(xy[-1], end, atol=1e-4)
            assert store.get_item(item_id).meta[LAYOUT_KEY] == umap.layout_id
        for item_id, xy in untouched.items():
            np.testing.assert_array_equal(_xy_of(store, item_id), xy)


def test_storing_the_same_layout_again_or_with_sounds_added_moves_nothing(pca_project):
    """A map stored twice, or with sounds added to it (the others stay put), leaves the
    paths alone: a path is moved once per new layout, never twice."""
    with ProjectStore.open(pca_project) as store:
        atlas, space = store.atlas(), store.model().space
        item = _put(store, _across(atlas.xy[0], atlas.xy[1], space, "p"), atlas.layout_id)
        before = _xy_of(store, item)
        assert store.put_atlas(atlas) == 0
        first = atlas.sound_ids[:1]
        grown = atlas.with_added([store.latents(int(first[0]))], [10_000])
        assert grown.layout_id == atlas.layout_id
        assert store.put_atlas(grown) == 0
        np.testing.assert_array_equal(_xy_of(store, item), before)
