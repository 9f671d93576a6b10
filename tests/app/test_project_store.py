"""The project file: round trips, generic items, migrations, and survival of a SIGKILL mid-write."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from latentscape.project_schema import SCHEMA_VERSION
from latentscape.project_store import (
    NewSound,
    ProjectError,
    ProjectStore,
    pack_arrays,
    unpack_arrays,
)


def _traj(seed: int, frames: int = 5, dims: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((frames, dims)).astype(np.float32)


@pytest.fixture
def store(tmp_path):
    s = ProjectStore.create(tmp_path / "p.lsc")
    s.set_model("/models/m.ts", "hash-a", {"sample_rate_hz": 16000, "hop_samples": 64})
    yield s
    s.close()


def test_sounds_and_latents_round_trip_through_reopen(store, tmp_path):
    z0, z1 = _traj(0), _traj(1, frames=7)
    ids = store.add_sounds(
        [
            NewSound("/a/x.wav", "h0", 0.32, z0, folder="/a", tags=("kick",)),
            NewSound("/a/y.wav", "h1", 0.45, z1, folder="/a", segment_index=1, start_s=10.0),
        ]
    )
    gen = store.add_generated_sound(_traj(2, frames=250), name="dream", tags=("gan",))
    store.close()
    with ProjectStore.open(tmp_path / "p.lsc") as again:
        sounds = again.sounds()
        assert [s.id for s in sounds] == [*ids, gen]
        assert sounds[0].tags == ("kick",) and sounds[0].frames == 5
        assert sounds[1].segment_index == 1 and sounds[1].start_s == 10.0
        assert sounds[2].generated and sounds[2].path is None
        assert sounds[2].duration_s == pytest.approx(250 * 64 / 16000)
        np.testing.assert_array_equal(again.latents(ids[1]), z1)
        assert set(again.all_latents()) == {*ids, gen}
        assert again.model().content_hash == "hash-a"
        assert again.schema_version == SCHEMA_VERSION


def test_latents_follow_the_current_model(store):
    (sid,) = store.add_sounds([NewSound("/x.wav", "h", 1.0, _traj(0))])
    store.set_model("/models/other.ts", "hash-b", {})
    assert store.latents(sid) is None and store.sound(sid).frames is None
    store.put_latents(sid, _traj(5, frames=3))
    assert store.sound(sid).frames == 3
    store.set_model("/models/m.ts", "hash-a", {})
    np.testing.assert_array_equal(store.latents(sid), _traj(0))


def test_each_model_keeps_its_own_map(store):
    """Mapping with another model does not replace the first model's map: switching back
    shows it again without mapping anew."""
    from latentscape.project_store import CURRENT_MAP

    store.put_map(CURRENT_MAP, {"xy": np.zeros((2, 2))}, {"method": "umap"})
    store.set_model("/models/other.ts", "hash-b", {})
    assert store.get_map(CURRENT_MAP) is None
    store.put_map(CURRENT_MAP, {"xy": np.ones((3, 2))}, {"method": "pca"})
    store.set_model("/models/m.ts", "hash-a", {})
    arrays, settings = store.get_map(CURRENT_MAP)
    assert arrays["xy"].shape == (2, 2) and settings == {"method": "umap"}
    store.put_map(CURRENT_MAP, {"xy": np.full((4, 2), 2.0)}, {"method": "umap"})  # replaces A's
    store.set_model("/models/other.ts", "hash-b", {})
    assert store.get_map(CURRENT_MAP)[0]["xy"].shape == (3, 2)
    store.set_model("/models/m.ts", "hash-a", {})
    assert store.get_map(CURRENT_MAP)[0]["xy"].shape == (4, 2)


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


def test_a_map_of_an_earlier_models_latents_is_refused(store):
    """The GUI saves its map with the latent space it was made from: when another program
    switched the project's model meanwhile, the map is refused rather than stored as the
    new model's."""
    from latentscape.engines.atlas import Atlas

    ids = store.add_sounds([NewSound(f"/{i}.wav", f"h{i}", 1.0, _traj(i)) for i in range(5)])
    atlas = Atlas.build([store.latents(i) for i in ids], ids, method="pca")
    store.put_atlas(atlas, space="hash-a")
    store.set_model("/models/b.ts", "hash-b", {})
    with pytest.raises(ProjectError, match="its model changed meanwhile"):
        store.put_atlas(atlas, space="hash-a")
    assert store.atlas() is None  # nothing stored as model b's
    store.set_model("/models/m.ts", "hash-a", {})
    assert len(store.atlas()) == 5


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


def test_generic_items_for_other_features(store):
    payload = pack_arrays({"t_s": np.arange(3.0), "latents": _traj(3)})
    a = store.put_item("path", "drag 1", payload, {"loop": True})
    b = store.put_item("gallery", "tile", b"\x00\x01", {})
    store.put_item("path", "drag 2")
    assert [i.name for i in store.items("path")] == ["drag 1", "drag 2"]
    assert store.items("path", with_payload=False)[0].payload == b""
    item = store.get_item(a)
    np.testing.assert_array_equal(unpack_arrays(item.payload)["latents"], _traj(3))
    assert item.meta == {"loop": True}
    store.update_item(a, name="renamed", meta={"loop": False})
    assert store.get_item(a).name == "renamed" and store.get_item(a).payload == payload
    store.delete_item(b)
    with pytest.raises(ProjectError):
        store.get_item(b)
    assert [i.kind for i in store.items()] == ["path", "path"]


