"""Tiny latentscape VAE checkpoints and test tones, built in the tests (none shipped)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from latentscape.engines.vae.checkpoint import FORMAT, VERSION, save_atomic
from latentscape.engines.vae.model import VaeConfig, VaeCore

TINY = {
    "latent_size": 8,
    "n_mels": 32,
    "encoder_width": 32,
    "decoder_width": 32,
    "n_harmonics": 16,
}


def write_tiny_checkpoint(path: Path, seed: int = 0, **config_overrides) -> Path:
    """An untrained (random-weight) model file in the real checkpoint format.

    ``config_overrides``: other :class:`VaeConfig` fields (e.g. ``loudness_latent=True``).
    """
    torch.manual_seed(seed)
    config = VaeConfig(**{**TINY, **config_overrides})
    core = VaeCore(config)
    with torch.no_grad():  # make the untrained decoder audible: louder noise and partials
        core.decoder.head.bias[1] += 2.0
        core.decoder.head.bias[2 + config.n_harmonics :] += 3.0
    rot, _ = torch.linalg.qr(torch.randn(config.latent_size, config.latent_size))
    data = {
        "format": FORMAT,
        "version": VERSION,
        "config": config.to_dict(),
        "state_dict": core.state_dict(),
        "pca_mean": torch.randn(config.latent_size) * 0.1,
        "pca_components": rot.contiguous(),
        "pca_variance": torch.ones(config.latent_size),
        "training": {"step": 0, "seconds": 0.0, "seed": seed, "files": 0},
    }
    save_atomic(data, path)
    return path


def tone(freq_hz: float, seconds: float, rate: int, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    env = np.exp(-t * 2.0)
    return (amp * env * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
