"""Encoder input features: log-mel frames and a YIN pitch track, in TorchScript-able torch.

Frame ``t`` describes the audio around the *end* of hop ``t`` (sample ``(t + 1) * hop``), the
instant at which the decoder's control signals for frame ``t`` are fully reached (the decoder
glides from frame ``t - 1`` to frame ``t`` across hop ``t``). ``N`` samples (a multiple of the
hop) give exactly ``N // hop`` frames; the signal is zero-padded at both ends.

The same code runs at dataset preparation (once per file), in the engine's ``encode`` and in
the exported TorchScript ``encode``, so features are identical everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def mel_filterbank(
    sample_rate_hz: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float
) -> np.ndarray:
    """Triangular HTK-mel filters, ``[n_mels, n_fft // 2 + 1]`` float32, each summing to 1."""

    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    freqs = np.linspace(0.0, sample_rate_hz / 2.0, n_fft // 2 + 1)
    edges = mel_to_hz(
        np.linspace(hz_to_mel(np.array(fmin_hz)), hz_to_mel(np.array(fmax_hz)), n_mels + 2)
    )
    bank = np.zeros((n_mels, freqs.size), np.float64)
    for i in range(n_mels):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        bank[i] = np.clip(np.minimum(up, down), 0.0, None)
        if bank[i].sum() == 0.0:  # narrower than one bin: take the nearest bin
            bank[i, int(np.argmin(np.abs(freqs - mid)))] = 1.0
    bank /= bank.sum(axis=1, keepdims=True)
    return bank.astype(np.float32)


class FeatureExtractor(nn.Module):
    """``[B, N]`` audio -> ``[B, N // hop, n_mels + 2]`` features (log-mel, log-f0, periodicity).

    Also :meth:`pitch`: ``(f0_hz [B, T], periodicity [B, T])`` from YIN (de Cheveigné &
    Kawahara 2002) on the signal decimated by 2, with a 23 ms integration window (f0 43 Hz to
    2 kHz). Periodicity is ``1 - d'(tau)`` (1: perfectly periodic, 0: noise or silence).
    """

    def __init__(self, sample_rate_hz: int, hop: int, n_fft: int = 1024, n_mels: int = 64) -> None:
        super().__init__()
        self.sample_rate_hz = sample_rate_hz
        self.hop = hop
        self.n_fft = n_fft
        self.n_mels = n_mels
        self.yin_window = 512  # samples at half rate (23 ms at 44.1 kHz)
        self.tau_min = max(2, int(sample_rate_hz / 2 / 2000.0))
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        bank = mel_filterbank(sample_rate_hz, n_fft, n_mels, 30.0, sample_rate_hz / 2.0)
        self.register_buffer("mel_bank", torch.from_numpy(bank), persistent=False)

    @property
    def size(self) -> int:
        return self.n_mels + 2

    def log_mel(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, N]`` -> ``[B, T, n_mels]`` natural-log mel power, frames centred on hop ends."""
        frames = hop_end_frames(x, self.hop, self.n_fft)
        spec = torch.fft.rfft(frames * self.window, dim=-1)
        power = spec.real.square() + spec.imag.square()
        return torch.log(torch.matmul(power, self.mel_bank.t()) + 1e-6)

    def pitch(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """YIN f0 in Hz and periodicity in [0, 1], both ``[B, T]``."""
        frames_n = x.shape[-1] // self.hop
        half = 0.5 * (x[:, 0::2][:, : x.shape[-1] // 2] + x[:, 1::2][:, : x.shape[-1] // 2])
        w = self.yin_window
        hop2 = self.hop // 2
        left = w // 2 - hop2  # integration window centred on the hop's end
        padded = F.pad(half, (left, 2 * w - hop2 - left))
        frames = padded.unfold(-1, 2 * w, hop2)[:, :frames_n]  # [B, T, 2w]
        n = 4 * w
        head = F.pad(frames[..., :w], (0, n - w))
        corr = torch.fft.irfft(
            torch.fft.rfft(frames, n=n).mul(torch.fft.rfft(head, n=n).conj()), n=n
        )[..., :w]
        sq = F.pad(frames.square().cumsum(-1), (1, 0))
        energy0 = sq[..., w : w + 1]
        energy_tau = sq[..., w : 2 * w] - sq[..., 0:w]
        diff = (energy0 + energy_tau - 2.0 * corr).clamp_min(0.0)
        taus = torch.arange(w, dtype=x.dtype, device=x.device)
        running = diff[..., 1:].cumsum(-1)
        cmnd = torch.ones_like(diff)
        cmnd[..., 1:] = diff[..., 1:] * taus[1:] / running.clamp_min(1e-12)
        search = cmnd[..., self.tau_min : w - 1]
        is_dip = (search < 0.15) & (search <= cmnd[..., self.tau_min + 1 : w])
        has_dip = is_dip.any(-1)
        first = torch.argmax(is_dip.to(torch.int32), dim=-1)
        best = torch.argmin(search, dim=-1)
        idx = torch.where(has_dip, first, best) + self.tau_min
        c0 = torch.gather(cmnd, -1, (idx - 1).unsqueeze(-1)).squeeze(-1)
        c1 = torch.gather(cmnd, -1, idx.unsqueeze(-1)).squeeze(-1)
        c2 = torch.gather(cmnd, -1, (idx + 1).clamp_max(w - 1).unsqueeze(-1)).squeeze(-1)
        curve = c0 - 2.0 * c1 + c2
        shift = torch.where(curve.abs() > 1e-9, 0.5 * (c0 - c2) / curve, torch.zeros_like(curve))
        tau = idx.to(x.dtype) + shift.clamp(-1.0, 1.0)
        f0 = (self.sample_rate_hz / 2.0) / tau
        rms = (energy0.squeeze(-1) / w).sqrt()
        periodicity = (1.0 - c1).clamp(0.0, 1.0) * (rms > 1e-4).to(x.dtype)
        return f0, periodicity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Features ``[B, T, n_mels + 2]``: scaled log-mel, held pitch (octaves re A4),
        periodicity."""
        mel = self.log_mel(x)
        f0, periodicity = self.pitch(x)
        pitch = held_pitch(torch.log2(f0 / 440.0), periodicity > 0.5)
        return torch.cat(
            [(mel + 7.0) / 5.0, pitch.unsqueeze(-1), periodicity.unsqueeze(-1)], dim=-1
        )


def hop_end_frames(x: torch.Tensor, hop: int, n: int) -> torch.Tensor:
    """``[..., N]`` -> ``[..., N // hop, n]``: windows of ``n`` samples, frame ``t`` centred on
    the end of hop ``t`` (sample ``(t + 1) * hop``), zero-padded at both ends."""
    frames_n = x.shape[-1] // hop
    left = n // 2 - hop
    padded = F.pad(x, (left, n - hop - left))
    return padded.unfold(-1, n, hop)[..., :frames_n, :]


def held_pitch(log_f0: torch.Tensor, voiced: torch.Tensor) -> torch.Tensor:
    """``[B, T]`` pitch where voiced, else the last voiced pitch (the first one before any).

    Unvoiced frames (silence, noise, drums) have no pitch of their own; holding the nearest
    voiced value keeps the pitch latent smooth through note ends and attacks. All-unvoiced
    rows get 0 (A4).
    """
    t = log_f0.shape[-1]
    idx = torch.arange(t, device=log_f0.device).expand_as(log_f0)
    last = torch.where(voiced, idx, torch.full_like(idx, -1)).cummax(dim=-1).values
    rev = torch.where(voiced, t - 1 - idx, torch.full_like(idx, -1)).flip(-1).cummax(-1).values
    first_next = (t - 1 - rev).flip(-1)  # index of the next voiced frame (t when none)
    pick = torch.where(last >= 0, last, first_next).clamp(0, t - 1)
    held = torch.gather(log_f0, -1, pick)
    return torch.where(voiced.any(-1, keepdim=True), held, torch.zeros_like(held))


def hz_to_midi(f0_hz: torch.Tensor) -> torch.Tensor:
    return 69.0 + 12.0 * torch.log2(f0_hz.clamp_min(1e-3) / 440.0)


def midi_to_hz(midi: torch.Tensor) -> torch.Tensor:
    return 440.0 * torch.pow(2.0, (midi - 69.0) / 12.0)


TWO_PI = 2.0 * math.pi
