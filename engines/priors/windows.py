"""Fixed-length latent windows cut from corpus trajectories, with normalisation statistics.

A corpus sound's latent trajectory is ``[frames, latent_size]`` float32. Priors learn from
windows of ``window_frames`` frames cut from those trajectories every ``hop_frames``; a sound
shorter than a window but at least ``min_frames`` long is padded by repeating its last frame
(one-shots end in near-silence, so the padding is what follows them anyway). Priors work on
normalised windows: each latent dimension shifted by its corpus mean and divided by its
standard deviation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .base import PriorError

MIN_STD = 1e-4  # a latent dimension that never moves must not blow up when normalised


def pool_frames(trajectory: np.ndarray, stride: int) -> np.ndarray:
    """Average every ``stride`` frames of ``[frames, latent]`` (a partial last group too)."""
    z = np.asarray(trajectory, dtype=np.float32)
    if stride == 1:
        return z
    groups = -(-z.shape[0] // stride)
    pad = groups * stride - z.shape[0]
    counts = np.full(groups, float(stride))
    counts[-1] -= pad
    padded = np.concatenate([z, np.zeros((pad, z.shape[1]), np.float32)]) if pad else z
    sums = padded.reshape(groups, stride, z.shape[1]).sum(1, dtype=np.float64)
    return (sums / counts[:, None]).astype(np.float32)


@dataclass(frozen=True)
class LatentWindows:
    """Windows at the prior's frame rate and the statistics that normalise them.

    A prior may work at a coarser frame rate than the model: with ``time_stride`` s, each prior
    frame is the mean of s model frames (a model at 172 frames/s and s = 4 gives 43 frames/s,
    fine enough for the envelopes and timbre changes a prior should invent, and 4× cheaper).
    Priors interpolate back to the model's rate when they sample.

    Attributes
    ----------
    windows
        ``[n, prior_frames, latent_size]`` float32, in the model's latent units.
    sound_index
        ``[n]`` int64: which input trajectory each window came from.
    mean, std
        ``[latent_size]`` float32 per-dimension statistics over all frames of all windows.
    time_stride
        Model frames per prior frame.
    """

    windows: np.ndarray
    sound_index: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    time_stride: int = 1

    @classmethod
    def from_trajectories(
        cls,
        trajectories: Sequence[np.ndarray],
        prior_frames: int = 32,
        time_stride: int = 1,
        hop_frames: int | None = None,
        min_frames: int | None = None,
    ) -> LatentWindows:
        """Pool every trajectory ``[frames, latent]`` by ``time_stride`` and cut it into windows.

        Parameters
        ----------
        prior_frames
            Prior frames per window (a multiple of 4: the priors halve time twice).
        time_stride
            Model frames per prior frame (see the class notes).
        hop_frames
            Prior frames between window starts within one sound (default ``prior_frames // 4``).
        min_frames
            Sounds shorter than this many prior frames are skipped (default ``prior_frames // 4``).
        """
        window_frames = prior_frames
        if window_frames < 4 or window_frames % 4:
            raise PriorError(f"window length must be a multiple of 4 frames, got {window_frames}")
        if time_stride < 1:
            raise PriorError(f"time stride must be at least 1 frame, got {time_stride}")
        hop = max(1, hop_frames or window_frames // 4)
        shortest = max(1, min_frames if min_frames is not None else window_frames // 4)
        pieces: list[np.ndarray] = []
        owners: list[int] = []
        latent: int | None = None
        for index, trajectory in enumerate(trajectories):
            z = np.asarray(trajectory, dtype=np.float32)
            if z.ndim != 2 or z.shape[1] < 1:
                raise PriorError(
                    f"trajectory {index} must be [frames, latent], got {list(z.shape)}"
                )
            if latent is None:
                latent = z.shape[1]
            elif z.shape[1] != latent:
                raise PriorError(
                    f"trajectory {index} has {z.shape[1]} latent dims, the first had {latent}"
                )
            if not np.isfinite(z).all():
                raise PriorError(f"trajectory {index} holds NaN or infinite values")
            if z.shape[0] == 0:
                continue
            z = pool_frames(z, time_stride)
            if z.shape[0] < shortest:
                continue
            if z.shape[0] < window_frames:
                tail = np.repeat(z[-1:], window_frames - z.shape[0], axis=0)
                z = np.concatenate([z, tail])
            starts = list(range(0, z.shape[0] - window_frames + 1, hop))
            if starts[-1] != z.shape[0] - window_frames:
                starts.append(z.shape[0] - window_frames)  # keep each sound's ending
            for s in starts:
                pieces.append(z[s : s + window_frames])
                owners.append(index)
        if not pieces:
            raise PriorError(
                f"no corpus sound is at least {shortest * time_stride} latent frames long: "
                "add longer sounds or use shorter windows"
            )
        return cls.from_windows(np.stack(pieces), np.asarray(owners, dtype=np.int64), time_stride)

    @classmethod
    def from_windows(
        cls, windows: np.ndarray, sound_index: np.ndarray | None = None, time_stride: int = 1
    ) -> LatentWindows:
        """Wrap ready-cut windows ``[n, prior_frames, latent]`` and compute their statistics."""
        w = np.ascontiguousarray(windows, dtype=np.float32)
        if w.ndim != 3 or w.shape[0] < 1:
            raise PriorError(f"windows must be [n, frames, latent], got {list(w.shape)}")
        if sound_index is None:
            sound_index = np.arange(w.shape[0], dtype=np.int64)
        flat = w.reshape(-1, w.shape[2]).astype(np.float64)
        mean = flat.mean(0).astype(np.float32)
        std = np.maximum(flat.std(0), MIN_STD).astype(np.float32)
        return cls(w, np.asarray(sound_index, dtype=np.int64), mean, std, int(time_stride))

    @property
    def count(self) -> int:
        return int(self.windows.shape[0])

    @property
    def prior_frames(self) -> int:
        """Frames per window at the prior's rate."""
        return int(self.windows.shape[1])

    @property
    def window_frames(self) -> int:
        """Frames per window at the model's rate (``prior_frames * time_stride``)."""
        return int(self.windows.shape[1]) * self.time_stride

    @property
    def latent_size(self) -> int:
        return int(self.windows.shape[2])

    def normalized(self) -> np.ndarray:
        """``[n, frames, latent]`` float32 windows in normalised units."""
        return ((self.windows - self.mean) / self.std).astype(np.float32)

    def split(
        self, held_out_fraction: float = 0.2, seed: int = 0
    ) -> tuple[LatentWindows, LatentWindows]:
        """``(train, held_out)`` split *by sound*, so no sound has windows on both sides.

        The train part gets its own statistics; the held-out part reuses them (train units).
        """
        sounds = np.unique(self.sound_index)
        if sounds.size < 2:
            raise PriorError("need at least two sounds to hold some out")
        rng = np.random.default_rng(seed)
        held_count = min(sounds.size - 1, max(1, round(sounds.size * held_out_fraction)))
        held = rng.choice(sounds, size=held_count, replace=False)
        mask = np.isin(self.sound_index, held)
        train = LatentWindows.from_windows(
            self.windows[~mask], self.sound_index[~mask], self.time_stride
        )
        held_out = LatentWindows(
            self.windows[mask], self.sound_index[mask], train.mean, train.std, self.time_stride
        )
        return train, held_out


def window_plan(
    sample_rate_hz: float,
    hop_samples: int,
    seconds: float = 1.5,
    prior_rate_hz: float = 40.0,
    lo: int = 16,
    hi: int = 64,
) -> tuple[int, int]:
    """``(prior_frames, time_stride)`` for windows of about ``seconds`` of audio.

    The stride brings the model's frame rate near ``prior_rate_hz`` (RAVE's 21.5 frames/s stays
    at stride 1; a 172 frames/s model gets stride 4); ``prior_frames`` is a multiple of 4 in
    ``[lo, hi]``.
    """
    model_rate = float(sample_rate_hz) / max(1, int(hop_samples))
    stride = max(1, round(model_rate / prior_rate_hz))
    frames = seconds * model_rate / stride
    return int(min(hi, max(lo, 4 * round(frames / 4)))), int(stride)
