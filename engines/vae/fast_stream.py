"""Frame-by-frame streaming decode: the realtime path of :class:`~.engine.VaeEngine`.

Why not torch: one latent frame is 5.8 ms of audio and the decoder does ~100 tensor
operations per frame; torch pays 2-5 µs of dispatch per operation on tiny tensors (scripted:
320-400 µs a frame here, a real-time factor of ~15), numpy ~1 µs (145 µs a frame at best,
~40x). :func:`~.frame_kernel.decode_frame` does the whole frame in one compiled call: 90-100 µs
of CPU per frame measured on this busy machine (~60x), against 250 µs for numpy at that time. The maths is
that of :meth:`~.model.VaeCore.decode_step` with the same weights, so chunked output equals
the one-shot torch decode up to float rounding (tests/engines/vae check it).

Not thread-safe: one :class:`FrameDecoder` belongs to one voice's decode thread.
"""

from __future__ import annotations

import numpy as np
import torch

from .frame_kernel import decode_frame
from .scripted import NnVae


def _np(t: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().cpu().numpy().astype(np.float32))


class FrameWeights:
    """Read-only numpy copies of an :class:`NnVae`'s weights, shared by its voices.

    Matrices are stored ``[out, in]`` (row-major dot products in the kernel).
    """

    def __init__(self, model: NnVae) -> None:
        core = model.core
        dec = core.decoder
        syn = core.synth
        self.hop = core.hop
        self.sr = float(core.sample_rate_hz)
        self.latent_size = core.latent_size
        self.width = core.decoder_width
        self.n_harmonics = core.n_harmonics
        self.taps = syn.taps
        self.stride = int(syn.stride)
        self.loud_gain = float(dec.loudness_gain)
        self.pca_t = _np(model.pca_components.t())
        self.pca_mean = _np(model.pca_mean)
        self.pre_t = _np(dec.pre[0].weight)
        self.pre_b = _np(dec.pre[0].bias)
        self.ih_t = _np(dec.gru.weight_ih_l0)
        self.ih_b = _np(dec.gru.bias_ih_l0)
        self.hh_t = _np(dec.gru.weight_hh_l0)
        self.hh_b = _np(dec.gru.bias_hh_l0)
        self.p1_t = _np(dec.post[0].weight)
        self.p1_b = _np(dec.post[0].bias)
        self.ln_w = _np(dec.post[1].weight)
        self.ln_b = _np(dec.post[1].bias)
        self.ln_eps = float(dec.post[1].eps)
        self.p2_t = _np(dec.post[3].weight)
        self.p2_b = _np(dec.post[3].bias)
        self.head_t = _np(dec.head.weight)
        self.head_b = _np(dec.head.bias)
        self.ramp = _np(syn.ramp)
        table = _np(syn.noise_table)
        self.noise_table = np.concatenate([table, table[: self.hop]])  # wraps without modulo
        # Noise filter: band magnitudes -> windowed, delayed FIR taps (linear, one matrix).
        with torch.no_grad():
            eye = torch.eye(syn.n_bands).to(torch.complex64)
            ir = torch.roll(torch.fft.irfft(eye, n=syn.taps), syn.taps // 2, dims=-1)
            self.ir_basis_t = _np((ir * syn.noise_window).t())


class FrameDecoder:
    """One voice's state and its per-frame decode (float32)."""

    def __init__(self, weights: FrameWeights, counter: int = 0) -> None:
        self.w = weights
        self.reset(counter)

    def reset(self, counter: int = 0) -> None:
        w = self.w
        self.h = np.zeros(w.width, np.float32)
        self.amp_prev = np.zeros(w.n_harmonics, np.float32)
        self.tail = np.zeros(w.taps - 1, np.float32)
        self.scalars = np.array([0.0, 0.0, float(counter)])  # f0_prev Hz, phase rad, counter

    def decode(self, frames: np.ndarray) -> np.ndarray:
        """PCA latents ``[n, L]`` float32 -> mono audio ``[n * hop]`` float32."""
        w = self.w
        hop = w.hop
        out = np.empty(frames.shape[0] * hop, np.float32)
        frames = np.ascontiguousarray(frames, np.float32)
        for i in range(frames.shape[0]):
            decode_frame(
                frames[i], w.pca_t, w.pca_mean, w.pre_t, w.pre_b, w.ih_t, w.ih_b, w.hh_t,
                w.hh_b, w.p1_t, w.p1_b, w.ln_w, w.ln_b, w.ln_eps, w.p2_t, w.p2_b, w.head_t,
                w.head_b, w.ir_basis_t, w.ramp, w.noise_table, w.sr, w.stride, w.loud_gain, self.h,
                self.amp_prev, self.tail, self.scalars, out[i * hop : (i + 1) * hop],
            )  # fmt: skip
        return out
