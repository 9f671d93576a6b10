"""Fréchet distance and nearest-neighbour diversity on windows with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.priors import PriorError
from latentscape.engines.priors.metrics import (
    frechet_distance,
    frechet_windows,
    nearest_neighbour_diversity,
    window_features,
)


def test_features_pool_mean_spread_and_motion():
    # one window, 2 dims: dim 0 alternates 0, 2 (mean 1, std 1, |Δ| 2); dim 1 constant 5
    w = np.zeros((1, 4, 2))
    w[0, :, 0] = [0, 2, 0, 2]
    w[0, :, 1] = 5
    f = window_features(w, mean=np.zeros(2), std=np.ones(2))
    np.testing.assert_allclose(f[0], [1, 5, 1, 0, 2, 0])


def test_frechet_of_a_set_with_itself_is_zero_and_symmetric():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 3)), rng.normal(1.0, 2.0, size=(500, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)


def test_frechet_of_a_shift_is_the_squared_shift():
    # same covariance, means apart by d → distance = |d|²
    rng = np.random.default_rng(1)
    a = rng.normal(size=(400, 3))
    shift = np.array([1.0, -2.0, 0.5])
    assert frechet_distance(a, a + shift) == pytest.approx(float(shift @ shift), rel=1e-6)


def test_frechet_of_a_scaled_gaussian_matches_the_closed_form():
    # b = 3a: Σ_b = 9Σ_a and sqrt(Σ_a Σ_b) = 3Σ_a, so the distance is |2μ_a|² + 4 tr Σ_a
    rng = np.random.default_rng(2)
    a = rng.normal(0.3, 1.0, size=(500, 3)) @ rng.normal(size=(3, 3))
    mu, cov = a.mean(0), np.cov(a, rowvar=False)
    expected = float(4 * mu @ mu + 4 * np.trace(cov))
    assert frechet_distance(a, 3.0 * a) == pytest.approx(expected, rel=1e-6)


def test_frechet_windows_ranks_noise_worse_than_real_data():
    rng = np.random.default_rng(3)
    t = np.arange(16)[None, :, None]
    real = np.sin(0.2 * t + rng.uniform(0, 6, (200, 1, 2)))
    held = np.sin(0.2 * t + rng.uniform(0, 6, (200, 1, 2)))
    noise = rng.normal(size=real.shape)
    mean, std = np.zeros(2), np.ones(2)
    assert frechet_windows(held, real, mean, std) < frechet_windows(noise, real, mean, std)


def test_copies_of_training_windows_are_flagged():
    rng = np.random.default_rng(4)
    train = rng.normal(size=(100, 8, 2))
    held = rng.normal(size=(40, 8, 2))
    copies = train[:30] + 1e-6
    mean, std = np.zeros(2), np.ones(2)
    d = nearest_neighbour_diversity(copies, held, train, mean, std)
    assert d.ratio < 0.01 and d.copy_fraction == 1.0
    fresh = nearest_neighbour_diversity(rng.normal(size=(40, 8, 2)), held, train, mean, std)
    assert 0.8 < fresh.ratio < 1.25
    assert fresh.copy_fraction < 0.25


def test_frechet_needs_matching_feature_sets():
    with pytest.raises(PriorError):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
