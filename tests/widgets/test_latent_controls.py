"""LatentControls: a model of more dims than there are sliders says so (new-user QA L5)."""

from __future__ import annotations

import pytest

from latentscape.widgets.latent_controls import LatentControls, full_height_px
from latentscape.widgets.model_panel import ModelPanel


@pytest.fixture
def controls(qtbot):
    c = LatentControls()
    qtbot.addWidget(c)
    c.show()
    return c


@pytest.mark.parametrize(
    ("dims", "note"),
    [
        (16, "z0–z7: the first 8 of 16 latent dims"),
        (128, "z0–z7: the first 8 of 128 latent dims"),
        (8, ""),
        (3, ""),
        (0, ""),
    ],
)
def test_the_controls_say_how_many_of_the_models_dims_they_cover(controls, dims, note):
    controls.set_dims(dims)
    assert len(controls.latent_controls()[0]) == min(dims, 8)
    assert controls.dims_note() == note
    assert controls._note.isVisible() == bool(note)
    if note:
        assert f"the other {dims - 8} are decoded as they are" in controls._note.toolTip()
    assert controls.isEnabled() == (dims > 0)


def test_the_model_panel_shows_the_note_and_can_leave_the_controls_to_a_dock(qtbot):
    panel = ModelPanel()
    qtbot.addWidget(panel)
    panel.set_model_info({"path": "/m/my.pt", "latent_size": 16})
    assert panel.latent.dims_note() == "z0–z7: the first 8 of 16 latent dims"
    assert panel.isAncestorOf(panel.latent)
    apart = ModelPanel(latent_apart=True)
    qtbot.addWidget(apart)
    assert not apart.isAncestorOf(apart.latent)
    apart.set_model_info({"path": "/m/my.pt", "latent_size": 4})
    assert apart.latent_controls() == ([0.0] * 4, [1.0] * 4)  # the panel's API covers them


def test_a_dock_is_first_sized_for_a_full_set_of_sliders(controls):
    controls.set_dims(16)
    assert full_height_px() >= controls.sizeHint().height()
