"""Latent priors (GAN, diffusion) that invent new latent trajectories for the galleries.

Public API (see :mod:`.base` for the protocol and array conventions)::

    frames, stride = window_plan(engine.sample_rate_hz, engine.hop_samples)   # ~1.5 s windows
    windows = LatentWindows.from_trajectories(trajectories, frames, stride)
    prior = create_prior("diffusion", windows.latent_size, frames, stride)
    prior.train(windows, seconds=60, progress_cb=..., cancel_check=..., seed=0)
    tiles = prior.sample(16, temperature=1.0, seed=7)        # tiles.windows [16, frames*stride, latent]
    more = prior.variations(tiles.windows[3], 8, 0.3, seed=1, code=tiles.codes[3])
    data = prior.to_bytes(); same = prior_from_bytes(data)
    model_source = ModelPrior(engine, window_frames=frames * stride)   # if engine.has_prior
    job = TrainingJob(prior, windows, seconds=60, seed=0).start()     # GUI: poll job.progress
"""

from __future__ import annotations

from .base import LatentPrior, PriorError, PriorSamples, TrainReport
from .diffusion import DiffusionPrior
from .gan import GanPrior
from .job import TrainingJob, TrainingProgress
from .model_prior import ModelPrior
from .saved import TRAINABLE_KINDS, create_prior, prior_from_bytes, prior_kind
from .storage import ITEM_KIND, load_prior, prior_items, save_prior
from .windows import LatentWindows, window_plan

__all__ = [
    "ITEM_KIND",
    "TRAINABLE_KINDS",
    "DiffusionPrior",
    "GanPrior",
    "LatentPrior",
    "LatentWindows",
    "ModelPrior",
    "PriorError",
    "PriorSamples",
    "TrainReport",
    "TrainingJob",
    "TrainingProgress",
    "create_prior",
    "load_prior",
    "prior_from_bytes",
    "prior_items",
    "prior_kind",
    "save_prior",
    "window_plan",
]
