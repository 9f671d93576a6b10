"""ExplorerController: map gestures → sound, model panel → audio engine (imports:
test_import_gui.py).

Everything is real: the Qt views, a TorchScript model (tiny nn~ fixture), a SQLite project, the
atlas, and an AudioEngine with the silent (clock-paced) player whose output tap records exactly
what a device would have been handed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6 import QtCore

from latentscape.engines.audio.offline import render_offline
from support.app_window import LEFT, empty_spot, wait_ready


def _first_nonzero(x: np.ndarray) -> int:
    idx = np.flatnonzero(np.abs(x).max(axis=-1) > 1e-7)
    assert len(idx), "no sound at all"
    return int(idx[0])


def test_clicking_a_point_auditions_that_sound(opened, qtbot):
    w = opened
    c, view = w.controller, w.map_view
    target = 5
    sound_id = c.state.sound_at(target).id
    with qtbot.waitSignal(c.soundAuditioned) as heard:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*view.positions()[target]))
    assert heard.args == [sound_id]
    voice = c.last_voice
    qtbot.waitUntil(lambda: voice.finished, timeout=10_000)
    audio = c.audio.engine
    # The device was handed exactly what an offline render of that sound's trajectory gives.
    expected = render_offline(
        c.model.engine,
        trajectory=c.state.trajectory(sound_id),
        sample_rate_hz=audio.sample_rate_hz,
        channels=audio.channels,
        block_frames=audio.block_frames,
        seed=0,
    ).T
    played = audio.tap.latest(audio.tap.capacity_frames // 2)
    start = _first_nonzero(played)
    got = played[start : start + len(expected) - _first_nonzero(expected)]
    want = expected[_first_nonzero(expected) :][: len(got)]
    assert len(got) > 0.3 * audio.sample_rate_hz
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert view.positions()[target] in view.positions()  # selection ring on the clicked sound
    assert c.selected_id == sound_id


def test_clicking_empty_space_plays_what_the_inverse_map_finds_there(opened, qtbot):
    w = opened
    c, view = w.controller, w.map_view
    x, y = empty_spot(w)
    with qtbot.waitSignal(c.positionAuditioned) as heard:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(x, y))
    hx, hy, traj = heard.args
    assert (hx, hy) == pytest.approx((x, y), abs=0.02)
    expected = c.state.atlas.trajectory_at(hx, hy, c.state.trajectories)
    np.testing.assert_array_equal(traj, expected)
    # Not one of the corpus sounds: a blend the inverse map made for this place.
    assert not any(np.array_equal(traj, z) for z in c.state.trajectories.values())
    voice = c.last_voice
    qtbot.waitUntil(lambda: voice.finished, timeout=10_000)
    qtbot.waitUntil(lambda: c.live.nonsilent_frames > 0, timeout=5000)  # it was heard


def test_a_drag_scrubs_through_a_continuous_series_of_targets(opened, qtbot):
    w = opened
    c, view = w.controller, w.map_view
    vp = view.viewport()
    xy = view.positions()
    a, b = xy.min(axis=0), xy.max(axis=0)
    start, stop = view.view_pos(*a), view.view_pos(*b)
    targets: list[tuple[float, float, np.ndarray]] = []
    c.scrubMoved.connect(lambda x, y, z: targets.append((x, y, z)))
    before = c.live.nonsilent_frames
    # a GUI hiccup of 150 ms over a dot would read as a rest there (the dot's own centre, behind
    # the pointer): rests have their own test
    c._scrub_rest.setInterval(60_000)
    qtbot.mousePress(vp, LEFT, pos=start)
    steps = 40
    for k in range(1, steps + 1):
        qtbot.wait(12)  # a hand's pace: pyqtgraph drops moves faster than ~100 Hz
        qtbot.mouseMove(vp, pos=start + (stop - start) * (k / steps))
        if k == steps // 2:
            assert view.cursor_position() is not None  # the crosshair follows the drag
    moves = len(targets)  # a rest at the end may add the target of a sound (next test)
    qtbot.waitUntil(lambda: c.live.nonsilent_frames > before, timeout=5000)
    qtbot.mouseRelease(vp, LEFT, pos=stop)
    assert view.cursor_position() is None
    del targets[moves:]
    assert len(targets) >= 0.8 * steps
    xs = np.array([t[0] for t in targets])
    assert np.all(np.diff(xs) >= -1e-6)  # the targets follow the pointer monotonically
    assert np.max(np.diff(xs)) < 0.2 * (b[0] - a[0])  # and continuously: no jumps
    for x, y, z in targets:
        np.testing.assert_array_equal(z, c.state.atlas.frame_at(x, y))
    zs = np.stack([t[2] for t in targets])
    assert len(np.unique(zs.round(5), axis=0)) > steps // 4  # the latent really moves


def test_esc_mid_drag_silences_the_rest_of_the_drag(opened, qtbot):
    """Esc (Stop All) is a panic key: the drag under way ends, and the moves until the button
    is released scrub nothing (the voice came back on the next move)."""
    w = opened
    c, view = w.controller, w.map_view
    vp = view.viewport()
    xy = view.positions()
    start, stop = view.view_pos(*xy.min(axis=0)), view.view_pos(*xy.max(axis=0))
    moved: list[float] = []
    ended: list[bool] = []
    c.scrubMoved.connect(lambda x, y, z: moved.append(x))
    c.scrubEnded.connect(lambda: ended.append(True))
    qtbot.mousePress(vp, LEFT, pos=start)
    for k in range(1, 11):
        qtbot.wait(12)
        qtbot.mouseMove(vp, pos=start + (stop - start) * (k / 20))
    assert moved and not ended
    w.activateWindow()
    qtbot.keyClick(w, QtCore.Qt.Key.Key_Escape)
    assert ended == [True]
    before = len(moved)
    for k in range(11, 21):
        qtbot.wait(12)
        qtbot.mouseMove(vp, pos=start + (stop - start) * (k / 20))
    qtbot.mouseRelease(vp, LEFT, pos=stop)
    assert len(moved) == before and ended == [True]  # silent to the release, ended once
    qtbot.waitUntil(lambda: c.audio.engine.stats().voices == 0, timeout=3000)
    qtbot.mousePress(vp, LEFT, pos=start)  # the next drag scrubs again
    qtbot.wait(12)
    qtbot.mouseMove(vp, pos=start + (stop - start) * 0.2)
    qtbot.mouseRelease(vp, LEFT, pos=start + (stop - start) * 0.2)
    assert len(moved) > before


def test_space_silences_a_sound_without_ending_the_recording(opened, qtbot):
    """Space stops what plays; only Esc, the panic key, also ends a recording."""
    c = opened.controller
    c.set_recording(True)
    c.audition_sound(c.state.sound_at(0).id)
    qtbot.waitUntil(c.is_playing, timeout=5000)
    opened.actions_by_name["play_stop"].trigger()
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=5000)
    assert c.recording
    c.set_recording(False)


def test_a_drag_that_rests_on_a_sound_plays_that_sound(opened, qtbot):
    w = opened
    c, view = w.controller, w.map_view
    vp = view.viewport()
    start = view.view_pos(*view.positions()[5]) + QtCore.QPoint(40, 0)
    rest = view.view_pos(*view.positions()[5]) + QtCore.QPoint(3, 0)  # on the dot, off centre
    hit = view.point_at(*view.data_pos(rest))
    assert hit >= 0
    targets: list[tuple[float, float, np.ndarray]] = []
    c.scrubMoved.connect(lambda x, y, z: targets.append((x, y, z)))
    qtbot.mousePress(vp, LEFT, pos=start)
    for k in range(1, 11):
        qtbot.wait(12)
        qtbot.mouseMove(vp, pos=start + (rest - start) * (k / 10))
    moves = len(targets)
    assert moves >= 5
    qtbot.waitUntil(lambda: len(targets) > moves, timeout=3000)  # the rest, after 150 ms
    qtbot.mouseRelease(vp, LEFT, pos=rest)
    atlas = c.state.atlas
    sound_id = c.state.sound_at(hit).id
    own = atlas.inverse.anchors[list(atlas.sound_ids).index(sound_id)]
    x, y, z = targets[moves]
    assert (x, y) == tuple(view.positions()[hit])
    np.testing.assert_array_equal(z, own)  # the sound's own latent
    assert not np.array_equal(targets[moves - 1][2], own)  # 3 px off: the map's blend


def test_model_panel_shows_the_model_and_its_controls_reach_the_audio_engine(opened, qtbot):
    w = opened
    c, panel, latent = w.controller, w.model_panel, w.latent_controls
    assert panel.model_name() == c.model.info.path.split("/")[-1]
    assert panel.info_text("latent_size") == "4"
    assert panel.info_text("realtime_factor").endswith("real time")
    latent.offset_slider(1).set_value(1.5)
    latent.scale_slider(0).set_value(0.5)
    latent.temperature.set_value(1.25)
    t = c.audio.engine.latent_transform
    assert t.offset[1] == pytest.approx(1.5) and t.scale[0] == pytest.approx(0.5)
    assert t.noise == pytest.approx(0.25)
    latent.seed_lock.setChecked(True)
    latent.seed.setValue(42)
    assert c.audio.seed == 42
    latent.seed_lock.setChecked(False)
    assert c.audio.seed is None
    c.audition_sound(c.state.ids[0])
    qtbot.waitUntil(lambda: panel.stat_text("rtf") != "–", timeout=5000)
    assert panel.stat_text("underruns") == "0"
    assert panel.stat_text("latency").endswith("ms")


def test_selecting_a_sound_shows_original_and_reconstruction(opened, qtbot):
    w = opened
    c = w.controller
    sid = c.state.ids[3]
    with qtbot.waitSignal(c.preview.ready, timeout=10_000):
        c.audition_sound(sid)
    orig, recon = w.pair_view.images()
    assert orig is not None and recon is not None
    assert w.pair_view.title() == c.state.sound_at(3).name
    # The original is the file itself (0.4 s at the model's hop-256 analysis rate).
    assert abs(len(orig) - 0.4 * 16000 / 256) <= 5
    assert w.pair_view.play_original_button.isEnabled()
    w.pair_view.play_original_button.click()
    assert c.last_voice.kind == "file"
    w.pair_view.play_reconstruction_button.click()
    assert c.last_voice.kind == "audition"


def test_space_stops_and_plays_again_and_r_toggles_record(opened, qtbot):
    w = opened
    c = w.controller
    c.audition_sound(c.state.ids[2])
    qtbot.waitUntil(c.is_playing, timeout=5000)
    w.actions_by_name["play_stop"].trigger()
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=5000)
    with qtbot.waitSignal(c.soundAuditioned) as again:
        w.actions_by_name["play_stop"].trigger()
    assert again.args == [c.state.ids[2]]
    with qtbot.waitSignal(c.recordToggled) as rec:
        qtbot.keyClick(w.map_view, QtCore.Qt.Key.Key_R)
    assert rec.args == [True] and w.actions_by_name["record"].isChecked()
    c.toggle_record()
    assert not c.recording and not w.actions_by_name["record"].isChecked()


@pytest.mark.slow
def test_projection_refines_in_place_and_is_saved(window, qtbot, tiny_project):
    c, view = window.controller, window.map_view
    c.open_project(tiny_project)  # saved with a PCA preview: refinement starts by itself
    wait_ready(qtbot, c, points=8)
    qtbot.waitUntil(lambda: c.sync.refine_count == 1 and not c.busy, timeout=120_000)
    assert c.state.atlas.method == "umap"
    qtbot.waitUntil(
        lambda: np.allclose(view.positions(), c.state.xy_in_map_order(), atol=1e-5), timeout=5000
    )
    assert c.store.atlas().method == "umap"

    # a later import places its sounds on the UMAP map: no sound already there moves
    from support.app_projects import write_sounds

    before = dict(zip(c.state.ids, c.state.xy_in_map_order().tolist()))
    write_sounds(tiny_project.parent / "later", count=3, seed=21)
    said: list[str] = []
    c.message.connect(said.append)
    assert c.import_paths([str(tiny_project.parent / "later")])
    qtbot.waitUntil(lambda: len(c.state) == 11 and not c.busy, timeout=60_000)
    assert any("3 sounds placed on the map, which stays as it was (Ctrl+R" in m for m in said)
    assert c.sync.refine_count == 1 and c.state.atlas.method == "umap"
    xy = dict(zip(c.state.ids, c.state.xy_in_map_order().tolist()))
    assert {i: xy[i] for i in before} == before
    shown = view.positions()
    assert np.allclose([shown[c.state.index_of(i)] for i in before], list(before.values()))
    # the atlas with the placed sounds was saved on a worker (busy until it was)
    saved = c.store.atlas()
    assert saved.method == "umap" and set(int(i) for i in saved.sound_ids) == set(c.state.ids)
    # an import that brings more sounds than the map had is laid out anew
    write_sounds(tiny_project.parent / "many", count=12, seed=22)
    assert c.import_paths([str(tiny_project.parent / "many")])
    qtbot.waitUntil(lambda: c.sync.refine_count == 2 and not c.busy, timeout=120_000)
    assert len(c.state) == 23 and len(c.store.atlas().sound_ids) == 23


def test_a_file_that_is_not_a_model_is_refused_with_a_clear_message(window, qtbot, tmp_path):
    c = window.controller
    bad = tmp_path / "notes.ts"
    bad.write_text("not a model")
    with qtbot.waitSignal(c.errorOccurred, timeout=10_000) as err:
        c.load_model(bad)
    assert "notes.ts" in err.args[0] and "\n" not in err.args[0]
    assert window.banner.level() == "error" and window.banner.text() == err.args[0]
    assert c.model is None


def test_save_as_elsewhere_keeps_the_sounds_files_and_onto_itself_keeps_an_untitled_project(
    opened, qtbot, tmp_path
):
    """Sounds imported from the project's own folder are stored relative to it: after Save
    As into another folder the map's sounds still find their files, as the copy does. An
    untitled project saved onto its own file stays (its temp file was taken for one to
    discard)."""
    from support.app_projects import write_sounds

    c = opened.controller
    write_sounds(c.store.path.parent / "inside", count=2, seed=31)
    assert c.import_paths([str(c.store.path.parent / "inside")])
    qtbot.waitUntil(lambda: len(c.state) == 10 and not c.busy, timeout=30_000)
    inside = c.state.ids[-1]
    assert not c.state.sound_at(c.state.index_of(inside)).path.startswith("/")  # relative
    copy = tmp_path / "elsewhere" / "copy.lsc"
    copy.parent.mkdir()
    with qtbot.waitSignal(c.preview.ready, timeout=10_000):
        c.select_sound(inside)
    assert c.save_project_as(copy)
    assert all(c.store.resolve(s.path).is_file() for s in c.state.sounds)
    qtbot.waitUntil(lambda: c.preview.current is not None and not c.busy, timeout=10_000)
    assert c.preview.current.original is not None  # "Play original" reads the file
    c.new_project()
    qtbot.waitUntil(lambda: not c.busy and len(c.state) == 0, timeout=30_000)
    untitled = c.store.path
    assert c.save_project_as(untitled)
    assert untitled.is_file()
    c.store.set_setting("still", "writable")


def test_save_as_never_replaces_a_file_that_is_not_a_project(opened, qtbot, tmp_path):
    """QA s22 #3: Save As onto "tone01.wav" replaced the sound with the project database, and
    a text named ".lsc" went without a word. Both are refused, kept as they were, and the
    project goes on where it was; another project of that name may be replaced."""
    c = opened.controller
    before = c.store.path
    wav, text = tmp_path / "tone01.wav", tmp_path / "precious.lsc"
    wav.write_bytes(b"RIFF" + bytes(60))
    text.write_text("my notes")
    for target in (wav, text):
        kept = target.read_bytes()
        with qtbot.waitSignal(c.errorOccurred, timeout=10_000) as err:
            assert not c.save_project_as(target)
        assert f"{target.name}: exists and is not a latentscape project" in err.args[0]
        assert target.read_bytes() == kept and c.store.path == before
        assert not list(tmp_path.glob("*.partial"))
    other = tmp_path / "other.lsc"
    assert c.save_project_as(other) and c.save_project_as(before)
    assert c.save_project_as(other) and c.store.path == other  # a project: replaced


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("kit v1.2", "kit v1.2.lsc"),
        ("tone01.wav", "tone01.wav.lsc"),
        ("kit.LSC", "kit.LSC"),
        ("kit.", "kit.lsc"),
    ],
)
def test_save_as_names_end_in_lsc(typed, saved):
    """QA s22 #3: "kit v1.2" was saved as "kit v1.2", which Open Project does not list."""
    from latentscape.project_session import project_file_name

    assert project_file_name(f"/x/{typed}") == f"/x/{saved}"


