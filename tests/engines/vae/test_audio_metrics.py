"""Reconstruction metrics: known values on derived signals, and the training loss = the metric."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentscape.engines.audio_metrics import (
    FFT_SIZES,
    Reconstruction,
    flatness_log_ratio,
    level_db,
    mrstft,
    spectral_convergence_per_fft,
)
from latentscape.engines.vae.losses import SpectralLoss

RATE = 44100


def _note(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.exp(-3 * t) * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_identity_scores_zero_and_silence_scores_full_convergence():
    x = _note()
    total, sc = mrstft(x, x)
    assert total == pytest.approx(0.0, abs=1e-6) and sc == pytest.approx(0.0, abs=1e-6)
    _, sc_silence = mrstft(np.zeros_like(x), x)
    assert sc_silence == pytest.approx(1.0, abs=1e-4)  # magnitudes floored at 1e-4
    _, sc_half = mrstft(0.5 * x, x)
    assert sc_half == pytest.approx(0.5, abs=1e-3)  # ||x - x/2|| / ||x||


def test_level_and_flatness_are_relative_to_the_reference():
    x = _note()
    assert level_db(0.5 * x, x) == pytest.approx(-6.02, abs=0.01)
    noise = np.random.default_rng(0).standard_normal(x.size).astype(np.float32) * 0.1
    assert flatness_log_ratio(x, x) == pytest.approx(0.0, abs=1e-9)
    assert flatness_log_ratio(noise, x) > 2.0  # white noise is far flatter than a tone
    rec = Reconstruction.measure(x, x, RATE)
    assert rec.log_mel_db == pytest.approx(0.0, abs=1e-9)
    assert rec.lines()[0] == "mrstft = 0.000"


def test_training_loss_is_the_benchmark_metric():
    x = _note()
    y = np.random.default_rng(1).standard_normal(x.size).astype(np.float32) * 0.05 + 0.7 * x
    loss = SpectralLoss(linear_weight=0.0)(torch.from_numpy(y)[None], torch.from_numpy(x)[None])
    assert loss.item() == pytest.approx(mrstft(y, x)[0], rel=1e-4)


def test_spectral_convergence_per_fft_size_averages_to_the_reported_value():
    x = _note()
    y = 0.5 * x + np.random.default_rng(2).standard_normal(x.size).astype(np.float32) * 0.01
    per_fft = spectral_convergence_per_fft(y, x)
    assert len(per_fft) == len(FFT_SIZES)
    assert np.mean(per_fft) == pytest.approx(mrstft(y, x)[1], rel=1e-6)
    # A pure gain error is the same ratio at every resolution.
    assert spectral_convergence_per_fft(0.5 * x, x) == pytest.approx([0.5] * len(FFT_SIZES))


def test_per_item_convergence_counts_a_quiet_crop_as_much_as_a_loud_one():
    x = torch.from_numpy(np.stack([_note(0.5), 0.1 * _note(0.5)]))
    y = x.clone()
    y[1] *= 4.0  # the quiet crop comes out 12 dB too loud: its own SC is 3
    batch = SpectralLoss(linear_weight=0.0, sc_per_item=False)
    item = SpectralLoss(linear_weight=0.0, sc_per_item=True)
    log_part = SpectralLoss(linear_weight=0.0, sc_weight=0.0)(y, x).item()
    # Batch-wide, the loud crop drowns the error: ||3 x1|| / ||(x0, x1)|| = 0.3 / 1.005 ...
    assert batch(y, x).item() - log_part == pytest.approx(0.3 / np.sqrt(1.01), abs=1e-3)
    # ... per item, each crop's own ratio counts: (0 + 3) / 2.
    assert item(y, x).item() - log_part == pytest.approx(1.5, abs=1e-3)


def test_per_item_convergence_floors_near_silent_crops():
    x = torch.from_numpy(np.stack([_note(0.5), 1e-6 * _note(0.5)]))
    y = torch.zeros_like(x)
    y[0] = x[0]
    y[1] = 1e-3 * x[0]  # -60 dB of the loud crop, where the target is silent
    loss = SpectralLoss(linear_weight=0.0, sc_per_item=True, sc_weight=1.0)
    log_part = SpectralLoss(linear_weight=0.0, sc_weight=0.0)(y, x).item()
    sc = loss(y, x).item() - log_part
    # The silent crop's denominator is floored at 3 % of the batch's RMS norm, so its
    # error of 0.1 % of the loud crop's norm counts as ~0.001 / (0.03 / sqrt 2), not 1000.
    assert sc == pytest.approx(0.5 * 1e-3 * np.sqrt(2) / 0.03, rel=0.05)
