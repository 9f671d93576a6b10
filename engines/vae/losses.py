"""Training losses: multi-resolution STFT distance, control supervision, KL divergence.

The spectral loss is the benchmark's metric itself (spectral convergence + log-magnitude L1,
as auraloss's ``MultiResolutionSTFTLoss`` defines them, averaged over FFT sizes 2048…64 with a
quarter-size hop) plus a small linear-magnitude L1 term that pins the output level.

Spectral convergence per item (``sc_per_item``): the benchmark scores every held-out sound on
its own (``||X - Y|| / ||X||`` per file, then the mean over files), but a batch-wide ratio lets
the loudest crop of the batch drown the others: trained that way, quiet drum hits came out
10-13 dB too loud at the attack and scored SC 2-3.5 each (demo model), a third of the whole
test set's excess over the goal. Per item, each crop's ratio counts alike; its denominator is
floored at ``sc_floor`` times the batch's RMS norm so that near-silent crops (decay tails, which
weigh nothing in a whole-file score) cannot dominate. Default floor: -30 dB.
"""

from __future__ import annotations

import torch

FFT_SIZES = (2048, 1024, 512, 256, 128, 64)


class SpectralLoss(torch.nn.Module):
    """``loss(output, target)`` for audio ``[B, N]``: mean over resolutions of SC + log-L1."""

    def __init__(
        self,
        fft_sizes: tuple[int, ...] = FFT_SIZES,
        linear_weight: float = 0.1,
        loudness_weight: float = 0.0,
        sc_per_item: bool = False,
        sc_floor: float = 0.03,
        sc_weight: float = 1.0,
    ) -> None:
        super().__init__()
        self.fft_sizes = fft_sizes
        self.linear_weight = linear_weight
        self.loudness_weight = loudness_weight
        self.sc_per_item = sc_per_item
        self.sc_floor = sc_floor
        self.sc_weight = sc_weight
        for n in fft_sizes:
            self.register_buffer(f"window_{n}", torch.hann_window(n), persistent=False)

    def _mag(self, x: torch.Tensor, n: int) -> torch.Tensor:
        window = getattr(self, f"window_{n}")
        spec = torch.stft(x, n, n // 4, n, window, return_complex=True)
        return (spec.real.square() + spec.imag.square()).clamp_min(1e-8).sqrt()

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        total = output.new_zeros(())
        for n in self.fft_sizes:
            y_mag = self._mag(output, n)
            x_mag = self._mag(target, n)
            if self.sc_per_item and x_mag.dim() == 3:
                sc = spectral_convergence_per_item(y_mag, x_mag, self.sc_floor)
            else:
                sc = torch.linalg.norm(x_mag - y_mag) / torch.linalg.norm(x_mag).clamp_min(1e-8)
            log_l1 = (x_mag.log() - y_mag.log()).abs().mean()
            lin_l1 = (x_mag - y_mag).abs().mean()
            total = total + self.sc_weight * sc + log_l1 + self.linear_weight * lin_l1
        total = total / len(self.fft_sizes)
        if self.loudness_weight > 0.0:
            total = total + self.loudness_weight * loudness_l1(output, target)
        return total


def spectral_convergence_per_item(
    y_mag: torch.Tensor, x_mag: torch.Tensor, floor: float = 0.03
) -> torch.Tensor:
    """Mean over the batch of ``||X_b - Y_b|| / max(||X_b||, floor * rms_b ||X_b||)``.

    ``y_mag``, ``x_mag``: output and target magnitudes ``[B, bins, frames]`` (or any
    ``[B, ·, ·]``: :func:`control_loss` passes controls ``[B, T, C]``).
    """
    err = (x_mag - y_mag).square().sum((1, 2)).sqrt()
    ref = x_mag.square().sum((1, 2)).sqrt()
    level = ref.square().mean().sqrt().detach()
    return (err / torch.maximum(ref, floor * level).clamp_min(1e-8)).mean()


def loudness_l1(output: torch.Tensor, target: torch.Tensor, frame: int = 1024) -> torch.Tensor:
    """Mean |log frame energy difference| (nats of power; 1.0 = 4.3 dB), floored at -70 dB.

    Log-magnitude L1 is minimised by the *median* magnitude, which for noisy partials lies
    below their RMS: trained on it alone the output came out 4-6 dB too quiet. Frame energy
    pins the level without asking for exact spectral detail.
    """
    pool = torch.nn.functional.avg_pool1d
    e_out = pool(output.square().unsqueeze(1), frame, frame // 4)
    e_in = pool(target.square().unsqueeze(1), frame, frame // 4)
    return ((e_out + 1e-7).log() - (e_in + 1e-7).log()).abs().mean()


def kl_divergence(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q || N(0, 1)) summed over latent dims, averaged over batch and frames."""
    return 0.5 * (mean.square() + logvar.exp() - logvar - 1.0).sum(-1).mean()


def control_loss(
    predicted: torch.Tensor, target: torch.Tensor, noise_from: int, noise_scale: float
) -> torch.Tensor:
    """Distance of decoder controls from measured ones (:mod:`.analysis`), both ``[B, T, C]``.

    Columns from ``noise_from`` on are noise-band magnitudes, scaled by ``noise_scale`` onto
    the harmonic amplitudes' energy scale. Spectral convergence per item over all controls
    (the energy-weighted error that the benchmark's SC mostly sees) plus log-magnitude L1
    (floored at 1e-4, -80 dB, so that silent controls do not dominate).
    """
    scale = torch.ones(predicted.shape[-1], device=predicted.device)
    scale[noise_from:] = noise_scale
    y, x = predicted * scale, target * scale
    sc = spectral_convergence_per_item(y, x)
    log_l1 = ((y + 1e-4).log() - (x + 1e-4).log()).abs().mean()
    return sc + log_l1
