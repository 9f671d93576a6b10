"""The project file: round trips, generic items, copies, and survival of a SIGKILL mid-write.

Opening, migrations and bad files: tests/app/test_project_opening.py."""

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