def test_save_as_continues_in_the_copy_and_exports_write_files(opened, qtbot, tmp_path):
    import soundfile as sf

    from latentscape.exports import export_map_csv, export_sound_wav

    c = opened.controller
    copy = tmp_path / "copy.lsc"
    c.save_project_as(copy)
    assert c.store.path == copy and opened.windowTitle().startswith("copy.lsc")
    assert len(c.store.sounds()) == len(c.state)
    assert c.settings.recent_files()[0] == str(copy.resolve())
    sid = c.state.ids[0]
    wav = export_sound_wav(c.model.engine, c.state.trajectory(sid), tmp_path / "s.wav")
    audio, rate = sf.read(str(wav))
    assert rate == c.model.engine.sample_rate_hz
    assert len(audio) == len(c.state.trajectory(sid)) * c.model.engine.hop_samples
    rows = export_map_csv(c.state, tmp_path / "map.csv").read_text().splitlines()
    assert len(rows) == 1 + len(c.state) and rows[0].startswith("sound_id,name,category,x,y")


def test_a_sound_whose_file_moved_says_where_it_was_looked_for(opened, qtbot):
    """The sample folder moved (or its drive is not mounted): the pair view shows the
    reconstruction alone, the original's caption says "not found", and Play original is off,
    its tooltip naming the path looked at and the cure. It showed the reconstruction under
    "Original" and said only "This sound has no original file"."""
    c, pair = opened.controller, opened.controller.views.pair_view
    sound = c.state.sound_at(0)
    path = c.store.resolve(sound.path)
    path.rename(path.with_name("elsewhere.wav"))
    with qtbot.waitSignal(c.preview.ready, timeout=10_000) as ready:
        c.select_sound(sound.id)
    preview = ready.args[0]
    assert preview.original is None and preview.original_db is None
    assert pair.original_caption() == "Original: not found"
    assert not pair.play_original_button.isEnabled() and pair.play_reconstruction_button.isEnabled()
    assert str(path) in pair.play_original_button.toolTip()
    assert "Import its new place" in pair.play_original_button.toolTip()
    original, reconstruction = pair.images()
    assert original is None and reconstruction is not None
    path.with_name("elsewhere.wav").rename(path)
    with qtbot.waitSignal(c.preview.ready, timeout=10_000):
        c.select_sound(c.state.sound_at(1).id)
    assert pair.original_caption() == "Original" and pair.play_original_button.isEnabled()


