"""A small convolutional GAN over latent windows (hinge loss, spectrally normalised critic).

The generator maps a noise vector (the tile's *code*, ``[noise_size]``) to a window; sampling
uses an exponential moving average of its weights, which is steadier than the raw weights.
"More like this" takes a small step in a tile's code; a window without a code (a real sound)
is first inverted: the code whose window is closest to it is found by gradient descent.
Temperature scales the noise.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .base import (
    CancelCheck,
    PriorError,
    PriorSamples,
    ProgressCallback,
    TrainReport,
    check_count,
    check_strength,
    check_temperature,
    generator_for,
)
from .nets import Critic, Generator
from .trained import WeightAverage, batch_sampler, build_seeded, run_steps
from .trained_prior import TrainedPrior

INVERSION_STEPS = 150
INVERSION_CANDIDATES = 64


class GanPrior(TrainedPrior):
    """GAN prior over windows ``[window_frames, latent_size]``.

    Parameters
    ----------
    latent_size, prior_frames, time_stride
        Window shape at the prior's rate (``prior_frames`` a multiple of 4) and the model
        frames per prior frame (see :class:`~.windows.LatentWindows`).
    noise_size
        Length of the generator's input noise (the code of every sample).
    width
        Channels of the networks (96, 64 × 16 windows: about 250 k generator and 60 k critic
        parameters).
    batch_size, learning_rate
        Training settings (the critic learns twice as fast as the generator). On real VAE
        latents, 90 s of CPU training: learning rate 4e-4 with 128 noise values gave Fréchet
        8.8, 2e-4 with 64 gave 10.4, 1e-4 gave 12.0.
    feature_matching
        Weight of a feature-matching term (critic features' batch mean and spread) added to the
        generator's loss; 0 (off) by default: it did not help in the same test.
    """

    kind = "gan"
    net_name = "generator"

    def __init__(
        self,
        latent_size: int,
        prior_frames: int = 32,
        time_stride: int = 1,
        noise_size: int = 128,
        width: int = 96,
        batch_size: int = 64,
        learning_rate: float = 4e-4,
        feature_matching: float = 0.0,
    ) -> None:
        super().__init__(
            latent_size,
            prior_frames,
            time_stride,
            noise_size=int(noise_size),
            width=int(width),
            batch_size=int(batch_size),
            learning_rate=float(learning_rate),
            feature_matching=float(feature_matching),
        )

    @property
    def code_size(self) -> int:
        return self._config["noise_size"]

    def _new_net(self) -> nn.Module:
        c = self._config
        return Generator(c["latent_size"], c["prior_frames"], c["noise_size"], c["width"])

    def _fit(
        self,
        data: torch.Tensor,
        steps: int | None,
        seconds: float | None,
        progress_cb: ProgressCallback | None,
        cancel_check: CancelCheck | None,
        seed: int,
    ) -> tuple[TrainReport, nn.Module]:
        c = self._config
        gen = generator_for(seed)
        g_net, critic = build_seeded(
            seed,
            lambda: (self._new_net(), Critic(c["latent_size"], c["prior_frames"], c["width"])),
        )
        average = WeightAverage(g_net, decay=0.999)
        lr = c["learning_rate"]
        opt_g = torch.optim.Adam(g_net.parameters(), lr=lr, betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(critic.parameters(), lr=2 * lr, betas=(0.0, 0.9))
        draw = batch_sampler(data, c["batch_size"], gen)
        batch, noise_size = c["batch_size"], c["noise_size"]
        matching = c["feature_matching"]

        def step(index: int) -> float:
            real = draw()
            with torch.no_grad():
                fake = g_net(torch.randn(batch, noise_size, generator=gen))
            d_loss = F.relu(1.0 - critic(real)).mean() + F.relu(1.0 + critic(fake)).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            fake = g_net(torch.randn(batch, noise_size, generator=gen))
            g_loss = -critic(fake).mean()
            if matching > 0:
                with torch.no_grad():
                    real_stats = critic.features(real)
                fake_stats = critic.features(fake)
                gap = (real_stats.mean(0) - fake_stats.mean(0)).pow(2).mean()
                spread = (real_stats.std(0) - fake_stats.std(0)).pow(2).mean()
                g_loss = g_loss + matching * (gap + spread)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            average.update(g_net, index)
            return float(d_loss.detach())

        report = run_steps(step, steps, seconds, progress_cb, cancel_check)
        return report, average.module

    def sample(self, n: int, temperature: float = 1.0, seed: int | None = 0) -> PriorSamples:
        """``n`` windows ``[n, window_frames, latent]`` and their codes ``[n, noise_size]``."""
        state = self._require()
        n, temperature = check_count(n), check_temperature(temperature)
        codes = torch.randn(n, self.code_size, generator=generator_for(seed)) * temperature
        with torch.inference_mode():
            windows = self._to_windows(state, state.net(codes))
        return PriorSamples(windows, codes.numpy().astype(np.float32))

    def decode_codes(self, codes: np.ndarray) -> np.ndarray:
        """Windows ``[n, window_frames, latent]`` for codes ``[n, noise_size]`` (as sampled)."""
        state = self._require()
        z = np.asarray(codes, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.code_size:
            raise PriorError(f"GAN codes must be [n, {self.code_size}], got {list(z.shape)}")
        with torch.inference_mode():
            return self._to_windows(state, state.net(torch.from_numpy(np.ascontiguousarray(z))))

    def invert(self, window: np.ndarray, seed: int | None = 0) -> np.ndarray:
        """The code ``[noise_size]`` whose window best matches ``window`` (≈ 0.15 s)."""
        state = self._require()
        target = self._from_window(state, window)
        gen = generator_for(seed)
        g_net = state.net
        with torch.no_grad():
            candidates = torch.randn(INVERSION_CANDIDATES, self.code_size, generator=gen)
            errors = (g_net(candidates) - target).pow(2).mean((1, 2))
            best = candidates[int(errors.argmin())].clone()
        code = best[None].requires_grad_(True)
        opt = torch.optim.Adam([code], lr=0.05)
        for _ in range(INVERSION_STEPS):
            loss = (g_net(code) - target).pow(2).mean() + 1e-3 * code.pow(2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return code.detach()[0].numpy().astype(np.float32)

    def variations(
        self,
        window: np.ndarray,
        n: int,
        strength: float = 0.3,
        seed: int | None = 0,
        code: np.ndarray | None = None,
    ) -> PriorSamples:
        """``n`` windows from small steps around ``code`` (``code + strength * noise``).

        Without ``code`` (a window that was not sampled from this prior), the code is found by
        :meth:`invert` first.
        """
        self._require()
        n, strength = check_count(n), check_strength(strength)
        if code is None:
            code = self.invert(window, seed)
        base = np.asarray(code, dtype=np.float32).reshape(-1)
        if base.shape[0] != self.code_size:
            raise PriorError(f"GAN code must have {self.code_size} values, got {base.shape[0]}")
        step = torch.randn(n, self.code_size, generator=generator_for(seed))
        codes = (torch.from_numpy(base)[None] + strength * step).numpy().astype(np.float32)
        return PriorSamples(self.decode_codes(codes), codes)
