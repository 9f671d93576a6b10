"""Latent paths in the window (issue 7): record a drag, play it, edit, save, export, stream.

Everything is real: the main window and map, the tiny nn~ model, a SQLite project, an
AudioEngine with the silent clock-paced player (its output tap holds exactly what a device would
have been handed), files on disk and a python-osc server on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from PySide6 import QtCore

from latentscape.engines.audio.offline import render_offline
from latentscape.engines.paths import ITEM_KIND, read_json
from latentscape.paths_controller import attach_paths
from support.app_window import LEFT, wait_ready
from support.osc_listener import osc_listener
from support.paths_gui import STEPS, drag, record_drag


def _first_nonzero(x: np.ndarray) -> int:
    idx = np.flatnonzero(np.abs(x).max(axis=-1) > 1e-7)
    assert len(idx), "no sound at all"
    return int(idx[0])


def test_recording_a_drag_makes_a_path_on_the_map_in_the_list_and_the_project(paths, opened, qtbot):
    c, view = opened.controller, opened.map_view
    pid, t_press, t_stop, a, b = record_drag(qtbot, paths, opened)
    path = paths.library.path(pid)
    # Starts at the press, lasts until the release: never longer than the span to the stop,
    # nor much shorter than the 30 hand-paced moves took.
    assert 0.9 * STEPS * 0.012 <= path.duration_s <= t_stop - t_press
    assert path.point_count >= 0.8 * STEPS
    np.testing.assert_allclose(path.xy[0], a, atol=0.02)  # the press
    np.testing.assert_allclose(path.xy[-1], b, atol=0.02)  # the release
    assert np.all(np.diff(path.xy[:, 0]) >= -1e-6)  # follows the pointer monotonically
    assert np.all(np.diff(path.times_s) >= 0)
    # The latents are what the scrub voice played at each place; at the release, a step to
    # the model's latent of silence (the scrub voice fell silent), where the path ends: a
    # loop of it has no dead air up to the press of stop (QA s19 Q2-11).
    quiet = np.flatnonzero(np.all(np.isclose(path.latents, c.model.silence, atol=1e-6), axis=1))
    assert list(quiet) == [path.point_count - 1] and path.times_s[-1] == path.times_s[-2]
    for (x, y), z in zip(path.xy[: quiet[0]], path.latents[: quiet[0]], strict=True):
        np.testing.assert_allclose(z, c.state.atlas.frame_at(float(x), float(y)), atol=1e-6)
    assert path.model_hash == c.model.info.content_hash
    # Listed, drawn (selected) and saved.
    assert paths.panel.rows() == [("Path 1", paths.panel.rows()[0][1])]
    assert paths.panel.selected_path() == pid
    assert view.path_names() == ["Path 1"]
    items = c.store.items(ITEM_KIND)
    assert [i.name for i in items] == ["Path 1"]
    assert items[0].meta["point_count"] == path.point_count


def test_r_key_and_clicks_record_steps(paths, opened, qtbot):

    c, view = opened.controller, opened.map_view
    qtbot.keyClick(view, QtCore.Qt.Key.Key_R)
    assert paths.recording
    first, second = view.positions()[0], view.positions()[5]
    for xy in (first, second):
        with qtbot.waitSignal(c.soundAuditioned):
            qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*xy))
        qtbot.wait(20)
    qtbot.keyClick(view, QtCore.Qt.Key.Key_R)
    assert not paths.recording
    path = paths.library.path(paths.library.ids()[0])
    # Two clicks = the first sound's trajectory frame by frame as it played, cut where the
    # second click steps to the second sound's (QA s19 H1: it held one pooled frame).
    np.testing.assert_allclose(path.xy[0], first, atol=1e-6)
    np.testing.assert_allclose(path.xy[-1], second, atol=1e-6)
    step = np.flatnonzero(np.diff(path.times_s) == 0)
    assert len(step) == 1 and path.times_s[step[0]] > 0.015
    one, two = (c.state.trajectory(c.state.sound_at(i).id) for i in (0, 5))
    frame_s = 1.0 / c.model.info.frame_rate_hz
    frames = np.round(path.times_s[: step[0]] / frame_s).astype(int)
    on_frame = np.isclose(path.times_s[: step[0]], frames * frame_s, atol=1e-9)
    assert on_frame.sum() >= 2  # several of the first sound's frames before the second click
    np.testing.assert_array_equal(path.latents[: step[0]][on_frame], one[frames[on_frame]])
    np.testing.assert_array_equal(path.latents[step[0] + 1], two[0])


def test_playing_a_path_streams_what_an_offline_render_gives(paths, opened, qtbot):
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    path = paths.library.path(pid)
    audio = c.audio.engine
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=5000)  # the scrub has faded out
    pos = audio.tap.position
    cursor: list[tuple[float, float]] = []
    paths.panel.play_button.click()
    assert paths.player.is_playing

    def done() -> bool:
        if paths.player.cursor_xy is not None:
            cursor.append(paths.player.cursor_xy)
        return not paths.player.is_playing

    qtbot.waitUntil(done, timeout=10_000)
    played, _ = audio.tap.read_since(pos)
    expected = render_offline(
        c.model.engine,
        path=path.latents,
        times_s=path.times_s,
        sample_rate_hz=audio.sample_rate_hz,
        channels=audio.channels,
        block_frames=audio.block_frames,
        seed=0,
    ).T
    e0 = _first_nonzero(expected)
    p0 = _first_nonzero(played)
    got = played[p0 : p0 + len(expected) - e0]
    want = expected[e0:][: len(got)]
    assert len(got) >= 0.9 * (len(expected) - e0)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # The map's cursor walked along the path, from start towards the end.
    assert len(cursor) >= 3
    xs = np.array([p[0] for p in cursor])
    assert np.all(np.diff(xs) >= -1e-6) and xs[-1] > xs[0]
    assert opened.map_view._path_cursor.position() is None  # hidden when done


def test_looped_play_keeps_going_until_stopped(paths, opened, qtbot):
    pid, *_ = record_drag(qtbot, paths, opened)
    duration = paths.library.path(pid).duration_s
    paths.panel.loop_check.setChecked(True)
    paths.panel.speed.setValue(2.0)
    assert not paths.panel.stop_button.isEnabled()  # nothing to stop yet
    paths.panel.play_button.click()
    assert paths.panel.stop_button.isEnabled()
    handle = paths.player.handle
    qtbot.waitUntil(lambda: handle.played_s * 2.0 > 1.5 * duration, timeout=10_000)
    assert paths.player.is_playing and not handle.finished
    assert 0 <= paths.player.playhead_s <= duration
    paths.panel.stop_button.click()
    assert not paths.player.is_playing and not paths.panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: handle.finished, timeout=5000)


def test_edits_and_undo_show_in_the_panel_and_on_the_map(paths, opened, qtbot):
    c, view, panel = opened.controller, opened.map_view, paths.panel
    pid, *_ = record_drag(qtbot, paths, opened)
    original = paths.library.path(pid)
    d = original.duration_s

    panel.retime.setValue(2.0)
    panel.retime_button.click()
    assert paths.library.path(pid).duration_s == pytest.approx(d / 2)
    assert panel.undo_button.isEnabled()

    panel.reverse_button.click()
    rev = paths.library.path(pid)
    np.testing.assert_array_equal(rev.xy[0], original.xy[-1])

    half = d / 2
    panel.trim_start.setValue(0.25 * half)
    panel.trim_end.setValue(0.75 * half)
    kept = panel.trim_end.value() - panel.trim_start.value()  # as the spin boxes round them
    panel.trim_button.click()
    assert paths.library.path(pid).duration_s == pytest.approx(kept, abs=1e-9)

    panel.smooth_button.click()
    smoothed = paths.library.path(pid)
    assert smoothed.duration_s == pytest.approx(kept, abs=1e-9)
    assert panel.rows()[0][0] == "Path 1"

    # A blank name is refused: the row shows the path's name again.
    with qtbot.waitSignal(c.errorOccurred):
        panel.table.item(0, 0).setText("   ")
    qtbot.waitUntil(lambda: panel.rows()[0][0] == "Path 1", timeout=2000)
    assert view.path_names() == ["Path 1"]
    # Rename in place (the table edit) is saved and drawn.
    panel.table.item(0, 0).setText("sweep")
    qtbot.waitUntil(lambda: view.path_names() == ["sweep"], timeout=2000)
    assert c.store.items(ITEM_KIND)[0].name == "sweep"

    for _ in range(4):  # rename, smooth, trim, reverse
        panel.undo_button.click()
    assert paths.library.path(pid).duration_s == pytest.approx(d / 2)
    assert view.path_names() == ["Path 1"]
    panel.undo_button.click()  # the retime
    assert paths.library.path(pid).equals(original)
    assert not panel.undo_button.isEnabled()
    stored = c.store.items(ITEM_KIND)[0]
    from latentscape.engines.paths import path_from_item

    assert path_from_item(stored).equals(original)

    undo = opened.actions_by_name["undo"]  # Edit → Undo
    assert not undo.isEnabled()
    panel.delete_button.click()
    assert panel.rows() == [] and view.path_names() == [] and c.store.items(ITEM_KIND) == []
    assert undo.isEnabled()
    view.setFocus()
    CTRL = QtCore.Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Z, CTRL)
    assert view.path_names() == ["Path 1"]
    assert [i.name for i in c.store.items(ITEM_KIND)] == ["Path 1"]
    assert not undo.isEnabled()
    redo = opened.actions_by_name["redo"]  # Edit → Redo: the deletion again (QA s22)
    assert redo.isEnabled() and redo.text() == "&Redo Path Edit"
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Z, CTRL | QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert view.path_names() == [] and c.store.items(ITEM_KIND) == []
    assert undo.isEnabled() and not redo.isEnabled()


def test_paths_persist_in_the_project_and_reopen(paths, opened, qtbot, tiny_project):
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    recorded = paths.library.path(pid)
    paths.panel.table.item(0, 0).setText("gesture")
    qtbot.waitUntil(lambda: opened.map_view.path_names() == ["gesture"], timeout=2000)
    c.open_project(tiny_project)  # reopen from disk
    qtbot.waitUntil(lambda: paths.panel.rows() and not c.busy, timeout=30_000)
    wait_ready(qtbot, c, points=8)
    assert [r[0] for r in paths.panel.rows()] == ["gesture"]
    reopened = paths.library.path(paths.library.ids()[0])
    assert reopened.equals(recorded.replace(name="gesture"))
    assert opened.map_view.path_names() == ["gesture"]


def test_exports_write_files_that_read_back(paths, opened, qtbot, tmp_path):
    import mido
    import soundfile as sf

    from latentscape.engines.paths.csv_format import read_csv
    from latentscape.engines.paths.midi_export import cc_lanes, corpus_range
    from latentscape.engines.paths.render import render_path

    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    path = paths.library.path(pid)
    asked: list[tuple[str, str]] = []

    def ask_save_file(fmt: str, suggested: str) -> str:  # the user types "p" in the dialog
        asked.append((fmt, suggested))
        return str(tmp_path / "p")

    paths.ask_save_file = ask_save_file

    written: list[str] = []
    paths.exportFinished.connect(written.append)
    for fmt in ("json", "csv", "midi"):
        paths.panel.export_actions[fmt].trigger()
    assert [f.rsplit(".", 1)[1] for f in written] == ["json", "csv", "mid"]
    assert asked[0][1].endswith("Path 1.json")

    assert read_json(tmp_path / "p.json").equals(path)
    back = read_csv(tmp_path / "p.csv")
    np.testing.assert_allclose(back.times_s, path.times_s, atol=1e-6)
    np.testing.assert_allclose(back.latents, path.latents, atol=1e-5)
    # The MIDI file parses back with mido to the CC values the lanes hold.
    got: dict[int, list[tuple[float, int]]] = {}
    t = 0.0
    for msg in mido.MidiFile(str(tmp_path / "p.mid")):  # merged, msg.time in seconds
        t += msg.time
        if msg.type == "control_change":
            got.setdefault(msg.control, []).append((t, msg.value))
    # latent lanes span what the map's sounds span (not a fixed ±3 that pins a wide VAE)
    spread = corpus_range(np.concatenate(list(c.state.trajectories.values())))[:4]
    lanes = cc_lanes(path, latent_range=spread)
    assert sorted(got) == [16, 17, 18, 19, 20, 21]  # x, y, the 4 latent dims
    assert [(lane.lo, lane.hi) for lane in lanes[2:]] == [tuple(r) for r in spread]
    for lane in lanes:
        assert [v for _, v in got[lane.cc]] == lane.values.tolist()
    # CC 16 is x in 0..127: each value is the path's x at that moment, to the tick (1/1920 s):
    # where the drag moved within one tick (mouse events come in bursts on a busy machine),
    # the value lies within the x the path took during that tick.
    half_tick = 0.5 / 1920
    for t, value in got[16]:
        inside = path.times_s[np.abs(path.times_s - t) <= half_tick]
        xy, _ = path.sample(np.concatenate([[t - half_tick, t + half_tick], inside]))
        assert xy[:, 0].min() - 1 / 127 <= value / 127 <= xy[:, 0].max() + 1 / 127

    # Audio renders on a worker, deterministic with the path's seed.
    paths.panel.export_actions["wav"].trigger()
    qtbot.waitUntil(lambda: len(written) == 4, timeout=30_000)
    audio, rate = sf.read(str(tmp_path / "p.wav"), dtype="float32", always_2d=True)
    assert rate == c.model.engine.sample_rate_hz
    want = render_path(c.model.engine, path, seed=path.seed, exact_length=True)  # loop-ready
    assert audio.shape[0] == round(path.duration_s * rate)  # exactly the path's length
    np.testing.assert_allclose(audio.T, want, atol=1e-6)
    assert np.abs(audio).max() > 1e-3

    # Import the JSON back: an equal path, listed beside the original.
    paths.ask_open_file = lambda: str(tmp_path / "p.json")
    paths.panel.import_button.click()
    assert len(paths.library) == 2
    assert paths.library.path(paths.library.ids()[1]).equals(path)


def test_a_corrupt_or_future_json_is_refused_with_a_clear_message(window, qtbot, tmp_path):
    paths = attach_paths(window)  # no project, no model needed to refuse a file
    c = window.controller
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"format": "latentscape-path", "version": 99}))
    for file in (bad, future):
        with qtbot.waitSignal(c.errorOccurred) as err:
            assert paths.import_file(file) == ""
        assert file.name in err.args[0] and "\n" not in err.args[0]
    assert len(paths.library) == 0


def test_osc_messages_arrive_in_order_while_a_path_plays(paths, opened, qtbot):
    got: list[tuple] = []
    lock = threading.Lock()

    def on_message(address, *args):
        with lock:
            got.append((address, *args))

    with osc_listener(on_message) as port:
        try:
            pid, *_ = record_drag(qtbot, paths, opened)
            path = paths.library.path(pid)
            target = paths.panel.osc_target
            target.setText("nowhere")  # not host:port: ignored, shown in red
            target.editingFinished.emit()
            assert paths.osc_port != port and "color" in target.styleSheet()
            target.setText(f"127.0.0.1:{port}")  # the user types where OSC goes
            target.editingFinished.emit()
            assert (paths.osc_host, paths.osc_port) == ("127.0.0.1", port)
            assert int(opened.controller.settings.qsettings.value("osc/port")) == port
            paths.panel.osc_check.setChecked(True)
            assert paths.player.osc is not None
            target.setText("a" * 64 + ".invalid:9000")  # cannot be resolved: the stream stops
            with qtbot.waitSignal(opened.controller.errorOccurred):
                target.editingFinished.emit()
            assert paths.player.osc is None and not paths.panel.osc_check.isChecked()
            target.setText(f"127.0.0.1:{port}")
            target.editingFinished.emit()
            paths.panel.osc_check.setChecked(True)
            assert paths.player.osc is not None
            paths.panel.play_button.click()

            def ended() -> bool:
                with lock:
                    return ("/latentscape/play", 0) in got

            qtbot.waitUntil(ended, timeout=10_000)
        finally:
            paths.set_osc_enabled(False)
    with lock:
        msgs = list(got)
    assert msgs[0] == ("/latentscape/path", path.name)
    assert msgs[1] == ("/latentscape/play", 1)
    assert msgs[-1] == ("/latentscape/play", 0)
    times = [m[1] for m in msgs if m[0] == "/latentscape/time"]
    assert len(times) >= 3 and np.all(np.diff(times) > 0)
    # Frames on a 60 Hz grid of the path's own clock (a late sender skips, never bunches),
    # up to its end (the last frame within 1/60 s).
    steps = np.diff(times) * 60
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-3)
    assert path.duration_s - 1 / 60 - 1e-6 <= times[-1] <= path.duration_s + 1e-6
    zs = [m[1:] for m in msgs if m[0] == "/latentscape/z"]
    assert all(len(z) == path.latent_size for z in zs)
    end_xy = next(m[1:] for m in reversed(msgs) if m[0] == "/latentscape/xy")
    want_xy, _ = path.sample(np.array([times[-1]], dtype=np.float64))
    np.testing.assert_allclose(end_xy, want_xy[0], atol=1e-5)


def test_a_render_under_way_is_written_when_the_window_closes(paths, opened, qtbot, tmp_path):
    import soundfile as sf

    record_drag(qtbot, paths, opened)
    paths.ask_save_file = lambda fmt, suggested: str(tmp_path / "closing")
    rate_hz = opened.controller.model.engine.sample_rate_hz
    paths.panel.export_actions["wav"].trigger()
    assert opened.close()  # at once, while the render runs
    audio, rate = sf.read(str(tmp_path / "closing.wav"), dtype="float32")
    assert rate == rate_hz and np.abs(audio).max() > 1e-3


def test_the_path_being_recorded_is_drawn_as_it_grows(paths, opened, qtbot):
    c, view = opened.controller, opened.map_view
    xy = view.positions()
    c.set_recording(True)
    drag(qtbot, view, xy.min(axis=0), xy.max(axis=0))
    qtbot.waitUntil(lambda: "Recording…" in view.path_names(), timeout=2000)
    with qtbot.waitSignal(paths.recorded):
        c.set_recording(False)
    assert view.path_names() == ["Path 1"]
