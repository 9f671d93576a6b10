"""Fixtures for the prior tests: one torch thread, a tiny synthetic corpus, tiny trained priors."""

from __future__ import annotations

import pytest
import torch

from latentscape.engines.priors import LatentWindows
from support.prior_corpus import FRAMES, synthetic_trajectories, tiny_prior


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def windows() -> LatentWindows:
    return LatentWindows.from_trajectories(synthetic_trajectories(), prior_frames=FRAMES)


@pytest.fixture(
    scope="module", params=[("gan", 1), ("diffusion", 1), ("gan", 2), ("diffusion", 2)], ids=str
)
def trained(request):
    """A tiny prior of each kind and time stride, trained 30 steps (shared: do not retrain)."""
    kind, stride = request.param
    data = LatentWindows.from_trajectories(synthetic_trajectories(), FRAMES, stride)
    prior = tiny_prior(kind, time_stride=stride)
    prior.train(data, steps=30, seed=3)
    return prior
