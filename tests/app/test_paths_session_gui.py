"""Paths across the session: keys while recording (Esc, Space), audio restarts, other
projects and other models (what plays, renders and is drawn where)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from latentscape.engines.paths import ITEM_KIND
from support.app_window import LEFT
from support.paths_gui import STEPS, drag, record_drag


def test_esc_ends_a_recording_and_keeps_it(paths, opened, qtbot):
    """Stop All (Esc) stops everything, the recording too: the drag becomes a path, as
    pressing R again would make it."""
    c, view = opened.controller, opened.map_view
    xy = view.positions()
    c.set_recording(True)
    drag(qtbot, view, xy.min(axis=0), xy.max(axis=0))
    opened.activateWindow()
    with qtbot.waitSignal(paths.recorded) as rec:
        qtbot.keyClick(opened, QtCore.Qt.Key.Key_Escape)
    assert not c.recording and not paths.recording
    assert paths.library.path(rec.args[0]).point_count >= 0.8 * STEPS
    assert [i.name for i in c.store.items(ITEM_KIND)] == ["Path 1"]


def test_a_looping_path_goes_on_looping_after_the_audio_restarts(paths, opened, qtbot, nn_model):
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    paths.play(pid, loop=True, speed=1.0)
    assert paths.player.is_playing
    with qtbot.waitSignal(c.audio.started, timeout=30_000):
        opened.menus.set_block(512)
    assert paths.player.is_playing and paths.player.loop and paths.player.path_id == pid
    assert paths.player.handle is not None and c.audio.engine.block_frames == 512
    with qtbot.waitSignal(c.audio.started, timeout=30_000):  # Esc in the gap: it stays quiet
        opened.menus.set_block(1024)
        c.stop_all()
    assert not paths.player.is_playing
    paths.play(pid, loop=True, speed=1.0)  # a model of other latents: the loop cannot go on
    errors: list[str] = []
    c.errorOccurred.connect(errors.append)
    with qtbot.waitSignal(
        c.message, timeout=60_000, check_params_cb=lambda m: m.startswith("'Path 1' stopped")
    ) as told:
        c.load_model(nn_model(sr=16000, hop=64, latent=6))
    assert "recorded with another model" in told.args[0]
    assert not paths.player.is_playing
    assert errors == [] and opened.banner.level() != "error"  # the user did nothing wrong


def test_a_path_played_once_stops_when_the_block_size_changes(paths, opened, qtbot):
    """The engine plays on while the new block size starts: a path played once ends at the
    request, on that engine too, as the panel shows (it went on sounding, out of reach of
    the Stop button)."""
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    paths.play(pid, loop=False, speed=0.25)
    old = c.audio.engine
    qtbot.waitUntil(lambda: old.stats().voices >= 1, timeout=5000)
    swapped: list = []
    c.audio.started.connect(swapped.append)
    opened.menus.set_block(512)
    assert not paths.player.is_playing
    qtbot.waitUntil(lambda: old.stats().voices == 0 or bool(swapped), timeout=5000)
    assert not swapped  # silent on the engine that played on, before the new one took over
    qtbot.waitUntil(lambda: bool(swapped), timeout=30_000)


def test_space_plays_the_path_chosen_in_the_list(paths, opened, qtbot):
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    c.audition_sound(c.state.ids[1])  # a sound played after the recording
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)
    table = paths.panel.table
    table.clearSelection()
    rect = table.visualItemRect(table.item(0, 0))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())  # the user picks it
    assert paths.panel.selected_path() == pid and c.last_played == ("path", pid)
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)  # else Space stops, not plays
    with qtbot.waitSignal(paths.player.started) as started:
        opened.actions_by_name["play_stop"].trigger()
    assert started.args == [pid]
    opened.actions_by_name["play_stop"].trigger()  # Space again: stops it
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=5000)


def test_space_plays_the_path_just_recorded(paths, opened, qtbot):
    """A new recording is the path chosen in the list: Space plays it (it played nothing, or
    an older path)."""
    c = opened.controller
    first, *_ = record_drag(qtbot, paths, opened)
    second, *_ = record_drag(qtbot, paths, opened)
    assert paths.panel.selected_path() == second and c.last_played == ("path", second)
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)
    with qtbot.waitSignal(paths.player.started) as started:
        opened.actions_by_name["play_stop"].trigger()
    assert started.args == [second] and first != second
    c.stop_all()


def test_paths_of_another_models_map_are_not_drawn_on_this_one(paths, opened, qtbot, tmp_path):
    """After an import switches the project's model, paths recorded on the first model's map
    are not drawn on the new map (their places mean nothing there); they stay in the list."""
    from support.app_projects import write_sounds
    from support.nn_models import build_nn_model

    c, view = opened.controller, opened.map_view
    record_drag(qtbot, paths, opened)
    assert view.path_names() == ["Path 1"]
    other = build_nn_model(tmp_path / "other.ts", sr=16000, hop=64, latent=4, streaming=True)
    c.load_model(other)
    qtbot.waitUntil(lambda: not c.busy and c.model.path == str(other), timeout=60_000)
    write_sounds(tmp_path / "more", count=2, seed=8)
    with qtbot.waitSignal(c.imports.mapReread, timeout=60_000):  # the switch is made
        assert c.import_paths([str(tmp_path / "more")])
    assert view.path_names() == []
    assert [row[0] for row in paths.panel.rows()] == ["Path 1"]
    qtbot.waitUntil(lambda: not c.busy and not c.imports.running, timeout=60_000)
    record_drag(qtbot, paths, opened)  # one on the new map is drawn
    assert view.path_names() == ["Path 2"]


def test_a_path_is_not_rendered_through_another_model(paths, opened, qtbot, tmp_path):
    """Export to audio refuses a model of the same size but another latent space, as Play
    does: the file would be another model's sound."""
    from support.nn_models import build_nn_model

    c = opened.controller
    record_drag(qtbot, paths, opened)
    other = build_nn_model(tmp_path / "other.ts", sr=16000, hop=64, latent=4, streaming=True)
    c.load_model(other)
    qtbot.waitUntil(lambda: not c.busy and c.model.path == str(other), timeout=60_000)
    paths.ask_save_file = lambda fmt, suggested: str(tmp_path / "elsewhere")
    with qtbot.waitSignal(paths.exporter.failed) as failed:
        paths.panel.export_actions["wav"].trigger()
    assert "was recorded with another model" in failed.args[0]
    assert not list(tmp_path.glob("elsewhere*"))


