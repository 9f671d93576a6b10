"""Offline render through the tiny streaming model: repeatable with a seed, of the expected length."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import soundfile as sf

from latentscape.engines.loader import load_model
from latentscape.engines.paths import LatentPath, PathError, export_path
from latentscape.engines.paths.render import (
    RenderCancelled,
    path_frames_for_engine,
    render_path,
    render_path_to_file,
)

LATENT = 4


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """A streaming model with noise-padded dims, and one without noise (16 kHz, hop 64)."""
    from support.nn_models import build_nn_model

    folder = tmp_path_factory.mktemp("models")
    noisy = load_model(build_nn_model(folder / "noisy.ts", streaming=True, full_latent=8))
    clean = load_model(build_nn_model(folder / "clean.ts", streaming=True))
    return noisy, clean


def gesture(duration_s: float = 0.5) -> LatentPath:
    t = np.linspace(0.0, duration_s, 6)
    z = np.stack([np.sin(t * 7 + i) for i in range(LATENT)], axis=1)
    return LatentPath(t, np.stack([t / duration_s, t / duration_s], 1), z, seed=11)


def voice_tail_frames(engine, fade_ms: float = 5.0) -> int:
    """Frames the live path voice plays past the end: the model's lag and the fade-out."""
    decoder = engine.stream_decoder()
    lag = decoder.latency_samples
    decoder.close()
    fade = fade_ms / 1000.0 * engine.sample_rate_hz
    return max(1, math.ceil((lag + fade) / engine.hop_samples))


def test_render_is_repeatable_with_a_seed_and_has_the_expected_length(engines):
    noisy, _ = engines
    p = gesture(0.5)
    rate = noisy.sample_rate_hz / noisy.hop_samples  # 250 frames/s
    frames = int(np.floor(p.duration_s * rate + 1e-9)) + 1
    a = render_path(noisy, p)  # seed from the path (11)
    b = render_path(noisy, p, seed=11)
    c = render_path(noisy, p, seed=12)
    expected = (frames + voice_tail_frames(noisy)) * noisy.hop_samples
    assert a.dtype == np.float32 and a.shape == (noisy.channels, expected)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)  # the padded dims draw seeded noise
    assert np.abs(a).max() > 0.01  # not silence


def test_the_decoder_backend_decodes_the_paths_frames_as_one_stream(engines):
    _, clean = engines  # no noise: chunking must not change the audio of a streaming model
    p = gesture(0.3)
    frames = path_frames_for_engine(clean, p)
    decoder = clean.stream_decoder(0)
    try:
        whole = decoder.decode(frames)
    finally:
        decoder.close()
    seen = []
    out = render_path(
        clean, p, backend="decoder", chunk_frames=7, progress=lambda d, t: seen.append((d, t))
    )
    np.testing.assert_allclose(out, whole, atol=1e-5)
    assert seen[-1] == (len(frames), len(frames)) and len(seen) == -(-len(frames) // 7)


def test_the_voice_backend_plays_what_the_decoder_gives(engines):
    _, clean = engines  # the live path voice (no fade) and the bare decoder agree
    p = gesture(0.3)
    voice = render_path(clean, p, fade_ms=0.0)
    decoded = render_path(clean, p, backend="decoder")
    # the voice then holds the last frame for its tail, fading out (the end never clicks)
    assert voice.shape[1] == decoded.shape[1] + voice_tail_frames(clean, 0.0) * clean.hop_samples
    np.testing.assert_allclose(voice[:, : decoded.shape[1]], decoded, atol=1e-4)
    stereo = render_path(clean, p, fade_ms=0.0, channels=2)  # as a stereo device plays it
    assert stereo.shape == (2, voice.shape[1])
    np.testing.assert_array_equal(stereo[0], stereo[1])
    np.testing.assert_allclose(stereo[0], voice[0], atol=1e-6)


def test_speed_loops_and_output_rate_set_the_length(engines):
    noisy, _ = engines
    p = gesture(0.5)  # 125 frame periods at 250 frames/s
    hop = noisy.hop_samples
    for backend, tail in (("voice", voice_tail_frames(noisy)), ("decoder", 0)):
        fast = render_path(noisy, p, speed=2.0, backend=backend)
        assert fast.shape[1] == (62 + 1 + tail) * hop
        # three passes, each but the last held one extra frame before the wrap
        looped = render_path(noisy, p, loops=3, backend=backend)
        assert looped.shape[1] == (3 * 125 + 2 + 1 + tail) * hop
    base = render_path(noisy, p).shape[1]
    for rate in (8000, 48000):
        assert render_path(noisy, p, sample_rate_hz=rate).shape[1] == base * rate // 16000


def test_wav_and_flac_files_hold_the_render(engines, tmp_path):
    noisy, _ = engines
    p = gesture(0.2)
    audio = render_path(noisy, p)
    wav = export_path(p, None, tmp_path / "p.wav", engine=noisy)  # loop-ready, by default
    data, rate = sf.read(wav, dtype="float32", always_2d=True)
    assert rate == noisy.sample_rate_hz
    exact = render_path(noisy, p, exact_length=True)
    np.testing.assert_array_equal(data.T, exact)  # 32-bit float WAV: exact
    once = export_path(p, None, tmp_path / "once.wav", engine=noisy, exact_length=False)
    np.testing.assert_array_equal(sf.read(once, dtype="float32", always_2d=True)[0].T, audio)
    result = render_path_to_file(noisy, p, tmp_path / "p.flac", sample_rate_hz=48000)
    info = sf.info(result.file)
    assert (info.format, info.subtype, info.samplerate) == ("FLAC", "PCM_24", 48000)
    assert info.frames == result.samples == round(audio.shape[1] * 48000 / 16000)


def test_mismatched_model_missing_engine_and_cancel_are_clear(engines, tmp_path):
    noisy, _ = engines
    other = LatentPath([0.0, 0.1], [[0, 0], [1, 1]], np.zeros((2, LATENT + 1)))
    with pytest.raises(PathError, match="5 latent dims, the model has 4"):
        render_path(noisy, other)
    with pytest.raises(PathError, match="needs a loaded model"):
        export_path(gesture(), "wav", tmp_path / "x.wav")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RenderCancelled):
        render_path_to_file(noisy, gesture(), tmp_path / "c.wav", cancel=cancel)
    assert not (tmp_path / "c.wav").exists()
