"""Paths and takes are never lost nor misplaced by what the project could not write or did not
store yet (review s19 R1, R4): Qt-free, on real project files.

- A path a read-only project kept unsaved belongs to it: it is never written into the next
  project opened (only a path recorded with no project open moves into the next one).
- A take item follows its map when the map is laid out again, like a path item.
- What is written while the window shows a layout not stored yet (a UMAP refine whose map is
  still being saved, an import's preview) is written on the stored layout: a crash before
  that map is stored leaves nothing drawn on a map the project never got.
"""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.cli import main
from latentscape.engines.atlas.atlas import Atlas
from latentscape.engines.paths import ITEM_KIND, LatentPath, path_from_item
from latentscape.engines.paths.relayout import LayoutMove
from latentscape.map_paths import LAYOUT_KEY
from latentscape.paths_library import PathLibrary
from latentscape.project_records import unpack_arrays
from latentscape.project_store import ProjectStore
from latentscape.project_writes import probe
from latentscape.take_items import TAKE_KIND, new_owner, recover_takes, take_item
from support.read_only import read_only_copy


def _through(points: np.ndarray, space: str = "", name: str = "Path 1") -> LatentPath:
    """A path through map positions ``points`` [n, 2], one a second."""
    n = len(points)
    z = np.stack([np.sin(np.arange(n) + k) for k in range(4)], axis=1).astype(np.float32)
    t = np.arange(n, dtype=np.float64)
    return LatentPath(t, np.asarray(points, np.float32), z, name=name, model_hash=space)


def _put_take(store, path: LatentPath, layout: int, ahead=None) -> int:
    payload, meta = take_item(path, layout, new_owner(), ahead)
    return store.put_item(TAKE_KIND, "take in progress", payload, meta)


def test_a_path_a_read_only_project_kept_unsaved_never_goes_into_the_next_project(tmp_path):
    """R1: set_store carried every unsaved path into the next store, with the old map's
    layout stamp and positions: opening project B saved A's path into B."""
    original = tmp_path / "a.lsc"
    ProjectStore.create(original).close()
    with read_only_copy(original, tmp_path / "share") as ro:
        a = probe(ProjectStore.open(ro))
        assert a.read_only
        lib = PathLibrary(lambda: 111)  # A's map layout
        lib.set_store(a)
        lib.add(_through(np.eye(2)))
        assert lib.unsaved_count() == 1 and lib.unsaved_names() == ["Path 1"]
        with ProjectStore.create(tmp_path / "b.lsc") as b:
            lib.set_store(b)  # the user opened B (the window asked first: see the GUI test)
            assert b.items(ITEM_KIND) == [] and lib.ids() == [] and lib.unsaved_count() == 0
            before = PathLibrary()  # one recorded with no project open does move in
            before.add(_through(np.eye(2), name="early"))
            before.set_store(b)
            assert [i.name for i in b.items(ITEM_KIND)] == ["early"]
        a.close()


def test_a_take_on_the_replaced_map_moves_with_it(pca_project):
    """R4: ``latentscape map`` moved the path items saved on the replaced map, not the take
    items: a take left by a crash was recovered among other sounds."""
    with ProjectStore.open(pca_project) as store:
        pca, space = store.atlas(), store.model().space
        on_map = _put_take(store, _through(pca.xy[[0, 3, 5]], space), pca.layout_id)
        elsewhere = _put_take(store, _through(pca.xy[[0, 5]], space), 12345)
        kept = unpack_arrays(store.get_item(elsewhere).payload)["xy"]
    assert main(["map", "-p", pca_project, "--method", "umap", "--quiet"]) == 0
    with ProjectStore.open(pca_project) as store:
        umap = store.atlas()
        row = {int(s): k for k, s in enumerate(umap.sound_ids)}
        now = umap.xy[[row[int(pca.sound_ids[k])] for k in (0, 3, 5)]]
        assert np.linalg.norm(now - pca.xy[[0, 3, 5]]) > 0.05  # the sounds did move
        item = store.get_item(on_map)
        assert item.meta[LAYOUT_KEY] == umap.layout_id
        np.testing.assert_allclose(unpack_arrays(item.payload)["xy"], now, atol=1e-4)
        left = store.get_item(elsewhere)  # the window's own layout: it writes it itself
        np.testing.assert_array_equal(unpack_arrays(left.payload)["xy"], kept)
        assert left.meta[LAYOUT_KEY] == 12345
        names, errors = recover_takes(store)
        assert errors == [] and len(names) == 2
        recovered = next(i for i in store.items(ITEM_KIND) if i.meta[LAYOUT_KEY] == umap.layout_id)
        np.testing.assert_allclose(path_from_item(recovered).xy, now, atol=1e-4)


