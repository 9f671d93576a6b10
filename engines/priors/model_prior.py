"""A loaded model's own prior (RAVE's ``prior`` method) behind the :class:`LatentPrior` interface.

The model's prior is trained with the model, so this source cannot train or be saved; it
samples through :meth:`ModelEngine.sample_prior` one window at a time (sample ``i`` of a seeded
call uses a seed derived from ``(seed, i)``). "More like this" blends the source window with
fresh prior samples: ``(1 − strength)·window + strength·sample``.
"""

from __future__ import annotations

import numpy as np

from ..contract import ModelEngine
from ..errors import ModelRuntimeError
from ..torch_runtime import call_seed
from .base import (
    CancelCheck,
    PriorError,
    PriorSamples,
    ProgressCallback,
    TrainReport,
    check_count,
    check_strength,
    check_temperature,
    check_window,
)
from .windows import LatentWindows


class ModelPrior:
    """Windows ``[window_frames, latent_size]`` drawn from ``engine.sample_prior``.

    Threads: the engine serialises its own calls; any thread may sample.
    """

    kind = "model"

    def __init__(self, engine: ModelEngine, window_frames: int = 32) -> None:
        if window_frames < 1:
            raise PriorError(f"window length must be at least one frame, got {window_frames}")
        self._engine = engine
        self._frames = int(window_frames)

    @property
    def latent_size(self) -> int:
        return self._engine.latent_size

    @property
    def window_frames(self) -> int:
        return self._frames

    @property
    def code_size(self) -> int:
        return 0

    @property
    def trainable(self) -> bool:
        return False

    @property
    def is_trained(self) -> bool:
        return bool(self._engine.has_prior)

    def train(
        self,
        windows: LatentWindows,
        steps: int | None = None,
        seconds: float | None = None,
        progress_cb: ProgressCallback | None = None,
        cancel_check: CancelCheck | None = None,
        seed: int = 0,
    ) -> TrainReport:
        raise PriorError("the model's own prior is trained with the model and cannot be retrained")

    def _one(self, temperature: float, seed: int | None) -> np.ndarray:
        z = np.asarray(self._engine.sample_prior(self._frames, temperature, seed), np.float32)
        if z.shape != (self._frames, self.latent_size):
            raise ModelRuntimeError(
                f"the model's prior returned {list(z.shape)}, "
                f"expected [{self._frames}, {self.latent_size}]"
            )
        if not np.isfinite(z).all():
            raise ModelRuntimeError("the model's prior returned NaN or infinite values")
        return z

    def sample(self, n: int, temperature: float = 1.0, seed: int | None = 0) -> PriorSamples:
        """``n`` windows ``[n, frames, latent]`` from the model's prior (codes ``[n, 0]``)."""
        if not self.is_trained:
            raise PriorError("the loaded model has no prior of its own")
        n, temperature = check_count(n), check_temperature(temperature)
        windows = np.stack([self._one(temperature, call_seed(seed, i)) for i in range(n)])
        return PriorSamples(windows, np.zeros((n, 0), np.float32))

    def variations(
        self,
        window: np.ndarray,
        n: int,
        strength: float = 0.3,
        seed: int | None = 0,
        code: np.ndarray | None = None,
    ) -> PriorSamples:
        """``n`` blends of ``window`` with fresh prior samples (weight ``strength`` on those)."""
        source = check_window(window, self._frames, self.latent_size)
        strength = check_strength(strength)
        fresh = self.sample(n, 1.0, seed).windows
        windows = ((1.0 - strength) * source[None] + strength * fresh).astype(np.float32)
        return PriorSamples(windows, np.zeros((n, 0), np.float32))

    def to_bytes(self) -> bytes:
        raise PriorError("the model's own prior lives in the model file and is not saved apart")
