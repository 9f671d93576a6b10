"""A loaded model's own prior as a third gallery source (tiny nn~ TorchScript models)."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.loader import load_model
from latentscape.engines.priors import LatentPrior, LatentWindows, ModelPrior, PriorError


@pytest.fixture
def prior_engine(nn_model):
    return load_model(nn_model(latent=4, prior=True))


def test_model_prior_samples_windows_deterministically(prior_engine):
    source = ModelPrior(prior_engine, window_frames=12)
    assert isinstance(source, LatentPrior)
    assert source.is_trained and not source.trainable
    s = source.sample(3, seed=5)
    assert s.windows.shape == (3, 12, 4) and s.windows.dtype == np.float32
    assert s.codes.shape == (3, 0)
    np.testing.assert_array_equal(source.sample(3, seed=5).windows, s.windows)
    assert not np.allclose(s.windows[0], s.windows[1])  # each sample gets its own seed


def test_model_prior_temperature_scales_its_samples(prior_engine):
    # the tiny model's prior is temperature × N(0, 1): same seed, twice the temperature
    source = ModelPrior(prior_engine, window_frames=8)
    one = source.sample(2, temperature=1.0, seed=1).windows
    two = source.sample(2, temperature=2.0, seed=1).windows
    np.testing.assert_allclose(two, 2.0 * one, rtol=1e-6)


def test_model_prior_variations_blend_towards_fresh_samples(prior_engine):
    source = ModelPrior(prior_engine, window_frames=8)
    window = np.full((8, 4), 3.0, np.float32)
    fresh = source.sample(2, seed=9).windows
    more = source.variations(window, 2, strength=0.25, seed=9)
    np.testing.assert_allclose(more.windows, 0.75 * window + 0.25 * fresh, rtol=1e-6)


def test_model_without_prior_cannot_sample_train_or_save(nn_model):
    source = ModelPrior(load_model(nn_model(latent=4)), window_frames=8)
    assert not source.is_trained
    with pytest.raises(PriorError, match="no prior"):
        source.sample(1)
    windows = LatentWindows.from_windows(np.zeros((2, 8, 4), np.float32))
    with pytest.raises(PriorError, match="cannot be retrained"):
        source.train(windows, steps=1)
    with pytest.raises(PriorError, match="not saved"):
        source.to_bytes()
