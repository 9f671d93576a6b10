"""The audio engine on a real, clock-paced stream: the JACK dummy server (DESIGN.md §4)."""

from __future__ import annotations

import glob
import os
import subprocess
import time
import uuid

import numpy as np
import pytest

from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.audio.offline import render_offline
from support.audio_waits import BLOCK, wait_blocks, wait_until
from support.slow_decoders import SlowDecoderEngine

pytestmark = pytest.mark.audio


def sweep(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    w = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
    return a * (1 - w) + b * w


@pytest.mark.parametrize(
    ("player", "decoder"),
    [pytest.param("process", "process", marks=pytest.mark.slow), ("thread", "thread")],
)
def test_audition_hands_the_device_the_offline_render(
    jack_server: str, streaming_model, player: str, decoder: str
) -> None:
    z = sweep(np.full(4, -1.0, np.float32), np.full(4, 1.5, np.float32), 150)
    audio = AudioEngine(streaming_model, "JACK", BLOCK, player=player, decoder=decoder, seed=3)
    with audio:
        assert audio.status_reason == ""
        assert audio.stats().decoder == decoder
        assert audio.device_label.startswith("JACK")
        start = audio.tap.position
        voice = audio.audition(z)
        wait_until(lambda: voice.finished)
        got, _ = audio.tap.read_since(start)
        stats = audio.stats()
    reference = render_offline(
        streaming_model,
        trajectory=z,
        sample_rate_hz=audio.sample_rate_hz,
        channels=audio.channels,
        block_frames=BLOCK,
        seed=3,
    ).T
    assert stats.underruns == 0
    # the voice starts at a block boundary; everything around it is silence
    offsets = [k for k in range(0, len(got) - len(reference) + 1, BLOCK) if got[k].any()]
    assert offsets, "the voice never reached the device"
    k = offsets[0]
    np.testing.assert_array_equal(got[k : k + len(reference)], reference)
    assert not got[:k].any() and not got[k + len(reference) :].any()


def test_scrub_across_a_latent_line_has_no_discontinuity(jack_server: str, streaming_model) -> None:
    a, b = np.full(4, -1.5, np.float32), np.full(4, 1.5, np.float32)
    reference = render_offline(streaming_model, trajectory=sweep(a, b, 400), sample_rate_hz=48000)
    fade = 48000 * 5 // 1000
    own_step = np.abs(np.diff(reference[0, fade:])).max()  # the signal's own sample-to-sample step
    audio = AudioEngine(streaming_model, "JACK", BLOCK, 48000, decoder="thread")
    with audio:
        start = audio.tap.position
        audio.scrub_to(a)
        for i in range(41):  # drag across the line, one move per device block
            audio.scrub_to(a + (b - a) * i / 40)
            wait_blocks(audio, 1)
        audio.scrub_to(a)  # and jump straight back: the glide must smooth it
        wait_blocks(audio, 10)
        audio.scrub_stop()
        wait_blocks(audio, 3)
        got, _ = audio.tap.read_since(start)
        stats = audio.stats()
    x = got[:, 0]
    sounding = np.flatnonzero(x)
    active = x[sounding[0] : sounding[-1] + 1]
    assert len(active) > 40 * BLOCK
    assert stats.underruns == 0
    parts = stats.model_latency_ms + stats.queued_ms + stats.device_latency_ms
    assert stats.latency_ms == pytest.approx(parts + 500 * BLOCK / 48000)  # + the callback wait
    assert np.abs(np.diff(active)).max() <= 1.25 * own_step
    silent_runs = np.diff(np.flatnonzero(active))
    assert silent_runs.max() < 8, "a gap of silence inside the scrub"


def test_a_slow_producer_is_counted_as_underruns(jack_server: str, streaming_model) -> None:
    # a decode chunk holds ~one block of audio; taking 3 blocks to make it cannot keep up
    slow = SlowDecoderEngine(streaming_model, stall_s=3 * BLOCK / 48000)
    audio = AudioEngine(
        slow, device="JACK", block_frames=BLOCK, sample_rate_hz=48000, decoder="thread"
    )
    with audio:
        audio.scrub_to(np.zeros(4, np.float32))
        wait_until(lambda: audio.stats().underruns >= 3)
        wait_until(lambda: audio.stats().late_decodes >= 1)
        stats = audio.stats()
    assert stats.decode_rtf is not None and stats.decode_rtf < 1.0


def test_a_scrub_rides_out_decodes_late_by_more_than_a_block(
    jack_server: str, streaming_model
) -> None:
    """A hiccup of the decoder (here 1.2 blocks, 25.6 ms, every 5th chunk) does not make the
    scrub run dry: it keeps two blocks queued, not one block and a few ms (with which each of
    the 12 hiccups ran it dry). One underrun is allowed for this machine's own hiccups (the
    full suite runs beside other work on 2 cores)."""
    stalling = SlowDecoderEngine(streaming_model, stall_s=1.2 * BLOCK / 48000, stall_every=5)
    audio = AudioEngine(stalling, "JACK", BLOCK, 48000, decoder="thread")
    with audio:
        audio.scrub_to(np.full(4, 1.0, np.float32))
        first = stalling.stalls
        wait_until(lambda: stalling.stalls >= first + 12)
        stats = audio.stats()
    assert stats.underruns <= 1 and stats.late_decodes <= 1  # one block of lead: 2 and 2


def silent_runs(x: np.ndarray, min_frames: int) -> list[tuple[int, int]]:
    """(start, end) of each run of exact zeros of at least ``min_frames`` inside ``x``."""
    zero = np.concatenate([[False], x == 0.0, [False]])
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    runs = zip(edges[::2], edges[1::2], strict=True)
    return [(int(a), int(b)) for a, b in runs if b - a >= min_frames and a > 0 and b < len(x)]


def test_a_scrub_that_runs_dry_fades_out_and_back_in(jack_server: str, streaming_model) -> None:
    # each decode chunk holds about a block of audio and takes 1.5 blocks: the voice starves
    slow = SlowDecoderEngine(streaming_model, stall_s=1.5 * BLOCK / 48000)
    audio = AudioEngine(slow, "JACK", BLOCK, 48000, decoder="thread", fade_ms=5.0)
    with audio:
        start = audio.tap.position
        audio.scrub_to(np.full(4, 1.0, np.float32))
        wait_until(lambda: audio.stats().underruns >= 6)
        audio.scrub_stop()
        wait_blocks(audio, 4)
        got, _ = audio.tap.read_since(start)
    x = got[:, 0]
    sounding = np.flatnonzero(x)
    x = x[sounding[0] : sounding[-1] + 1]
    gaps = silent_runs(x, 32)
    assert len(gaps) >= 2, "the slow decoder never made the voice run dry"
    level = np.sqrt(np.mean(x**2))
    edge = 48000 * 5 // 1000 // 5  # the outer fifth of a 5 ms fade: gain at most 0.2
    for a, b in gaps:
        before = np.sqrt(np.mean(x[a - edge : a] ** 2))
        after = np.sqrt(np.mean(x[b : b + edge] ** 2))
        assert before < 0.3 * level and after < 0.3 * level, f"a hard edge around {a}..{b}"


def test_an_unknown_device_plays_silently_and_says_why(streaming_model) -> None:
    audio = AudioEngine(streaming_model, "no such device", BLOCK, decoder="thread")
    with audio:
        assert "no audio output device 'no such device'" in audio.status_reason
        start = audio.tap.position
        voice = audio.audition(np.zeros((40, 4), np.float32))
        wait_until(lambda: voice.finished)
        got, _ = audio.tap.read_since(start)
        assert audio.stats().running
    assert np.abs(got).max() > 0.01  # the silent renderer still feeds the spectrogram tap


def test_without_portaudio_the_engine_runs_silently(streaming_model, tmp_path, monkeypatch) -> None:
    # the player process imports a sounddevice that fails as it does without libportaudio2
    (tmp_path / "sounddevice.py").write_text(
        "raise OSError(\"cannot load library 'libportaudio.so.2'\")\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    audio = AudioEngine(streaming_model, block_frames=BLOCK, decoder="thread")
    with audio:
        assert "PortAudio" in audio.status_reason
        assert audio.stats().running


@pytest.mark.slow
def test_killing_the_server_mid_stream_leaves_the_app_running(streaming_model, monkeypatch) -> None:
    name = f"ls-kill-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    server = subprocess.Popen(
        ["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000", "-p", str(BLOCK)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(["jack_wait", "-w", "-t", "15", "-s", name], check=True, capture_output=True)
        monkeypatch.setenv("JACK_DEFAULT_SERVER", name)  # the player process reads it at start
        monkeypatch.setenv("JACK_NO_START_SERVER", "1")
        audio = AudioEngine(streaming_model, device="JACK", block_frames=BLOCK)
        audio.start()
        try:
            assert audio.status_reason == ""
            audio.scrub_to(np.zeros(4, np.float32))
            wait_blocks(audio, 5)
            # SIGTERM, not SIGKILL: a SIGKILLed jackd leaves its entry in JACK's server registry
            # (8 entries, not reclaimed here), and later servers on the machine fail to start
            server.terminate()
            server.wait(10)
            wait_until(lambda: audio.status_reason != "")
            assert "stopped" in audio.status_reason
            wait_blocks(audio, 5)  # the silent renderer took over
            voice = audio.audition(np.zeros((20, 4), np.float32))
            wait_until(lambda: voice.finished)
        finally:
            t0 = time.monotonic()
            audio.stop()
            assert time.monotonic() - t0 < 10
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(10)
        for leftover in glob.glob(f"/dev/shm/jack*{name}*"):
            os.unlink(leftover)


@pytest.mark.parametrize(("block", "expected_ms"), [(256, 21.3), (2048, 42.7)])
def test_the_reported_latency_covers_a_block_and_half_a_block_of_wait(block, expected_ms):
    """PortAudio reports the JACK period (21.3 ms at 1024 frames) whatever our block; a
    2048-frame block alone takes 42.7 ms at 48 kHz before any of it is heard."""
    from latentscape.engines.audio.stats import collect_stats

    stats = collect_stats(
        None, 0, running=True, device="JACK", device_latency_s=1024 / 48000,
        status_reason="", sample_rate_hz=48000, block_frames=block, elapsed_s=1.0,
        decoder="thread", decoder_note="",
    )  # fmt: skip
    assert stats.device_latency_ms == pytest.approx(expected_ms, abs=0.05)
    # a move waits half a block, on average, for the callback that renders it
    assert stats.callback_wait_ms == pytest.approx(500 * block / 48000)
    assert stats.latency_ms == pytest.approx(expected_ms + 500 * block / 48000, abs=0.05)
