"""Small 1-D convolutional networks over latent windows ``[batch, latent_size, frames]``.

- :class:`Generator`: noise ``[batch, noise_size]`` → window (GAN).
- :class:`Critic`: window → one score per window, spectrally normalised (GAN, hinge loss).
- :class:`Denoiser`: noisy window + diffusion time → predicted velocity (a small U-Net).

Time is halved twice inside each network, so ``frames`` must be a multiple of 4. Normalisation
layers are per sample (GroupNorm), so a window never depends on the others in its batch.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def _groups(channels: int) -> int:
    return 8 if channels % 8 == 0 else 1


class Generator(nn.Module):
    """GAN generator: noise ``[B, noise_size]`` → window ``[B, latent_size, frames]``."""

    def __init__(self, latent_size: int, frames: int, noise_size: int = 64, width: int = 96):
        super().__init__()
        self.width = width
        self.start_frames = frames // 4
        self.project = nn.Linear(noise_size, width * self.start_frames)
        self.body = nn.Sequential(
            nn.GroupNorm(_groups(width), width),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv1d(width, width, 3, padding=1),
            nn.GroupNorm(_groups(width), width),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv1d(width, width // 2, 3, padding=1),
            nn.GroupNorm(_groups(width // 2), width // 2),
            nn.LeakyReLU(0.2),
            nn.Conv1d(width // 2, width // 2, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv1d(width // 2, latent_size, 3, padding=1),
        )

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        h = self.project(noise).view(noise.shape[0], self.width, self.start_frames)
        return self.body(h)


class Critic(nn.Module):
    """GAN critic: window ``[B, latent_size, frames]`` → score ``[B]`` (spectral norm).

    Besides the window it sees its frame-to-frame differences (motion matters for sound) and
    the batch's standard deviation (a cheap guard against mode collapse).
    """

    def __init__(self, latent_size: int, frames: int, width: int = 96):
        super().__init__()
        sn = spectral_norm
        self.body = nn.Sequential(
            sn(nn.Conv1d(2 * latent_size, width // 2, 3, padding=1)),
            nn.LeakyReLU(0.2),
            sn(nn.Conv1d(width // 2, width, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            sn(nn.Conv1d(width, width, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
        )
        self.head = sn(nn.Linear((width + 1) * (frames // 4), 1))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled inner features ``[B, width]`` (for the generator's feature-matching loss)."""
        delta = torch.diff(x, dim=-1, prepend=x[..., :1])
        return self.body(torch.cat([x, delta], 1)).mean(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        delta = torch.diff(x, dim=-1, prepend=x[..., :1])
        h = self.body(torch.cat([x, delta], 1))
        spread = h.std(0, unbiased=False).mean().expand(h.shape[0], 1, h.shape[2])
        h = torch.cat([h, spread], 1)
        return self.head(h.flatten(1)).squeeze(1)


def time_features(t: torch.Tensor, size: int) -> torch.Tensor:
    """Sinusoidal features ``[B, size]`` of diffusion times ``t`` ``[B]`` in [0, 1]."""
    half = size // 2
    freqs = torch.exp(torch.arange(half, dtype=t.dtype) * (-math.log(1000.0) / max(half - 1, 1)))
    angles = 1000.0 * t[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], 1)


class _ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, t_size: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(c_in), c_in)
        self.conv1 = nn.Conv1d(c_in, c_out, 3, padding=1)
        self.film = nn.Linear(t_size, 2 * c_out)
        self.norm2 = nn.GroupNorm(_groups(c_out), c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, t_emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(t_emb)[..., None].chunk(2, 1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class Denoiser(nn.Module):
    """A two-level 1-D U-Net: ``(x_t [B, L, T], t [B]) → v [B, L, T]``."""

    def __init__(self, latent_size: int, width: int = 64, t_size: int = 64):
        super().__init__()
        w1, w2 = width, 2 * width
        self.t_size = t_size
        self.t_mlp = nn.Sequential(
            nn.Linear(t_size, 2 * t_size), nn.SiLU(), nn.Linear(2 * t_size, t_size)
        )
        self.inp = nn.Conv1d(latent_size, w1, 3, padding=1)
        self.enc1 = _ResBlock(w1, w1, t_size)
        self.down1 = nn.Conv1d(w1, w1, 4, stride=2, padding=1)
        self.enc2 = _ResBlock(w1, w2, t_size)
        self.down2 = nn.Conv1d(w2, w2, 4, stride=2, padding=1)
        self.mid = _ResBlock(w2, w2, t_size)
        self.dec2 = _ResBlock(2 * w2, w2, t_size)
        self.dec1 = _ResBlock(w2 + w1, w1, t_size)
        self.out_norm = nn.GroupNorm(_groups(w1), w1)
        self.out = nn.Conv1d(w1, latent_size, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.t_mlp(time_features(t, self.t_size))
        h1 = self.enc1(self.inp(x), emb)  # [B, w1, T]
        h2 = self.enc2(self.down1(h1), emb)  # [B, w2, T/2]
        h = self.mid(self.down2(h2), emb)  # [B, w2, T/4]
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.dec2(torch.cat([h, h2], 1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.dec1(torch.cat([h, h1], 1), emb)
        return self.out(F.silu(self.out_norm(h)))


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
