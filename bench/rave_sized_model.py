"""A TorchScript model of RAVE v2's size and cost, for audio and import benchmarks.

Nothing of RAVE is copied or downloaded: this is our own convolution stack, sized to what
DESIGN.md §3 measured on a RAVE v2 export (44.1 kHz, hop 2048, 8 latents, ~31 M decoder-side
parameters, ~3 GFLOP per second of audio) and following the nn~ convention (``encode_params``,
``decode_params``, ``sr``, ``get_methods``; streaming decoder state in ``…_cache`` buffers that
the engine swaps per voice). Its output is noise-like sound whose level follows the latents:
good enough to time.

The encoder mirrors the decoder, as RAVE v2's does (its published config: 16 PQMF bands,
strides 4·4·4·2, dilated residual convs 1·3·9 per stage, a mean and a scale per latent): the
waveform is split into 16 interleaved bands, each stage runs three dilated residual convs and
then a strided conv that narrows time and widens channels, and the frame-rate stack ends in
the latent mean. It is not streaming (an import encodes whole files).

Run ``python bench/rave_sized_model.py [PATH]`` to build it (default
``bench/out/rave_sized_streaming.ts``); :func:`ensure_model` builds it once and reuses it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

DEFAULT_PATH = Path(__file__).resolve().parent / "out" / "rave_sized_streaming.ts"


class CausalConv(nn.Module):
    """A causal conv whose left context is carried between calls in ``state_cache``."""

    def __init__(self, cin: int, cout: int, kernel: int, dilation: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, dilation=dilation)
        self.context = (kernel - 1) * dilation
        self.register_buffer("state_cache", torch.zeros(1, cin, max(1, self.context)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.context == 0:
            return self.conv(x)
        x = torch.cat([self.state_cache, x], -1)
        self.state_cache.copy_(x[..., -self.context :])
        return self.conv(x)


class Residual(nn.Module):
    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.conv = CausalConv(channels, channels, 3, dilation)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(self.act(x))


class Stage(nn.Module):
    """Upsample by ``ratio`` (repeat), narrow the channels, then dilated residual convs."""

    def __init__(self, cin: int, cout: int, ratio: int) -> None:
        super().__init__()
        self.ratio = ratio
        self.narrow = CausalConv(cin, cout, 3)
        self.blocks = nn.Sequential(Residual(cout, 1), Residual(cout, 3), Residual(cout, 9))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.repeat_interleave(x, self.ratio, dim=-1)
        return self.blocks(self.narrow(x))


class EncoderStage(nn.Module):
    """Dilated residual convs at ``cin`` channels, then a strided conv: time ÷ ``ratio``."""

    def __init__(self, cin: int, cout: int, ratio: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential(
            *[
                nn.Sequential(nn.LeakyReLU(0.2), nn.Conv1d(cin, cin, 3, dilation=d, padding=d))
                for d in (1, 3, 9)
            ]
        )
        self.down = nn.Conv1d(cin, cout, 2 * ratio, stride=ratio, padding=ratio // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = x + block(x)
        return self.down(x)


class RaveSizedModel(nn.Module):
    def __init__(
        self, latent: int = 8, width: int = 1024, frame_layers: int = 8, capacity: int = 96
    ) -> None:
        super().__init__()
        self.sr = 44100
        self.latent_size = latent
        self.full_latent_size = latent
        self.bands = 16
        self.register_buffer("encode_params", torch.tensor([1, 1, latent, 2048]))
        self.register_buffer("decode_params", torch.tensor([latent, 2048, 1, 1]))
        widths = [capacity * 2**i for i in range(5)]  # 96 … 1536, as RAVE v2's encoder
        self.enc_in = nn.Conv1d(self.bands, widths[0], 7, padding=3)
        self.enc_stages = nn.Sequential(
            *[EncoderStage(widths[i], widths[i + 1], r) for i, r in enumerate([4, 4, 4, 2])]
        )
        self.enc_out = nn.Conv1d(widths[-1], 2 * latent, 3, padding=1)
        self.inp = CausalConv(latent, width, 3)
        self.frame_stack = nn.Sequential(
            *[Residual(width, d) for d in [1, 3, 9, 1, 3, 9, 1, 3][:frame_layers]]
        )
        widths = [width, width // 2, width // 4, width // 8, width // 16]
        self.stages = nn.Sequential(
            *[Stage(widths[i], widths[i + 1], r) for i, r in enumerate([4, 4, 4, 2])]
        )
        self.out = CausalConv(widths[-1], self.bands, 7)

    @torch.jit.export
    def get_methods(self) -> list[str]:
        return ["encode", "decode"]

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``[B, 1, T * 2048]`` → the latent mean ``[B, latent, T]``."""
        b, n = x.shape[0], x.shape[-1]
        bands = x.reshape(b, n // self.bands, self.bands).transpose(1, 2)  # [B, 16, T * 128]
        h = self.enc_stages(self.enc_in(bands))  # [B, width, T]
        return self.enc_out(torch.nn.functional.leaky_relu(h, 0.2))[:, : self.latent_size]

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.frame_stack(self.inp(z))
        h = self.stages(h)  # [B, 64, T * 128]
        bands = torch.tanh(self.out(h))  # [B, 16, T * 128]
        b = bands.shape[0]
        # interleave the 16 band signals into one waveform: T * 128 * 16 = T * 2048 samples
        return 0.3 * bands.transpose(1, 2).reshape(b, 1, -1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


def build(path: Path = DEFAULT_PATH) -> Path:
    torch.manual_seed(0)
    model = RaveSizedModel().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(0.5)  # keep the untrained residual stack from blowing up
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.script(model).save(str(path))
    return path


def ensure_model(path: Path = DEFAULT_PATH) -> Path:
    return path if path.exists() else build(path)


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)
    model = RaveSizedModel()
    encoder = [model.enc_in, model.enc_stages, model.enc_out]
    enc = sum(p.numel() for m in encoder for p in m.parameters())
    print(f"model = {out}")
    print(f"parameters.encoder = {enc / 1e6:.1f} M")
    print(f"parameters.decoder = {(sum(p.numel() for p in model.parameters()) - enc) / 1e6:.1f} M")
