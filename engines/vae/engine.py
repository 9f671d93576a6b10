"""``VaeEngine``: our own VAE behind the :class:`~..contract.ModelEngine` contract.

- ``encode`` returns the posterior mean (PCA-rotated): deterministic, so ``seed`` is ignored.
- ``decode`` runs :class:`~.scripted.NnVae` (eagerly: compiling it costs seconds at load; the
  ``.ts`` export is the same module compiled, and gives bit-identical output) from silence.
- ``stream_decoder`` is truly streaming (GRU state, oscillator phase, noise overlap carried
  between calls) and runs frame by frame in one compiled numba call per frame
  (:mod:`.fast_stream`, :mod:`.frame_kernel`): ~90 µs of CPU per 5.8 ms frame. The kernel is
  compiled at load the first time (seconds; cached on disk afterwards).
- Noise: the synth reads a fixed noise table from a per-voice position; ``seed`` picks the
  starting position (0 starts at 0, like the ``.ts`` export's zeroed state), ``None`` a random
  one. Output is a deterministic function of (latents, seed).

Threads: every method may be called from any thread: the model methods used here are
stateless, and each stream decoder owns its state (called from its voice's thread only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..contract import as_trajectory
from ..errors import ModelLoadError, ModelRuntimeError, one_line
from ..model_info import ModelInfo
from ..torch_runtime import DECODE_CHUNK_FRAMES, configure_runtime
from .checkpoint import check_format
from .fast_stream import FrameWeights
from .frame_stream import (
    FrameDecoder,
    FrameStreamDecoder,
    private_weights_file,
    seed_counter,
)
from .scripted import NnVae, build_nn_vae

KIND = "latentscape-vae"


class VaeEngine:
    """A loaded latentscape VAE checkpoint. Build with :meth:`from_checkpoint`."""

    kind = KIND

    def __init__(
        self,
        model: NnVae,
        path: str | Path,
        data: dict[str, Any],
        content_hash: str = "",
        threads: int = 1,
    ) -> None:
        configure_runtime(threads)
        self._path = Path(path)
        self._model = model
        self._weights = FrameWeights(model)
        self._decoder_file: Path | None = None
        # Compile (or load from numba's disk cache) the realtime kernel now, not in a voice.
        FrameDecoder(self._weights).decode(np.zeros((1, model.latent_size), np.float32))
        training = data.get("training", {}) if isinstance(data.get("training"), dict) else {}
        notes = []
        if training:
            notes.append(
                f"trained {training.get('step', '?')} steps ({float(training.get('seconds', 0)) / 60:.1f} min) "
                f"on {training.get('files', '?')} sounds"
            )
        metrics = data.get("metrics")
        if isinstance(metrics, dict) and "mrstft" in metrics:
            notes.append(f"validation MR-STFT {float(metrics['mrstft']):.2f}")
        self._info = ModelInfo(
            path=str(self._path),
            kind=KIND,
            sample_rate_hz=model.sr,
            channels=1,
            latent_size=model.latent_size,
            full_latent_size=model.full_latent_size,
            hop_samples=model.hop,
            can_encode=True,
            can_stream=True,
            has_prior=False,
            parameter_count=int(sum(p.numel() for p in model.parameters())),
            methods=("encode", "decode", "forward"),
            content_hash=content_hash,
            notes=tuple(notes),
        )

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, data: dict[str, Any], content_hash: str = "", **options: Any
    ) -> VaeEngine:
        """Build from a checkpoint dict already loaded with ``torch.load(weights_only=True)``.

        ``options``: ``threads`` (torch threads, default 1); others (``stereo``, …) are
        accepted and ignored, since this model is mono.
        """
        name = Path(path).name
        check_format(data, name)
        try:
            model = build_nn_vae(data)
        except (RuntimeError, KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(
                f"{name}: damaged latentscape checkpoint ({one_line(exc)})"
            ) from None
        return cls(model, path, data, content_hash, threads=int(options.get("threads", 1) or 1))

    # -- contract properties -------------------------------------------------------------
    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def sample_rate_hz(self) -> int:
        return self._model.sr

    @property
    def channels(self) -> int:
        return 1

    @property
    def latent_size(self) -> int:
        return self._model.latent_size

    @property
    def hop_samples(self) -> int:
        return self._model.hop

    @property
    def latency_samples(self) -> int:
        return self._model.latency_samples

    @property
    def can_encode(self) -> bool:
        return True

    @property
    def can_stream(self) -> bool:
        return True

    @property
    def has_prior(self) -> bool:
        return False

    # -- calls -----------------------------------------------------------------------------
    def encode(self, audio: np.ndarray, seed: int | None = 0) -> np.ndarray:
        x = np.asarray(audio, np.float32)
        if x.ndim == 2:
            x = x.mean(axis=0)
        if x.ndim != 1:
            raise ValueError(f"audio must be [channels, samples] or [samples], got {x.shape}")
        with torch.inference_mode():
            z = self._model.encode_latents(torch.from_numpy(np.ascontiguousarray(x))[None])
        return self._finite(z[0], "encode")

    def decode(self, trajectory: np.ndarray, seed: int | None = 0) -> np.ndarray:
        z = as_trajectory(trajectory, self.latent_size)
        if z.shape[0] == 0:
            return np.zeros((1, 0), np.float32)
        pieces = []
        with torch.inference_mode():
            state = self._model.initial_state(1, seed_counter(seed))
            for start in range(0, z.shape[0], DECODE_CHUNK_FRAMES):
                chunk = np.ascontiguousarray(z[start : start + DECODE_CHUNK_FRAMES])
                audio, state = self._model.decode_stateful(torch.from_numpy(chunk)[None], state)
                pieces.append(self._finite(audio, "decode"))
        return np.concatenate(pieces, axis=1)

    def _finite(self, t: torch.Tensor, method: str) -> np.ndarray:
        out = t.numpy().astype(np.float32, copy=False)
        if not np.isfinite(out).all():
            raise ModelRuntimeError(f"{self._path.name}: {method} returned NaN or Inf")
        return out

    def stream_decoder(self, seed: int | None = 0) -> FrameStreamDecoder:
        return FrameStreamDecoder(self._weights, self.latency_samples, seed)

    def decoder_file(self) -> Path:
        """A torch-free file of what streaming needs (:class:`~.frame_stream.FrameEngine`),
        for a decoder process: written once per engine (:func:`~.frame_stream.
        private_weights_file`)."""
        if self._decoder_file is None:
            self._decoder_file = private_weights_file(self, self._weights, self.latency_samples)
        return self._decoder_file

    def sample_prior(
        self, frames: int, temperature: float = 1.0, seed: int | None = 0
    ) -> np.ndarray:
        raise NotImplementedError(f"{self._path.name}: a latentscape VAE has no prior of its own")
