"""Frame-by-frame streaming decode: the realtime path of :class:`~.engine.VaeEngine`, and of
:class:`~..torchscript_engine.TorchScriptEngine` for ``.ts`` exports of our VAE. This module
reads the weights out of torch (:class:`FrameWeights`); the decode itself, torch-free, is in
:mod:`.frame_stream`.

Why not torch: one latent frame is 5.8 ms of audio and the decoder does ~100 tensor
operations per frame; torch pays 2-5 µs of dispatch per operation on tiny tensors (scripted:
320-400 µs a frame here, a real-time factor of ~15), numpy ~1 µs (145 µs a frame at best,
~40x). :func:`~.frame_kernel.decode_frame` does the whole frame in one compiled call: 90-100 µs
of CPU per frame measured on this busy machine (~60x), against 250 µs for numpy at that time.
The maths is that of :meth:`~.model.VaeCore.decode_step` with the same weights, so chunked
output equals the one-shot torch decode up to float rounding (tests/engines/vae check it).
"""

from __future__ import annotations

import numpy as np
import torch

from .frame_stream import FrameDecoder
from .scripted import NnVae


def _np(t: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().cpu().numpy().astype(np.float32))


def _layer(sequence: torch.nn.Module, index: int) -> torch.nn.Module:
    """``sequence[index]`` for an ``nn.Sequential`` and for one loaded from a ``.ts`` file
    (whose scripted form has no indexing from Python)."""
    return getattr(sequence, str(index))


class FrameWeights:
    """Read-only numpy copies of an :class:`NnVae`'s weights, shared by its voices.

    ``model`` is an :class:`NnVae` or the same module loaded from its ``.ts`` export.
    Matrices are stored ``[out, in]`` (row-major dot products in the kernel).
    """

    def __init__(self, model: NnVae | torch.jit.ScriptModule) -> None:
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
        self.n_env = int(getattr(dec, "envelope_points", 0))  # exports from before: none
        self.top_mel = float(getattr(dec, "top_mel", 1.0))
        self.pca_t = _np(model.pca_components.t())
        self.pca_mean = _np(model.pca_mean)
        self.pre_t = _np(_layer(dec.pre, 0).weight)
        self.pre_b = _np(_layer(dec.pre, 0).bias)
        self.ih_t = _np(dec.gru.weight_ih_l0)
        self.ih_b = _np(dec.gru.bias_ih_l0)
        self.hh_t = _np(dec.gru.weight_hh_l0)
        self.hh_b = _np(dec.gru.bias_hh_l0)
        self.p1_t = _np(_layer(dec.post, 0).weight)
        self.p1_b = _np(_layer(dec.post, 0).bias)
        self.ln_w = _np(_layer(dec.post, 1).weight)
        self.ln_b = _np(_layer(dec.post, 1).bias)
        self.ln_eps = float(_layer(dec.post, 1).eps)
        self.p2_t = _np(_layer(dec.post, 3).weight)
        self.p2_b = _np(_layer(dec.post, 3).bias)
        self.head_t = _np(dec.head.weight)
        self.head_b = _np(dec.head.bias)
        # The decoder's rest state (exports from before it existed start from zero).
        rest = getattr(core, "rest_h", None)
        self.rest_h = (
            _np(rest).reshape(-1) if rest is not None else np.zeros(self.width, np.float32)
        )
        self.ramp = _np(syn.ramp)
        # The oscillators' start phases (exports from before them: all zero).
        start = getattr(syn, "start_phases", None)
        start = _np(start) if start is not None else np.zeros(self.n_harmonics, np.float32)
        self.phase_cos = np.cos(start.astype(np.float64))
        self.phase_sin = np.sin(start.astype(np.float64))
        table = _np(syn.noise_table)
        self.noise_table = np.concatenate([table, table[: self.hop]])  # wraps without modulo
        # Noise filter: band magnitudes -> windowed, delayed FIR taps (linear, one matrix).
        with torch.no_grad():
            eye = torch.eye(syn.n_bands).to(torch.complex64)
            ir = torch.roll(torch.fft.irfft(eye, n=syn.taps), syn.taps // 2, dims=-1)
            self.ir_basis_t = _np((ir * syn.noise_window).t())


EXPORT_CHECK_FRAMES = 24  # frames of random latents the kernel must reproduce (below)
EXPORT_CHECK_TOLERANCE = 1e-3  # of the peak: float rounding is ~4e-5 (measured)


def export_frame_weights(model: torch.jit.ScriptModule) -> FrameWeights | None:
    """The kernel's weights for ``model`` when it is a ``.ts`` export of our VAE, else None.

    An export is trusted only when the kernel reproduces its own ``decode_stateful`` on random
    latents from a zero state (float rounding apart); a file from another version of the
    exporter, or with damaged weights, stays on the generic TorchScript path. Seconds the
    first time in a process (the kernel compiles, or loads from numba's disk cache).
    """
    if getattr(model, "original_name", "") != "NnVae" or not hasattr(model, "decode_stateful"):
        return None
    try:
        weights = FrameWeights(model)
        z = np.random.default_rng(0).standard_normal((EXPORT_CHECK_FRAMES, weights.latent_size))
        z = z.astype(np.float32)
        with torch.inference_mode():
            expected, _ = model.decode_stateful(
                torch.from_numpy(z)[None], model.initial_state(1, 0)
            )
        expected = expected[0].numpy()
        got = FrameDecoder(weights, 0).decode(z)
    except Exception:  # any mismatch of layout means: not an export we know
        return None
    peak = float(np.abs(expected).max())
    if got.shape != expected.shape or not np.isfinite(peak) or peak == 0.0:
        return None
    if float(np.abs(got - expected).max()) > EXPORT_CHECK_TOLERANCE * peak:
        return None
    return weights
