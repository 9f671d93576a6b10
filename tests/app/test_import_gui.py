"""Importing in the window: drops, failures, moved files, and imports that switch the
project's model (its saved map, the gallery's priors, what is saved where and when).

Everything is real, as in test_controller.py: Qt views, a tiny nn~ model, a SQLite project,
the atlas, and an AudioEngine with the silent, clock-paced player.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from support.app_projects import write_sounds
from support.app_window import LEFT, drop_on
from support.import_gate import GATE_AFTER
from support.nn_models import build_nn_model


def _drop_paths(view, paths, qtbot) -> None:
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    drop_on(view, mime, QtCore.QPoint(50, 50))
    QtCore.QCoreApplication.processEvents()  # the drop is handled once the event has returned


def test_dropping_a_folder_imports_it_and_points_appear(opened, qtbot, tmp_path):
    w = opened
    c, view = w.controller, w.map_view
    folder = tmp_path / "dropped" / "pads"
    write_sounds(folder, count=5, seed=7)
    before = view.point_count()
    appeared: list[int] = []
    c.imports.soundsImported.connect(lambda sounds, lat: appeared.extend(s.id for s in sounds))
    _drop_paths(view, [folder.parent], qtbot)
    assert c.imports.running
    qtbot.waitUntil(lambda: view.point_count() == before + 5, timeout=30_000)
    qtbot.waitUntil(lambda: not c.imports.running, timeout=30_000)
    assert sorted(appeared) == sorted(c.state.ids[before:])
    assert "pads" in view.legend_labels()
    new_names = {view.name_of(i) for i in range(before, before + 5)}
    assert new_names == {f"tone{i:02d}" for i in range(5)}
    # Stored in the project with latents, and playable from the map right away.
    assert {s.id for s in c.store.sounds()} >= set(appeared)
    with qtbot.waitSignal(c.soundAuditioned) as heard:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*view.positions()[before + 2]))
    assert heard.args == [c.state.sound_at(before + 2).id]
    assert w.import_progress.text() == "Import done: 5 sounds added"
    _drop_paths(view, [folder.parent], qtbot)  # again: it says why none were added (QA s22 #5)
    qtbot.waitUntil(lambda: not c.imports.running, timeout=30_000)
    assert w.import_progress.text() == "Import done: 0 sounds added, 5 already in the project"
    assert view.point_count() == before + 5


def test_a_moved_folder_dropped_again_keeps_its_points_with_their_new_files(
    opened, qtbot, tmp_path
):
    """The user reorganised the samples after importing them: dropping the new place adds
    no second points; the points keep their place and take the new files and names."""
    c, view = opened.controller, opened.map_view
    folder = tmp_path / "dropped" / "pads"
    write_sounds(folder, count=4, seed=3)
    before = view.point_count()
    _drop_paths(view, [folder], qtbot)
    qtbot.waitUntil(
        lambda: view.point_count() == before + 4 and not c.imports.running, timeout=30_000
    )
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)  # placed and refined
    xy = c.state.xy_in_map_order().copy()
    c.select_sound(c.state.sound_at(before + 1).id)
    vb = view.getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    vb.setRange(xRange=(x0, x0 + (x1 - x0) / 4), yRange=(y0, y0 + (y1 - y0) / 4), padding=0)
    zoomed = vb.viewRange()  # the user zoomed in
    moved = folder.rename(tmp_path / "library")
    (moved / "tone01.wav").rename(moved / "pad_soft.wav")
    with qtbot.waitSignal(c.imports.soundsMoved, timeout=30_000):
        _drop_paths(view, [moved], qtbot)
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=30_000)
    assert view.point_count() == before + 4 and len(c.store.sounds()) == before + 4
    np.testing.assert_array_equal(c.state.xy_in_map_order(), xy)
    qtbot.wait(300)  # an auto-range would apply on the next paint
    assert vb.viewRange() == zoomed  # and stays zoomed
    names = {view.name_of(i) for i in range(before, before + 4)}
    assert names == {"tone00", "pad_soft", "tone02", "tone03"}
    assert "library" in view.legend_labels() and "pads" not in view.legend_labels()
    selected = c.state.sound_at(before + 1)
    assert c.selected_id == selected.id and selected.name == "pad_soft"
    assert c.store.resolve(selected.path) == moved / "pad_soft.wav"


def test_points_arriving_on_an_empty_map_stay_in_view(opened, qtbot):
    """The view frames the first arrivals and keeps every later one in sight (until the user
    zooms or pans)."""
    c, view = opened.controller, opened.map_view
    sounds, trajectories = list(c.state.sounds), dict(c.state.trajectories)
    c.sync.reset()  # an empty map
    c.state.reset([], {})
    view.clear_points()
    c.sync.add_sounds(sounds[:2], trajectories)
    qtbot.waitUntil(lambda: view.point_count() == 2, timeout=10_000)
    c.sync.add_sounds(sounds[2:], trajectories)
    qtbot.waitUntil(lambda: view.point_count() == 8 and not c.busy, timeout=10_000)
    (x0, x1), (y0, y1) = view.getViewBox().viewRange()
    xy = view.positions()
    assert np.all((xy[:, 0] > x0) & (xy[:, 0] < x1) & (xy[:, 1] > y0) & (xy[:, 1] < y1))


def test_a_dropped_project_opens_and_a_dropped_model_loads(opened, qtbot, tmp_path, nn_model):
    from support.app_projects import make_project

    c, view = opened.controller, opened.map_view
    other = make_project(tmp_path / "elsewhere", c.model.path, folders=("pads",), per=3)
    _drop_paths(view, [other], qtbot)
    assert not c.imports.running  # not taken for a sound
    qtbot.waitUntil(lambda: c.store.path == other and view.point_count() == 3, timeout=30_000)
    assert opened.windowTitle().startswith("tiny.lsc")
    model = nn_model(sr=16000, hop=64, latent=6)
    _drop_paths(view, [model], qtbot)
    assert not c.imports.running
    qtbot.waitUntil(lambda: not c.busy and c.model.path == str(model), timeout=30_000)


def test_a_project_chosen_as_a_model_opens_as_a_project(opened, qtbot, tmp_path):
    """QA s22 #4: File → Open Model on a .lsc said "a project is given with -p", a
    command-line hint, in the window. It opens the project, as a drop does, whatever its
    name; the model stays loaded. (Elsewhere, a project given as the model is an error.)"""
    from support.app_projects import make_project

    c, view = opened.controller, opened.map_view
    model = c.model
    other = make_project(tmp_path / "elsewhere", model.path, folders=("pads",), per=3)
    renamed = other.rename(other.with_suffix(".pt"))  # not the suffix that tells
    errors: list[str] = []
    c.errorOccurred.connect(errors.append)
    opened.menus._ask_open = lambda *_: str(renamed)  # the file dialog's answer
    opened.actions_by_name["open_model"].trigger()
    qtbot.waitUntil(lambda: c.store.path == renamed and view.point_count() == 3, timeout=30_000)
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)
    assert not errors and c.model is not None and c.model.path == model.path


@pytest.mark.slow
def test_an_import_into_a_new_project_ends_on_a_umap_map_of_every_sound(
    window, qtbot, tmp_path, nn_model
):
    """The import finishes before its sounds are all placed (the first ones build the PCA
    preview, which takes a while); the refinement waits for the last of them."""
    c = window.controller
    c.new_project(tmp_path / "new.lsc")
    c.load_model(nn_model(sr=16000, hop=64, latent=8))
    qtbot.waitUntil(lambda: not c.busy and c.model is not None, timeout=60_000)
    write_sounds(tmp_path / "corpus", count=120, seed=11, duration_s=0.5)
    assert c.import_paths([str(tmp_path / "corpus")])
    qtbot.waitUntil(lambda: c.sync.refine_count == 1, timeout=120_000)
    assert c.state.atlas.method == "umap"
    assert len(c.state) == 120
    assert set(int(i) for i in c.state.atlas.sound_ids) == set(c.state.ids)


def test_files_that_fail_to_import_are_listed_with_reasons(opened, qtbot, tmp_path):
    """Files refused are listed with their reasons; a file cut short (a truncated copy) is
    imported, and listed too, saying so (it used to come in shorter without a word)."""
    w = opened
    c, view = w.controller, w.map_view
    folder = tmp_path / "mixed"
    tones = write_sounds(folder, count=2, seed=3)
    (folder / "notes.wav").write_text("this is not audio")
    (folder / "empty.flac").write_bytes(b"")
    whole = tones[0].read_bytes()
    (folder / "partial.wav").write_bytes(whole[: len(whole) * 2 // 3])
    before = view.point_count()
    _drop_paths(view, [folder], qtbot)
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=30_000)
    assert view.point_count() == before + 3  # the good files still came in, the cut one too
    failed = dict(c.imports.failures)
    assert set(failed) == {str(folder / "notes.wav"), str(folder / "empty.flac")}
    assert all(reason for reason in failed.values())
    assert [p for p, _ in c.imports.noted] == [str(folder / "partial.wav")]
    assert w.import_progress.failures_button.isVisible()
    assert w.import_progress.failures_button.text() == "2 failed · 1 cut short"
    assert "2 failed, 1 cut short" in w.import_progress.text()
    w.import_progress.failures_button.click()
    dialog = c.imports.dialog
    assert dialog is not None and dialog.isVisible()
    listed = dict(dialog.list.failures())
    assert listed.keys() == {*failed, str(folder / "partial.wav")}
    assert listed[str(folder / "partial.wav")].startswith("imported, but cut short")
    dialog.close()
    c.open_project(c.store.path)  # another project (here: this one again): the outcome goes
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)
    assert not w.import_progress.isVisible() and not w.import_progress.failures_button.isVisible()


def test_an_import_with_another_model_rebuilds_the_map_from_the_new_latents(
    window, qtbot, tmp_path, nn_model
):
    """Importing with a model other than the project's re-encodes the project's sounds with it:
    the map empties and fills again with every sound in the new model's latent space."""
    c, view = window.controller, window.map_view
    c.sync.auto_refine = False
    c.new_project(tmp_path / "switch.lsc")
    c.load_model(nn_model(sr=16000, hop=64, latent=4))
    qtbot.waitUntil(lambda: not c.busy and c.model is not None, timeout=60_000)
    write_sounds(tmp_path / "first", count=4, seed=1)
    assert c.import_paths([str(tmp_path / "first")])
    qtbot.waitUntil(lambda: not c.busy and view.point_count() == 4, timeout=60_000)
    c.select_sound(c.state.sound_at(0).id)

    c.load_model(nn_model(sr=16000, hop=64, latent=6))
    qtbot.waitUntil(lambda: not c.busy and c.model.engine.latent_size == 6, timeout=60_000)
    assert "another model" in window.banner.text() and window.banner.isVisible()
    write_sounds(tmp_path / "second", count=3, seed=2)
    with qtbot.waitSignal(c.imports.mapReread, timeout=60_000):  # the import is prepared
        assert c.import_paths([str(tmp_path / "second")])
    assert view.point_count() == 0 and c.selected_id == -1  # the old map is gone
    assert not window.banner.isVisible()
    qtbot.waitUntil(lambda: not c.busy and view.point_count() == 7, timeout=60_000)

    assert window.import_progress.text() == "Import done: 3 sounds added, 4 encoded again"
    assert len(c.state) == 7 and c.state.atlas.frame_at(0.5, 0.5).shape == (6,)
    assert all(c.state.trajectory(i).shape[1] == 6 for i in c.state.ids)
    with qtbot.waitSignal(c.soundAuditioned) as heard:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*view.positions()[1]))
    assert heard.args == [c.state.sound_at(1).id]
    assert c.last_voice is not None


