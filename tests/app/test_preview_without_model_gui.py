"""The selected sound's original without a model that decodes it (new-user QA s19 M4).

A project whose model file is gone, or a loaded model that cannot decode the project's
latents: clicking a sound circled it, but the pane still said "Select a sound on the map" and
"Play original" stayed disabled, although the files are there and need no model. Now the
original is shown and plays; the reconstruction's side says why it is empty. Everything is
real: the window, a tiny TorchScript model, a SQLite project, the silent clock-paced
AudioEngine whose output tap holds what a device would have been handed.
"""

from __future__ import annotations

import numpy as np

from latentscape.sound_preview import NO_MODEL, OTHER_MODEL
from support.app_window import LEFT, READY_MS


def _open_without_its_model(window, qtbot, project):
    """Open ``project`` with its model file renamed away; returns the model's path."""
    from latentscape.project_store import ProjectStore

    with ProjectStore.open(project) as store:
        model = store.resolve(store.model().path)
    model.rename(model.with_suffix(".gone"))
    c = window.controller
    c.sync.auto_refine = False
    with qtbot.waitSignal(c.errorOccurred, timeout=30_000):
        c.open_project(project)
    qtbot.waitUntil(lambda: not c.busy and c.audio.engine is not None, timeout=READY_MS)
    assert c.model is None and len(c.state) == 8
    return model


def _click_sound(window, qtbot, index: int):
    """Click the map's point ``index`` as a user does; returns the Preview shown."""
    c, view = window.controller, window.map_view
    with qtbot.waitSignal(c.preview.ready, timeout=10_000) as ready:
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*view.positions()[index]))
    return ready.args[0]


def _played_peak(window, qtbot) -> float:
    """Click "Play original", let it play out; the loudest sample the tap saw meanwhile."""
    c = window.controller
    audio = c.audio.engine
    start = audio.tap.position
    window.pair_view.play_original_button.click()
    voice = c.last_voice
    assert voice is not None and voice.kind == "file"
    qtbot.waitUntil(lambda: voice.finished, timeout=10_000)
    played, _ = audio.tap.read_since(start)
    return float(np.abs(played).max())


def test_without_its_model_a_sounds_original_is_shown_and_plays(window, qtbot, tiny_project):
    c, pair = window.controller, window.pair_view
    model = _open_without_its_model(window, qtbot, tiny_project)
    preview = _click_sound(window, qtbot, 3)
    sound = c.state.sound_at(3)
    assert c.selected_id == sound.id and pair.title() == sound.name
    original, reconstruction = pair.images()
    assert original is not None and reconstruction is None
    # The original's spectrogram at its own rate (16 kHz, hop 256): the whole 0.4 s file.
    assert preview.sample_rate_hz == 16_000 and abs(len(original) - 0.4 * 16_000 / 256) <= 5
    assert pair.original_caption() == "Original" and pair.notes()[0] == ""
    assert pair.reconstruction_caption() == "Reconstruction: no model"
    assert pair.notes()[1].lower() == NO_MODEL.lower()
    assert "load the project's model to hear what it makes of this sound" in pair.notes()[1]
    assert not pair.play_reconstruction_button.isEnabled()
    assert pair.play_reconstruction_button.toolTip() == NO_MODEL
    assert pair.play_original_button.isEnabled()
    # The audio engine, started without a model, plays the file itself.
    file_peak = float(np.abs(preview.original).max())
    assert file_peak > 0.05
    assert _played_peak(window, qtbot) > 0.5 * file_peak
    # The model found again: the reconstruction appears beside the original, as before.
    model.with_suffix(".gone").rename(model)
    c.load_model(model)
    qtbot.waitUntil(lambda: pair.images()[1] is not None, timeout=READY_MS)
    assert pair.reconstruction_caption() == "Reconstruction" and pair.notes() == ("", "")
    assert pair.images()[0] is not None and pair.play_reconstruction_button.isEnabled()
    assert c.preview.current.sound_id == sound.id and c.preview.current.reconstruction is not None
    qtbot.waitUntil(lambda: not c.busy and c.audio.engine is not None, timeout=READY_MS)
    with qtbot.waitSignal(c.soundAuditioned, timeout=10_000):
        pair.play_reconstruction_button.click()
    assert c.last_voice.kind == "audition"


def test_a_model_that_cannot_decode_the_project_still_shows_and_plays_originals(
    window, qtbot, tiny_project, nn_model
):
    c, pair = window.controller, window.pair_view
    _open_without_its_model(window, qtbot, tiny_project)
    c.load_model(nn_model(sr=16000, hop=64, latent=6))  # another model, another latent space
    qtbot.waitUntil(lambda: c.model is not None and not c.busy, timeout=READY_MS)
    qtbot.waitUntil(lambda: c.audio.engine is not None, timeout=READY_MS)
    assert not c.decodes_project_latents()
    _click_sound(window, qtbot, 5)
    original, reconstruction = pair.images()
    assert original is not None and reconstruction is None
    assert pair.reconstruction_caption() == "Reconstruction: other model"
    assert pair.play_reconstruction_button.toolTip() == OTHER_MODEL
    assert pair.play_original_button.isEnabled() and not pair.play_reconstruction_button.isEnabled()
    assert _played_peak(window, qtbot) > 0.05
