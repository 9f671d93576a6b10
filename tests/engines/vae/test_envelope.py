"""The decoder's harmonic envelope: one mel-grid curve read at every harmonic's frequency."""

from __future__ import annotations

import math

import torch

from latentscape.engines.vae.model import Decoder, VaeConfig
from support.vae_models import TINY


def _decoder(points: int) -> Decoder:
    torch.manual_seed(0)
    return Decoder(VaeConfig(**TINY, envelope_points=points))


def test_the_envelope_is_read_at_each_harmonic_on_the_mel_grid():
    dec = _decoder(33)
    nyquist_mel = 2595.0 * math.log10(1.0 + 22050.0 / 700.0)
    grid_mel = torch.linspace(0.0, nyquist_mel, 33)
    envelope = (grid_mel / 1000.0).expand(1, 2, 33)  # its value at each point: mel / 1000
    f0 = torch.tensor([[110.0, 440.0]])
    read = dec.read_envelope(envelope, f0)  # [1, 2, K]
    k = torch.arange(1, TINY["n_harmonics"] + 1)
    expected = 2595.0 * torch.log10(1.0 + f0[..., None] * k / 700.0) / 1000.0
    torch.testing.assert_close(read, expected, atol=1e-4, rtol=0)  # linear in mel: exact


def test_a_flat_envelope_changes_nothing_and_a_tilt_shapes_every_pitch_alike():
    """Raising the envelope by a constant leaves the partials alone (softmax); tilting it makes
    high partials louder at every pitch, through the same weights."""
    dec = _decoder(16)
    z = torch.randn(1, 6, TINY["latent_size"]) * 0.3
    h = torch.zeros(1, 1, TINY["decoder_width"])
    _, amps, _, _ = dec(z, h)
    k = TINY["n_harmonics"]
    with torch.no_grad():
        dec.head.bias[1 + k : 1 + k + 16] += 4.0
    _, flat, _, _ = dec(z, h)
    torch.testing.assert_close(flat, amps, atol=1e-6, rtol=1e-4)
    with torch.no_grad():
        dec.head.bias[1 + k : 1 + k + 16] += torch.linspace(0.0, 8.0, 16)
    _, tilted, _, _ = dec(z, h)
    share = tilted / tilted.sum(-1, keepdim=True) - amps / amps.sum(-1, keepdim=True)
    assert (share[..., -4:] > 0).all() and (share[..., :1] < 0).all()
