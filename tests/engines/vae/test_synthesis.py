"""The DDSP synth, the pitch tracker and the decoder's streaming state, on derived signals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from latentscape.engines.vae.features import FeatureExtractor
from latentscape.engines.vae.model import VaeConfig, VaeCore
from latentscape.engines.vae.synthesis import NOISE_TAPS, DdspSynth

RATE, HOP = 44100, 256


def _synth() -> DdspSynth:
    return DdspSynth(RATE, HOP, n_harmonics=8, n_bands=NOISE_TAPS // 2 + 1)


def _zeros(synth: DdspSynth, batch: int = 1):
    return (
        torch.zeros(batch, 1),
        torch.zeros(batch, synth.n_harmonics),
        torch.zeros(batch, 1, dtype=torch.float64),
        torch.zeros(batch, NOISE_TAPS - 1),
        torch.zeros(batch, dtype=torch.int64),
    )


def _peak_hz(x: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spec) * RATE / x.size)


def test_harmonic_bank_plays_the_requested_partial_continuously():
    synth = _synth()
    frames = 200
    f0 = torch.full((1, frames), 440.0)
    amps = torch.zeros(1, frames, 8)
    amps[..., 1] = 0.5  # second harmonic only
    f_prev, a_prev, phase, _, _ = _zeros(synth)
    f_prev += 440.0
    a_prev[:, 1] = 0.5
    out, _ = synth.harmonic(f0, amps, f_prev, a_prev, phase)
    x = out.reshape(-1).numpy()
    assert _peak_hz(x) == pytest.approx(880.0, abs=RATE / x.size * 1.5)
    # A phase-continuous sine has no jumps larger than its own slope allows.
    max_step = 0.5 * 2 * math.pi * 880.0 / RATE
    assert np.abs(np.diff(x)).max() <= max_step * 1.01


def test_start_phases_shift_each_harmonic_and_make_a_rich_tone_less_peaky():
    """Sines in phase add up to a pulse per period; real notes' harmonics are not in phase."""
    frames, k = 40, 8
    f0 = torch.full((1, frames), 110.0)
    amps = torch.full((1, frames, k), 0.1)
    state = list(_zeros(DdspSynth(RATE, HOP, k, NOISE_TAPS // 2 + 1))[:3])
    state[0] += 110.0
    state[1] += 0.1
    aligned = DdspSynth(RATE, HOP, k, NOISE_TAPS // 2 + 1)
    spread = DdspSynth(RATE, HOP, k, NOISE_TAPS // 2 + 1, phase_seed=2)
    x = aligned.harmonic(f0, amps, *state)[0].reshape(-1).numpy()
    y = spread.harmonic(f0, amps, *state)[0].reshape(-1).numpy()
    crest = [np.abs(s).max() / np.sqrt(np.mean(s**2)) for s in (x, y)]
    assert crest[1] < 0.8 * crest[0]
    # The same harmonic amplitudes: equal magnitude spectra (energy per harmonic).
    spec_x, spec_y = (np.abs(np.fft.rfft(s * np.hanning(s.size))) for s in (x, y))
    for h in range(1, k + 1):
        b = round(h * 110.0 * x.size / RATE)
        assert spec_y[b - 2 : b + 3].max() == pytest.approx(spec_x[b - 2 : b + 3].max(), rel=0.02)
    # Harmonic h starts at θ_h: its sine, alone, is sin(h φ + θ_h).
    one = torch.zeros(1, frames, k)
    one[..., 2] = 1.0
    held = [state[0], one[:, 0], state[2]]
    got = spread.harmonic(f0, one, *held)[0].reshape(-1).numpy()
    n = np.arange(1, got.size + 1)
    theta = float(spread.start_phases[2])
    want = np.sin(3 * 2 * np.pi * 110.0 * n / RATE + theta)
    np.testing.assert_allclose(got, want, atol=1e-3)


def test_glide_starts_from_silence_so_the_first_hop_fades_in():
    synth = _synth()
    f0 = torch.full((1, 2), 300.0)
    amps = torch.zeros(1, 2, 8)
    amps[..., 0] = 1.0
    out, _ = synth.harmonic(f0, amps, *_zeros(synth)[:3])
    first = out[0, 0].abs().numpy()
    assert first[:16].max() < 0.1 < first[-16:].max()


def test_flat_noise_bands_give_broadband_noise_and_zero_bands_give_silence():
    synth = _synth()
    frames = 100
    mags = torch.full((1, frames, synth.n_bands), 0.1)
    out, _ = synth.noise(mags, *_zeros(synth)[3:])
    x = out.reshape(-1).numpy()
    spec = np.abs(np.fft.rfft(x)) ** 2
    bands = [
        spec[int(lo * spec.size) : int((lo + 0.1) * spec.size)].mean() for lo in (0.1, 0.4, 0.8)
    ]
    assert max(bands) / min(bands) < 2.0  # flat within 3 dB
    silent, _ = synth.noise(torch.zeros(1, frames, synth.n_bands), *_zeros(synth)[3:])
    assert silent.abs().max() == 0.0


@pytest.mark.parametrize("chunks", [[1] * 12, [5, 7], [3, 1, 8]])
def test_decoder_streams_exactly_chunk_by_chunk(chunks):
    torch.manual_seed(0)
    core = VaeCore(VaeConfig(latent_size=8, decoder_width=32, encoder_width=32, n_harmonics=16))
    core.eval()
    z = torch.randn(1, sum(chunks), 8)
    with torch.no_grad():
        whole, _ = core.decode_step(z, core.initial_state(1, 7))
        state = core.initial_state(1, 7)
        parts, start = [], 0
        for n in chunks:
            y, state = core.decode_step(z[:, start : start + n], state)
            parts.append(y)
            start += n
    # Float rounding only: phases are large numbers, so allow -70 dB of the peak.
    peak = whole.abs().max().item()
    np.testing.assert_allclose(torch.cat(parts, 1).numpy(), whole.numpy(), atol=3e-4 * peak)


def test_yin_tracks_pitch_and_separates_tones_from_noise():
    fe = FeatureExtractor(RATE, HOP)
    t = torch.arange(HOP * 120) / RATE
    for f0 in (55.0, 196.0, 440.0, 1200.0):
        x = 0.3 * torch.sin(2 * math.pi * f0 * t) + 0.1 * torch.sin(2 * math.pi * 3 * f0 * t)
        est, periodicity = fe.pitch(x[None])
        assert torch.median(est[0, 10:-10]).item() == pytest.approx(f0, rel=0.005)
        assert periodicity[0, 10:-10].min().item() > 0.9
    noise = torch.from_numpy(np.random.default_rng(0).standard_normal(HOP * 120).astype(np.float32))
    _, periodicity = fe.pitch(0.1 * noise[None])
    assert periodicity.mean().item() < 0.5
    assert fe(noise[None]).shape == (1, 120, fe.size)
