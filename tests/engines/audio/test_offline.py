"""Offline renders: what the voices produce, derived from the model's own decode."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.audio.latent_transform import LatentTransform
from latentscape.engines.audio.offline import render_offline
from latentscape.engines.loader import load_model
from support.vae_models import write_tiny_checkpoint

FADE_MS = 5.0


def line(n: int, dims: int = 4) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
    return (-1.0 + 2.0 * t) * np.ones((1, dims), np.float32)


def test_audition_at_model_rate_is_the_models_decode_after_the_fade_in(streaming_model) -> None:
    z = line(50)
    out = render_offline(streaming_model, trajectory=z, channels=1, fade_ms=FADE_MS)
    reference = streaming_model.decode(z)  # one call; the stream decodes chunk by chunk
    fade = round(FADE_MS / 1000 * streaming_model.sample_rate_hz)
    n = 50 * 64
    np.testing.assert_allclose(out[:, fade:n], reference[:, fade:], atol=1e-5)
    ramp = np.arange(1, fade + 1) / fade
    np.testing.assert_allclose(out[0, :fade], reference[0, :fade] * ramp, atol=1e-5)
    # then the last latent rings on for at least the fade and fades out: no click at the end
    tail = out[0, n:]
    assert fade <= len(tail) <= fade + 64
    assert np.abs(np.diff(out[0])).max() <= np.abs(np.diff(reference[0])).max() * 1.01
    assert abs(tail[-1]) < np.abs(reference).max() / len(tail) * 2


def test_render_is_repeatable_with_a_seed_and_fresh_without(noisy_model) -> None:
    z = line(40)
    a = render_offline(noisy_model, trajectory=z, seed=7)
    b = render_offline(noisy_model, trajectory=z, seed=7)
    c = render_offline(noisy_model, trajectory=z, seed=None)
    d = render_offline(noisy_model, trajectory=z, seed=None)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(c, d)


def test_resampled_to_the_device_rate_keeps_duration_and_pitch(streaming_model) -> None:
    z = np.zeros((250, 4), np.float32)  # 1 s at 16 kHz
    at_model = render_offline(streaming_model, trajectory=z, channels=1)
    at_48k = render_offline(streaming_model, trajectory=z, channels=1, sample_rate_hz=48000)
    assert abs(at_48k.shape[1] - 3 * at_model.shape[1]) <= 3

    def peak_hz(x: np.ndarray, rate: int) -> float:
        spectrum = np.abs(np.fft.rfft(x[0, rate // 4 :]))
        return float(np.argmax(spectrum) * rate / (x.shape[1] - rate // 4))

    assert peak_hz(at_48k, 48000) == pytest.approx(peak_hz(at_model, 16000), rel=0.01)


def test_file_audition_is_resampled_to_the_output_rate(streaming_model) -> None:
    rate = 22050
    t = np.arange(rate) / rate
    audio = (0.5 * np.sin(2 * np.pi * 441.0 * t)).astype(np.float32)
    out = render_offline(streaming_model, audio=audio, audio_rate_hz=rate, sample_rate_hz=48000)
    assert out.shape[0] == 2 and abs(out.shape[1] - 48000) <= 2
    spectrum = np.abs(np.fft.rfft(out[0, 4800:]))
    assert np.argmax(spectrum) * 48000 / (out.shape[1] - 4800) == pytest.approx(441.0, rel=0.01)


def test_path_plays_for_its_duration_over_speed(streaming_model) -> None:
    frames = line(5)
    times = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    hop_s = 64 / 16000
    out = render_offline(streaming_model, path=frames, times_s=times, speed=2.0)
    expected_frames = int(0.4 / (hop_s * 2.0)) + 1
    fade = round(FADE_MS / 1000 * 16000)
    tail = out.shape[1] - expected_frames * 64  # the last point rings on, fading out
    assert fade <= tail <= fade + 64


def test_path_through_two_points_equals_the_interpolated_trajectory(streaming_model) -> None:
    a, b = np.full(4, -1.0, np.float32), np.full(4, 1.0, np.float32)
    hop_s = 64 / 16000
    n = 40
    times = np.array([0.0, (n - 1) * hop_s])
    via_path = render_offline(streaming_model, path=np.stack([a, b]), times_s=times)
    w = np.linspace(0, 1, n, dtype=np.float32)[:, None]
    via_trajectory = render_offline(streaming_model, trajectory=a * (1 - w) + b * w)
    np.testing.assert_allclose(via_path, via_trajectory, atol=1e-5)


def test_latent_offset_is_the_same_as_shifting_the_trajectory(streaming_model) -> None:
    z = line(30)
    shift = np.array([0.5, -0.25, 0.0, 1.0], np.float32)
    via_transform = render_offline(
        streaming_model, trajectory=z, transform=LatentTransform(offset=tuple(shift.tolist()))
    )
    via_data = render_offline(streaming_model, trajectory=z + shift)
    np.testing.assert_allclose(via_transform, via_data, atol=1e-6)
    assert not np.allclose(via_transform, render_offline(streaming_model, trajectory=z))


def test_bad_input_says_what_is_wrong(streaming_model) -> None:
    with pytest.raises(ValueError, match=r"\[frames >= 1, 4\]"):
        render_offline(streaming_model, trajectory=np.zeros((3, 5), np.float32))
    with pytest.raises(ValueError, match="needs a trajectory"):
        render_offline(streaming_model)
    with pytest.raises(ValueError, match="non-decreasing"):
        render_offline(streaming_model, path=line(2), times_s=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="at most 8"):
        LatentTransform(offset=(0.0,) * 9)


def test_auditions_skip_the_models_own_lag(tmp_path) -> None:
    vae = load_model(write_tiny_checkpoint(tmp_path / "vae.pt"))
    lag = vae.stream_decoder(0).latency_samples
    assert lag > 0  # the premise: our VAE's decoder lags
    z = line(40, vae.latent_size)
    out = render_offline(vae, trajectory=z, channels=1, fade_ms=FADE_MS)
    reference = vae.decode(z)  # lags by `lag` samples behind the frames
    fade = round(FADE_MS / 1000 * vae.sample_rate_hz)
    n = reference.shape[1] - lag
    np.testing.assert_allclose(out[0, fade:n], reference[0, lag + fade :], atol=2e-4)
