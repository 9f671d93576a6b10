"""Paths and takes in the window are never lost to what the project cannot write, nor stored
on a map the project does not hold (review s19 R1, R2, R4; QA s19 Q2-10, Q2-12).

Everything is real: the window with the paths controller, the tiny project and model, a
project on a read-only mount or on a tiny full disk (root mounts them: support/read_only.py,
support/cli_safety.py), a UMAP refine whose map is held from being stored by workers busy
with other jobs.
"""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np

from latentscape.engines.paths import ITEM_KIND
from latentscape.paths_controller import attach_paths
from latentscape.project_records import unpack_arrays
from latentscape.project_store import ProjectStore
from latentscape.take_autosave import AUTOSAVE_MS, TAKE_KIND
from support.app_window import LEFT, wait_ready
from support.cli_safety import small_disk
from support.paths_gui import drag, record_drag
from support.read_only import read_only_copy

SAVE_AS = "File → Save As… to keep working on a copy"


def _fill_up(folder) -> None:
    """Fill ``folder``'s disk to the last block (unbuffered: each write is one call)."""
    with open(folder / "filler", "wb", buffering=0) as f:
        for chunk in (1 << 20, 4096, 512):
            try:
                while f.write(bytes(chunk)):
                    pass
            except OSError:
                pass


def test_leaving_a_read_only_project_with_a_path_kept_unsaved_asks_and_never_moves_it(
    window, qtbot, tiny_project, tmp_path
):
    """R1: closing the window lost the path without a word, and opening another project
    saved it into that one, drawn among its sounds. Q2-12: the banner went on naming the
    path as recorded after a rename, and Save As said the path was "kept unsaved"."""
    c, banner = window.controller, window.banner
    c.sync.auto_refine = False
    other = tmp_path / "other.lsc"
    shutil.copyfile(tiny_project, other)
    with read_only_copy(tiny_project, tmp_path / "share") as ro:
        with qtbot.waitSignal(c.projectOpened, timeout=20_000):
            c.open_project(ro)
        wait_ready(qtbot, c, points=8)
        paths = attach_paths(window)
        path_id, *_ = record_drag(qtbot, paths, window)
        qtbot.waitUntil(lambda: banner.text().startswith("Path 1 is in the Paths list"))

        asked: list[tuple[str, str]] = []
        window.ask_unsaved = lambda: (
            asked.append(window.read_only_notice.leave_question()) or ("cancel")
        )
        assert not window.close()  # asked, and cancelled: still open, the path still there
        assert window.isVisible() and paths.library.ids() == [path_id]
        assert asked == [
            (
                "Save the paths tiny.lsc could not keep?",
                "tiny.lsc is read-only: 1 path change is kept only in this window, lost "
                "otherwise. Save As… writes the project with them to a copy.",
            )
        ]

        paths.rename(path_id, "ro take")  # the banner names it as it is now
        qtbot.waitUntil(lambda: banner.text().startswith("ro take is in"), timeout=5000)
        assert banner.text() == (
            f"ro take is in the Paths list but not saved: tiny.lsc is read-only; {SAVE_AS}"
        )

        copy = tmp_path / "mine.lsc"  # opening another project asks too: Save As… keeps it
        window.ask_unsaved = lambda: "save"
        window.menus.ask_save_path = lambda: str(copy)
        messages: list[str] = []
        c.message.connect(messages.append)
        with qtbot.waitSignal(c.projectOpened, timeout=20_000):
            c.open_project(other)
        window.ask_unsaved = lambda: "discard"
        assert c.store.path == other and not c.holds_unsaved_work()
        assert "Saved as mine.lsc, and ro take with it (not saved before)" in messages
        assert paths.panel.rows() == [] and c.store.items(ITEM_KIND) == []  # not moved in
    with ProjectStore.open(copy) as store:
        assert [item.name for item in store.items(ITEM_KIND)] == ["ro take"]
        assert store.items(TAKE_KIND) == []
    with ProjectStore.open(other) as store:
        assert store.items(ITEM_KIND) == []


def test_a_path_the_full_disk_refused_keeps_its_take_and_is_listed(window, qtbot, tiny_project):
    """R2: the take item was removed although its path was not written (a full disk): the
    project then held neither. Now it holds the take, the path is listed unsaved, leaving
    asks first, and the next open recovers the take."""
    c, view = window.controller, window.map_view
    c.sync.auto_refine = False
    with small_disk(tiny_project.parent / "small", 4 << 20) as folder:
        project = folder / "tiny.lsc"
        shutil.copyfile(tiny_project, project)
        c.open_project(project)
        wait_ready(qtbot, c, points=8)
        paths = attach_paths(window)
        errors: list[str] = []
        c.errorOccurred.connect(errors.append)
        xy = view.positions()
        c.set_recording(True)
        c._scrub_rest.setInterval(60_000)
        with qtbot.waitSignal(paths.takes.saved, timeout=AUTOSAVE_MS + 5000):
            drag(qtbot, view, xy.min(axis=0), xy.max(axis=0))
        _fill_up(folder)
        with qtbot.waitSignal(paths.recorded) as rec:
            c.set_recording(False)
        assert [name for name, _ in paths.panel.rows()] == ["Path 1"]  # listed, as held
        assert paths.library.item_id(rec.args[0]) is None
        qtbot.waitUntil(
            lambda: any("Path 1 is in the Paths list but not saved" in e for e in errors)
        )
        assert "the disk is full" in next(e for e in errors if e.startswith("Path 1 is in"))
        assert c.store.items(ITEM_KIND) == []
        (take,) = c.store.items(TAKE_KIND)  # the only copy on disk: kept, to be recovered
        assert take.meta["point_count"] >= 2

        (folder / "filler").unlink()
        asked: list[str] = []
        window.ask_unsaved = lambda: asked.append("?") or "discard"
        with qtbot.waitSignal(
            c.message, timeout=60_000, check_params_cb=lambda m: m.startswith("Recovered")
        ):
            c.open_project(project)  # the same project again: it asks (the path is unsaved)
        wait_ready(qtbot, c, points=8)
        assert asked == ["?"]
        assert [name for name, _ in paths.panel.rows()] == ["Path 1 (recovered)"]
        assert c.store.items(TAKE_KIND) == [] and len(c.store.items(ITEM_KIND)) == 1
        with qtbot.waitSignal(c.projectOpened, timeout=20_000):
            c.new_project()  # the small disk's project closed before it is unmounted