def test_transaction_rolls_back_as_a_whole(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.put_item("path", "half")
        store.set_setting("k", 1)
        raise RuntimeError("boom")
    assert store.items() == [] and store.setting("k") is None


def test_calls_from_many_threads(store):
    def work(n: int) -> None:
        for i in range(20):
            store.put_item("prior", f"{n}-{i}", bytes([i]))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.items("prior")) == 80


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


def test_save_as_copies_everything(store, tmp_path):
    store.put_item("gallery", "g", b"abc")
    store.save_as(tmp_path / "copy.lsc")
    with ProjectStore.open(tmp_path / "copy.lsc") as copy:
        assert copy.items("gallery")[0].payload == b"abc"


def test_continue_as_takes_every_later_write_into_the_copy(store, tmp_path):
    """A worker's write that holds the store while Save As waits lands in the copy, and so
    does every write after the switch; the original keeps only what it had."""
    original = store.path
    store.put_item("gallery", "before", b"1")
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:  # e.g. a map save that started just before Save As
        with store.transaction():
            holding.set()
            release.wait(10)
            store.put_item("gallery", "during", b"2")

    writer = threading.Thread(target=worker)
    writer.start()
    holding.wait(10)
    saver = threading.Thread(target=store.continue_as, args=(tmp_path / "copy.lsc",))
    saver.start()
    time.sleep(0.2)  # the copy waits for the worker's transaction (no timing is asserted)
    release.set()
    writer.join(10)
    saver.join(10)
    store.put_item("gallery", "after", b"3")  # e.g. a prior that finished training later
    assert store.path == tmp_path / "copy.lsc"
    with ProjectStore.open(tmp_path / "copy.lsc") as copy:
        assert [i.name for i in copy.items("gallery")] == ["before", "during", "after"]
    with ProjectStore.open(original) as old:
        assert [i.name for i in old.items("gallery")] == ["before", "during"]


def test_save_as_on_a_full_disk_leaves_no_part_and_keeps_the_project(store, full_folder):
    store.put_item("gallery", "big", bytes(200_000))  # more than the 64 kB disk holds
    before = sorted(p.name for p in full_folder.iterdir())
    with pytest.raises(sqlite3.OperationalError, match="full"):
        store.continue_as(full_folder / "copy.lsc")
    assert sorted(p.name for p in full_folder.iterdir()) == before
    store.put_item("gallery", "after", b"1")  # still the original, and writable
    assert store.path.parent != full_folder and len(store.items("gallery")) == 2


_WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from latentscape.project_store import NewSound, ProjectStore
    store = ProjectStore.open(sys.argv[1])
    rng = np.random.default_rng(0)
    i = 0
    while True:
        z = rng.standard_normal((400, 16)).astype(np.float32)  # 25 KB per sound
        with store.transaction():
            store.add_sounds([NewSound(f"/w/{i}-{k}.wav", f"w{i}-{k}", 1.0, z) for k in range(20)])
            store.put_item("path", f"batch {i}", z.tobytes())
        i += 1
        print(i, flush=True)
    """
)


def test_sigkill_mid_write_keeps_the_file_intact(tmp_path):
    path = tmp_path / "killed.lsc"
    with ProjectStore.create(path) as s:
        s.set_model("/m.ts", "hm", {})
        (kept,) = s.add_sounds([NewSound("/keep.wav", "keep", 2.0, _traj(9))])
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    committed = 0
    for line in proc.stdout:  # let it commit a few batches, then kill it inside a write
        committed = int(line)
        if committed >= 5:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with ProjectStore.open(path) as s:
        np.testing.assert_array_equal(s.latents(kept), _traj(9))
        batches = len(s.items("path"))
        assert batches >= committed
        # whole transactions only: 20 sounds per committed batch, never a partial batch
        assert len(s.sounds()) == 1 + 20 * batches


def test_paths_inside_the_project_folder_are_relative_and_survive_save_as(tmp_path):
    home = tmp_path / "home"
    (home / "sounds").mkdir(parents=True)
    with ProjectStore.create(home / "p.lsc") as s:
        s.set_model(s.relative(home / "model.ts"), "hm", {})
        outside = s.relative(tmp_path / "elsewhere" / "y.wav")
        s.add_sounds(
            [
                NewSound(s.relative(home / "sounds" / "x.wav"), "hx", 1.0, folder="sounds"),
                NewSound(outside, "hy", 1.0),
            ]
        )
        assert s.model().path == "model.ts" and outside == str(tmp_path / "elsewhere" / "y.wav")
        (tmp_path / "copy").mkdir()
        s.save_as(tmp_path / "copy" / "c.lsc")
        s.save_as(home / "same.lsc")
    with ProjectStore.open(tmp_path / "copy" / "c.lsc") as c:
        x, y = c.sounds()
        assert c.resolve(x.path) == home / "sounds" / "x.wav"
        assert c.resolve(y.path) == tmp_path / "elsewhere" / "y.wav"
        assert c.resolve(c.model().path) == home / "model.ts"
    with ProjectStore.open(home / "same.lsc") as same:
        assert same.sounds()[0].path == "sounds/x.wav"  # same folder: still relative


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
