"""Models for the audio tests: tiny nn~ TorchScript files, loaded through the real loader."""

from __future__ import annotations

import pytest

from latentscape.engines.loader import load_model


@pytest.fixture
def streaming_model(nn_model):
    """A streaming model: 16 kHz, hop 64, 4 latents, no decoder noise (decode is repeatable)."""
    return load_model(nn_model(streaming=True, sr=16000, hop=64, latent=4))


@pytest.fixture
def noisy_model(nn_model):
    """A streaming model whose decoder pads 4 cropped dims with fresh noise (like RAVE)."""
    return load_model(nn_model(streaming=True, sr=16000, hop=64, latent=4, full_latent=8))
