"""ModelPanel: the model's facts as a user reads them, and the intents its controls emit."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from latentscape.widgets.model_panel import ModelPanel

RAVE_LIKE = {
    "path": "/models/percussion.ts",
    "kind": "torchscript",
    "sample_rate_hz": 44100,
    "channels": 1,
    "latent_size": 16,
    "full_latent_size": 128,
    "hop_samples": 2048,
    "can_encode": True,
    "can_stream": True,
    "has_prior": False,
    "parameter_count": 31_500_000,
    "realtime_factor": 9.7,
    "latency_ms": 38.2,
}


@pytest.fixture
def panel(qtbot):
    p = ModelPanel()
    qtbot.addWidget(p)
    return p


def test_empty_state_says_no_model_and_disables_controls(panel):
    assert panel.model_name() == "No model loaded"
    assert panel.info_text("sample_rate_hz") == "–"
    assert panel.latent_controls() == ([], [])


def test_model_facts_are_shown_readably(panel):
    panel.set_model_info(RAVE_LIKE)
    assert panel.model_name() == "percussion.ts"
    assert panel.info_text("sample_rate_hz") == "44.1 kHz"
    assert panel.info_text("latent_size") == "16 (of 128)"
    assert panel.info_text("hop_samples") == "2048 samples · 21.5 frames/s"
    assert panel.info_text("can_stream") == "yes"
    assert panel.info_text("has_prior") == "no"
    assert panel.info_text("parameter_count") == "31.5 M"
    assert panel.info_text("realtime_factor") == "9.7× real time"
    assert panel.info_text("latency_ms") == "38 ms"


def test_at_most_eight_dims_get_controls_and_a_small_model_gets_fewer(panel):
    panel.set_model_info(RAVE_LIKE)
    offset, scale = panel.latent_controls()
    assert offset == [0.0] * 8 and scale == [1.0] * 8
    panel.set_model_info({**RAVE_LIKE, "latent_size": 1})
    assert panel.latent_controls() == ([0.0], [1.0])


def test_moving_a_slider_emits_all_offsets_and_scales(panel, qtbot):
    panel.set_model_info(RAVE_LIKE)
    with qtbot.waitSignal(panel.latentControlsChanged) as blocker:
        panel.offset_slider(2).slider.setValue(panel.offset_slider(2).slider.value() + 150)
    offset, scale = blocker.args
    assert offset[2] == pytest.approx(1.5) and offset[:2] == [0.0, 0.0]
    assert scale == [1.0] * 8
    assert panel.offset_slider(2).text() == "+1.50"
    with qtbot.waitSignal(panel.latentControlsChanged) as blocker:
        panel.reset_button.click()
    assert blocker.args == [[0.0] * 8, [1.0] * 8]


def test_keyboard_moves_a_scale_slider(panel, qtbot):
    panel.set_model_info(RAVE_LIKE)
    slider = panel.scale_slider(0).slider
    slider.setFocus()
    with qtbot.waitSignal(panel.latentControlsChanged) as blocker:
        qtbot.keyClick(slider, QtCore.Qt.Key.Key_PageUp)
    assert blocker.args[1][0] > 1.0


def test_setters_restore_without_echoing(panel, qtbot):
    panel.set_model_info(RAVE_LIKE)
    with (
        qtbot.assertNotEmitted(panel.latentControlsChanged),
        qtbot.assertNotEmitted(panel.seedLockChanged),
        qtbot.assertNotEmitted(panel.temperatureChanged),
    ):
        panel.set_latent_controls([0.5, -1.0], [2.0])
        panel.set_seed_lock(True, 42)
        panel.set_temperature(0.3)
    offset, scale = panel.latent_controls()
    assert offset[:3] == [0.5, -1.0, 0.0] and scale[:2] == [2.0, 1.0]
    assert panel.seed.value() == 42 and panel.seed.isEnabled()


def test_temperature_and_seed_lock_emit(panel, qtbot):
    panel.set_model_info(RAVE_LIKE)
    with qtbot.waitSignal(panel.temperatureChanged) as blocker:
        panel.temperature.set_value(0.25)
    assert blocker.args == [0.25]
    panel.seed.setValue(7)  # disabled spin box: not an intent until locked
    with qtbot.waitSignal(panel.seedLockChanged) as blocker:
        panel.seed_lock.setChecked(True)
    assert blocker.args == [True, 7]
    with qtbot.waitSignal(panel.seedLockChanged) as blocker:
        panel.seed.setValue(9)
    assert blocker.args == [True, 9]


def test_stats_show_and_underruns_stand_out(panel):
    panel.set_stats(rtf=4.26, latency_ms=61.4, underruns=0, queued_ms=92.9)
    assert [panel.stat_text(k) for k in ("rtf", "latency", "underruns", "queued")] == [
        "4.3×",
        "61 ms",
        "0",
        "93 ms",
    ]
    panel.set_stats(rtf=None, latency_ms=None, underruns=3, queued_ms=0)
    assert panel.stat_text("rtf") == "–" and panel.stat_text("underruns") == "3"
    assert "#ff6b6b" in panel._stats["underruns"].styleSheet()


def test_grab(panel):
    panel.set_model_info(RAVE_LIKE)
    panel.resize(320, 700)
    assert not panel.grab().toImage().isNull()
