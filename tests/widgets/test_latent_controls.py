"""LatentControls: the intents its sliders emit, and a model of more dims than there are
sliders says so (new-user QA L5)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from latentscape.widgets.latent_controls import LatentControls, full_height_px


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


def test_without_a_model_there_is_nothing_to_control(controls):
    assert controls.latent_controls() == ([], [])
    assert not controls.isEnabled()


def test_at_most_eight_dims_get_controls_and_a_small_model_gets_fewer(controls):
    controls.set_dims(16)
    offset, scale = controls.latent_controls()
    assert offset == [0.0] * 8 and scale == [1.0] * 8
    controls.offset_slider(0).set_value(1.0)
    controls.set_dims(1)  # another model: its controls start at rest
    assert controls.latent_controls() == ([0.0], [1.0])


def test_moving_a_slider_emits_all_offsets_and_scales(controls, qtbot):
    controls.set_dims(16)
    with qtbot.waitSignal(controls.latentControlsChanged) as blocker:
        slider = controls.offset_slider(2).slider
        slider.setValue(slider.value() + 150)
    offset, scale = blocker.args
    assert offset[2] == pytest.approx(1.5) and offset[:2] == [0.0, 0.0]
    assert scale == [1.0] * 8
    assert controls.offset_slider(2).text() == "+1.50"
    with qtbot.waitSignal(controls.latentControlsChanged) as blocker:
        controls.reset_button.click()
    assert blocker.args == [[0.0] * 8, [1.0] * 8]


def test_keyboard_moves_a_scale_slider(controls, qtbot):
    controls.set_dims(16)
    slider = controls.scale_slider(0).slider
    slider.setFocus()
    with qtbot.waitSignal(controls.latentControlsChanged) as blocker:
        qtbot.keyClick(slider, QtCore.Qt.Key.Key_PageUp)
    assert blocker.args[1][0] > 1.0


def test_setters_restore_without_echoing(controls, qtbot):
    controls.set_dims(16)
    with (
        qtbot.assertNotEmitted(controls.latentControlsChanged),
        qtbot.assertNotEmitted(controls.seedLockChanged),
        qtbot.assertNotEmitted(controls.temperatureChanged),
    ):
        controls.set_latent_controls([0.5, -1.0], [2.0])
        controls.set_seed_lock(True, 42)
        controls.set_temperature(0.3)
    offset, scale = controls.latent_controls()
    assert offset[:3] == [0.5, -1.0, 0.0] and scale[:2] == [2.0, 1.0]
    assert controls.seed.value() == 42 and controls.seed.isEnabled()
    assert controls.temperature.value() == pytest.approx(0.3)


def test_temperature_and_seed_lock_emit(controls, qtbot):
    controls.set_dims(16)
    with qtbot.waitSignal(controls.temperatureChanged) as blocker:
        controls.temperature.set_value(0.25)
    assert blocker.args == [0.25]
    controls.seed.setValue(7)  # disabled spin box: not an intent until locked
    with qtbot.waitSignal(controls.seedLockChanged) as blocker:
        controls.seed_lock.setChecked(True)
    assert blocker.args == [True, 7]
    with qtbot.waitSignal(controls.seedLockChanged) as blocker:
        controls.seed.setValue(9)
    assert blocker.args == [True, 9]


def test_a_dock_is_first_sized_for_a_full_set_of_sliders(controls):
    controls.set_dims(16)
    assert full_height_px() >= controls.sizeHint().height()


def test_grab(controls):
    controls.set_dims(16)
    controls.resize(320, 360)
    assert not controls.grab().toImage().isNull()
