"""Clicking a sound without a model (new-user QA s20): the status bar said "These sounds were
encoded with tiny.ts: load it, or import them again with this model", though no model was
loaded and the sound's original plays without one. Now it says what the click can do: play
the original, and which model to load to hear the map. A real window, a tiny TorchScript model
whose file is renamed away, a SQLite project."""

from __future__ import annotations

from support.app_window import LEFT, READY_MS


def test_clicking_a_sound_without_a_model_points_to_its_original_and_the_model(
    window, qtbot, tiny_project
):
    from latentscape.project_store import ProjectStore

    with ProjectStore.open(tiny_project) as store:
        model = store.resolve(store.model().path)
    model.rename(model.with_suffix(".gone"))
    c, view = window.controller, window.map_view
    c.sync.auto_refine = False
    with qtbot.waitSignal(c.errorOccurred, timeout=30_000):
        c.open_project(tiny_project)
    qtbot.waitUntil(lambda: not c.busy and c.audio.engine is not None, timeout=READY_MS)
    assert c.model is None
    said: list[str] = []
    c.message.connect(said.append)
    with qtbot.waitSignal(c.preview.ready, timeout=10_000):
        qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*view.positions()[2]))
    assert said, "the click says why nothing decodes"
    text = said[-1]
    assert "encoded with" not in text
    assert text.startswith("No model loaded")
    # It names what the window has: the button and its dock, the menu item and its key.
    assert "“Play original” (Selected sound) plays this sound's own file" in text
    assert "Play original" in window.pair_view.play_original_button.text()
    assert window.docks["selected"].windowTitle() == "Selected sound"
    assert f"load {model.name} (File → Open Model…, Ctrl+M) to hear the map" in text
    assert window.actions_by_name["open_model"].shortcut().toString() == "Ctrl+M"
    assert window.pair_view.play_original_button.isEnabled()
