"""The latent controls as an automation lane of a path (QA s19 M3), in the real window: a take
records the sliders moved during it, playing the path moves them again (until the user
touches one), and its WAV export applies the lane, whatever the sliders are at export time.

Everything is real: the main window and map, the tiny nn~ model, a SQLite project, an
AudioEngine with the silent clock-paced player, files on disk.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6 import QtCore

from latentscape.engines.paths import ITEM_KIND, path_from_item
from latentscape.engines.paths.render import render_path
from latentscape.project_records import unpack_arrays
from latentscape.take_autosave import TAKE_KIND
from support.paths_gui import drag

SWEEP = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]  # offset of z0: at rest, then five presses of PageUp


def touch(qtbot, value_slider, presses: int = 1, key=QtCore.Qt.Key.Key_PageUp) -> None:
    """The user moves a slider with the keyboard (a page: 0.1)."""
    for _ in range(presses):
        qtbot.keyClick(value_slider.slider, key)


def record_sweep(qtbot, paths, window, on_the_way=None):
    """Record a drag across the map with z0's offset swept 0 → 0.5 half way (a press every
    60 ms); ``on_the_way()`` runs after the sweep, recording going on. Returns the path."""
    c, view, controls = window.controller, window.map_view, window.latent_controls
    xy = view.positions()
    a, b = xy.min(axis=0), xy.max(axis=0)
    rest = c._scrub_rest.interval()
    c._scrub_rest.setInterval(60_000)  # a GUI hiccup over a dot is no rest
    c.set_recording(True)
    try:
        drag(qtbot, view, a, (a + b) / 2, steps=10)
        for _ in range(5):
            touch(qtbot, controls.offset_slider(0))
            qtbot.wait(60)
        if on_the_way is not None:
            on_the_way()
        drag(qtbot, view, (a + b) / 2, b, steps=10)
    finally:
        c._scrub_rest.setInterval(rest)
    with qtbot.waitSignal(paths.recorded) as rec:
        c.set_recording(False)
    return rec.args[0], paths.library.path(rec.args[0])


def test_a_take_records_the_sliders_moved_during_it(paths, opened, qtbot):
    c, controls = opened.controller, opened.latent_controls
    store = c.store

    def take_lane() -> np.ndarray | None:
        items = store.items(TAKE_KIND)
        arrays = unpack_arrays(items[0].payload) if items else {}
        return arrays.get("controls")

    def autosaved() -> None:  # the take's autosave keeps the lane so far (a crash keeps it)
        def written() -> bool:
            paths.takes.write_now()
            lane = take_lane()
            return lane is not None and lane[-1, 0] == pytest.approx(0.5)

        qtbot.waitUntil(written, timeout=10_000)
        np.testing.assert_allclose(take_lane()[:, 0], SWEEP, atol=1e-6)

    _pid, path = record_sweep(qtbot, paths, opened, on_the_way=autosaved)
    lane = path.controls
    assert lane is not None
    np.testing.assert_allclose(lane.offset[:, 0], SWEEP, atol=1e-6)  # the start, each change
    np.testing.assert_allclose(lane.scale, 1.0)
    np.testing.assert_allclose(lane.temperature, 1.0)
    assert lane.times_s[1] > 0.0 and lane.times_s[-1] < path.duration_s
    gaps = np.diff(lane.times_s[1:])
    assert np.all(gaps >= 0.05) and np.all(gaps < 1.0)  # on the take's clock, 60 ms apart
    assert c.audio.transform.offset[0] == pytest.approx(0.5)  # heard as it was moved
    # saved with the path in the project; the take item went
    item = next(i for i in store.items(ITEM_KIND) if i.name == path.name)
    assert path_from_item(item).controls.equals(lane)
    assert store.items(TAKE_KIND) == []
    assert controls.offset_slider(0).value() == pytest.approx(0.5)


def test_playing_the_path_moves_the_sliders_through_the_lane(paths, opened, qtbot):
    c, controls = opened.controller, opened.latent_controls
    pid, path = record_sweep(qtbot, paths, opened)
    controls.set_latent_controls([2.0] * 8, [0.5] * 8)  # elsewhere (as settings restore them)
    seen: list[tuple[float, float]] = []
    paths.player.moved.connect(lambda _id, t: seen.append((t, controls.offset_slider(0).value())))
    assert paths.play(pid)
    # the lane's first values, before the voice's first frame
    assert controls.offset_slider(0).value() == 0.0
    assert controls.scale_slider(3).value() == 1.0
    assert c.audio.transform.offset[0] == 0.0 and c.audio.transform.scale[3] == 1.0
    qtbot.waitUntil(lambda: not paths.player.is_playing, timeout=10_000)
    lane = path.controls
    for t, value in seen:  # at each cursor move, the lane's value there
        assert value == pytest.approx(float(lane.at([t])[0, 0]), abs=1e-6)
    assert len({round(v, 2) for _, v in seen}) >= 4  # it swept through the recorded values
    # stopped: the sliders stay where the lane left them, and the audio with them
    assert controls.offset_slider(0).value() == pytest.approx(0.5)
    assert c.audio.transform.offset[0] == pytest.approx(0.5)


def test_a_take_over_a_playing_path_records_the_lane_moves_it_heard(paths, opened, qtbot):
    c = opened.controller
    pid, path = record_sweep(qtbot, paths, opened)
    assert paths.play(pid, loop=True)

    def watch_a_loop() -> None:  # recording over the looping path, its lane moving z0
        handle = paths.player.handle
        start = handle.played_s
        qtbot.waitUntil(lambda: handle.played_s > start + path.duration_s, timeout=10_000)

    c.set_recording(True)
    xy = opened.map_view.positions()
    a, b = xy.min(axis=0), xy.max(axis=0)
    drag(qtbot, opened.map_view, a, (a + b) / 2, steps=5)
    watch_a_loop()  # the take goes on (its last gesture comes after): the lane moves in it
    drag(qtbot, opened.map_view, (a + b) / 2, b, steps=5)
    with qtbot.waitSignal(paths.recorded) as rec:
        c.set_recording(False)
    paths.stop()
    over = paths.library.path(rec.args[0])
    z0, swept = over.controls.values[:, 0], path.controls.values[:, 0]
    assert len(np.unique(z0)) >= 2  # the lane moved z0 under the take: heard, so recorded
    assert np.all(np.abs(z0[:, None] - swept[None, :]).min(axis=1) < 1e-4)  # nothing else


def test_touching_a_slider_while_the_path_plays_lets_go_of_the_lane(paths, opened, qtbot):
    controls = opened.latent_controls
    pid, path = record_sweep(qtbot, paths, opened)
    assert paths.play(pid, loop=True)
    handle = paths.player.handle
    qtbot.waitUntil(lambda: handle.played_s > 0.1, timeout=10_000)
    assert paths.automation.reading
    touch(qtbot, controls.offset_slider(1), presses=2)  # the user takes over
    assert not paths.automation.reading
    held = controls.offset_slider(0).value()
    start = handle.played_s
    # a loop and a half later, still playing: z0 stays where it was (the lane sweeps it)
    qtbot.waitUntil(lambda: handle.played_s > start + 1.5 * path.duration_s, timeout=10_000)
    assert paths.player.is_playing
    assert controls.offset_slider(0).value() == held
    assert controls.offset_slider(1).value() == pytest.approx(0.2)
    paths.stop()
    assert controls.offset_slider(0).value() == held  # stopped: left as it is
    # played again, the lane is read again
    assert paths.play(pid)
    assert paths.automation.reading and controls.offset_slider(0).value() == 0.0
    paths.stop()


def test_a_touched_loop_stays_let_go_of_through_an_audio_restart(paths, opened, qtbot):
    """The loop goes on on the new engine (another block size) from its start; the lane the
    user let go of is not read again, which would undo the touch (review s20 #6)."""
    c, controls = opened.controller, opened.latent_controls
    pid, path = record_sweep(qtbot, paths, opened)
    assert paths.play(pid, loop=True)
    qtbot.waitUntil(lambda: paths.player.handle.played_s > 0.1, timeout=10_000)
    touch(qtbot, controls.offset_slider(0), presses=3, key=QtCore.Qt.Key.Key_PageDown)
    held = controls.offset_slider(0).value()
    assert held == pytest.approx(-0.3) and not paths.automation.reading
    with qtbot.waitSignal(c.audio.started, timeout=30_000):
        opened.menus.set_block(512)
    assert paths.player.is_playing and paths.player.path_id == pid
    handle = paths.player.handle
    qtbot.waitUntil(lambda: handle.played_s > 1.2 * path.duration_s, timeout=10_000)
    assert not paths.automation.reading
    assert controls.offset_slider(0).value() == held
    assert c.audio.transform.offset[0] == pytest.approx(held)
    paths.stop()


def test_the_wav_export_applies_the_lane_whatever_the_sliders_are(paths, opened, qtbot, tmp_path):
    c, controls = opened.controller, opened.latent_controls
    pid, path = record_sweep(qtbot, paths, opened)
    written: list[str] = []
    paths.exportFinished.connect(written.append)
    files = []
    for k, offset in enumerate((-1.5, 1.25)):
        controls.offset_slider(0).set_value(offset)  # the user moves z0 (emits: heard live)
        assert c.audio.transform.offset[0] == pytest.approx(offset)
        files.append(tmp_path / f"take{k}.wav")
        assert paths.export(pid, "wav", files[-1])
        qtbot.waitUntil(lambda n=k + 1: len(written) == n, timeout=30_000)
    first, _rate = sf.read(str(files[0]), dtype="float32", always_2d=True)
    second, _ = sf.read(str(files[1]), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(first, second)  # the live sliders play no part
    engine = c.model.engine
    want = render_path(engine, path, seed=path.seed, exact_length=True)  # the lane applied
    np.testing.assert_allclose(first.T, want, atol=1e-6)
    live = render_path(
        engine,
        path.replace(controls=None),
        seed=path.seed,
        exact_length=True,
        transform=c.audio.transform,
    )
    assert np.abs(first.T - live).max() > 1e-3  # the sliders as they are now would differ


def test_a_recovered_take_keeps_its_lane(tmp_path):
    from latentscape.engines.paths import LatentPath
    from latentscape.engines.paths.controls import ControlLane, control_values
    from latentscape.project_store import ProjectStore
    from latentscape.take_items import move_take, recover_takes, take_item

    t = np.linspace(0.0, 2.0, 9)
    lane = ControlLane([0.0, 0.7, 1.5], [control_values([v], [1.0], 1.2) for v in SWEEP[:3]])
    take = LatentPath(t, np.stack([t / 2, t / 2], 1), np.ones((9, 4)), seed=5, controls=lane)
    with ProjectStore.create(tmp_path / "p.lsc") as store:
        payload, meta = take_item(take, layout=3)
        with store.transaction():
            item_id = store.put_item(TAKE_KIND, "take in progress", payload, meta)
            assert move_take(store, item_id, 3, 4, lambda: lambda xy: xy + 0.0)  # laid out
        assert recover_takes(store)[0] == ["Path 1 (recovered)"]
        back = path_from_item(store.items(ITEM_KIND)[0])
        assert back.controls is not None and back.controls.equals(lane)


def test_a_take_with_a_damaged_lane_is_recovered_without_it(tmp_path):
    """Review s20 #9: its points, positions and latents are fine; only the lane is lost."""
    from latentscape.engines.paths import LatentPath
    from latentscape.project_records import pack_arrays
    from latentscape.project_store import ProjectStore
    from latentscape.take_items import recover_takes, take_item

    t = np.linspace(0.0, 2.0, 9)
    take = LatentPath(t, np.stack([t / 2, t / 2], 1), np.ones((9, 4)), seed=5)
    with ProjectStore.create(tmp_path / "p.lsc") as store:
        payload, meta = take_item(take, layout=None)
        arrays = unpack_arrays(payload)
        arrays["controls_times_s"] = np.array([0.5, 0.0])  # decreasing: not a lane
        arrays["controls"] = np.ones((2, 17), np.float32)
        with store.transaction():
            store.put_item(TAKE_KIND, "take in progress", pack_arrays(arrays), meta)
        assert recover_takes(store) == (["Path 1 (recovered)"], [])
        back = path_from_item(store.items(ITEM_KIND)[0])
        assert back.controls is None and np.array_equal(back.times_s, take.times_s)


def test_a_model_loaded_during_a_take_records_the_controls_it_reset(paths, opened, qtbot):
    """Review s20 #4: the sliders went back to rest, the lane kept the old offset."""
    c, controls = opened.controller, opened.latent_controls
    xy = opened.map_view.positions()
    a, b = xy.min(axis=0), xy.max(axis=0)
    touch(qtbot, controls.offset_slider(0), presses=3)  # z0 at 0.3 before the take
    c.set_recording(True)
    drag(qtbot, opened.map_view, a, (a + b) / 2, steps=5)
    c.load_model(c.model.path)  # the same file again: its sliders come back at rest
    qtbot.waitUntil(lambda: not c.busy, timeout=60_000)
    assert controls.offset_slider(0).value() == 0.0
    drag(qtbot, opened.map_view, (a + b) / 2, b, steps=5)
    with qtbot.waitSignal(paths.recorded) as rec:
        c.set_recording(False)
    lane = paths.library.path(rec.args[0]).controls
    assert lane.offset[0, 0] == pytest.approx(0.3)  # as the take began
    assert lane.offset[-1, 0] == 0.0 and lane.times_s[-1] > 0.0  # reset, as heard after it


def test_forgetting_a_paths_controls_is_an_edit_undo_brings_back(paths, opened, qtbot):
    """Review s20 #11: a path then plays and exports with the sliders as they are."""
    controls = opened.latent_controls
    pid, path = record_sweep(qtbot, paths, opened)
    paths.panel.select_path(pid)
    paths.panel.forget_controls_action.trigger()
    assert paths.library.path(pid).controls is None
    controls.set_latent_controls([1.0] * 8, [1.0] * 8)
    assert paths.play(pid)
    qtbot.waitUntil(lambda: not paths.player.is_playing, timeout=10_000)
    assert controls.offset_slider(0).value() == 1.0  # not moved by a lane
    assert not paths.forget_controls(pid)  # none left to forget
    paths.undo()
    assert paths.library.path(pid).controls.equals(path.controls)
