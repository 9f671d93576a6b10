"""``latentscape render --path`` (QA s19 M5): bounce a latent path of the project, or a path
file, as the app plays and exports it, exactly its length; the output rules of ``render``."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from latentscape.cli import main
from latentscape.engines.loader import load_model
from latentscape.engines.paths import ITEM_KIND, LatentPath, export_path, path_to_item, write_json
from latentscape.engines.paths.render import render_path
from latentscape.project_store import ProjectStore
from support.cli_safety import one_error, snapshot


@pytest.fixture
def recorded(project):
    """The project with two paths through its sounds' latents (as the app stores them):
    ``(project, engine, {name: (item id, path)})``."""
    with ProjectStore.open(project) as store:
        engine = load_model(store.resolve(store.model().path))
        zs = [store.latents(s.id) for s in store.sounds()]
        made = {}
        for k, (name, seconds) in enumerate((("Path 1", 0.61803), ("Bass swell", 0.4321))):
            z = np.concatenate([zs[k][:4], zs[k + 1][:4]])
            t = np.sort(np.random.default_rng(k).uniform(0, seconds, len(z)))
            t[0], t[-1] = 0.0, seconds
            xy = np.stack([t / seconds, t / seconds], 1)
            path = LatentPath(t, xy, z, name=name, seed=7 + k, model_hash=engine.info.space)
            made[name] = (store.put_item(ITEM_KIND, *path_to_item(path)), path)
    return project, engine, made


def _read(file) -> np.ndarray:
    audio, _ = sf.read(str(file), dtype="float32", always_2d=True)
    return audio.T


def test_a_path_renders_exactly_its_length_as_the_apps_export_does(recorded, tmp_path, capsys):
    project, engine, made = recorded
    _, path = made["Path 1"]
    out = tmp_path / "out.wav"
    assert main(["render", "-p", str(project), "--path", "Path 1", "-o", str(out)]) == 0
    rate = engine.sample_rate_hz
    n = round(path.duration_s * rate)
    assert f"= {n} samples, {rate} Hz" in capsys.readouterr().out
    audio = _read(out)
    assert audio.shape == (engine.channels, n)  # the path's length, to the sample
    app = _read(export_path(path, "wav", tmp_path / "app.wav", engine=engine))  # the GUI's
    np.testing.assert_array_equal(audio, app)
    assert np.abs(audio).max() > 1e-3
    # the same path by its item id, by its name in another case, and from an exported file
    item_id = made["Path 1"][0]
    exported = write_json(path, tmp_path / "gesture.json")
    for which in (f"id:{item_id}", "path 1", str(exported)):
        again = tmp_path / "again.wav"
        assert main(["render", "-p", str(project), "--path", which, "-o", str(again)]) == 0
        np.testing.assert_array_equal(_read(again), audio)


def test_speed_loops_and_tail(recorded, tmp_path):
    project, engine, made = recorded
    _, path = made["Bass swell"]
    rate = engine.sample_rate_hz
    argv = ["render", "-p", str(project), "--path", "Bass swell", "-o"]
    fast = tmp_path / "fast.wav"
    assert main([*argv, str(fast), "--speed", "2", "--loops", "3"]) == 0
    one = round(path.duration_s / 2 * rate)
    assert sf.info(str(fast)).frames == 3 * one  # three cycles of the path played twice as fast
    want = render_path(engine, path, speed=2.0, loops=3, exact_length=True)
    np.testing.assert_array_equal(_read(fast), want)
    tail = tmp_path / "tail.flac"
    assert main([*argv, str(tail), "--tail"]) == 0  # played once: longer, with its fade-out
    once = render_path(engine, path)
    assert sf.info(str(tail)).frames == once.shape[1] > round(path.duration_s * rate)
    np.testing.assert_allclose(_read(tail), once, atol=2.0**-22)  # 24-bit FLAC


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--path", "Path 9"], "no path of the project has this name; its paths: 'Path 1'"),
        (["--path", "id:999"], "no path of the project has this id"),
        (["--path", "missing.json"], "no such path file"),
        (["--path", "Path 1", "--speed", "0"], "--speed 0: give a speed from 0.05 to 20"),
        (["--path", "Path 1", "--speed", "nan"], "--speed nan"),
        (["--path", "Path 1", "--loops", "0"], "--loops 0: give a number of passes"),
        (["--path", "Path 1", "--kind", "frame"], "do not apply to --path"),
        (["--path", "Path 1", "--seconds", "2"], "do not apply to --path"),
        (["--at", "0.5,0.5", "--loops", "2"], "--loops applies to --path"),
        (["--at", "0.5,0.5", "--tail"], "--tail applies to --path"),
    ],
)
def test_bad_path_options_are_one_line_errors_and_write_nothing(
    recorded, tmp_path, capsys, extra, message
):
    project, *_ = recorded
    before = snapshot(tmp_path)
    assert main(["render", "-p", str(project), "-o", str(tmp_path / "x.wav"), *extra]) == 2
    assert message in one_error(capsys, "render")
    assert snapshot(tmp_path) == before


def test_a_path_keeps_renders_output_rules_and_refuses_another_models_path(
    recorded, tmp_path, capsys
):
    project, engine, _ = recorded
    argv = ["render", "-p", str(project), "--path", "Path 1", "-o"]
    sound = next((tmp_path / "sounds").rglob("*.wav"))
    (tmp_path / "notes.wav").write_text("not audio\n")
    keep = snapshot(tmp_path)
    for out, reason in (
        (sound, "is one of the project's sounds"),
        (tmp_path / "notes.wav", "exists and is not a sound file"),
        (tmp_path / "out.mp3", "cannot write '.mp3' files"),
        (tmp_path / "sounds", "is a folder"),
    ):
        assert main([*argv, str(out)]) == 2
        assert reason in one_error(capsys, "render")
    assert snapshot(tmp_path) == keep
    deep = tmp_path / "new" / "bounce.ogg"  # folders made, any of render's formats
    assert main([*argv, str(deep)]) == 0 and sf.info(str(deep)).format == "OGG"
    # a path of a model with other latents: said, not decoded into noise
    other = LatentPath([0.0, 0.5], [[0, 0], [1, 1]], np.zeros((2, engine.latent_size + 2)))
    with ProjectStore.open(project) as store:
        store.put_item(ITEM_KIND, *path_to_item(other.replace(name="Wide")))
    capsys.readouterr()
    assert (
        main(["render", "-p", str(project), "--path", "Wide", "-o", str(tmp_path / "w.wav")]) == 2
    )
    line = one_error(capsys, "render")
    assert "'Wide' was recorded with another model (6 latent dims" in line
    assert not (tmp_path / "w.wav").exists()


def test_a_path_renders_at_its_own_speed_in_the_cli_and_the_app(recorded, tmp_path, qtbot):
    """QA s19 Q2-09: a path set to play at 0.5x was bounced at 1x by both (5.085 s where the
    loop heard lasted 10.17 s)."""
    from latentscape.engines.paths.playback import with_playback
    from latentscape.paths_export import PathExporter

    project, engine, made = recorded
    item_id, path = made["Bass swell"]
    slow = with_playback(path, loop=True, speed=0.5)
    with ProjectStore.open(project) as store:
        store.update_item(item_id, payload=path_to_item(slow)[1])
    rate = engine.sample_rate_hz
    out = tmp_path / "slow.wav"
    assert main(["render", "-p", str(project), "--path", "Bass swell", "-o", str(out)]) == 0
    assert sf.info(str(out)).frames == round(path.duration_s / 0.5 * rate)
    exporter = PathExporter()
    done: list[str] = []
    exporter.finished.connect(done.append)
    assert exporter.export(slow, "wav", tmp_path / "app.wav", engine=engine)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    np.testing.assert_array_equal(_read(done[0]), _read(out))