def test_opening_a_project_says_how_many_sounds_files_are_not_where_they_were(opened, qtbot):
    """QA s22: a project whose samples moved opened without a word; only a disabled "Play
    original", once a sound was selected, told of it."""
    c, banner = opened.controller, opened.banner
    assert "not where" not in banner.text()  # every file is there: nothing to say
    banner.clear()  # (the tests' silent player's note: a banner already showing keeps it)
    for sound in c.state.sounds[:2]:
        path = c.store.resolve(sound.path)
        path.rename(path.with_name(f"moved-{path.name}"))
    opened_before = c.store
    c.open_project(c.store.path)
    qtbot.waitUntil(lambda: c.store is not opened_before and not banner.isHidden(), timeout=30_000)
    assert banner.level() == "info"
    assert banner.text().startswith(f"{c.store.path.name}: the files of 2 sounds are not where")


def test_play_original_plays_the_file_itself_in_its_channels_and_rate(opened, qtbot, tmp_path):
    """A stereo 48 kHz file in a 16 kHz mono model's project: "Play original" plays the
    file (both channels, at 48 kHz, resampled only by the output); it played the model's
    mono 16 kHz version of it. The spectrogram still shows it as the model hears it."""
    import soundfile as sf

    c, pair = opened.controller, opened.controller.views.pair_view
    rate = 48_000
    t = np.arange(rate // 2) / rate
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 660 * t)], axis=1)
    (tmp_path / "wide").mkdir()
    sf.write(tmp_path / "wide" / "pad.wav", (0.5 * stereo).astype(np.float32), rate)
    assert c.import_paths([str(tmp_path / "wide")])
    qtbot.waitUntil(lambda: len(c.state) == 9 and not c.busy, timeout=30_000)
    sound = c.state.sound_at(8)
    with qtbot.waitSignal(c.preview.ready, timeout=10_000) as ready:
        c.select_sound(sound.id)
    preview = ready.args[0]
    assert preview.original_rate_hz == rate and preview.original.shape[0] == 2
    start = round(sound.start_s * rate)
    expected = (0.5 * stereo.T).astype(np.float32)[:, start : start + preview.original.shape[1]]
    np.testing.assert_allclose(preview.original, expected, atol=1e-4)  # 16-bit WAV
    assert preview.sample_rate_hz == 16_000 and preview.original_db is not None
    pair.play_original_button.click()
    assert c.last_voice.kind == "file"


