"""The contract every model engine fulfils (TorchScript/RAVE, our own VAE, …).

All arrays that cross this boundary are numpy ``float32``:

- audio is ``[channels, samples]`` at ``sample_rate_hz``;
- a latent trajectory is ``[frames, latent_size]``, one frame every ``hop_samples`` samples.

Noise: neural audio models are random in places (stochastic encoders, noise padding of latent
dims that were cropped at export, noise synthesizers). Every method that can draw noise takes
``seed``: an ``int`` makes the result repeatable (deterministic mode), ``None`` draws fresh
noise on every call (fresh-noise mode).

Threads: an engine may be called from several threads at once (the GUI's worker, one decode
thread per voice); engines serialise access to shared model state themselves. A
:class:`StreamDecoder` belongs to one voice and is called from that voice's thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from .model_info import ModelInfo


def as_trajectory(trajectory: np.ndarray, latent_size: int) -> np.ndarray:
    """``trajectory`` as float32 ``[frames, latent_size]``; ValueError for any other shape."""
    z = np.asarray(trajectory, np.float32)
    if z.ndim != 2 or z.shape[1] != latent_size:
        raise ValueError(f"trajectory must be [frames, {latent_size}], got {z.shape}")
    return z


@runtime_checkable
class StreamDecoder(Protocol):
    """Stateful decoder for one voice: successive latent frames in, contiguous audio out.

    Calling :meth:`decode` with frames ``a`` then ``b`` yields the same audio, without a click
    at the boundary, as one call with ``a`` and ``b`` concatenated would in a streaming model.
    """

    @property
    def latency_samples(self) -> int:
        """Algorithmic lag: samples between a frame entering and its sound leaving."""
        ...

    def decode(self, frames: np.ndarray) -> np.ndarray:
        """Decode ``frames`` ``[n, latent_size]`` float32 into ``[channels, n * hop]`` float32."""
        ...

    def reset(self, seed: int | None = 0) -> None:
        """Forget all past frames (silence state) and restart the noise stream from ``seed``."""
        ...

    def close(self) -> None:
        """Release the voice's state slot. The decoder is unusable afterwards."""
        ...

    def decode_scope(self) -> AbstractContextManager[None]:
        """Context for a thread that calls :meth:`decode` over and over: enter it once around
        the loop, on that thread. Calls inside it skip per-call setup (the TorchScript engine:
        one inference-mode scope for the loop instead of one per call)."""
        ...


@runtime_checkable
class ModelEngine(Protocol):
    """A loaded neural audio model, ready to encode and decode."""

    @property
    def info(self) -> ModelInfo:
        """What was found in the model file (rates, sizes, capabilities, measured speed)."""
        ...

    @property
    def sample_rate_hz(self) -> int: ...

    @property
    def channels(self) -> int:
        """Output audio channels of :meth:`decode` (1 mono, 2 stereo)."""
        ...

    @property
    def latent_size(self) -> int: ...

    @property
    def hop_samples(self) -> int:
        """Audio samples per latent frame."""
        ...

    @property
    def can_encode(self) -> bool: ...

    @property
    def can_stream(self) -> bool:
        """True when the model itself carries streaming state (causal, cached convolutions).

        Non-streaming models still get a :class:`StreamDecoder`; it overlaps and cross-fades
        windows, at the cost of extra latency and compute.
        """
        ...

    @property
    def has_prior(self) -> bool: ...

    def encode(self, audio: np.ndarray, seed: int | None = 0) -> np.ndarray:
        """Encode ``[channels, samples]`` (or ``[samples]``) audio into ``[frames, latent_size]``.

        Audio is mixed to the model's input channels; the last frame is padded with silence.
        """
        ...

    def decode(self, trajectory: np.ndarray, seed: int | None = 0) -> np.ndarray:
        """Decode ``[frames, latent_size]`` into ``[channels, frames * hop_samples]`` audio."""
        ...

    def stream_decoder(self, seed: int | None = 0) -> StreamDecoder:
        """A new stateful decoder for one voice, starting from silence."""
        ...

    def sample_prior(
        self, frames: int, temperature: float = 1.0, seed: int | None = 0
    ) -> np.ndarray:
        """Latent trajectory ``[frames, latent_size]`` drawn from the model's own prior.

        Raises :class:`NotImplementedError` when :attr:`has_prior` is false.
        """
        ...
