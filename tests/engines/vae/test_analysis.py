"""Synth controls measured from audio (control supervision targets) and their loss."""

from __future__ import annotations

import numpy as np
import torch

from latentscape.engines.audio_metrics import mrstft
from latentscape.engines.vae.analysis import analyse_controls, noise_weight
from latentscape.engines.vae.losses import control_loss
from latentscape.engines.vae.synthesis import DdspSynth

RATE, HOP, K, BANDS = 44100, 256, 20, 65


def _render(synth: DdspSynth, f0: torch.Tensor, controls: torch.Tensor) -> np.ndarray:
    amps, noise = controls[None, :, :K], controls[None, :, K:]
    harm, _ = synth.harmonic(
        f0[None], amps, f0[None, :1], torch.zeros(1, K), torch.zeros(1, 1).double()
    )
    hiss, _ = synth.noise(noise, torch.zeros(1, synth.taps - 1), torch.full((1,), 7))
    return (harm + hiss).reshape(-1).numpy()


def test_a_harmonic_tone_is_read_back_as_its_partials():
    frames = 120
    t = np.arange(frames * HOP) / RATE
    partials = {1: 0.3, 2: 0.1, 5: 0.05}
    audio = sum(a * np.sin(2 * np.pi * 220.0 * k * t) for k, a in partials.items())
    f0 = torch.full((frames,), 220.0)
    controls = analyse_controls(
        torch.from_numpy(audio.astype(np.float32)), f0, torch.ones(frames), RATE, HOP, K, BANDS
    )
    steady = controls[20:100, :K].mean(0)
    for k, a in partials.items():
        assert abs(steady[k - 1].item() - a) < 0.03 * a  # amplitude within 3 %
    others = [k for k in range(1, K + 1) if k not in partials]
    assert steady[[k - 1 for k in others]].max() < 0.01 * 0.05
    # The harmonics are not counted again as noise (what leaks is below -30 dB).
    noise_energy = (controls[20:100, K:] * noise_weight(BANDS)).square().sum(1)
    assert noise_energy.max() < 1e-3 * sum(a * a for a in partials.values())


def test_noise_is_read_back_as_the_band_magnitudes_that_make_it():
    """Render filtered noise from known bands, measure them back (unvoiced: no partials)."""
    synth = DdspSynth(RATE, HOP, K, BANDS)
    frames = 200
    bands = torch.linspace(0.02, 0.002, BANDS).expand(frames, BANDS)
    f0 = torch.full((frames,), 100.0)
    made = torch.cat([torch.zeros(frames, K), bands], dim=1)
    audio = torch.from_numpy(_render(synth, f0, made))
    measured = analyse_controls(audio, f0, torch.zeros(frames), RATE, HOP, K, BANDS)
    assert measured[:, :K].abs().max() == 0.0
    ratio = measured[20:180, K + 2 : K + 60].mean(0) / bands[0, 2:60]
    assert abs(ratio.mean().item() - 1.0) < 0.05  # calibrated: right on average
    assert (ratio - 1.0).abs().max() < 0.25  # each band within the spread of a noise estimate


def test_rendered_measurements_reconstruct_a_decaying_note():
    """The targets are worth learning: rendered back they match the sound closely."""
    synth = DdspSynth(RATE, HOP, K, BANDS)
    frames = 160
    t = np.arange(frames * HOP) / RATE
    rng = np.random.default_rng(0)
    env = np.exp(-t / 0.4)
    note = env * (0.3 * np.sin(2 * np.pi * 330 * t) + 0.1 * np.sin(2 * np.pi * 660 * t))
    note = (note + 0.01 * env * rng.standard_normal(t.size)).astype(np.float32)
    f0 = torch.full((frames,), 330.0)
    controls = analyse_controls(torch.from_numpy(note), f0, torch.ones(frames), RATE, HOP, K, BANDS)
    _, sc = mrstft(_render(synth, f0, controls), note)
    assert sc < 0.35
    _, sc_silence = mrstft(np.zeros_like(note), note)
    assert sc_silence > 0.99


def test_control_loss_is_zero_at_the_target_and_grows_with_the_error():
    rng = torch.Generator().manual_seed(0)
    target = torch.rand(2, 10, K + BANDS, generator=rng) * 0.1
    assert control_loss(target, target, K, noise_weight(BANDS)).item() < 1e-6
    near = control_loss(target * 1.1, target, K, noise_weight(BANDS))
    far = control_loss(target * 2.0, target, K, noise_weight(BANDS))
    assert 0.0 < near.item() < far.item()