def test_marked_sounds_files_are_copied_as_paths_and_into_a_folder(opened, qtbot, tmp_path):
    """A sample browser's basics: the marked sounds' own files, as paths on the clipboard
    (Ctrl+Shift+C) or copied into a folder, never over a file there; with nothing marked,
    the selected sound's file."""
    from PySide6 import QtGui

    c, view = opened.controller, opened.map_view
    clipboard = QtGui.QGuiApplication.clipboard()
    clipboard.setText("")
    opened.actions_by_name["copy_path"].trigger()
    assert clipboard.text() == ""  # nothing marked or selected: nothing copied
    c.select_sound(c.state.sound_at(2).id)
    opened.actions_by_name["copy_path"].trigger()
    assert clipboard.text() == str(c.store.resolve(c.state.sound_at(2).path))
    view.marks.set([1, 4, 6], view.positions())
    opened.actions_by_name["copy_path"].trigger()
    files = [c.store.resolve(c.state.sound_at(i).path) for i in (1, 4, 6)]
    assert clipboard.text().splitlines() == [str(f) for f in files]
    assert all(os.path.isabs(line) and os.path.isfile(line) for line in clipboard.text().split())
    out = tmp_path / "picked"
    out.mkdir()
    (out / files[0].name).write_bytes(b"the user's own file")
    with qtbot.waitSignal(c.message, timeout=10_000) as told:
        opened.menus.copy_files_to(files, out)
    assert told.args == [f"Copied 3 files to {out}"]
    assert (out / files[0].name).read_bytes() == b"the user's own file"  # kept
    second = out / f"{files[0].stem}-2{files[0].suffix}"
    assert second.read_bytes() == files[0].read_bytes()
    assert all((out / f.name).read_bytes() == f.read_bytes() for f in files[1:])


def test_groups_hidden_in_the_legend_stay_hidden_until_another_project_opens(opened, qtbot):
    """A group hidden in the legend stays hidden when the same map is drawn again (moved
    files found, another program's change); a project opened shows every group."""
    from support.app_window import wait_ready

    c, view = opened.controller, opened.map_view
    (group,) = c.state.categories([c.state.sound_at(0)])
    view.set_group_hidden(group, True)
    p = c.state.points()
    view.set_points(p.xy, p.categories, p.names, p.generated)  # as map_sync redraws
    assert view.hidden_groups() == {group}
    c.open_project(c.store.path)
    wait_ready(qtbot, c, points=8)
    assert view.hidden_groups() == set() and view.shown_count() == 8