def test_switching_back_to_a_model_shows_its_saved_map_again(window, qtbot, tmp_path, nn_model):
    """Each model keeps its map: an import that switches the project back to a model its
    sounds are encoded with shows that model's saved map at once, and places only the new
    sounds on it (it showed an empty map, and with new files replaced the saved map)."""
    from latentscape.engines.atlas import Atlas

    c, view = window.controller, window.map_view
    c.sync.auto_refine = False
    c.new_project(tmp_path / "back.lsc")
    model_a, model_b = nn_model(sr=16000, hop=64, latent=4), tmp_path / "b.ts"
    build_nn_model(model_b, sr=16000, hop=64, latent=4, streaming=True)  # another space
    write_sounds(tmp_path / "lib", count=5, seed=4)

    def switch_and_import(model, folder, points):
        c.load_model(model)
        qtbot.waitUntil(lambda: not c.busy and c.model.path == str(model), timeout=60_000)
        assert c.import_paths([str(folder)])
        qtbot.waitUntil(lambda: not c.busy and view.point_count() == points, timeout=60_000)
        with qtbot.waitSignal(c.sync.updater.refined, timeout=60_000):  # as auto-refine does
            assert c.refine_projection()
        qtbot.waitUntil(lambda: not c.busy and c.store.atlas() is not None, timeout=60_000)

    switch_and_import(model_a, tmp_path / "lib", 5)
    saved_a = c.store.atlas()
    xy_a = c.state.xy_in_map_order().copy()
    switch_and_import(model_b, tmp_path / "lib", 5)
    assert c.store.atlas().frame_at(0.5, 0.5).shape == (4,)
    c.load_model(model_a)
    qtbot.waitUntil(lambda: not c.busy and c.model.path == str(model_a), timeout=60_000)
    write_sounds(tmp_path / "more", count=2, seed=5)
    with qtbot.waitSignal(c.imports.mapReread, timeout=60_000):
        assert c.import_paths([str(tmp_path / "lib"), str(tmp_path / "more")])
    assert view.point_count() == 5  # A's map, before the new sounds arrive
    np.testing.assert_array_equal(c.state.xy_in_map_order(), xy_a)
    qtbot.waitUntil(lambda: not c.busy and view.point_count() == 7, timeout=60_000)
    np.testing.assert_array_equal(c.state.xy_in_map_order()[:5], xy_a)  # the others stay put
    # Saved: A's map with the two new sounds placed on it, not a map of the two alone.
    qtbot.waitUntil(lambda: len(c.store.atlas()) == 7, timeout=15_000)
    stored = c.store.atlas()
    assert isinstance(stored, Atlas)
    np.testing.assert_array_equal(stored.sound_ids[:5], saved_a.sound_ids)
    np.testing.assert_array_equal(stored.xy[:5], saved_a.xy)


