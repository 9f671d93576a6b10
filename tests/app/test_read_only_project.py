"""A project that cannot be written (new-user QA H1, M5): said in words that name it and the
way out, refused before long work, and nothing the user made is lost (store, paths, CLI).

The read-only projects lie on a tmpfs mounted read-only (support/read_only.py): root, which
runs these tests, writes any file whatever its mode."""

from __future__ import annotations

import re
import sqlite3

import numpy as np
import pytest

from latentscape.cli import main
from latentscape.engines.paths import ITEM_KIND, LatentPath, trim
from latentscape.paths_library import PathLibrary
from latentscape.project_store import ProjectError, ProjectStore
from latentscape.project_writes import ProjectWriteError
from support.cli_safety import one_error
from support.read_only import read_only_copy

SAVE_AS = "File → Save As… to keep working on a copy"


def _path(name: str, n: int = 5) -> LatentPath:
    t = np.linspace(0.0, 1.0, n)
    xy = np.stack([t, t**2], axis=1).astype(np.float32)
    z = np.stack([np.sin(3 * t + k) for k in range(4)], axis=1).astype(np.float32)
    return LatentPath(t, xy, z, name=name)


def test_paths_made_on_a_read_only_project_stay_listed_and_go_into_its_save_as_copy(tmp_path):
    """SQLite's "attempt to write a readonly database" becomes one line naming the project
    and the cure; a new path, an edit and a deletion stay in the library (a new path was
    lost: the save came before the insert), and Save As to a writable copy writes them."""
    original = tmp_path / "p.lsc"
    with ProjectStore.create(original) as store:
        lib = PathLibrary()
        lib.set_store(store)
        lib.add(_path("Path 1"))
        lib.add(_path("Path 2"))
    with read_only_copy(original, tmp_path / "share") as ro:
        before = ro.read_bytes()
        store = ProjectStore.open(ro)
        try:
            with pytest.raises(ProjectWriteError) as refused:
                store.set_setting("colour_by", "tag")
            assert str(refused.value) == f"p.lsc is read-only: changes cannot be saved; {SAVE_AS}"
            assert isinstance(refused.value, sqlite3.OperationalError)  # still caught as one
            assert store.read_only

            lib = PathLibrary()
            lib.set_store(store)
            one, two = lib.ids()
            new = lib.add(_path("Path 3"))
            assert lib.ids() == [one, two, new] and lib.item_id(new) is None
            assert lib.take_note() == (
                f"Path 3 is in the Paths list but not saved: p.lsc is read-only; {SAVE_AS}"
            )
            assert lib.take_note() == ""  # said once
            lib.edit(one, trim(lib.path(one), 0.25, 0.75), "trim")  # no error: kept here
            lib.delete(two)
            assert lib.unsaved_count() == 3  # the new path, the edit, the deletion
            assert ro.read_bytes() == before

            store.continue_as(tmp_path / "copy.lsc")
            assert not store.read_only
            assert lib.save_unsaved() == 2 and lib.unsaved_count() == 0
        finally:
            store.close()
        assert ro.read_bytes() == before
    with ProjectStore.open(tmp_path / "copy.lsc") as copy:
        assert [i.name for i in copy.items(ITEM_KIND)] == ["Path 1", "Path 3"]
        again = PathLibrary()
        again.set_store(copy)
        assert again.path(again.ids()[0]).duration_s == pytest.approx(0.5)  # the trim


def test_import_into_a_read_only_project_is_refused_before_a_file_is_encoded(
    project, tmp_path, capsys
):
    """``latentscape import`` encoded every file, then saved nothing; now it says so first,
    as ``map`` and ``prior train`` do: one line, exit code 2, no progress bar, project as it
    was. A new project in a read-only folder is named as the folder that cannot be written."""
    sounds = project.parent / "sounds"
    with ProjectStore.open(project) as store:
        model = str(store.resolve(store.model().path))
    with read_only_copy(project, tmp_path / "share") as ro:
        before = ro.read_bytes()
        capsys.readouterr()
        assert main(["import", str(sounds), "-p", str(ro)]) == 2
        line = one_error(capsys, "import")  # a single stderr line: no progress bar was drawn
        assert line == (
            "latentscape import: error: tiny.lsc: cannot be written "
            "(attempt to write a readonly database)"
        )
        assert ro.read_bytes() == before

        new = ro.parent / "new.lsc"
        assert main(["import", str(sounds), "--model", model, "-p", str(new)]) == 2
        assert one_error(capsys, "import") == (
            f"latentscape import: error: {new}: the folder {ro.parent} is not writable"
        )
        assert not new.exists()
        with pytest.raises(ProjectError, match="is not writable"):
            ProjectStore.open(new, create=True)


def test_a_full_disk_is_said_with_the_project_and_what_to_do(full_folder):
    """SQLite's "database or disk is full" named neither the project nor a way out (QA L9)."""
    from support.cli_safety import fill

    path = full_folder / "full.lsc"
    with ProjectStore.create(path) as store:
        fill(full_folder)
        with pytest.raises(ProjectWriteError) as full:
            store.put_item("gallery", "big", bytes(200_000))
        assert re.fullmatch(
            rf"{re.escape(str(path))}: the disk is full \(\d+ (B|KB) free\): "
            r"free some space, or File → Save As… to another disk",
            str(full.value),
        ), str(full.value)
        assert not store.read_only  # full, not read-only: it takes writes once there is room
