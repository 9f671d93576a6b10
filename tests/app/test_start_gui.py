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
