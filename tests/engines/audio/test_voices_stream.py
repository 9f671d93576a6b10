"""Voices on the real JACK stream: retrigger cuts, looping paths, a decoder process dying."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.audio.offline import render_offline
from support.audio_waits import BLOCK, wait_blocks, wait_until

pytestmark = pytest.mark.audio

RATE = 48000
FADE = RATE * 5 // 1000


def held(value: float, frames: int) -> np.ndarray:
    return np.full((frames, 4), value, np.float32)


def test_a_retriggered_audition_cuts_the_old_one_without_a_click(
    jack_server: str, streaming_model
) -> None:
    a, b = held(-1.0, 400), held(1.2, 100)
    ref_a = render_offline(streaming_model, trajectory=a, sample_rate_hz=RATE).T
    ref_b = render_offline(streaming_model, trajectory=b, sample_rate_hz=RATE).T
    own_step = max(np.abs(np.diff(r[:, 0])).max() for r in (ref_a, ref_b))
    audio = AudioEngine(streaming_model, "JACK", BLOCK, RATE, decoder="thread")
    with audio:
        start = audio.tap.position
        first = audio.audition(a)
        wait_until(lambda: first.played_s > 0.3)
        second = audio.audition(b)
        wait_until(lambda: second.finished and first.finished)
        got, _ = audio.tap.read_since(start)
        stats = audio.stats()
    assert stats.underruns == 0
    assert np.abs(np.diff(got[:, 0])).max() <= 1.25 * own_step
    # once the old voice has faded out, the new one is exactly its offline render
    starts = [k for k in range(0, len(got) - len(ref_b), BLOCK) if k > 0.3 * RATE]
    matches = [k for k in starts if np.array_equal(got[k + FADE : k + len(ref_b)], ref_b[FADE:])]
    assert matches, "the retriggered audition does not play as rendered"
    assert len(got) - matches[0] < len(ref_b) + 2 * BLOCK  # and the old one is gone


def test_a_looping_path_keeps_playing_until_stopped(jack_server: str, streaming_model) -> None:
    frames = np.stack([np.full(4, -1.0), np.full(4, 1.0)]).astype(np.float32)
    times = np.array([0.0, 0.2])
    audio = AudioEngine(streaming_model, "JACK", BLOCK, RATE, decoder="thread")
    with audio:
        path = audio.play_path(frames, times, loop=True, speed=2.0)  # one cycle = 0.1 s
        wait_until(lambda: path.played_s > 0.35)
        assert not path.finished
        audio.stop_path()
        wait_until(lambda: path.finished)
        assert audio.stats().underruns == 0


@pytest.mark.slow
def test_when_the_decoder_process_dies_decoding_moves_into_the_app(
    jack_server: str, streaming_model
) -> None:
    audio = AudioEngine(streaming_model, "JACK", BLOCK, RATE, decoder="process")
    with audio:
        assert audio.stats().decoder == "process"
        audio.scrub_to(np.zeros(4, np.float32))
        wait_blocks(audio, 3)
        os.kill(audio.process_ids()["decoder"], signal.SIGKILL)
        wait_until(lambda: audio.stats().decoder == "thread")
        assert "decoder process ended" in audio.stats().decoder_note
        start = audio.tap.position
        audio.scrub_to(np.full(4, 0.5, np.float32))  # the app carries on: a new scrub voice
        wait_blocks(audio, 10)
        got, _ = audio.tap.read_since(start)
        assert audio.status_reason == ""
    assert np.abs(got).max() > 0.01
