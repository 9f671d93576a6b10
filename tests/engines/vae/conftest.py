"""Fixtures for the VAE tests: tiny random-weight checkpoints and awkward sound folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from support.vae_models import tone, write_tiny_checkpoint


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The app's policy (DESIGN.md §3): small ops collapse with 2 threads on busy cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def tiny_checkpoint(tmp_path) -> Path:
    return write_tiny_checkpoint(tmp_path / "tiny.pt")


@pytest.fixture
def envelope_checkpoint(tmp_path) -> Path:
    """As ``tiny_checkpoint``, with the loudness latent, a harmonic envelope and harmonic
    start phases (as new models have)."""
    return write_tiny_checkpoint(
        tmp_path / "envelope.pt",
        loudness_latent=True,
        loudness_gain=1.0,
        envelope_points=12,
        harmonic_phase_seed=2,
    )


@pytest.fixture
def sound_folder(tmp_path) -> Path:
    """Ten awkward files: mono/stereo, 44.1/22.05/48 kHz, 50 ms to 3 s, a broken one."""
    folder = tmp_path / "sounds"
    (folder / "sub").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i, f in enumerate([110.0, 220.0, 330.0, 440.0, 660.0]):
        sf.write(folder / f"tone{i}.wav", tone(f, 0.6, 44100), 44100)
    stereo = np.stack([tone(250.0, 1.0, 48000), tone(251.0, 1.0, 48000)], axis=1)
    sf.write(folder / "stereo48k.flac", stereo, 48000)
    sf.write(folder / "sub" / "odd22k.wav", tone(180.0, 0.8, 22050), 22050)
    sf.write(folder / "short.wav", tone(500.0, 0.05, 44100), 44100)
    hit = (rng.standard_normal(44100) * np.exp(-np.arange(44100) / 2000.0) * 0.3).astype(np.float32)
    sf.write(folder / "noisehit.ogg", hit, 44100, format="OGG", subtype="VORBIS")
    sf.write(folder / "long.wav", np.tile(tone(300.0, 0.5, 44100), 6), 44100)
    (folder / "broken.wav").write_bytes(b"RIFF not really a wave file")
    return folder
