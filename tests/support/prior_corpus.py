"""A tiny synthetic latent corpus and tiny priors for the prior tests (issue 8)."""

from __future__ import annotations

import numpy as np

from latentscape.engines.priors import DiffusionPrior, GanPrior

LATENT = 4
FRAMES = 16


def synthetic_trajectories(
    count: int = 12, seed: int = 0, latent: int = LATENT
) -> list[np.ndarray]:
    """Decaying sinusoids per latent dim, 12–40 frames each: smooth, varied, like one-shots."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        frames = int(rng.integers(12, 40))
        t = np.arange(frames)[:, None]
        freq = rng.uniform(0.05, 0.4, latent)
        phase = rng.uniform(0, 2 * np.pi, latent)
        amp = rng.uniform(0.5, 2.0, latent)
        z = amp * np.sin(freq * t + phase) * np.exp(-t / rng.uniform(10, 40)) + 0.5
        out.append(z.astype(np.float32))
    return out


def tiny_prior(kind: str, latent: int = LATENT, frames: int = FRAMES, time_stride: int = 1):
    """An untrained prior small enough to train a few dozen steps in well under a second."""
    if kind == "gan":
        return GanPrior(latent, frames, time_stride, noise_size=16, width=16, batch_size=8)
    return DiffusionPrior(latent, frames, time_stride, width=16, sample_steps=5, batch_size=8)
