"""What the window opens with: ``latentscape gui [PROJECT] [--model M]`` (app/gui_main.py)."""

from __future__ import annotations

from pathlib import Path

from latentscape.gui_main import _open_start
from latentscape.project_session import is_untitled


def test_a_model_alone_opens_an_empty_project_for_it_not_the_demo(window, qtbot, nn_model):
    """QA s19 M3: ``gui --model MINE`` put the user's model on the demo project, whose sounds
    another model encoded: nothing could be heard. Now it opens an empty untitled project
    with that model loaded, ready for the user's own sounds."""
    model = nn_model()
    demo = Path(__file__).parents[2] / "resources" / "demo" / "demo.lsc"
    c = window.controller
    _open_start(window, project=None, model=str(model), demo=demo)
    qtbot.waitUntil(lambda: c.model is not None and not c.busy, timeout=60_000)
    assert Path(c.model.path) == model
    assert is_untitled(c.store.path) and window.map_view.point_count() == 0
    assert c.decodes_project_latents()  # no "encoded with another model" note


def test_a_model_too_slow_for_live_play_is_announced_in_the_banner(window, qtbot, nn_model):
    """QA s19 M2: a RAVE-sized model measured below real time loaded without a word; the
    user only heard dropouts. The measured figure (here set to 0.9x) now puts a warning up."""
    import dataclasses

    from latentscape.project_session import load_and_measure

    c = window.controller
    loaded = load_and_measure(nn_model(), measure_s=0.1)
    slow = dataclasses.replace(loaded, info=loaded.info.with_measurements(0.9, 40.0, 1))
    c._on_model_loaded(slow)  # what the loading worker hands over
    assert window.banner.level() == "warning" and not window.banner.isHidden()
    assert "0.9x real time" in window.banner.text() and "Block Size" in window.banner.text()


def test_a_project_whose_model_is_gone_says_which_and_how_to_find_it(window, qtbot, tiny_project):
    """QA s19 M4: the banner said only "/…/my.ts: no such file", not that it is the
    project's model nor what to do."""
    from latentscape.project_store import ProjectStore

    with ProjectStore.open(tiny_project) as store:
        model = store.resolve(store.model().path)
    model.rename(model.with_suffix(".gone"))
    c = window.controller
    with qtbot.waitSignal(c.errorOccurred, timeout=30_000) as said:
        c.open_project(tiny_project)
    assert f"This project's model {model.name} was not found" in said.args[0]
    assert "File → Open Model… (Ctrl+M)" in said.args[0]
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)
    assert window.map_view.point_count() == 8 and c.model is None  # the map is there
