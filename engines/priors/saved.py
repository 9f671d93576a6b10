"""Make a prior by kind, and read one back from the bytes its ``to_bytes`` wrote."""

from __future__ import annotations

from typing import Any

from .base import PriorError
from .diffusion import DiffusionPrior
from .gan import GanPrior
from .trained import unpack

TRAINABLE_KINDS = ("gan", "diffusion")


def create_prior(
    kind: str, latent_size: int, prior_frames: int = 32, time_stride: int = 1, **config: Any
) -> GanPrior | DiffusionPrior:
    """A new, untrained prior of ``kind`` (``"gan"`` or ``"diffusion"``).

    ``prior_frames`` and ``time_stride`` as in :class:`~.windows.LatentWindows`; ``config`` goes
    to the prior's constructor.
    """
    if kind == "gan":
        return GanPrior(latent_size, prior_frames, time_stride, **config)
    if kind == "diffusion":
        return DiffusionPrior(latent_size, prior_frames, time_stride, **config)
    raise PriorError(f"unknown prior kind '{kind}' (expected one of {', '.join(TRAINABLE_KINDS)})")


def prior_kind(data: bytes) -> str:
    """The kind (``"gan"`` or ``"diffusion"``) of a saved prior."""
    return str(unpack(data).get("kind", ""))


def prior_from_bytes(data: bytes) -> GanPrior | DiffusionPrior:
    """The prior saved in ``data`` (loaded with ``weights_only=True``: no code is unpickled)."""
    kind = prior_kind(data)
    if kind == "gan":
        return GanPrior.from_bytes(data)
    if kind == "diffusion":
        return DiffusionPrior.from_bytes(data)
    raise PriorError(f"saved prior has unknown kind '{kind}'")
