"""Opening project files: older schemas migrated, files another program made meanwhile, bad
and damaged files, names without room for a journal, and where a relative model path points."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from latentscape.project_schema import SCHEMA_VERSION
from latentscape.project_store import NewSound, ProjectError, ProjectStore, pack_arrays


def _version_1_project(path) -> None:
    """A schema-1 project file with a model and a map of 3 points."""
    from latentscape.project_schema import APPLICATION_ID, MIGRATIONS
    from latentscape.project_store import CURRENT_MAP

    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO model VALUES (1, '/m.ts', 'hash-a', '{}')")
    blob = pack_arrays({"xy": np.arange(6.0).reshape(3, 2)})
    conn.execute("INSERT INTO maps VALUES (?, 'hash-a', '{}', ?, 0)", (CURRENT_MAP, blob))
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()


def test_a_version_1_project_migrates_with_its_map(tmp_path):
    """Version 1 keyed maps by name alone; its map survives the migration to one map per
    model, and so does everything else."""
    from latentscape.project_store import CURRENT_MAP

    path = tmp_path / "v1.lsc"
    _version_1_project(path)
    with ProjectStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        np.testing.assert_array_equal(
            store.get_map(CURRENT_MAP)[0]["xy"], np.arange(6.0).reshape(3, 2)
        )
        store.set_model("/other.ts", "hash-b", {})
        store.put_map(CURRENT_MAP, {"xy": np.zeros((1, 2))}, {})
        store.set_model("/m.ts", "hash-a", {})
        assert store.get_map(CURRENT_MAP)[0]["xy"].shape == (3, 2)


def test_a_read_only_version_1_project_opens_as_it_is(tmp_path):
    """A schema-1 project the user cannot write (a share, a colleague's) opens and reads its
    map without being upgraded; it used to fail to open at all."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from support.permissions import as_nobody

    folder = Path(tempfile.mkdtemp(prefix="ls-ro1-"))  # pytest's folders are root's alone
    try:
        os.chmod(folder, 0o755)
        path = folder / "old.lsc"
        _version_1_project(path)
        os.chmod(path, 0o644)
        before = path.read_bytes()

        def read() -> str:
            try:
                with ProjectStore.open(path) as store:
                    arrays, _ = store.get_map("current")
                    return f"schema {store.schema_version}, {len(arrays['xy'])} points"
            except Exception as exc:
                return str(exc)

        assert as_nobody(read) == "schema 1, 3 points"
        assert path.read_bytes() == before
        os.chown(path, 65534, 65534)  # the user's own file, in a folder they cannot write
        assert as_nobody(read) == "schema 1, 3 points"  # (no room for the journal)
        empty = folder / "new.lsc"
        empty.touch()

        def create() -> str:
            try:
                ProjectStore.open(empty, create=True).close()
            except Exception as exc:
                return str(exc)
            return "created"

        assert as_nobody(create).startswith("new.lsc: cannot be written (")
    finally:
        shutil.rmtree(folder)


def test_two_programs_creating_one_new_project_at_once_both_open_it(tmp_path):
    """Two imports into the same new project started together (a script): the second must find
    the schema the first made, not run the migrations again ("table model already exists")."""
    failures = []
    for trial in range(12):
        path = tmp_path / f"new{trial}.lsc"
        barrier = threading.Barrier(2)

        def open_it(path=path, barrier=barrier) -> None:
            barrier.wait()
            try:
                ProjectStore.open(path, create=True).close()
            except ProjectError as exc:
                failures.append(str(exc))

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_a_newer_program_that_made_the_project_meanwhile_keeps_its_schema(tmp_path):
    """Between migrate's first look and its write lock, a newer latentscape makes the file:
    its schema version must not be written back down (it would then take its own file for an
    old one), and this one says it is too old."""
    import contextlib

    from latentscape.project_schema import APPLICATION_ID, migrate

    path = tmp_path / "new.lsc"
    conn = sqlite3.connect(path, isolation_level=None)

    @contextlib.contextmanager
    def transaction():
        newer = sqlite3.connect(path, isolation_level=None)  # before this one takes the lock
        newer.execute("CREATE TABLE newer_stuff (x)")
        newer.execute(f"PRAGMA application_id={APPLICATION_ID}")
        newer.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
        newer.close()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    with pytest.raises(ProjectError, match="made by a newer latentscape"):
        migrate(conn, path, True, transaction)
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
    assert tables == {"newer_stuff"}


def test_a_negative_schema_version_is_called_damaged(tmp_path):
    path = tmp_path / "odd.lsc"
    ProjectStore.create(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=-1")
    with pytest.raises(ProjectError, match="a damaged project"):
        ProjectStore.open(path)


def test_bad_files_give_one_line_errors(tmp_path):
    with pytest.raises(ProjectError, match="no such project"):
        ProjectStore.open(tmp_path / "missing.lsc")
    text = tmp_path / "notes.lsc"
    text.write_text("hello, not a database " * 100)
    with pytest.raises(ProjectError, match="not a latentscape project"):
        ProjectStore.open(text)
    other = tmp_path / "other.lsc"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(ProjectError, match="not a latentscape project"):
        ProjectStore.open(other)
    empty = tmp_path / "empty.lsc"
    empty.touch()
    with pytest.raises(ProjectError, match=r"empty\.lsc: not a latentscape project"):
        ProjectStore.open(empty)
    assert empty.stat().st_size == 0  # opening never writes into a file it refuses
    ProjectStore.open(empty, create=True).close()  # asked to create one: it becomes a project
    ProjectStore.open(empty).close()
    ProjectStore.create(tmp_path / "new.lsc").close()
    with pytest.raises(ProjectError, match="already exists"):
        ProjectStore.create(tmp_path / "new.lsc")
    conn = sqlite3.connect(tmp_path / "new.lsc")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectError, match="newer latentscape"):
        ProjectStore.open(tmp_path / "new.lsc")


def test_damage_found_only_when_reading_names_the_file(tmp_path):
    """SQLite opens a file with damaged data pages; the read that meets them must still give
    the one-line project error, with the file's name."""
    from latentscape.project_session import open_project

    path = tmp_path / "damaged.lsc"
    rng = np.random.default_rng(0)
    with ProjectStore.create(path) as store:
        store.set_model("/m.ts", "h", {})
        store.add_sounds(
            [
                NewSound(f"/c/s{i}.wav", f"h{i}", 1.0, rng.random((50, 8), dtype=np.float32))
                for i in range(60)
            ]
        )
    data, page = bytearray(path.read_bytes()), 4096
    for k in range(3, len(data) // page - 1, 2):
        data[k * page + 50 : k * page + 400] = rng.integers(0, 256, 350, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match=r"damaged\.lsc: the project file is damaged"):
        open_project(path)


def test_a_relative_model_path_is_found_from_the_project_not_the_working_directory(
    tmp_path, monkeypatch
):
    from latentscape.project_session import resolve_model_path

    project = tmp_path / "moved" / "p.lsc"
    project.parent.mkdir()
    decoy = tmp_path / "cwd" / "models" / "m.ts"  # what the working directory happens to hold
    decoy.parent.mkdir(parents=True)
    decoy.write_bytes(b"someone else's model")
    monkeypatch.chdir(tmp_path / "cwd")
    recorded = tmp_path / "elsewhere" / "m.ts"  # where the model was when it was imported
    assert resolve_model_path("models/m.ts", project) == str(project.parent / "models" / "m.ts")
    recorded.parent.mkdir()
    recorded.write_bytes(b"the model")
    assert resolve_model_path("models/m.ts", project, str(recorded)) == str(recorded)
    beside = project.parent / "models" / "m.ts"
    beside.parent.mkdir()
    beside.write_bytes(b"the model, moved with the project")
    assert resolve_model_path("models/m.ts", project, str(recorded)) == str(beside)


def test_a_project_name_without_room_for_its_journal_is_refused_in_words(tmp_path):
    from latentscape.project_records import PROJECT_NAME_MAX

    too_long = tmp_path / ("p" * (PROJECT_NAME_MAX - 3) + ".lsc")
    with pytest.raises(ProjectError, match=r"a project's name may have at most 239 bytes"):
        ProjectStore.create(too_long)
    too_long.write_bytes(b"the user's")  # refused before anything there is replaced
    with pytest.raises(ProjectError, match=r"a project's name may have at most 239 bytes"):
        ProjectStore.create(too_long, overwrite=True)
    assert too_long.read_bytes() == b"the user's"
    longest = tmp_path / ("p" * (PROJECT_NAME_MAX - 4) + ".lsc")
    with ProjectStore.create(longest) as store:
        store.set_setting("k", "v")  # a write: the journal beside it has room
        copy = tmp_path / ("c" * (PROJECT_NAME_MAX - 4) + ".lsc")
        store.save_as(copy)
    assert copy.is_file()
