"""Voices on the real JACK stream: retrigger cuts, looping paths, a decoder process dying."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.audio.offline import render_offline
from support.audio_waits import BLOCK, wait_blocks, wait_until
from support.slow_decoders import SlowDecoderEngine

pytestmark = pytest.mark.audio

RATE = 48000
FADE = RATE * 5 // 1000


def held(value: float, frames: int) -> np.ndarray:
    return np.full((frames, 4), value, np.float32)


def retrigger(engine, model, a: np.ndarray, b: np.ndarray):
    """Audition ``a`` on ``engine`` (a model, or a wrapper of ``model``) over the real JACK
    stream, retrigger ``b`` 0.3 s in, and wait for both to end. Returns (the output tap
    [frames, channels], the stream's stats, the largest sample step of either offline render
    of ``model``, the offline render of ``b`` [frames, channels])."""
    refs = [render_offline(model, trajectory=t, sample_rate_hz=RATE).T for t in (a, b)]
    own_step = max(np.abs(np.diff(r[:, 0])).max() for r in refs)
    audio = AudioEngine(engine, "JACK", BLOCK, RATE, decoder="thread")
    with audio:
        start = audio.tap.position
        first = audio.audition(a)
        wait_until(lambda: first.played_s > 0.3)
        second = audio.audition(b)
        wait_until(lambda: second.finished and first.finished)
        got, _ = audio.tap.read_since(start)
        stats = audio.stats()
    return got, stats, own_step, refs[1]


def test_a_retriggered_audition_cuts_the_old_one_without_a_click(
    jack_server: str, streaming_model
) -> None:
    a, b = held(-1.0, 400), held(1.2, 100)
    got, stats, own_step, ref_b = retrigger(streaming_model, streaming_model, a, b)
    assert stats.underruns == 0
    assert np.abs(np.diff(got[:, 0])).max() <= 1.25 * own_step
    # once the old voice has faded out, the new one is exactly its offline render
    starts = [k for k in range(0, len(got) - len(ref_b), BLOCK) if k > 0.3 * RATE]
    matches = [k for k in starts if np.array_equal(got[k + FADE : k + len(ref_b)], ref_b[FADE:])]
    assert matches, "the retriggered audition does not play as rendered"
    assert len(got) - matches[0] < len(ref_b) + 2 * BLOCK  # and the old one is gone


def zero_runs(x: np.ndarray, min_frames: int) -> list[tuple[int, int]]:
    """(start, end) of each run of at least ``min_frames`` exact zeros between sounds in ``x``."""
    zero = np.concatenate([[False], x == 0.0, [False]])
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    runs = zip(edges[::2], edges[1::2], strict=True)
    return [(int(a), int(b)) for a, b in runs if b - a >= min_frames and a > 0 and b < len(x)]


def test_a_retrigger_plays_the_old_sound_until_the_new_one_starts(
    jack_server: str, streaming_model
) -> None:
    """QA s18 L3: the old audition used to fade out in the first callback after the click,
    and the new one to start in the first callback after its first chunk was decoded; with a
    callback in between (about 1 in 10 clicks) the two left a block of silence. Here the
    first chunk takes 1.5 blocks, so every retrigger would leave one."""
    a, b = held(-1.0, 500), held(1.2, 100)
    late = SlowDecoderEngine(streaming_model, first_call_s=1.5 * BLOCK / RATE)
    got, stats, own_step, ref_b = retrigger(late, streaming_model, a, b)
    x = got[:, 0]
    sounding = np.flatnonzero(x)
    x = x[sounding[0] : sounding[-1] + 1]
    assert zero_runs(x, 8) == [], "silence between the old sound and the new one"
    assert np.abs(np.diff(x)).max() <= 1.25 * own_step  # a crossfade, not a click
    assert stats.underruns == 0
    # the new sound plays as rendered once the old one has faded out over its first fade ...
    starts = [k for k in range(0, len(got) - len(ref_b), BLOCK) if k > 0.3 * RATE]
    matches = [k for k in starts if np.array_equal(got[k + FADE : k + len(ref_b)], ref_b[FADE:])]
    assert matches, "the retriggered audition does not play as rendered"
    k = matches[0]
    assert got[k - 1, 0] != 0.0  # ... and the old one played up to the block it starts in
    assert not got[k + len(ref_b) :].any()


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