@pytest.mark.parametrize("switch", ["open", "new"])
def test_a_recording_under_way_is_kept_in_its_project_when_another_opens(
    paths, opened, qtbot, tiny_project, tmp_path, switch
):
    """Opening another project (or a new one) while recording: the recording ends and is added
    to the project it was made in, before that project closes."""
    import shutil

    from latentscape.project_store import ProjectStore

    c = opened.controller
    other = tmp_path / "other.lsc"
    shutil.copy(tiny_project, other)
    c.set_recording(True)
    c.audition_position(0.4, 0.4)
    qtbot.wait(50)
    c.audition_position(0.6, 0.6)
    qtbot.wait(50)
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.open_project(other) if switch == "open" else c.new_project()
    assert not paths.recording
    with ProjectStore.open(tiny_project) as store:
        assert [item.name for item in store.items(ITEM_KIND)] == ["Path 1"]
    assert paths.panel.rows() == [] and c.store.items(ITEM_KIND) == []


def test_a_path_follows_its_sounds_when_the_map_is_laid_out_again(paths, opened, qtbot):
    """Ctrl+R lays the map out anew: the path is drawn (and saved, and exported) among the
    sounds it was recorded among, not at its old place over other sounds; a press on
    Undo after it undoes no "layout"."""
    import numpy as np

    from latentscape.engines.paths import path_from_item
    from support.paths_gui import drag

    c, view = opened.controller, opened.map_view
    before = view.final_positions().copy()
    c.set_recording(True)
    rest = c._scrub_rest.interval()
    c._scrub_rest.setInterval(60_000)  # no rest on a dot: the drag goes from dot to dot
    drag(qtbot, view, before[0], before[5])  # from one sound to another
    c._scrub_rest.setInterval(rest)
    with qtbot.waitSignal(paths.recorded) as rec:
        c.set_recording(False)
    pid = rec.args[0]
    recorded, undo = paths.library.path(pid), paths.library.can_undo
    np.testing.assert_allclose(recorded.xy[0], before[0], atol=0.02)
    refined = c.sync.refine_count
    assert c.refine_projection()
    qtbot.waitUntil(lambda: c.sync.refine_count > refined and not c.busy, timeout=120_000)
    after = view.final_positions()
    assert not np.allclose(before, after, atol=1e-3)  # UMAP laid it out anew
    moved = paths.library.path(pid)
    span = np.ptp(after, axis=0).max()
    # it starts and ends where its first and last sounds are now
    assert np.linalg.norm(moved.xy[0] - after[0]) < 0.05 * span
    assert np.linalg.norm(moved.xy[-1] - after[5]) < 0.05 * span
    np.testing.assert_array_equal(moved.latents, recorded.latents)  # it plays as before
    (item,) = c.store.items(ITEM_KIND)
    np.testing.assert_allclose(path_from_item(item).xy, moved.xy)  # saved
    assert paths.library.can_undo == undo
