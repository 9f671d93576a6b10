"""A click that gives way to the playing path is told: once in the status bar (what happened,
why, what to do) and counted in the Model panel's Playback box.

The first test makes the window's decoder process slow (``slow_decoder_process.py``: the model
holds one shared core for 60 % of real time per voice) and clicks over a looping path: the
real engine, decoder process and window. The second writes the shared-state fields the decoder
writes (``AUDITIONS_LATE`` …, ``S_GAVE_WAY``, ``LATE_START_S``) for a click the user made, to
check the exact texts and the once-a-second limit without depending on timing.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from latentscape.engines.audio import voice_host_process
from latentscape.engines.audio.shared_state import (
    AUDITIONS_DROPPED,
    AUDITIONS_LATE,
    GAVE_LATE,
    LATE_START_S,
    S_GAVE_WAY,
    S_VOICE_ID,
)
from support.app_window import LEFT

SLOW_DECODER = Path(__file__).parents[1] / "engines" / "audio" / "slow_decoder_process.py"


@pytest.fixture
def slow_decoder(monkeypatch):
    """Every decoder process the window starts decodes as on a machine too slow for two voices."""
    monkeypatch.setattr(voice_host_process, "DECODER_MAIN", (str(SLOW_DECODER),))


def play_loop(c) -> object:
    """Loop sound 0's trajectory as a path (what the path player asks of the engine)."""
    z = c.state.trajectory(c.state.sound_at(0).id)
    times = np.arange(len(z)) * c.model.engine.hop_samples / c.model.engine.sample_rate_hz
    return c.audio.engine.play_path(z, times, loop=True)


def click_point(qtbot, view, index: int) -> None:
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.view_pos(*view.positions()[index]))


@pytest.mark.slow
def test_clicks_over_a_path_on_a_slow_model_are_told_once_and_counted(slow_decoder, opened, qtbot):
    w = opened
    c, panel = w.controller, w.model_panel
    engine = c.audio.engine
    assert engine.decoder_mode == "process"
    said: list[tuple[float, str]] = []
    c.message.connect(lambda text: said.append((time.monotonic(), text)))
    qtbot.waitUntil(lambda: panel.stat_text("gave_way") == "none", timeout=5000)
    path = play_loop(c)
    qtbot.waitUntil(lambda: path.played_s > 0.5, timeout=10_000)
    for k in (3, 5, 7):  # 1.2 s each, as a gallery tile's click plays (the map's are 0.4 s)
        z = c.state.trajectory(c.state.sound_at(k).id)
        assert c.audition_trajectory(np.concatenate([z, z[::-1], z]))
        until = path.played_s + 0.6
        qtbot.waitUntil(lambda u=until: path.played_s > u, timeout=10_000)
    qtbot.waitUntil(lambda: panel.stat_text("gave_way") != "none", timeout=5000)
    told = [(t, text) for t, text in said if text.startswith("Click ")]
    assert told, said
    name = Path(c.model.path).name
    for _, text in told:
        assert ": the playing path comes first (" in text
        assert f"({name} decodes at " in text and "× real time" in text
        assert "stop the path to hear clicks at once" in text
    stamps = [t for t, _ in told]
    assert all(b - a >= 0.99 for a, b in itertools.pairwise(stamps))
    st = engine.stats()
    assert st.auditions_late + st.auditions_shortened + st.auditions_dropped >= len(told)


def test_a_click_that_gave_way_is_told_in_the_status_bar_and_counted(opened, qtbot):
    w = opened
    c, view, panel = w.controller, w.map_view, w.model_panel
    engine = c.audio.engine
    state = engine.state
    said: list[str] = []
    c.message.connect(said.append)
    qtbot.waitUntil(lambda: panel.stat_text("gave_way") == "none", timeout=5000)
    path = play_loop(c)
    qtbot.waitUntil(lambda: engine.stats().path_playing, timeout=10_000)
    with qtbot.waitSignal(c.soundAuditioned):
        click_point(qtbot, view, 5)
    voice = c.last_voice
    qtbot.waitUntil(lambda: voice.first_chunk_ns > 0, timeout=10_000)
    # what the click's decode thread writes when it starts 0.2 s late (VoiceRunner)
    slot = next(
        s for s in range(state.layout.slots) if state.slot_ints(s)[S_VOICE_ID] == voice.voice_id
    )
    state.slot_ints(slot)[S_GAVE_WAY] = GAVE_LATE
    state.floats[LATE_START_S] = 0.2
    state.ints[AUDITIONS_LATE] += 1
    qtbot.waitUntil(lambda: panel.stat_text("gave_way") == "1 late", timeout=5000)
    name = Path(c.model.path).name
    line = w.statusBar().currentMessage()
    assert line.startswith("Click started 0.2 s late: the playing path comes first (")
    assert f"({name} decodes at " in line and line.endswith("to hear clicks at once)")
    assert said == [line]
    told_at = time.monotonic()
    # a second click skipped within the second: counted, not told again
    state.ints[AUDITIONS_DROPPED] += 1
    qtbot.waitUntil(lambda: panel.stat_text("gave_way") == "1 late · 1 skipped", timeout=5000)
    if time.monotonic() - told_at < 0.99:
        assert said == [line]
    assert path.played_s > 0


def test_the_line_names_what_the_click_gave_way_to_and_the_cure():
    from latentscape.engines.audio.stats import collect_stats
    from latentscape.playback_actions import gave_way_text

    base = collect_stats(
        None, 0, running=True, device="JACK", device_latency_s=0.02, status_reason="",
        sample_rate_hz=48000, block_frames=1024, elapsed_s=1.0, decoder="process",
        decoder_note="",
    )  # fmt: skip
    path = replace(base, decode_rtf=1.2, path_playing=True, late_start_s=0.04)
    assert gave_way_text("dropped", path, "rave.ts") == (
        "Click skipped: the playing path comes first (rave.ts decodes at 1.2× real time, "
        "too slow for both; stop the path to hear clicks at once)"
    )
    assert gave_way_text("late", path, "rave.ts").startswith("Click started 40 ms late: ")
    scrub = replace(base, scrubbing=True)
    assert gave_way_text("shortened", scrub, "rave.ts") == (
        "Click cut short: the scrub comes first (rave.ts is too slow for both; let go of the "
        "drag to hear clicks at once)"
    )
