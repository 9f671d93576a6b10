"""What every latent prior offers: the :class:`LatentPrior` protocol and its plain-value types.

A prior invents latent trajectories ("windows") of a fixed length that the loaded model's
decoder renders into sound. Arrays at this boundary are numpy ``float32``:

- a window is ``[frames, latent_size]`` (the same layout as a corpus trajectory);
- a batch of windows is ``[n, frames, latent_size]``;
- a *code* is what the prior started from, ``[n, code_size]``: the GAN's input noise, the
  diffusion model's starting noise; ``code_size`` is 0 when there is none. Keep a tile's code
  with its window: "more like this" on a GAN tile steps in that noise.

Seeds: an ``int`` makes a call repeatable bit for bit (same seed, same ``n`` → same arrays);
``None`` draws fresh noise. Priors draw from their own :class:`torch.Generator`, never from
torch's global generator, so seeded sampling neither takes nor disturbs the global RNG.

Threads: :meth:`LatentPrior.train` is meant for a worker thread; it calls ``progress_cb`` and
``cancel_check`` on that thread. Do not sample from a prior while it trains.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import torch

from ..errors import LatentscapeError

if TYPE_CHECKING:
    from .windows import LatentWindows

ProgressCallback = Callable[[int, int, float], None]
"""``progress_cb(step, total_steps, loss)``; ``total_steps`` is an estimate under a time budget."""

CancelCheck = Callable[[], bool]
"""``cancel_check() -> True`` asks training to stop after the current step."""

FORMAT = "latentscape-prior"
FORMAT_VERSION = 1


class PriorError(LatentscapeError):
    """A prior cannot do what was asked (untrained, wrong shapes, unreadable saved bytes)."""


@dataclass(frozen=True)
class PriorSamples:
    """Windows a prior made, with the codes that made them.

    Attributes
    ----------
    windows
        ``[n, frames, latent_size]`` float32 latent trajectories, in the model's latent units.
    codes
        ``[n, code_size]`` float32 starting noise per window (``code_size`` may be 0).
    """

    windows: np.ndarray
    codes: np.ndarray

    def __len__(self) -> int:
        return int(self.windows.shape[0])

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """``(window [frames, latent], code [code_size])`` of one sample."""
        return self.windows[index], self.codes[index]


@dataclass(frozen=True)
class TrainReport:
    """How a training run ended.

    ``steps`` were completed in ``seconds`` of wall time; ``loss`` is the smoothed training loss
    at the end (GAN: the critic's hinge loss; diffusion: the denoising MSE).
    """

    steps: int
    seconds: float
    loss: float
    cancelled: bool


@runtime_checkable
class LatentPrior(Protocol):
    """A source of new latent windows: trained GAN or diffusion prior, or a model's own prior."""

    kind: str
    """``"gan"``, ``"diffusion"`` or ``"model"``."""

    @property
    def latent_size(self) -> int: ...

    @property
    def window_frames(self) -> int:
        """Frames in every window this prior makes."""
        ...

    @property
    def trainable(self) -> bool: ...

    @property
    def is_trained(self) -> bool:
        """True when :meth:`sample` can run."""
        ...

    def train(
        self,
        windows: LatentWindows,
        steps: int | None = None,
        seconds: float | None = None,
        progress_cb: ProgressCallback | None = None,
        cancel_check: CancelCheck | None = None,
        seed: int = 0,
    ) -> TrainReport:
        """Train from scratch on ``windows`` for ``steps`` and/or ``seconds`` (whichever ends first).

        Called on a worker thread. A cancelled run keeps the weights reached so far.
        """
        ...

    def sample(self, n: int, temperature: float = 1.0, seed: int | None = 0) -> PriorSamples:
        """``n`` new windows; ``temperature`` scales the starting noise (1 = as trained)."""
        ...

    def variations(
        self,
        window: np.ndarray,
        n: int,
        strength: float = 0.3,
        seed: int | None = 0,
        code: np.ndarray | None = None,
    ) -> PriorSamples:
        """``n`` windows like ``window`` ``[frames, latent]``; ``strength`` in (0, 1], 0 = same.

        ``code`` is the window's code from :meth:`sample`, when it has one.
        """
        ...

    def to_bytes(self) -> bytes:
        """The trained prior as bytes (``torch.save`` of tensors and plain values only)."""
        ...


def generator_for(seed: int | None) -> torch.Generator:
    """A private CPU generator: seeded by ``seed``, or from OS entropy when ``None``."""
    gen = torch.Generator()
    gen.manual_seed(secrets.randbits(63) if seed is None else seed & 0x7FFF_FFFF_FFFF_FFFF)
    return gen


def check_count(n: int) -> int:
    if int(n) < 1:
        raise PriorError(f"number of samples must be at least 1, got {n}")
    return int(n)


def check_strength(strength: float) -> float:
    if not 0.0 <= float(strength) <= 1.0:
        raise PriorError(f"variation strength must be between 0 and 1, got {strength}")
    return float(strength)


def check_temperature(temperature: float) -> float:
    if not float(temperature) >= 0.0:  # also rejects NaN
        raise PriorError(f"temperature must be zero or positive, got {temperature}")
    return float(temperature)


def check_window(window: np.ndarray, frames: int, latent_size: int) -> np.ndarray:
    """``window`` as float32 ``[frames, latent_size]``, or a :class:`PriorError`."""
    arr = np.asarray(window, dtype=np.float32)
    if arr.shape != (frames, latent_size):
        raise PriorError(
            f"window must be [frames, latent] = [{frames}, {latent_size}], got {list(arr.shape)}"
        )
    if not np.isfinite(arr).all():
        raise PriorError("window holds NaN or infinite values")
    return arr
