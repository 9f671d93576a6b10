"""Gallery GUI (issue 8): train priors from the window, generate tiles, hear them, drop them on the map.

All real: the main window with its silent (clock-paced) AudioEngine, the tiny nn~ fixture model,
a SQLite project, the atlas, and the priors engine (trained for a few steps only).
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6 import QtCore

from latentscape.gallery_controller import GalleryController
from latentscape.widgets.gallery_view import EMPTY_HINT, UNTRAINED_HINT
from support.app_projects import make_project
from support.app_window import LEFT, drop_on, wait_ready

TRAIN_MS = 60_000


@pytest.fixture
def gallery(opened, qtbot):
    g = GalleryController.attach(opened)
    g.train_steps = 3
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)
    return g


def _train(g, qtbot, source: str) -> None:
    g.view.set_current_source(source)
    with qtbot.waitSignal(g.priorTrained, timeout=TRAIN_MS) as trained:
        g.view.train_button.click()
    assert trained.args == [source]
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)  # stored in the project


def _generate(g, qtbot, source: str, seed: int) -> None:
    g.view.set_current_source(source)
    g.view.seed.setValue(seed)
    with qtbot.waitSignal(g.tilesChanged, timeout=TRAIN_MS) as changed:
        g.view.generate_button.click()
    assert changed.args == [source]
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)


@pytest.mark.parametrize("source", ["GAN", "Diffusion"])
def test_train_then_generate_fills_16_tiles_deterministically(gallery, qtbot, source):
    g = gallery
    assert g.view.sources() == ["GAN", "Diffusion"]  # the tiny model exports no prior
    g.view.set_current_source(source)
    # untrained: Generate is off, and the empty grid and the status both say to train
    assert not g.view.generate_button.isEnabled() and "Train" in g.view.status_text()
    assert g.view.hint_text(source) == UNTRAINED_HINT
    _train(g, qtbot, source)
    assert g.view.generate_button.isEnabled()
    assert g.view.hint_text(source) == EMPTY_HINT
    prior = g.prior(source)
    assert prior.is_trained and prior.report.steps == 3
    assert "Trained" in g.view.status_text()

    _generate(g, qtbot, source, seed=7)
    tiles = g.tiles(source)
    assert len(g.view.tiles(source)) == len(tiles) == 16
    assert [w.tile_id for w in g.view.tiles(source)] == [t.tile_id for t in tiles]
    # The windows are the prior's seeded samples, decoded and drawn as thumbnails.
    expected = prior.sample(16, temperature=1.0, seed=7)
    np.testing.assert_array_equal(np.stack([t.window for t in tiles]), expected.windows)
    engine = g.explorer.model.engine
    assert tiles[0].window.shape == (prior.window_frames, engine.latent_size)
    assert tiles[0].audio.shape[1] == prior.window_frames * engine.hop_samples
    assert all(np.isfinite(t.thumb).all() and t.thumb.ndim == 2 for t in tiles)
    assert g.view.seed.value() == 8  # the counter moves on: the next press makes new sounds

    _generate(g, qtbot, source, seed=8)
    assert not np.array_equal(g.tiles(source)[0].window, tiles[0].window)
    _generate(g, qtbot, source, seed=7)  # the same seed again: the same sounds
    again = g.tiles(source)
    np.testing.assert_array_equal(np.stack([t.window for t in again]), expected.windows)
    np.testing.assert_array_equal(again[5].thumb, tiles[5].thumb)


def test_the_locked_seed_drives_generation_and_clicking_a_tile_plays_it(gallery, qtbot):
    g = gallery
    c = g.explorer
    _train(g, qtbot, "GAN")
    panel = c.views.latent_controls
    panel.seed_lock.setChecked(True)
    panel.seed.setValue(42)
    _generate(g, qtbot, "GAN", seed=3)  # the gallery's own seed box is overridden
    want = g.prior("GAN").sample(16, seed=42).windows
    np.testing.assert_array_equal(np.stack([t.window for t in g.tiles("GAN")]), want)
    assert g.view.seed.value() == 42
    widget = g.view.tiles("GAN")[4]
    before = c.live.nonsilent_frames
    qtbot.mouseClick(widget, LEFT)
    assert widget.is_selected()
    voice = c.last_voice
    assert voice is not None and voice.kind == "audition"
    qtbot.waitUntil(lambda: voice.finished, timeout=10_000)
    qtbot.waitUntil(lambda: c.live.nonsilent_frames > before, timeout=5000)  # it was heard
    assert voice.played_s == pytest.approx(
        len(g.tile("GAN", widget.tile_id).window) / c.model.engine.info.frame_rate_hz, rel=0.1
    )


def _drop_tile(view, widget, qtbot) -> None:
    drop_on(view, widget.mime_data(), QtCore.QPoint(60, 60))


def test_dropping_a_tile_on_the_map_adds_a_generated_sound(gallery, qtbot):
    g = gallery
    c, view = g.explorer, g.explorer.views.map_view
    _train(g, qtbot, "Diffusion")
    _generate(g, qtbot, "Diffusion", seed=2)
    widget = g.view.tiles("Diffusion")[3]
    tile = g.tile("Diffusion", widget.tile_id)
    before = view.point_count()
    old_xy = view.positions().copy()
    with qtbot.waitSignal(g.tileAdded, timeout=10_000) as added:
        _drop_tile(view, widget, qtbot)
    sound_id = added.args[0]
    qtbot.waitUntil(lambda: view.point_count() == before + 1, timeout=10_000)
    # In the project: a generated sound holding the tile's latent window.
    sound = c.store.sound(sound_id)
    assert sound.generated and sound.path is None
    np.testing.assert_array_equal(c.store.latents(sound_id), tile.window)
    # On the map: drawn as generated, placed by the atlas among the others, who did not move.
    assert c.state.sound_at(before).id == sound_id and c.state.generated()[before]
    assert "generated" in view.legend_labels()
    np.testing.assert_array_equal(view.positions()[:before], old_xy)
    placed = np.clip(c.state.atlas.place([tile.window])[0], 0.0, 1.0)  # as imports are placed
    np.testing.assert_allclose(view.positions()[before], placed, atol=1e-6)
    # Clicking it on the map (it may lie at the edge, out of view) plays the tile's window.
    with qtbot.waitSignal(c.soundAuditioned) as heard:
        view.pointClicked.emit(before)
    assert heard.args == [sound_id]
    np.testing.assert_array_equal(c.state.trajectory(sound_id), tile.window)
    # The project's map takes it in too (the CLI renders from it): at the place it shows.
    qtbot.waitUntil(lambda: sound_id in c.store.atlas().sound_ids, timeout=15_000)
    stored = c.store.atlas()
    np.testing.assert_allclose(stored.xy[stored.sound_ids == sound_id][0], placed, atol=1e-6)
    # "Add to corpus" does the same from the gallery's button.
    g.view.tiles("Diffusion")[0].clicked.emit()
    with qtbot.waitSignal(g.tileAdded, timeout=10_000):
        g.view.add_button.click()
    qtbot.waitUntil(lambda: view.point_count() == before + 2, timeout=10_000)
    assert sum(s.generated for s in c.store.sounds()) == 2
    # The same tile again: not a second, hidden copy; the one on the map is selected.
    c.select_sound(c.state.ids[0])
    with qtbot.waitSignal(c.selectionChanged, timeout=10_000) as selected:
        _drop_tile(view, widget, qtbot)
    assert selected.args == [sound_id] and view.point_count() == before + 2
    assert sum(s.generated for s in c.store.sounds()) == 2


def test_cancelled_training_keeps_a_usable_prior_more_like_this_and_save_wav(
    gallery, qtbot, tmp_path
):
    g = gallery
    g.train_steps, g.train_seconds = None, 60.0
    g.view.set_current_source("GAN")
    g.view.train_button.click()
    assert g.view.train_button.text() == "Cancel"
    qtbot.waitUntil(lambda: "left ·" in g.view.status_text(), timeout=TRAIN_MS)
    with qtbot.waitSignal(g.priorTrained, timeout=TRAIN_MS):
        g.view.train_button.click()  # Cancel: stops after the current step
    report = g.prior("GAN").report
    assert report.cancelled and report.steps >= 1
    assert "stopped early" in g.view.status_text() and g.view.train_button.text() == "Train"
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)
    _generate(g, qtbot, "GAN", seed=5)
    first = g.view.tiles("GAN")[0]
    qtbot.mouseClick(first, LEFT)
    with qtbot.waitSignal(g.tilesChanged, timeout=TRAIN_MS):
        g.view.more_button.click()
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)
    tiles = g.tiles("GAN")
    assert len(tiles) == len(g.view.tiles("GAN")) == 20
    parent = tiles[0]
    near = np.mean([np.abs(t.window - parent.window).mean() for t in tiles[16:]])
    far = np.mean([np.abs(t.window - parent.window).mean() for t in tiles[1:16]])
    assert near < far  # variations stay closer to their tile than other samples are
    path = tmp_path / "tile.wav"
    with qtbot.waitSignal(g.wavSaved, timeout=10_000):
        assert g.save_tile_wav("GAN", parent.tile_id, path)
    audio, rate = sf.read(str(path), dtype="float32")
    engine = g.explorer.model.engine
    assert rate == engine.sample_rate_hz
    assert len(audio) == len(parent.window) * engine.hop_samples
    np.testing.assert_allclose(audio, np.clip(parent.audio[0], -1, 1), atol=1e-6)


def test_save_as_while_a_prior_trains_keeps_training_and_stores_it_in_the_copy(
    gallery, qtbot, tmp_path
):
    from latentscape.project_store import ProjectStore

    g, c = gallery, gallery.explorer
    g.train_steps, g.train_seconds = None, 60.0
    g.view.set_current_source("GAN")
    g.view.train_button.click()
    qtbot.waitUntil(lambda: "left ·" in g.view.status_text(), timeout=TRAIN_MS)
    original, copy = c.store.path, tmp_path / "copy.lsc"
    assert c.save_project_as(copy)
    assert g.view.train_button.text() == "Cancel"  # the training goes on
    with qtbot.waitSignal(g.priorTrained, timeout=TRAIN_MS):
        g.view.train_button.click()
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)
    with ProjectStore.open(copy) as saved:
        assert [item.name for item in saved.items("prior", with_payload=False)] == ["gan"]
    with ProjectStore.open(original) as left:
        assert not left.items("prior", with_payload=False)


def test_a_reopened_project_has_its_priors_and_tiles(gallery, qtbot, tiny_project, settings_file):
    from latentscape.main_window import MainWindow
    from latentscape.settings import AppSettings

    g = gallery
    _train(g, qtbot, "GAN")
    _train(g, qtbot, "Diffusion")
    _generate(g, qtbot, "Diffusion", seed=11)
    shown = g.tiles("Diffusion")
    gan_windows = g.prior("GAN").sample(16, seed=4).windows

    w2 = MainWindow(AppSettings(settings_file), player="silent", warm_up=False)
    qtbot.addWidget(w2)
    try:
        w2.controller.sync.auto_refine = False
        g2 = GalleryController.attach(w2)
        with qtbot.waitSignal(g2.restored, timeout=TRAIN_MS):
            w2.controller.open_project(tiny_project)
        wait_ready(qtbot, w2.controller, points=8)
        assert g2.prior("GAN").is_trained and g2.prior("Diffusion").is_trained
        # The gallery shows its tiles at once (nothing decoded), playable and droppable.
        again = g2.tiles("Diffusion")
        assert [t.label for t in again] == [w.label() for w in g2.view.tiles("Diffusion")]
        assert [t.label for t in again] == [t.label for t in shown]
        for a, b in zip(again, shown):
            np.testing.assert_array_equal(a.window, b.window)
            np.testing.assert_array_equal(a.thumb, b.thumb)
        assert g2.play_tile("Diffusion", again[0].tile_id)
        # Tabs usable without retraining: the restored GAN makes the same sounds.
        _generate(g2, qtbot, "GAN", seed=4)
        np.testing.assert_array_equal(np.stack([t.window for t in g2.tiles("GAN")]), gan_windows)
    finally:
        w2.close()


def test_a_model_with_its_own_prior_gets_a_third_tab(window, qtbot, nn_model, tmp_path):
    folder = tmp_path / "with_prior"
    folder.mkdir()
    project = make_project(folder, nn_model(sr=16000, hop=64, latent=4, prior=True))
    g = GalleryController.attach(window)
    c = window.controller
    c.sync.auto_refine = False
    c.open_project(project)
    wait_ready(qtbot, c, points=8)
    qtbot.waitUntil(lambda: g.view.sources() == ["GAN", "Diffusion", "Model prior"])
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)
    g.view.set_current_source("Model prior")
    assert g.view.train_button.isEnabled()
    _generate(g, qtbot, "Model prior", seed=9)  # no training needed
    tiles = g.tiles("Model prior")
    assert len(tiles) == 16
    np.testing.assert_array_equal(
        np.stack([t.window for t in tiles]), g.prior("Model prior").sample(16, seed=9).windows
    )


def test_a_prior_trained_for_another_model_says_so(gallery, qtbot, nn_model):
    g, c = gallery, gallery.explorer
    _train(g, qtbot, "GAN")
    assert g.view.status_text().startswith("Trained")
    c.load_model(nn_model(sr=16000, hop=64, latent=6))
    qtbot.waitUntil(lambda: not c.busy and c.model.engine.latent_size == 6, timeout=60_000)
    assert "another model" in g.view.status_text()
    assert not g.view.generate_button.isEnabled()  # nothing to generate from for this model
    assert g.view.hint_text("GAN") == UNTRAINED_HINT


def test_a_model_of_another_space_loaded_cannot_generate_from_the_projects_priors(
    gallery, qtbot, tmp_path
):
    """Loading (not importing with) a model of the same size but another latent space leaves
    the project's priors in place, but Generate is off: their windows are the project model's
    latents, another model would decode them as other sounds."""
    from support.nn_models import build_nn_model

    g, c = gallery, gallery.explorer
    _train(g, qtbot, "GAN")
    assert g.view.generate_button.isEnabled()
    other = build_nn_model(tmp_path / "other.ts", sr=16000, hop=64, latent=4, streaming=True)
    c.load_model(other)
    qtbot.waitUntil(lambda: not c.busy and c.model.path == str(other), timeout=60_000)
    g.view.set_current_source("GAN")
    assert not g.view.generate_button.isEnabled()
    assert g.view.status_text() == "Trained for the project's model: load it to generate"
    assert not g.generate("GAN", 2)


def test_an_import_that_switches_the_model_shows_that_models_priors_and_tiles(
    gallery, qtbot, tmp_path
):
    """After an import gives the project another model (same latent size, another space),
    the gallery is that model's: the first model's prior and tiles neither play nor generate
    through it, and stay stored under the first model (they came back on switching back)."""
    from latentscape.engines.priors import load_prior
    from support.app_projects import write_sounds
    from support.nn_models import build_nn_model

    g, c = gallery, gallery.explorer
    hash_a = c.model.info.content_hash
    _train(g, qtbot, "GAN")
    _generate(g, qtbot, "GAN", seed=3)
    with qtbot.waitSignal(g.tileAdded, timeout=10_000):
        g.add_tile_to_project("GAN", g.tiles("GAN")[0].tile_id)
    other = build_nn_model(tmp_path / "other.ts", sr=16000, hop=64, latent=4, streaming=True)
    c.load_model(other)
    qtbot.waitUntil(lambda: not c.busy and c.model.path == str(other), timeout=60_000)
    write_sounds(tmp_path / "new", count=3, seed=9)
    assert c.import_paths([str(tmp_path / "new")])
    qtbot.waitUntil(lambda: not c.busy and not c.imports.running and not g.busy, timeout=60_000)
    # the generated sound is off the new model's map, and the import's message says why
    assert "1 generated sounds are off the map" in c.views.import_progress.text()
    g.view.set_current_source("GAN")
    assert g.tiles("GAN") == [] and g.view.tiles("GAN") == []
    assert g.prior("GAN") is None and "Not trained yet" in g.view.status_text()
    assert not g.view.generate_button.isEnabled()
    assert load_prior(c.store, "gan", hash_a) is not None  # kept for the first model
    assert load_prior(c.store, "gan", c.model.info.content_hash) is None


def test_training_on_a_time_budget_says_the_time_left(gallery, qtbot):
    """The default Train runs for a time: its status counts the time down (it showed a step
    total, an estimate that changed every second), and the button says how long it takes."""
    import re

    g = gallery
    g.train_steps, g.train_seconds = None, 3.0
    assert "about 2 minutes" in g.view.train_button.toolTip()
    g.view.set_current_source("GAN")
    seen: list[str] = []
    g.view.train_button.click()
    qtbot.waitUntil(lambda: seen.append(g.view.status_text()) or "left" in seen[-1], timeout=30_000)
    assert re.fullmatch(r"Training… 0:0[0-3] left · loss \d+\.\d{4}", seen[-1]), seen[-1]
    qtbot.waitUntil(lambda: not g.busy and g.prior("GAN") is not None, timeout=60_000)
    assert g.view.status_text().startswith("Trained")