def test_a_switching_import_that_cannot_start_leaves_the_window_as_it_was(
    opened, qtbot, tmp_path, nn_model
):
    """The import that would switch the model fails to prepare (the project is locked): the
    map, the project's model and what plays stay as they were."""
    import sqlite3

    c, view = opened.controller, opened.map_view
    space = c.project_space
    other = nn_model(sr=16000, hop=64, latent=4, streaming=True)
    c.load_model(other)
    qtbot.waitUntil(lambda: not c.busy and c.model.path == str(other), timeout=60_000)
    write_sounds(tmp_path / "more", count=2, seed=6)
    lock = sqlite3.connect(c.store.path, timeout=0)
    lock.execute("BEGIN EXCLUSIVE")  # another program holds the project
    try:
        with qtbot.waitSignal(c.imports.importFinished, timeout=60_000):
            assert c.import_paths([str(tmp_path / "more")])
    finally:
        lock.rollback()
        lock.close()
    assert "Import failed" in opened.import_progress.text()
    assert view.point_count() == 8 and c.project_space == space
    assert c.store.model().space == space


def test_a_stale_consolidation_does_not_replace_a_refined_map(opened, qtbot, tmp_path, monkeypatch):
    """Placed sounds are folded into the atlas that was current when the job began; when a
    UMAP refine replaced that atlas meanwhile, the late result is dropped, not shown over the
    refined map (clicks would decode another layout) nor saved."""
    import threading

    import latentscape.atlas_updater as au

    c = opened.controller
    original, release, started = au.consolidate_job, threading.Event(), threading.Event()

    def held(atlas, trajs, ids):
        if len(ids) < 12:  # the import came in two polls: an earlier batch's fold goes by
            return original(atlas, trajs, ids)
        started.set()
        release.wait(60)  # until the refine has been applied
        return original(atlas, trajs, ids)

    monkeypatch.setattr(au, "consolidate_job", held)
    c.sync.updater._consolidate_timer.setInterval(10)
    write_sounds(tmp_path / "new", count=4, seed=7)
    assert c.import_paths([str(tmp_path / "new")])
    qtbot.waitUntil(lambda: not c.imports.running and len(c.state) == 12, timeout=60_000)
    qtbot.waitUntil(started.is_set, timeout=10_000)
    with qtbot.waitSignal(c.sync.updater.refined, timeout=120_000):
        assert c.refine_projection()
    release.set()
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)
    assert c.state.atlas.method == "umap" and len(c.state.atlas) == 12
    qtbot.waitUntil(lambda: c.store.atlas().method == "umap", timeout=10_000)
    qtbot.wait(300)
    assert c.state.atlas.method == "umap" and c.store.atlas().method == "umap"


