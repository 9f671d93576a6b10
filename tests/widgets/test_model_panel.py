"""ModelPanel: the model's facts and the live playback figures as a user reads them."""

from __future__ import annotations

import pytest

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


def test_empty_state_says_no_model(panel):
    assert panel.model_name() == "No model loaded"
    assert panel.info_text("sample_rate_hz") == "–"


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


def test_clicks_given_way_show_as_one_row_of_counts(panel):
    from latentscape.widgets import theme

    panel.set_stats(rtf=1.2, latency_ms=60, underruns=0, queued_ms=90)
    assert panel.stat_text("gave_way") == "none"
    panel.set_stats(rtf=1.2, latency_ms=60, underruns=0, queued_ms=90, gave_way=(2, 1, 0))
    assert panel.stat_text("gave_way") == "2 late · 1 cut"
    assert theme.WARNING in panel._stats["gave_way"].styleSheet()
    panel.set_stats(rtf=1.2, latency_ms=60, underruns=0, queued_ms=90, gave_way=(0, 0, 3))
    assert panel.stat_text("gave_way") == "3 skipped"
