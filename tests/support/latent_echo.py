"""A decoder whose "audio" is latent dim 0 (hop 1, ``RATE`` frames a second), for the voice
source tests: the output is the latent trajectory a voice fed the model, sample for sample.
"""

from __future__ import annotations

import contextlib

import numpy as np

from latentscape.engines.audio.latent_transform import IDENTITY
from latentscape.engines.audio.sources import DecodePipe

RATE = 100
"""Frames per second = samples per second (hop 1)."""


class LatentEcho:
    """StreamDecoder whose audio is the first latent dim (hop 1, mono)."""

    latency_samples = 0

    def decode(self, frames: np.ndarray) -> np.ndarray:
        """``frames`` [n, latent] float32 -> audio [1, n] float32: ``frames[:, 0]``."""
        return np.ascontiguousarray(frames[:, :1].T)

    def reset(self, seed: int | None = 0) -> None:
        pass

    def close(self) -> None:
        pass

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


def echo_pipe() -> DecodePipe:
    """A mono :class:`DecodePipe` through :class:`LatentEcho` at ``RATE``, no transform."""
    return DecodePipe(LatentEcho(), 1, RATE, RATE, 1, lambda: IDENTITY, noise_seed=0)


def drain(source, limit: int = 100) -> np.ndarray:
    """Channel 0 of ``source``'s chunks [frames] until it ends, or of its first ``limit``."""
    chunks = []
    for _ in range(limit):
        chunk = source.next_chunk()
        if chunk is None:
            break
        chunks.append(chunk[:, 0])
    return np.concatenate(chunks)
