"""``NnVae``: the trained VAE wrapped in the nn~ convention, scriptable with TorchScript.

The same scripted module serves :class:`~.engine.VaeEngine` (through the stateless
:meth:`NnVae.encode_latents` / :meth:`NnVae.decode_stateful`) and the ``.ts`` export (through
``encode``/``decode``/``forward``), so the app and nn~ hosts run identical code.

nn~ convention (DESIGN.md §3): ``encode(x [B, 1, N]) -> [B, L, N / hop]``,
``decode(z [B, L, T]) -> [B, 1, T * hop]``, ``forward = decode(encode(x))``, a
``<method>_params`` buffer ``[in_channels, in_ratio, out_channels, out_ratio]`` per method,
``get_methods()``, the sample rate in ``sr``. Latents are PCA-rotated (most important dimension
first). ``decode`` streams: its state lives in buffers whose names end in ``_cache`` (GRU
state, last controls, oscillator phase, noise overlap, noise position), one row per batch
row, zero at the start; a host resets a voice by zeroing them (the GRU state is kept
relative to the decoder's rest state, :meth:`.model.VaeCore.settle`, so zero is at rest).
``encode`` is stateless (every call analyses its chunk on its own, zero-padded).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .model import VaeConfig, VaeCore


class NnVae(nn.Module):
    def __init__(self, core: VaeCore, pca_mean: torch.Tensor, pca_components: torch.Tensor) -> None:
        super().__init__()
        self.core = core
        self.sr = int(core.sample_rate_hz)
        self.hop = int(core.hop)
        self.latent_size = int(core.latent_size)
        self.full_latent_size = int(core.latent_size)
        self.latency_samples = int(core.synth.latency_samples)
        lat = self.latent_size
        self.register_buffer("pca_mean", pca_mean.float().reshape(lat).clone())
        self.register_buffer("pca_components", pca_components.float().reshape(lat, lat).clone())
        self.register_buffer("encode_params", torch.tensor([1, 1, lat, self.hop]))
        self.register_buffer("decode_params", torch.tensor([lat, self.hop, 1, 1]))
        self.register_buffer("forward_params", torch.tensor([1, 1, 1, 1]))
        for name, tensor in zip(self._state_names(), core.initial_state(1, 0)):
            self.register_buffer(name, tensor)

    @staticmethod
    def _state_names() -> list[str]:
        return ["gru_cache", "f0_cache", "amp_cache", "phase_cache", "noise_cache", "counter_cache"]

    @torch.jit.export
    def get_methods(self) -> list[str]:
        return ["encode", "decode", "forward"]

    @torch.jit.export
    def initial_state(self, batch: int, counter: int) -> list[torch.Tensor]:
        return self.core.initial_state(batch, counter)

    @torch.jit.export
    def encode_latents(self, audio: torch.Tensor) -> torch.Tensor:
        """Mono ``[B, N]`` -> PCA latents ``[B, ceil(N / hop), L]`` (posterior mean)."""
        n = audio.shape[-1]
        frames = max(1, (n + self.hop - 1) // self.hop)
        audio = nn.functional.pad(audio, (0, frames * self.hop - n))
        mean = self.core.encode_mean(audio)
        return torch.matmul(mean - self.pca_mean, self.pca_components.t())

    @torch.jit.export
    def decode_stateful(
        self, z: torch.Tensor, state: list[torch.Tensor]
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """PCA latents ``[B, T, L]`` -> ``(audio [B, T * hop], new state)``."""
        raw = torch.matmul(z, self.pca_components) + self.pca_mean
        audio, new_state = self.core.decode_step(raw, state)
        return audio, new_state

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_latents(x.mean(1)).transpose(1, 2)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        batch = z.shape[0]
        if self.gru_cache.shape[1] != batch:
            fresh = self.core.initial_state(batch, 0)
            self.gru_cache = fresh[0]
            self.f0_cache = fresh[1]
            self.amp_cache = fresh[2]
            self.phase_cache = fresh[3]
            self.noise_cache = fresh[4]
            self.counter_cache = fresh[5]
        state = [
            self.gru_cache,
            self.f0_cache,
            self.amp_cache,
            self.phase_cache,
            self.noise_cache,
            self.counter_cache,
        ]
        audio, new = self.decode_stateful(z.transpose(1, 2), state)
        self.gru_cache.copy_(new[0])
        self.f0_cache.copy_(new[1])
        self.amp_cache.copy_(new[2])
        self.phase_cache.copy_(new[3])
        self.noise_cache.copy_(new[4])
        self.counter_cache.copy_(new[5])
        return audio.unsqueeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def build_nn_vae(data: dict[str, Any]) -> NnVae:
    """An eval-mode :class:`NnVae` from a checked checkpoint dict (:mod:`.checkpoint`)."""
    core = VaeCore(VaeConfig.from_dict(data["config"]))
    core.load_state_dict(data["state_dict"])
    core.settle()
    model = NnVae(core, data["pca_mean"], data["pca_components"])
    return model.eval()