def test_an_import_cancelled_while_it_is_prepared_adds_nothing(opened, qtbot, tmp_path):
    c = opened.controller
    write_sounds(tmp_path / "late", count=3, seed=3)
    before = len(c.store.sounds())
    with qtbot.waitSignal(c.imports.importFinished, timeout=30_000):
        assert c.import_paths([str(tmp_path / "late")])
        assert c.imports.running
        c.cancel_import()
        assert opened.import_progress.text() == "Cancelling…"
    assert not c.imports.running and len(c.store.sounds()) == before
    assert opened.import_progress.text() == "Import cancelled: 0 sounds added"


def test_opening_another_project_mid_import_stops_it_into_its_own_project(
    opened, qtbot, tmp_path, tiny_project
):
    """The import's finished sounds are stored in the project it was started for, its
    polls stop (they wrote into the closed project), and none join the next project's map."""
    import shutil

    from latentscape.project_store import ProjectStore

    c = opened.controller
    first = c.store.path
    other = tmp_path / "other.lsc"
    shutil.copy(tiny_project, other)
    write_sounds(tmp_path / "corpus", count=300, seed=5, duration_s=0.5)
    errors: list[str] = []
    c.errorOccurred.connect(errors.append)
    assert c.import_paths([str(tmp_path / "corpus")])
    qtbot.waitUntil(lambda: len(c.imports.imported_ids) >= 5, timeout=60_000)
    with qtbot.waitSignal(c.projectOpened, timeout=30_000):
        c.open_project(other)
    assert not c.imports.running
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)
    qtbot.wait(300)  # polls that would still come
    assert len(c.state) == 8 and errors == []
    with ProjectStore.open(first) as store:
        stored = len(store.sounds())
    assert 8 + 5 <= stored < 8 + 300


