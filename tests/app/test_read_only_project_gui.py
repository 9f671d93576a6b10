"""A read-only project in the window (new-user QA H1): a banner on open, exploring goes on, a
recorded path stays listed and goes into the Save As copy, imports and new layouts are
refused at once, and Save As to a writable place takes the banner down.

The project lies on a tmpfs mounted read-only (support/read_only.py)."""

from __future__ import annotations

from latentscape.engines.paths import ITEM_KIND
from latentscape.paths_controller import attach_paths
from latentscape.project_store import ProjectStore
from support.app_window import wait_ready
from support.paths_gui import record_drag
from support.read_only import read_only_copy

SAVE_AS = "File → Save As… to keep working on a copy"


def test_a_read_only_project_says_so_refuses_work_it_cannot_keep_and_save_as_keeps_a_path(
    window, qtbot, tiny_project, tmp_path
):
    c, banner = window.controller, window.banner
    with read_only_copy(tiny_project, tmp_path / "share") as ro:
        before = ro.read_bytes()
        with qtbot.waitSignal(c.projectOpened, timeout=20_000):
            c.open_project(ro)  # auto-refine on: a PCA map would be laid out with UMAP, and fail
        # (said at once: the silent player's own note on audio takes the banner later)
        assert banner.isVisible() and banner.level() == "warning"
        assert banner.text() == f"tiny.lsc is read-only: changes cannot be saved; {SAVE_AS}"
        wait_ready(qtbot, c, points=8)
        assert c.state.atlas.method == "pca" and not c.sync.busy  # no layout it cannot keep

        c.audition_sound(c.state.ids[2])  # listening goes on
        qtbot.waitUntil(c.is_playing, timeout=10_000)
        paths = attach_paths(window)
        path_id, *_ = record_drag(qtbot, paths, window)  # scrubbing and recording too
        assert paths.library.ids() == [path_id] and paths.library.item_id(path_id) is None
        assert [name for name, _ in paths.panel.rows()] == ["Path 1"]  # listed, as the user sees
        qtbot.waitUntil(lambda: banner.text().startswith("Path 1 is in the Paths list"))
        assert banner.text() == (
            f"Path 1 is in the Paths list but not saved: tiny.lsc is read-only; {SAVE_AS}"
        )

        errors: list[str] = []
        c.errorOccurred.connect(errors.append)
        assert not c.import_paths([str(tiny_project.parent / "sounds")])  # refused at once
        assert not c.imports.running
        window.actions_by_name["refine"].trigger()  # Ctrl+R
        assert not c.sync.busy
        assert errors == [
            f"Cannot import sounds: tiny.lsc is read-only; {SAVE_AS}",
            f"Cannot lay out the map again: tiny.lsc is read-only; {SAVE_AS}",
        ]
        assert ro.read_bytes() == before

        copy = tmp_path / "mine.lsc"
        assert c.save_project_as(copy)
        assert not banner.isVisible()
        assert paths.library.item_id(path_id) is not None  # written into the copy
        assert ro.read_bytes() == before
    with ProjectStore.open(copy) as store:
        assert [item.name for item in store.items(ITEM_KIND)] == ["Path 1"]
        assert len(store.sounds()) == 8
