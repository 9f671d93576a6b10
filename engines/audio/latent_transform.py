"""Per-dimension offset and scale, and added noise, applied to latent frames before decoding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONTROLLED_DIMS = 8
"""The latent controls offer offset/scale for the first 8 latent dimensions (DESIGN.md §1)."""


@dataclass(frozen=True)
class LatentTransform:
    """``z' = z * scale + offset`` on the first dims, then ``+ noise * N(0, 1)`` on all dims.

    ``offset`` and ``scale`` hold up to :data:`CONTROLLED_DIMS` values for dims 0…k-1 (missing
    dims are left alone, extra values beyond the model's latent size are ignored). ``noise`` is
    a standard deviation in latent units. Immutable: the GUI swaps in a new one and every voice
    picks it up at its next decode chunk.
    """

    offset: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    noise: float = 0.0

    def __post_init__(self) -> None:
        for name in ("offset", "scale"):
            values = getattr(self, name)
            if len(values) > CONTROLLED_DIMS:
                raise ValueError(f"{name} takes at most {CONTROLLED_DIMS} values")
            if not all(np.isfinite(v) for v in values):
                raise ValueError(f"{name} values must be finite")
        if not np.isfinite(self.noise) or self.noise < 0:
            raise ValueError("noise must be a finite standard deviation >= 0")

    @property
    def is_identity(self) -> bool:
        return (
            all(v == 0.0 for v in self.offset)
            and all(v == 1.0 for v in self.scale)
            and self.noise == 0.0
        )

    def apply(self, frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Transformed copy of ``frames`` ``[n, latent]`` float32 (``rng`` draws the noise)."""
        if self.is_identity:
            return frames
        z = np.array(frames, np.float32, copy=True)
        dims = z.shape[1]
        if self.scale:
            k = min(dims, len(self.scale))
            z[:, :k] *= np.asarray(self.scale[:k], np.float32)
        if self.offset:
            k = min(dims, len(self.offset))
            z[:, :k] += np.asarray(self.offset[:k], np.float32)
        if self.noise > 0.0:
            z += np.float32(self.noise) * rng.standard_normal(z.shape, np.float32)
        return z


IDENTITY = LatentTransform()
