"""Our VAE's streaming decode without torch: the per-voice :class:`FrameDecoder` over a
:class:`~.fast_stream.FrameWeights`, and :class:`FrameEngine`, what a decoder process needs of
the model, loaded from a weights file (``.frames.npz``) that :func:`save_frame_weights` writes.

Why a file: a decoder process that loads the checkpoint imports torch first (1.2 s of the 1.9 s
it took to start here); numpy and the compiled kernel are all that decoding needs. Every audio
start and model change starts such a process.

Not thread-safe: one :class:`FrameDecoder` belongs to one voice's decode thread.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomic_write import write_atomic
from ..contract import as_trajectory
from .frame_kernel import decode_frames

if TYPE_CHECKING:
    from .fast_stream import FrameWeights  # or the same fields read back by FrameEngine.load

FRAMES_SUFFIX = ".frames.npz"


def seed_counter(seed: int | None) -> int:
    """Noise-table start frame for ``seed`` (0 -> 0; None -> random)."""
    if seed is None:
        return int.from_bytes(os.urandom(4), "little") & 0x7FFF_FFFF
    return (int(seed) * 2_654_435_761) & 0x7FFF_FFFF


class FrameDecoder:
    """One voice's state and its per-frame decode (float32)."""

    def __init__(self, weights: FrameWeights, counter: int = 0) -> None:
        self.w = weights
        self.reset(counter)

    def reset(self, counter: int = 0) -> None:
        w = self.w
        self.h = w.rest_h.copy()
        self.amp_prev = np.zeros(w.n_harmonics, np.float32)
        self.tail = np.zeros(w.taps - 1, np.float32)
        self.scalars = np.array([0.0, 0.0, float(counter)])  # f0_prev Hz, phase rad, counter

    def decode(self, frames: np.ndarray) -> np.ndarray:
        """PCA latents ``[n, L]`` float32 -> mono audio ``[n * hop]`` float32."""
        w = self.w
        out = np.empty(frames.shape[0] * w.hop, np.float32)
        frames = np.ascontiguousarray(frames, np.float32)
        decode_frames(
            frames, w.pca_t, w.pca_mean, w.pre_t, w.pre_b, w.ih_t, w.ih_b, w.hh_t, w.hh_b, w.p1_t,
            w.p1_b, w.ln_w, w.ln_b, w.ln_eps, w.p2_t, w.p2_b, w.head_t, w.head_b, w.ir_basis_t,
            w.ramp, w.noise_table, w.sr, w.stride, w.loud_gain, w.n_env, w.top_mel, w.phase_cos,
            w.phase_sin, self.h, self.amp_prev, self.tail, self.scalars, out,
        )  # fmt: skip
        return out


class FrameStreamDecoder:
    """One voice of the contract's stream decoder: frames in, contiguous audio out, as a
    one-shot decode from the same noise position would give (called on the voice's thread)."""

    def __init__(self, weights: FrameWeights, latency_samples: int, seed: int | None) -> None:
        self._latent_size = weights.latent_size
        self._latency = latency_samples
        self._frames: FrameDecoder | None = FrameDecoder(weights, seed_counter(seed))

    @property
    def latency_samples(self) -> int:
        return self._latency

    def decode(self, frames: np.ndarray) -> np.ndarray:
        """``[n, latent_size]`` -> ``[1, n * hop]`` float32."""
        if self._frames is None:
            raise RuntimeError("stream decoder is closed")
        return self._frames.decode(as_trajectory(frames, self._latent_size))[None]

    def reset(self, seed: int | None = 0) -> None:
        if self._frames is not None:
            self._frames.reset(seed_counter(seed))

    def close(self) -> None:
        self._frames = None

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # the compiled kernel has no per-call setup to skip


def save_frame_weights(weights: Any, latency_samples: int, path: str | Path) -> Path:
    """Write ``weights`` (a :class:`~.fast_stream.FrameWeights`) and the model's latency to
    ``path`` (whole or not at all), for :meth:`FrameEngine.load`."""
    arrays = {name: np.asarray(value) for name, value in vars(weights).items()}
    arrays["latency_samples"] = np.asarray(int(latency_samples))
    return write_atomic(path, lambda tmp: _savez(tmp, arrays))


def private_weights_file(owner: object, weights: Any, latency_samples: int) -> Path:
    """Write ``weights`` for a decoder process into a new private temp folder (mode 700: never
    another user's or another run's file), removed when ``owner`` is collected or at exit."""
    folder = tempfile.mkdtemp(prefix="latentscape-decoder-")
    weakref.finalize(owner, shutil.rmtree, folder, True)
    return save_frame_weights(weights, latency_samples, Path(folder) / f"model{FRAMES_SUFFIX}")


def _savez(tmp: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())


class FrameEngine:
    """The model as a decoder process sees it: rate, hop, channels, latent size, and voices
    (``stream_decoder``) decoded by the compiled kernel. No torch."""

    channels = 1

    def __init__(self, weights: Any, latency_samples: int) -> None:
        self._weights = weights
        self.latency_samples = int(latency_samples)
        self.sample_rate_hz = round(float(weights.sr))
        self.hop_samples = int(weights.hop)
        self.latent_size = int(weights.latent_size)

    @classmethod
    def load(cls, path: str | Path) -> FrameEngine:
        """Read a file written by :func:`save_frame_weights`."""
        with np.load(path) as data:
            values = {
                name: (data[name].item() if data[name].ndim == 0 else data[name])
                for name in data.files
            }
        latency = values.pop("latency_samples")
        return cls(SimpleNamespace(**values), latency)

    def stream_decoder(self, seed: int | None = 0) -> FrameStreamDecoder:
        return FrameStreamDecoder(self._weights, self.latency_samples, seed)