@pytest.mark.parametrize("stored", ["never", "after the write", "before the write"])
def test_a_take_written_ahead_of_its_map_lands_on_whichever_map_the_project_holds(
    pca_project, stored
):
    """R4: the take autosave stamped the take with the layout shown, which the project may
    never get (the app dies before the map's save lands): recovered there for good. Now it
    is written on the stored layout, with its positions on the shown one as well."""
    with ProjectStore.open(pca_project) as store:
        pca, space = store.atlas(), store.model().space
        arrays = pca.to_arrays()
        arrays["xy"] = (1.0 - pca.xy[:, ::-1]).astype(np.float32)  # laid out anew, mirrored
        arrays["layout"] = np.array(pca.layout_id + 1, np.int64)
        shown = Atlas.from_arrays(arrays)
        on_stored, on_shown = pca.xy[[1, 4, 6]], shown.xy[[1, 4, 6]]
        if stored == "before the write":  # the map's save landed while the take was packed
            store.put_atlas(shown)
        take = _put_take(
            store, _through(on_stored, space), pca.layout_id, (shown.layout_id, on_shown)
        )
        if stored == "after the write":
            store.put_atlas(shown)
            item = store.get_item(take)  # moved with the map: its own positions on it
            assert item.meta[LAYOUT_KEY] == shown.layout_id and "ahead" not in item.meta
            np.testing.assert_array_equal(unpack_arrays(item.payload)["xy"], on_shown)
        assert recover_takes(store) == (["Path 1 (recovered)"], [])
        (item,) = store.items(ITEM_KIND)
        want = (pca, on_stored) if stored == "never" else (shown, on_shown)
        assert item.meta[LAYOUT_KEY] == want[0].layout_id == store.atlas().layout_id
        np.testing.assert_allclose(path_from_item(item).xy, want[1], atol=1e-6)


def test_paths_saved_while_the_shown_map_is_not_stored_are_saved_on_the_stored_one(tmp_path):
    """R4: a rename (or Loop/Speed, an edit, an undo) of a path moved onto a new layout saved
    it stamped with that layout before its map was stored, as did a path recorded then."""
    rng = np.random.default_rng(3)
    old_xy = rng.uniform(0, 1, (20, 2)).astype(np.float32)
    new_xy = (1.0 - old_xy[:, ::-1]).astype(np.float32)
    shown = [11]
    with ProjectStore.create(tmp_path / "p.lsc") as store:
        lib = PathLibrary(lambda: shown[0])
        lib.set_store(store)  # the map shown is the stored one: layout 11
        first = lib.add(_through(old_xy[[0, 7, 3]]))
        shown[0] = 22  # laid out again in memory; its map is being saved on a worker
        lib.layouts.moved(old_xy, new_xy)
        lib.relocate(LayoutMove(old_xy, new_xy), "", 22)
        lib.rename(first, "swell")
        second = lib.add(_through(new_xy[[5, 9]], name="Path 2"))  # recorded on the new map

        def saved(name: str):
            item = next(i for i in store.items(ITEM_KIND) if i.name == name)
            return item.meta[LAYOUT_KEY], path_from_item(item).xy

        for name, on_old in (("swell", old_xy[[0, 7, 3]]), ("Path 2", old_xy[[5, 9]])):
            layout, xy = saved(name)  # a crash now leaves them right on the stored map
            assert layout == 11, name
            np.testing.assert_allclose(xy, on_old, atol=1e-5)

        lib.save_moved(22)  # the map of layout 22 is stored: saved as drawn on it
        for name, pid in (("swell", first), ("Path 2", second)):
            layout, xy = saved(name)
            assert layout == 22, name
            np.testing.assert_array_equal(xy, lib.path(pid).xy)
        lib.rename(first, "swell 2")  # not moved any more: saved as it is
        assert saved("swell 2")[0] == 22
