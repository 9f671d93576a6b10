"""PathLibrary (Qt-free): paths saved in a real project store, undo across edits and deletes."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.paths import (
    ITEM_KIND,
    LatentPath,
    PathError,
    path_from_item,
    reverse,
    trim,
)
from latentscape.paths_library import PathLibrary
from latentscape.project_store import ProjectStore


def _path(name: str = "Path 1", n: int = 5) -> LatentPath:
    t = np.linspace(0.0, 1.0, n)
    xy = np.stack([t, t**2], axis=1).astype(np.float32)
    z = np.stack([np.sin(3 * t + k) for k in range(4)], axis=1).astype(np.float32)
    return LatentPath(t, xy, z, name=name)


@pytest.fixture
def store(tmp_path):
    with ProjectStore.create(tmp_path / "p.lsc") as s:
        yield s


def test_a_path_recorded_before_any_project_moves_into_the_next_one(store):
    lib = PathLibrary()
    pid = lib.add(_path())
    assert lib.item_id(pid) is None and lib.next_name() == "Path 2"
    lib.set_store(store)
    assert [i.name for i in store.items(ITEM_KIND)] == ["Path 1"]
    assert lib.path(lib.ids()[0]).equals(_path())


def test_edits_renames_and_deletes_undo_in_order_and_are_saved(store):
    lib = PathLibrary()
    lib.set_store(store)
    a, b = lib.add(_path("Path 1")), lib.add(_path("Path 2", 7))
    lib.edit(a, trim(lib.path(a), 0.25, 0.75), "trim")
    lib.rename(b, "sweep")
    lib.delete(a)
    lib.edit(b, reverse(lib.path(b)), "reverse")
    assert [i.name for i in store.items(ITEM_KIND)] == ["sweep"]
    assert lib.undo() == b and lib.path(b).equals(_path("sweep", 7))
    assert lib.undo() == a and lib.ids() == [a, b]  # back in its place, saved again
    assert lib.path(a).duration_s == pytest.approx(0.5)
    assert lib.undo() == b and lib.path(b).name == "Path 2"
    assert lib.undo() == a and lib.path(a).equals(_path("Path 1"))
    assert lib.undo() is None and not lib.can_undo
    reopened = PathLibrary()
    reopened.set_store(store)
    assert [p for _, p, _ in reopened.rows()] == ["Path 1", "Path 2"]
    with pytest.raises(PathError, match="needs a name"):
        lib.rename(a, "  ")


def test_undone_edits_and_deletes_are_made_again_in_order_until_a_new_edit(store):
    """QA s22: Ctrl+Z had no Ctrl+Shift+Z: an edit undone by mistake was lost."""
    lib = PathLibrary()
    lib.set_store(store)
    a, b = lib.add(_path("Path 1")), lib.add(_path("Path 2", 7))
    lib.edit(a, trim(lib.path(a), 0.25, 0.75), "trim")
    lib.delete(b)
    lib.edit(a, reverse(lib.path(a)), "reverse")
    done = lib.path(a)
    assert [lib.undo(), lib.undo(), lib.undo()] == [a, b, a] and not lib.can_undo
    assert lib.can_redo and lib.path(a).equals(_path("Path 1")) and lib.ids() == [a, b]
    assert lib.redo() == a and lib.path(a).duration_s == pytest.approx(0.5)
    assert lib.redo() == b and lib.ids() == [a]  # deleted again, and in the project
    assert [i.name for i in store.items(ITEM_KIND)] == ["Path 1"]
    assert lib.redo() == a and lib.path(a).equals(done) and not lib.can_redo
    assert path_from_item(store.items(ITEM_KIND)[0]).equals(done)  # saved as made again
    assert lib.undo() == a and lib.undo() == b and lib.can_redo  # b listed again
    lib.edit(b, reverse(lib.path(b)), "reverse")  # a new edit forgets what was undone
    assert not lib.can_redo and lib.redo() is None
    assert lib.undo() == b and lib.path(b).equals(_path("Path 2", 7))
    assert lib.undo() == a and lib.path(a).equals(_path("Path 1")) and lib.ids() == [a, b]


def test_redo_keeps_its_order_past_the_oldest_edit_a_path_remembers(store):
    """Review s22: a path remembers its last 100 edits; an undo past them changed nothing
    but was queued for redo, so Redo made the wrong path's edit first."""
    lib = PathLibrary()
    lib.set_store(store)
    a, b = lib.add(_path("Path 1")), lib.add(_path("Path 2"))
    lib.rename(a, "take 0")
    lib.edit(b, reverse(lib.path(b)), "reverse")
    for k in range(1, 101):  # a's first rename is forgotten past these
        lib.rename(a, f"take {k}")
    while lib.can_undo:
        lib.undo()
    assert lib.path(a).name == "take 0" and lib.path(b).equals(_path("Path 2"))
    assert lib.redo() == b and lib.path(b).equals(reverse(_path("Path 2")))
    assert lib.redo() == a and lib.path(a).name == "take 1"


def test_a_damaged_stored_path_is_reported_and_the_others_load(store):
    store.put_item(ITEM_KIND, "broken", b"{ not json", {})
    lib = PathLibrary()
    lib.set_store(store)
    lib.add(_path())
    again = PathLibrary()
    again.set_store(store)
    assert [name for _, name, _ in again.rows()] == ["Path 1"]
    assert len(again.load_errors) == 1 and "broken" in again.load_errors[0]
    assert [i.name for i in store.items(ITEM_KIND)] == ["broken", "Path 1"]  # nothing lost


def test_paths_moved_to_a_new_layout_are_saved_once_that_map_is_stored(store):
    """A re-layout moves the paths in memory at once, but saves them only when the map of that
    layout is stored (a kill in between leaves the saved paths on the saved map); a new path
    is stamped with the layout it was drawn on."""
    from latentscape.map_paths import LAYOUT_KEY

    layout = [11]
    lib = PathLibrary(lambda: layout[0])
    lib.set_store(store)
    pid = lib.add(_path())
    (item,) = store.items(ITEM_KIND)
    assert item.meta[LAYOUT_KEY] == 11
    lib.relocate(lambda xy: xy + 0.25, space="", layout=22)
    np.testing.assert_allclose(lib.path(pid).xy, _path().xy + 0.25)
    saved = lambda: path_from_item(store.items(ITEM_KIND)[0])  # noqa: E731
    lib.save_moved(33)  # another layout's map: not this one
    assert saved().equals(_path()) and store.items(ITEM_KIND)[0].meta[LAYOUT_KEY] == 11
    lib.save_moved(22)
    np.testing.assert_allclose(saved().xy, _path().xy + 0.25)
    assert store.items(ITEM_KIND)[0].meta[LAYOUT_KEY] == 22
    again = PathLibrary()
    again.set_store(store)
    again.rename(again.ids()[0], "kept")  # a reopened path keeps its layout when saved
    assert store.items(ITEM_KIND)[0].meta[LAYOUT_KEY] == 22


def test_a_recovered_take_counts_for_the_next_paths_name(store):
    lib = PathLibrary()
    lib.set_store(store)
    lib.add(_path("Path 3 (recovered)"))
    assert lib.next_name() == "Path 4"