def test_an_import_goes_on_into_the_copy_after_save_as(opened, qtbot, tmp_path, import_gate):
    """Save As during an import: the copy takes every later write, so the import goes on
    there and ends as any other, with every sound on the map; the file left behind keeps
    what was stored before."""
    from latentscape.project_store import ProjectStore

    c = opened.controller
    original = c.store.path
    count = 3 * GATE_AFTER
    write_sounds(tmp_path / "many", count=count, seed=12, duration_s=1.0)
    finished: list = []
    c.imports.importFinished.connect(finished.append)
    assert c.import_paths([str(tmp_path / "many")])
    qtbot.waitUntil(lambda: bool(c.imports.imported_ids), timeout=60_000)  # a batch stored
    copy = tmp_path / "copy.lsc"
    assert c.save_project_as(copy)
    assert c.imports.running and finished == []  # not stopped
    import_gate.set()
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=120_000)
    assert len(finished) == 1 and not finished[0].cancelled
    with ProjectStore.open(copy) as saved:
        stored = set(saved.latent_ids())
    with ProjectStore.open(original) as left:
        kept = len(left.latent_ids())
    assert len(stored) == 8 + count and set(c.state.ids) == stored
    assert 8 < kept < 8 + count


def test_save_as_of_an_untitled_project_whose_import_is_being_prepared(
    window, qtbot, tmp_path, nn_model
):
    """The import waits out its preparation (which reads the stored paths Save As rebases),
    then goes on into the copy; the untitled temp folder goes (QA s14 F3: it stayed behind
    for good, and the import was cancelled)."""
    from latentscape.project_store import ProjectStore

    c = window.controller
    c.load_model(nn_model(sr=16000, hop=64, latent=4))
    qtbot.waitUntil(lambda: not c.busy and c.model is not None, timeout=60_000)
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.new_project()
    untitled = c.store.path.parent
    write_sounds(tmp_path / "kit", count=6, seed=4)
    finished: list = []
    c.imports.importFinished.connect(finished.append)
    assert c.import_paths([str(tmp_path / "kit")])
    assert c.imports.running and not c.imports.imported_ids  # still being prepared
    copy = tmp_path / "kept.lsc"
    assert c.save_project_as(copy)
    assert not untitled.exists()
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=60_000)
    assert len(finished) == 1 and not finished[0].cancelled
    with ProjectStore.open(copy) as saved:
        assert len(saved.latent_ids()) == 6
    assert len(c.state) == 6 and c.store.path == copy


