"""Streaming DDSP synthesis: a harmonic oscillator bank plus filtered noise, with explicit state.

Controls arrive once per frame (every ``hop`` samples). Within hop ``t`` the pitch and the
harmonic amplitudes glide linearly from frame ``t - 1``'s values to frame ``t``'s, so the
output is smooth and depends only on past and current frames: the decoder's algorithmic lag is
one hop, plus half the noise filter (``NOISE_TAPS // 2`` samples) for the noise part.

State (one row per voice), carried between calls so that decoding ``a`` then ``b`` equals
decoding ``a + b`` up to float rounding:

- ``f0_prev [B, 1]`` Hz and ``amp_prev [B, K]``: the last frame's controls (start of the glide);
- ``phase [B, 1]`` float64 radians in [0, 2π): the oscillator phase after the last sample;
- ``tail [B, NOISE_TAPS - 1]``: the filtered-noise overlap that spills into the next hop;
- ``counter [B]`` int64: frames decoded so far (plus the seed offset), which picks the noise.

Noise is not drawn from a random generator: hop ``n`` reads ``hop`` consecutive samples of a
fixed white-noise table starting at ``(n * 4099) mod table_size``. This makes noise
repeatable per seed, identical between one-shot and chunked decoding, and identical in the
TorchScript export (no dependence on torch's global generator).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

NOISE_TAPS = 128
NOISE_TABLE_SIZE = 1 << 15
NOISE_STRIDE = 4099  # odd: visits every table offset before repeating (~190 s at 44.1 kHz)


def harmonic_start_phases(n_harmonics: int, seed: int | None) -> torch.Tensor:
    """``[n_harmonics]`` fixed phase offsets of the oscillators, radians: harmonic ``k`` plays
    ``sin(k φ + θ_k)``. ``seed`` None: all zero (every sine starts in phase, as models made
    before these offsets do); else uniform in [0, 2π) from numpy's generator with that seed.

    Why: sines in phase add up to a peaky wave (a pulse once per period). The test sounds'
    wave is not peaky: the phase of harmonic k relative to k times the fundamental's is
    spread uniformly over 133 training notes (circular resultant 0.05-0.15 for k = 2..12),
    so no offsets fit all sounds, but any spread ones fit them better than none. With the
    demo model's decoder unchanged, held-out spectral convergence 0.535 -> 0.501-0.510 for
    five random sets (pitched 0.475 -> 0.44, the 64- and 128-point FFTs most). Seed 2 scored
    best of eight on 71 *training* files (0.443 in phase, 0.418), so new models use it.
    """
    if seed is None:
        return torch.zeros(n_harmonics)
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.uniform(0.0, 2.0 * math.pi, n_harmonics).astype(np.float32))


class DdspSynth(nn.Module):
    """Harmonic + filtered-noise synthesizer (no trainable parameters).

    Parameters
    ----------
    sample_rate_hz, hop
        Output rate and samples per control frame.
    n_harmonics
        Oscillators at ``k * f0`` for ``k = 1..n_harmonics``.
    n_bands
        Noise filter magnitudes per frame (linearly spaced 0..Nyquist); ``2 * (n_bands - 1)``
        must equal :data:`NOISE_TAPS`.
    phase_seed
        The oscillators' fixed phase offsets (:func:`harmonic_start_phases`; None: none).
    """

    def __init__(
        self,
        sample_rate_hz: int,
        hop: int,
        n_harmonics: int,
        n_bands: int,
        phase_seed: int | None = None,
    ) -> None:
        super().__init__()
        if 2 * (n_bands - 1) != NOISE_TAPS:
            raise ValueError(f"n_bands must be {NOISE_TAPS // 2 + 1}")
        self.sample_rate_hz = sample_rate_hz
        self.hop = hop
        self.n_harmonics = n_harmonics
        self.n_bands = n_bands
        self.taps = NOISE_TAPS
        self.table_size = NOISE_TABLE_SIZE
        self.stride = NOISE_STRIDE
        self.latency_samples = hop + NOISE_TAPS // 2
        self.fft_size = 1 << math.ceil(math.log2(hop + NOISE_TAPS))
        ramp = torch.arange(1, hop + 1, dtype=torch.float32) / hop
        self.register_buffer("ramp", ramp, persistent=False)
        self.register_buffer(
            "harmonic_numbers", torch.arange(1, n_harmonics + 1, dtype=torch.float32), False
        )
        self.register_buffer(
            "start_phases", harmonic_start_phases(n_harmonics, phase_seed), persistent=False
        )
        self.register_buffer("noise_window", torch.hann_window(NOISE_TAPS), persistent=False)
        gen = torch.Generator().manual_seed(20240611)
        table = torch.rand(NOISE_TABLE_SIZE, generator=gen) * 2.0 - 1.0
        self.register_buffer("noise_table", table)
        self.register_buffer("offsets", torch.arange(hop), persistent=False)

    def harmonic(
        self,
        f0_hz: torch.Tensor,
        amps: torch.Tensor,
        f0_prev: torch.Tensor,
        amp_prev: torch.Tensor,
        phase: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Oscillator bank. ``f0_hz [B, T]``, ``amps [B, T, K]`` -> ``([B, T, hop], phase)``."""
        b, t = f0_hz.shape
        f_start = torch.cat([f0_prev, f0_hz[:, :-1]], dim=1)
        f_inst = f_start.unsqueeze(-1) + (f0_hz - f_start).unsqueeze(-1) * self.ramp
        within = torch.cumsum(f_inst * (2.0 * math.pi / self.sample_rate_hz), dim=-1)
        inc = within[..., -1].double()
        start = torch.remainder(phase + torch.cumsum(inc, dim=1) - inc, 2.0 * math.pi)
        ph = start.float().unsqueeze(-1) + within  # [B, T, hop]
        sines = torch.sin(ph.unsqueeze(-1) * self.harmonic_numbers + self.start_phases)
        a_start = torch.cat([amp_prev.unsqueeze(1), amps[:, :-1]], dim=1)
        sines = sines.reshape(b * t, self.hop, self.n_harmonics)
        base = torch.bmm(sines, a_start.reshape(b * t, self.n_harmonics, 1))
        slope = torch.bmm(sines, (amps - a_start).reshape(b * t, self.n_harmonics, 1))
        out = base.reshape(b, t, self.hop) + slope.reshape(b, t, self.hop) * self.ramp
        new_phase = torch.remainder(phase + inc.sum(dim=1, keepdim=True), 2.0 * math.pi)
        return out, new_phase

    def noise(
        self, mags: torch.Tensor, tail: torch.Tensor, counter: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Filtered noise. ``mags [B, T, n_bands]`` -> ``([B, T, hop], tail)``."""
        t = mags.shape[1]
        frames = counter.unsqueeze(1) + torch.arange(t, device=mags.device)
        start = torch.remainder(frames * self.stride, self.table_size)
        index = torch.remainder(start.unsqueeze(-1) + self.offsets, self.table_size)
        white = self.noise_table[index]  # [B, T, hop]
        ir = torch.fft.irfft(mags.to(torch.complex64), n=self.taps)
        ir = torch.roll(ir, self.taps // 2, dims=-1) * self.noise_window
        n = self.fft_size
        y = torch.fft.irfft(torch.fft.rfft(white, n=n) * torch.fft.rfft(ir, n=n), n=n)
        body = y[..., : self.hop]
        spill = y[..., self.hop : self.hop + self.taps - 1]
        prev = torch.cat([tail.unsqueeze(1), spill[:, :-1]], dim=1)
        out = body + F.pad(prev, (0, self.hop - (self.taps - 1)))
        return out, spill[:, -1]

    def forward(
        self,
        f0_hz: torch.Tensor,
        amps: torch.Tensor,
        noise_mags: torch.Tensor,
        f0_prev: torch.Tensor,
        amp_prev: torch.Tensor,
        phase: torch.Tensor,
        tail: torch.Tensor,
        counter: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Audio ``[B, T * hop]`` and the new ``(phase, tail, counter)``.

        The new ``f0_prev``/``amp_prev`` are simply the last frame's controls.
        """
        b, t = f0_hz.shape
        harm, new_phase = self.harmonic(f0_hz, amps, f0_prev, amp_prev, phase)
        noise, new_tail = self.noise(noise_mags, tail, counter)
        audio = (harm + noise).reshape(b, t * self.hop)
        return audio, new_phase, new_tail, counter + t
