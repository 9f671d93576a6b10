"""A playing path's speed and loop changed live (QA s19 M2): the source goes on from where it is,
and on the real JACK stream the change is heard without a restart and without a click.

The source tests use a decoder whose "audio" is latent dim 0 (hop 1, 100 frames a second:
support/latent_echo.py), so the output is the path time the voice reached, sample for sample.
"""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.audio.offline import render_offline
from latentscape.engines.audio.sources import PathSource
from support.audio_waits import BLOCK, wait_until
from support.latent_echo import RATE, drain, echo_pipe

STREAM_RATE = 48000


def ramp_source(duration_s: float, chunk: int, **kwargs) -> PathSource:
    """A path whose latent equals its own time: 0 at 0 s, ``duration_s`` at its end."""
    frames = np.array([[0.0], [duration_s]], np.float32)
    times = np.array([0.0, duration_s])
    return PathSource(echo_pipe(), frames, times, 1 / RATE, chunk, tail_frames=0, **kwargs)


def take(source: PathSource, chunks: int) -> np.ndarray:
    return np.concatenate([source.next_chunk()[:, 0] for _ in range(chunks)])


def test_a_speed_change_goes_on_from_where_the_path_is() -> None:
    src = ramp_source(1.0, chunk=10)
    report = np.zeros(4)
    src.report_to(report)
    np.testing.assert_array_equal(report, [0.0, 0.0, 1.0, 0.0])  # the first segment
    before = take(src, 3)  # 0.30 s of output at 1 ×
    src.set_playback(speed=2.0)
    after = take(src, 3)
    np.testing.assert_allclose(before, np.arange(30) / RATE, atol=1e-6)
    # not from the start: from 0.30 s on, twice as fast
    np.testing.assert_allclose(after, 0.30 + 2 * np.arange(30) / RATE, atol=1e-6)
    np.testing.assert_allclose(report, [0.30, 0.30, 2.0, 0.0])  # output 0.30 s plays 0.30 s
    src.set_playback(speed=0.5)
    np.testing.assert_allclose(take(src, 1), 0.90 + 0.5 * np.arange(10) / RATE, atol=1e-6)


def test_loop_off_while_playing_ends_the_path_at_the_end_of_the_cycle_under_way() -> None:
    src = ramp_source(0.5, chunk=10, loop=True)
    first = take(src, 7)  # a cycle (0.5 s) and 0.2 s of the next
    np.testing.assert_allclose(first[50:], np.arange(20) / RATE, atol=1e-6)
    src.set_playback(loop=False)
    rest = drain(src)
    # 0.2 s … 0.5 s, the end of this cycle included, then the (faded) tail, and no new cycle
    np.testing.assert_allclose(rest[:31], 0.2 + np.arange(31) / RATE, atol=1e-6)
    assert len(rest) == 31 + 1  # tail_frames=0 still holds one faded frame
    assert src.next_chunk() is None


def test_loop_on_while_playing_once_wraps_instead_of_ending() -> None:
    src = ramp_source(0.5, chunk=10)
    take(src, 2)
    src.set_playback(loop=True)
    out = take(src, 6)  # 0.2 s … 0.5 s, then the start again
    np.testing.assert_allclose(out[:30], 0.2 + np.arange(30) / RATE, atol=1e-6)
    np.testing.assert_allclose(out[30:], np.arange(30) / RATE, atol=1e-6)


def test_speed_must_stay_positive() -> None:
    src = ramp_source(1.0, chunk=10)
    with pytest.raises(ValueError):
        src.set_playback(speed=0.0)