def test_a_short_take_is_kept_soon_after_its_first_point(paths, opened, qtbot):
    """Q2-10: the first autosave came AUTOSAVE_MS into the take, so a crash in a take
    shorter than that lost all of it. R6: a take replaced or removed every take item, also
    a damaged one that recovery left for a later version to read."""
    c, view = opened.controller, opened.map_view
    with c.store.transaction():
        damaged = c.store.put_item(TAKE_KIND, "take in progress", b"not an npz", {"seed": 0})
    c.set_recording(True)
    vp = view.viewport()
    with qtbot.waitSignal(paths.takes.saved, timeout=AUTOSAVE_MS + 5000):
        clicked = time.monotonic()
        qtbot.mouseClick(vp, LEFT, pos=view.view_pos(*view.positions()[3]))
    assert time.monotonic() - clicked < 0.5 * AUTOSAVE_MS / 1000
    damage, take = c.store.items(TAKE_KIND)
    assert damage.id == damaged and take.meta["point_count"] >= 1
    with qtbot.waitSignal(paths.recorded):
        c.set_recording(False)
    assert [i.id for i in c.store.items(TAKE_KIND)] == [damaged]
    assert len(c.store.items(ITEM_KIND)) == 1


def test_a_take_written_before_the_new_map_is_stored_lies_on_the_stored_map(paths, opened, qtbot):
    """R4: a UMAP refine moved the take in memory and the autosave stamped it with the new
    layout before that map was stored: had the app died then, the project held a take on a
    map it never got, recovered among other sounds for good. Here the map's save waits
    behind two held workers (the task runner's two threads)."""
    c, view = opened.controller, opened.map_view
    pca = c.state.atlas
    before = view.final_positions().copy()
    c.set_recording(True)
    c._scrub_rest.setInterval(60_000)
    drag(qtbot, view, before[0], before[5])
    recorded = paths.recorder.xy_so_far()
    gate = threading.Event()

    def hold_the_workers(_old, _new) -> None:  # runs before the map's save is submitted
        for _ in range(2):
            c.runner.submit(lambda ctx: gate.wait(60))

    def take():
        items = c.store.items(TAKE_KIND)
        return items[0] if items else None

    c.layoutChanged.connect(hold_the_workers)
    try:
        with qtbot.waitSignal(c.layoutChanged, timeout=120_000):
            assert c.refine_projection()
        umap = c.state.atlas
        assert umap.layout_id != pca.layout_id
        qtbot.waitUntil(lambda: "ahead" in take().meta, timeout=AUTOSAVE_MS + 5000)
        item = take()
        assert c.store.atlas().layout_id == pca.layout_id  # the new map is not stored yet
        assert item.meta["layout"] == pca.layout_id and item.meta["ahead"] == umap.layout_id
        arrays = unpack_arrays(item.payload)
        span = np.ptp(before, axis=0).max()
        # on the stored map: where it was drawn (moved there and back: close, not exact)
        assert np.linalg.norm(arrays["xy"][0] - recorded[0]) < 0.02 * span
        assert np.linalg.norm(arrays["xy"][len(recorded) - 1] - recorded[-1]) < 0.02 * span
        # and on the new one: as drawn there now
        now = paths.recorder.xy_so_far()
        np.testing.assert_allclose(arrays["xy_ahead"][: len(now)], now, atol=1e-6)
    finally:
        gate.set()
        c.layoutChanged.disconnect(hold_the_workers)
    with qtbot.waitSignal(c.sync.stored, timeout=30_000):
        pass  # the map's save runs now; the take moves with it
    assert c.store.atlas().layout_id == umap.layout_id
    item = take()
    assert item.meta["layout"] == umap.layout_id and "ahead" not in item.meta
    with qtbot.waitSignal(paths.recorded) as rec:
        c.set_recording(False)
    (saved,) = c.store.items(ITEM_KIND)
    assert saved.meta["layout"] == umap.layout_id and c.store.items(TAKE_KIND) == []
    path = paths.library.path(rec.args[0])
    span = np.ptp(view.final_positions(), axis=0).max()
    assert np.linalg.norm(path.xy[0] - view.final_positions()[0]) < 0.05 * span
