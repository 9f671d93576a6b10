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
    assert np.abs(np.diff(active)).max() <= 1.25 * own_step
    silent_runs = np.diff(np.flatnonzero(active))
    assert silent_runs.max() < 8, "a gap of silence inside the scrub"


class SlowEngine:
    """A real model whose stream decoder takes ``delay_s`` longer per call (a slow producer)."""

    def __init__(self, engine, delay_s: float) -> None:
        self._engine = engine
        self._delay = delay_s

    def __getattr__(self, name: str):
        return getattr(self._engine, name)

    def stream_decoder(self, seed: int | None = 0):
        decoder = self._engine.stream_decoder(seed)
        delay = self._delay
        real_decode = decoder.decode

        def slow_decode(frames: np.ndarray) -> np.ndarray:
            time.sleep(delay)
            return real_decode(frames)

        decoder.decode = slow_decode
        return decoder


def test_a_slow_producer_is_counted_as_underruns(jack_server: str, streaming_model) -> None:
    # a decode chunk holds ~one block of audio; taking 3 blocks to make it cannot keep up
    slow = SlowEngine(streaming_model, delay_s=3 * BLOCK / 48000)
    audio = AudioEngine(
        slow, device="JACK", block_frames=BLOCK, sample_rate_hz=48000, decoder="thread"
    )
    with audio:
        audio.scrub_to(np.zeros(4, np.float32))
        wait_until(lambda: audio.stats().underruns >= 3)
        wait_until(lambda: audio.stats().late_decodes >= 1)
        stats = audio.stats()
    assert stats.decode_rtf is not None and stats.decode_rtf < 1.0


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
def test_the_reported_latency_is_never_under_one_block(block, expected_ms):
    """PortAudio reports the JACK period (21.3 ms at 1024 frames) whatever our block; a
    2048-frame block alone takes 42.7 ms at 48 kHz before any of it is heard."""
    from latentscape.engines.audio.stats import collect_stats

    stats = collect_stats(
        None, 0, running=True, device="JACK", device_latency_s=1024 / 48000,
        status_reason="", sample_rate_hz=48000, block_frames=block, elapsed_s=1.0,
        decoder="thread", decoder_note="",
    )  # fmt: skip
    assert stats.device_latency_ms == pytest.approx(expected_ms, abs=0.05)