def test_save_as_says_so_when_an_import_still_being_prepared_has_to_stop(
    window, qtbot, tmp_path, nn_model
):
    """Save As waits for an import's preparation at most so long; when the wait runs out the
    import stops, and the user is told why and how to finish it (it used to be silent)."""
    c = window.controller
    c.load_model(nn_model(sr=16000, hop=64, latent=4))
    qtbot.waitUntil(lambda: not c.busy and c.model is not None, timeout=60_000)
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.new_project()
    write_sounds(tmp_path / "kit", count=6, seed=4)
    imports, prepared = c.imports, type(c.imports).prepared
    imports.prepared = lambda store: prepared(imports, store, timeout_ms=0)
    finished: list = []
    imports.importFinished.connect(finished.append)
    errors: list[str] = []
    c.errorOccurred.connect(errors.append)
    assert c.import_paths([str(tmp_path / "kit")])
    copy = tmp_path / "kept.lsc"
    assert c.save_project_as(copy)
    assert len(errors) == 1 and "import the same files again into kept.lsc" in errors[0]
    qtbot.waitUntil(lambda: not imports.running and not c.busy, timeout=60_000)
    assert finished == [None]  # ended before it began: no report
    assert c.store.path == copy and len(c.state) == 0


def test_an_import_from_inside_the_project_folder_follows_save_as_elsewhere(
    opened, qtbot, tmp_path, import_gate
):
    """Sounds inside the project's folder are stored relative to it: every sound the import
    stores, before or after Save As into another folder, finds its file from the map."""
    c = opened.controller
    inside = c.store.path.parent / "inside"
    count = 3 * GATE_AFTER
    write_sounds(inside, count=count, seed=14, duration_s=1.0)
    assert c.import_paths([str(inside)])
    qtbot.waitUntil(lambda: bool(c.imports.imported_ids), timeout=60_000)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert c.save_project_as(elsewhere / "copy.lsc")
    assert c.imports.running
    import_gate.set()
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=120_000)
    assert len(c.state) == 8 + count
    assert all(c.store.resolve(s.path).is_file() for s in c.state.sounds)
    assert {s.id: s.path for s in c.state.sounds} == {s.id: s.path for s in c.store.sounds()}
