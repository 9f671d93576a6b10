"""Clicks that give way to a playing path reach :class:`AudioStats`, in either decoder mode.

The decoder's voice threads count them in the shared state (``AUDITIONS_LATE`` …) and mark the
voice's slot (``S_GAVE_WAY``); the app reads both. In the decoder process the model is made
slow by a wrapper of that process (``slow_decoder_process.py``), with the same
:class:`~support.slow_decoders.SharedCore` as in this process: the real JACK stream, the real
decoder process.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latentscape.engines.audio import voice_host_process
from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.audio.shared_state import (
    AUDITIONS_DROPPED,
    AUDITIONS_LATE,
    AUDITIONS_SHORTENED,
    GAVE_DROPPED,
    GAVE_LATE,
    GAVE_NONE,
    GAVE_SHORTENED,
    LATE_START_S,
    PLAYING,
    S_GAVE_WAY,
    S_STATE,
    S_VOICE_ID,
    Layout,
    SharedState,
)
from latentscape.engines.audio.stats import collect_stats
from support.audio_waits import BLOCK, wait_until
from support.slow_decoders import BUSY_LOAD, SharedCore, latents

SLOW_DECODER = Path(__file__).with_name("slow_decoder_process.py")
CODES = {GAVE_LATE: "late", GAVE_SHORTENED: "shortened", GAVE_DROPPED: "dropped"}


@pytest.mark.audio
@pytest.mark.slow
@pytest.mark.parametrize("decoder", ["process", "thread"])
def test_clicks_that_give_way_to_the_path_are_counted_in_the_stats(
    jack_server: str, streaming_model, monkeypatch, decoder: str
) -> None:
    """As ``test_voice_priority``'s loop with clicks: path and click each need 60 % of the
    machine. The clicks give way, and the stats say how, as the voices' slots did."""
    if decoder == "process":
        monkeypatch.setattr(voice_host_process, "DECODER_MAIN", (str(SLOW_DECODER),))
        model = streaming_model
    else:
        model = SharedCore(streaming_model, load=BUSY_LOAD)  # as the wrapper makes it there
    path = latents(streaming_model, 0.5, 0.0)
    times = np.arange(len(path)) * streaming_model.hop_samples / streaming_model.sample_rate_hz
    marked: dict[int, int] = {}  # voice id -> the latest S_GAVE_WAY its slot showed

    def watch() -> None:
        layout = audio.state.layout
        for slot in range(layout.slots):
            si = audio.state.slot_ints(slot)
            if si[S_GAVE_WAY] != GAVE_NONE:
                marked[int(si[S_VOICE_ID])] = int(si[S_GAVE_WAY])

    def path_past(seconds: float) -> bool:
        watch()
        return path_voice.played_s > seconds

    audio = AudioEngine(model, "JACK", BLOCK, player="process", decoder=decoder)
    with audio:
        assert audio.stats().decoder == decoder
        path_voice = audio.play_path(path, times, loop=True)
        wait_until(lambda: path_past(0.5))
        clicks = []
        for k in range(3):
            clicks.append(audio.audition(latents(streaming_model, 1.0, 0.3 * k - 0.3)))
            until = path_voice.played_s + 0.6
            wait_until(lambda u=until: path_past(u))
        until = path_voice.played_s + 1.0
        wait_until(lambda: path_past(until))
        stats = audio.stats()
    counts = {
        "late": stats.auditions_late,
        "shortened": stats.auditions_shortened,
        "dropped": stats.auditions_dropped,
    }
    assert sum(counts.values()) >= 1, counts
    assert stats.path_playing
    click_ids = {c.voice_id for c in clicks}
    assert marked and set(marked) <= click_ids, marked  # only clicks give way, and they show it
    for code in marked.values():
        assert counts[CODES[code]] >= 1, (marked, counts)
    if stats.auditions_late:
        assert 0.0 < stats.late_start_s < 1.0


def test_the_stats_read_the_give_way_fields_the_decoder_writes() -> None:
    """What a decoder (either mode) writes into the state is what the app's stats show."""
    state = SharedState(Layout(slots=4, ring_frames=1024, tap_frames=1024))
    ints = state.ints
    ints[AUDITIONS_LATE], ints[AUDITIONS_SHORTENED], ints[AUDITIONS_DROPPED] = 2, 1, 3
    state.floats[LATE_START_S] = 0.2
    for slot, voice_id in ((0, 7), (1, 9)):
        si = state.slot_ints(slot)
        si[S_STATE], si[S_VOICE_ID] = PLAYING, voice_id

    def stats(path_id: int, scrub_id: int):
        return collect_stats(
            state, path_id, running=True, device="JACK", device_latency_s=0.02,
            status_reason="", sample_rate_hz=48000, block_frames=1024, elapsed_s=1.0,
            decoder="process", decoder_note="", path_voice_id=path_id, scrub_voice_id=scrub_id,
        )  # fmt: skip

    st = stats(7, 0)
    got = (st.auditions_late, st.auditions_shortened, st.auditions_dropped, st.late_start_s)
    assert got == (2, 1, 3, 0.2)
    assert st.path_playing and not st.scrubbing
    assert stats(0, 9).scrubbing and not stats(0, 9).path_playing
    assert not stats(5, 0).path_playing  # that voice holds no slot (it ended)