def heard_latents(frames, times, segments, period_s: float) -> np.ndarray:
    """The latent frames ``[m, latent]`` a path voice played through ``segments``
    ``(voice_s, path_s, speed, loop)`` (its first, then each live change), one every
    ``period_s``, up to its end."""
    out, k = [], 0
    for i, (voice_s, path_s, speed, loop) in enumerate(segments):
        k0 = round(voice_s / period_s)
        assert k0 == k  # each segment goes on at the frame where the last one stopped
        last = i == len(segments) - 1
        k1 = k0 + 100_000 if last else round(segments[i + 1][0] / period_s)
        t = path_s + np.arange(k1 - k0) * (period_s * speed)
        t = np.mod(t, times[-1]) if loop else t[t <= times[-1] + 1e-9]
        out.append(np.stack([np.interp(t, times, frames[:, d]) for d in range(frames.shape[1])], 1))
        k = k1
    return np.concatenate(out).astype(np.float32)


@pytest.mark.audio
def test_live_speed_and_loop_changes_are_heard_without_a_restart_or_a_click(
    jack_server: str, streaming_model
) -> None:
    """Through the decoder process (the app's default), so the change travels as a command.
    What is heard is the path played at 1 × up to the change, then at 2 × from where it had
    got to, then to the end of that cycle: exactly an offline render of those latents."""
    frames = np.outer([-1.0, 1.0, -1.0], np.ones(4)).astype(np.float32)
    times = np.array([0.0, 0.25, 0.5])  # a sweep up and back: its loop point is smooth
    period_s = streaming_model.hop_samples / streaming_model.sample_rate_hz
    audio = AudioEngine(streaming_model, "JACK", BLOCK, STREAM_RATE, decoder="process")
    with audio:
        assert audio.decoder_mode == "process"
        start = audio.tap.position
        voice = audio.play_path(frames, times, loop=True, speed=1.0)
        wait_until(lambda: voice.path_segment is not None)  # the decoder took the command
        segments = [voice.path_segment]
        wait_until(lambda: voice.played_s > 0.3)
        asked_at = voice.played_s
        audio.set_path_playback(speed=2.0)
        wait_until(lambda: voice.path_segment[2] == 2.0)
        segments.append(voice.path_segment)
        voice_s, path_s, _, loop = segments[-1]
        # taken up a little ahead of what was heard (its queue), from where the path was
        assert asked_at <= voice_s < asked_at + 0.5 and loop
        assert path_s == pytest.approx(voice_s % 0.5, abs=1e-9)
        wait_until(lambda: voice.played_s > voice_s + 0.3)  # the same voice plays on
        assert not voice.finished
        audio.set_path_playback(loop=False)
        wait_until(lambda: not voice.path_segment[3])
        segments.append(voice.path_segment)
        wait_until(lambda: voice.finished, timeout_s=5)
        got, _ = audio.tap.read_since(start)
        stats = audio.stats()
    assert segments[0] == (0.0, 0.0, 1.0, True) and stats.underruns == 0
    heard = heard_latents(frames, times, segments, period_s)
    # it ended at the end of the cycle under way: no other cycle (0.25 s more at 2 ×)
    voice_s, path_s, _, _ = segments[-1]
    assert len(heard) * period_s == pytest.approx(voice_s + (0.5 - path_s) / 2, abs=period_s)
    expected = render_offline(
        streaming_model,
        path=heard,
        times_s=np.arange(len(heard)) * period_s,
        sample_rate_hz=STREAM_RATE,
        block_frames=BLOCK,
    ).T
    on = np.flatnonzero(np.abs(got[:, 0]) > 1e-7)[0]
    e0 = np.flatnonzero(np.abs(expected[:, 0]) > 1e-7)[0]
    tail = round(0.05 * STREAM_RATE)  # the last point is held and faded: not compared
    want = expected[e0 : len(expected) - tail]
    np.testing.assert_allclose(got[on : on + len(want)], want, atol=1e-5)
    # and so no click: no step larger than the sweep's own at either speed
    own_step = max(
        np.abs(
            np.diff(
                render_offline(
                    streaming_model, path=frames, times_s=times, speed=v, sample_rate_hz=STREAM_RATE
                )[0]
            )
        ).max()
        for v in (1.0, 2.0)
    )
    assert np.abs(np.diff(got[:, 0])).max() <= 1.25 * own_step
