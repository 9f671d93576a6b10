"""Priors kept in a real project file: one per kind and model, reopened intact."""

from __future__ import annotations

import numpy as np

from latentscape.engines.priors import load_prior, prior_items, save_prior
from latentscape.project_store import ProjectStore
from support.prior_corpus import tiny_prior


def test_priors_survive_reopening_per_kind_and_model(tmp_path, windows):
    gan, diffusion = tiny_prior("gan"), tiny_prior("diffusion")
    gan.train(windows, steps=3, seed=0)
    diffusion.train(windows, steps=3, seed=0)
    path = tmp_path / "p.lsc"
    with ProjectStore.create(path) as store:
        first = save_prior(store, gan, "model-a")
        save_prior(store, diffusion, "model-a")
        assert save_prior(store, gan, "model-a") == first  # replaced, not added
        save_prior(store, gan, "model-b")
    with ProjectStore.open(path) as store:
        assert len(prior_items(store)) == 3
        assert [i.meta["model_hash"] for i in prior_items(store, "gan")] == ["model-a", "model-b"]
        loaded = load_prior(store, "gan", "model-a")
        assert load_prior(store, "diffusion", "model-b") is None
    np.testing.assert_array_equal(loaded.sample(4, seed=2).windows, gan.sample(4, seed=2).windows)
