"""Reconstruction metrics: known values on derived signals, and the training loss = the metric."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentscape.engines.audio_metrics import Reconstruction, flatness_log_ratio, level_db, mrstft
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
