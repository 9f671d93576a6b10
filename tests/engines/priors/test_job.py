"""Training on a background thread: progress snapshots, cancellation, errors."""

from __future__ import annotations

import threading

import numpy as np

from latentscape.engines.priors import LatentWindows, TrainingJob, create_prior
from support.prior_corpus import LATENT, tiny_prior


def test_job_trains_in_the_background_and_reports(windows):
    prior = tiny_prior("diffusion")
    job = TrainingJob(prior, windows, steps=6, seed=1).start()
    report = job.wait(timeout_s=60)
    assert job.finished and job.error is None
    assert report.steps == 6 and not report.cancelled
    p = job.progress
    assert p.finished and p.step == p.total == 6 and p.fraction == 1.0
    assert prior.sample(2, seed=0).windows.shape[0] == 2


def test_cancel_stops_a_long_job_promptly(windows):
    prior = tiny_prior("gan")
    stepped = threading.Event()
    job = TrainingJob(prior, windows, steps=1_000_000, seed=0)
    original = job._on_progress

    def on_progress(step: int, total: int, loss: float) -> None:
        original(step, total, loss)
        stepped.set()

    job._on_progress = on_progress  # learn when training is under way, without sleeping
    job.start()
    assert stepped.wait(timeout=60)
    job.cancel()
    report = job.wait(timeout_s=60)
    assert job.finished and report.cancelled and 0 < report.steps < 1_000_000
    assert job.progress.cancelled
    assert prior.is_trained


def test_a_bad_request_finishes_with_a_one_line_error(windows):
    prior = create_prior("gan", LATENT + 3)  # windows have another latent size
    job = TrainingJob(prior, windows, steps=3).start()
    assert job.wait(timeout_s=60) is None
    assert job.finished and "windows are" in job.error and "\n" not in job.error
    assert not prior.is_trained


def test_progress_fraction_before_start():
    windows = LatentWindows.from_windows(np.zeros((2, 16, LATENT), np.float32))
    job = TrainingJob(tiny_prior("gan"), windows, steps=3)
    assert job.progress.fraction == 0.0 and not job.finished
