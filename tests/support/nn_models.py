"""Tiny TorchScript models that follow the nn~ convention, built for tests (none downloaded).

They mimic what real exports do that matters to an engine: ``*_params`` buffers and
``get_methods``; ``sr`` or v1's ``sampling_rate``; a stochastic encoder; cropped latent dims
padded with noise up to ``full_latent_size``; streaming state in ``pad``/``…_cache`` buffers
with 64 batch rows that ship non-zero; ``set_stereo_mode``; an optional ``prior``. The
decoder is a sine whose amplitude and pitch follow the latent, so continuity is measurable.
Noise is drawn on the input's device, so they run on a GPU too.
Broken variants (``fault=``) raise, return NaN, return wrong shapes, or (``cpu_noise``) make
their noise on the CPU whatever the input's device.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

MAX_BATCH = 64


class _CachedPad(nn.Module):
    """Streaming left padding along time: remembers each batch row's last samples."""

    def __init__(self, channels: int, size: int) -> None:
        super().__init__()
        self.size = size
        self.register_buffer("pad", torch.randn(MAX_BATCH, channels, size))  # ships non-zero

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        x = torch.cat([self.pad[:b], x], -1)
        self.pad[:b].copy_(x[..., -self.size :])
        return x


class _ZeroPad(nn.Module):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, (self.size, 0))


class _CachedPhase(nn.Module):
    """Streaming oscillator phase: continues where each batch row's last call ended."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("phase_cache", torch.rand(MAX_BATCH, 1))  # ships non-zero

    def forward(self, step: torch.Tensor) -> torch.Tensor:
        rows = step.shape[0]
        phase = self.phase_cache[:rows].unsqueeze(-1) + torch.cumsum(step, -1)
        self.phase_cache[:rows].copy_(torch.remainder(phase[:, :, -1], 2.0 * math.pi))
        return phase


class _FreshPhase(nn.Module):
    def forward(self, step: torch.Tensor) -> torch.Tensor:
        return torch.cumsum(step, -1)


class TinyNN(nn.Module):
    def __init__(
        self,
        latent: int = 4,
        full_latent: int | None = None,
        hop: int = 64,
        sr: int = 16000,
        rate_attr: str = "sr",
        streaming: bool = False,
        prior: bool = False,
        encoder: bool = True,
        stereo_capable: bool = False,
        fault: str = "",
        tone: bool = True,
    ) -> None:
        super().__init__()
        self.tone = tone  # False: no oscillator phase, so any window decodes as in one call
        full = full_latent or latent
        self.hop = hop
        self.latent_size = latent
        self.full_latent_size = full
        self.fault = fault
        self.stereo = False
        setattr(self, rate_attr, sr)
        self.to_latent = nn.Conv1d(2, full, 1)
        self.mix = nn.Conv1d(full, 2, 1)
        self.pad = _CachedPad(2, 2) if streaming else _ZeroPad(2)
        self.phase = _CachedPhase() if streaming else _FreshPhase()
        self.smooth = nn.Conv1d(2, 2, 3)
        with torch.no_grad():
            self.smooth.weight.fill_(1.0 / 6.0)
            self.smooth.bias.zero_()
        self.register_buffer("base_hz", torch.tensor(110.0 + 40.0 * latent))
        self.sample_rate = float(sr)
        methods = ["decode", "forward"]
        self.register_buffer("decode_params", torch.tensor([latent, hop, 1, 1]))
        self.register_buffer("forward_params", torch.tensor([1, 1, 1, 1]))
        if encoder:
            methods.insert(0, "encode")
            self.register_buffer("encode_params", torch.tensor([1, 1, latent, hop]))
        if prior:
            methods.append("prior")
            self.register_buffer("prior_params", torch.tensor([1, hop, latent, hop]))
        self.methods = methods

    @torch.jit.export
    def get_methods(self) -> list[str]:
        return self.methods

    @torch.jit.export
    def set_stereo_mode(self, stereo: torch.Tensor) -> None:
        self.stereo = bool(stereo.item())

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        b, _, n = x.shape
        frames = x.mean(1).reshape(b, n // self.hop, self.hop)
        feats = torch.stack([frames.abs().mean(-1), frames.mean(-1)], 1)
        z = self.to_latent(feats) + 0.1 * torch.randn(
            b, self.full_latent_size, n // self.hop, device=x.device
        )
        return z[:, : self.latent_size]

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if self.fault == "raise" or (self.fault == "late_raise" and z.shape[-1] > 8):
            raise RuntimeError("decoder exploded")
        if self.stereo:
            z = torch.cat([z, z], 0)
        device = torch.device("cpu") if self.fault == "cpu_noise" else z.device
        noise = torch.randn(
            z.shape[0], self.full_latent_size - self.latent_size, z.shape[-1], device=device
        )
        z = torch.cat([z, noise], 1)
        h = self.smooth(self.pad(self.mix(z)))  # [B', 2, T], causal over frames
        amp = torch.sigmoid(h[:, :1])
        hz = self.base_hz * torch.exp(0.5 * torch.tanh(h[:, 1:]))
        amp = amp.repeat_interleave(self.hop, -1)
        hz = hz.repeat_interleave(self.hop, -1)
        step = 2.0 * math.pi * hz / self.sample_rate
        if self.tone:
            y = 0.5 * amp * torch.sin(self.phase(step))
        else:
            y = 0.5 * amp * torch.tanh(hz / self.base_hz - 1.0)
        if self.stereo:
            y = torch.cat(y.chunk(2, 0), 1)
        if self.fault == "nan" or (self.fault == "late_nan" and z.shape[-1] > 8):
            y = y * float("nan")
        if self.fault == "shape":
            y = y[..., : y.shape[-1] // 2]
        if self.fault == "dims":
            y = y[0]
        return y

    @torch.jit.export
    def prior(self, temperature: torch.Tensor) -> torch.Tensor:
        b, _, frames = temperature.shape
        return temperature[:, :1] * torch.randn(
            b, self.latent_size, frames, device=temperature.device
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def build_nn_model(path: Path, **kwargs) -> Path:
    """Script a :class:`TinyNN` with ``kwargs`` and save it to ``path``."""
    torch.manual_seed(1234)
    model = TinyNN(**kwargs)
    scripted = torch.jit.script(model)
    scripted.save(str(path))
    return path


class _NoDecode(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.sr = 16000

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def build_model_without_decode(path: Path) -> Path:
    torch.jit.script(_NoDecode()).save(str(path))
    return path
