"""GAN and diffusion priors: train a few steps, sample shapes, seeds, save/load, variations."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from latentscape.engines.priors import (
    DiffusionPrior,
    GanPrior,
    LatentPrior,
    LatentWindows,
    PriorError,
    create_prior,
    prior_from_bytes,
)
from support.prior_corpus import FRAMES, LATENT, tiny_prior


def mean_distance(windows: np.ndarray, source: np.ndarray) -> float:
    return float(np.sqrt(((windows - source) ** 2).sum((1, 2))).mean())


@pytest.mark.parametrize("kind", ["gan", "diffusion"])
def test_untrained_prior_refuses_to_sample(kind):
    prior = tiny_prior(kind)
    assert isinstance(prior, LatentPrior)
    assert not prior.is_trained
    with pytest.raises(PriorError, match="not trained"):
        prior.sample(2)
    with pytest.raises(PriorError, match="not trained"):
        prior.to_bytes()


def test_samples_have_the_window_shape_and_codes(trained):
    s = trained.sample(5, seed=1)
    frames = FRAMES * trained.time_stride  # at the model's frame rate
    assert trained.window_frames == frames
    assert s.windows.shape == (5, frames, LATENT)
    assert s.windows.dtype == np.float32
    assert s.codes.shape == (5, trained.code_size)
    assert s.codes.dtype == np.float32
    assert np.isfinite(s.windows).all()
    window, code = s[2]
    assert window.shape == (frames, LATENT) and code.shape == (trained.code_size,)


def test_same_seed_gives_identical_samples_and_other_seeds_differ(trained):
    a = trained.sample(4, seed=11)
    b = trained.sample(4, seed=11)
    np.testing.assert_array_equal(a.windows, b.windows)
    np.testing.assert_array_equal(a.codes, b.codes)
    assert not np.allclose(a.windows, trained.sample(4, seed=12).windows)
    # fresh-noise mode
    assert not np.allclose(
        trained.sample(4, seed=None).windows, trained.sample(4, seed=None).windows
    )
    # the windows of one batch differ from each other
    assert not np.allclose(a.windows[0], a.windows[1])


def test_seeded_sampling_leaves_the_global_generator_alone(trained):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    trained.sample(2, seed=1)
    assert torch.equal(torch.rand(3), expected)


def test_zero_temperature_removes_all_randomness(trained):
    s = trained.sample(3, temperature=0.0, seed=1)
    np.testing.assert_array_equal(s.windows[0], s.windows[1])
    # another seed and batch size: the same window (up to float rounding of another batch shape)
    lone = trained.sample(1, temperature=0.0, seed=9).windows[0]
    np.testing.assert_allclose(lone, s.windows[0], atol=1e-5)


def test_saved_prior_samples_identically(trained):
    data = trained.to_bytes()
    assert isinstance(data, bytes)
    # loadable by the safe loader alone: only tensors and plain values inside
    payload = torch.load(io.BytesIO(data), weights_only=True)
    assert payload["kind"] == trained.kind
    loaded = prior_from_bytes(data)
    assert type(loaded) is type(trained)
    assert (loaded.latent_size, loaded.prior_frames) == (LATENT, FRAMES)
    assert loaded.time_stride == trained.time_stride
    np.testing.assert_array_equal(
        loaded.sample(6, seed=4).windows, trained.sample(6, seed=4).windows
    )
    assert loaded.report is not None and loaded.report.steps == trained.report.steps


@pytest.mark.parametrize("data", [b"", b"not a prior at all", b"PK\x03\x04garbage"])
def test_garbage_bytes_give_a_prior_error(data):
    with pytest.raises(PriorError):
        prior_from_bytes(data)


def test_other_torch_files_are_not_priors():
    buf = io.BytesIO()
    torch.save({"weights": torch.zeros(3)}, buf)
    with pytest.raises(PriorError, match="not a latentscape prior"):
        prior_from_bytes(buf.getvalue())


def test_kind_mismatch_is_refused(trained):
    other = DiffusionPrior if isinstance(trained, GanPrior) else GanPrior
    with pytest.raises(PriorError, match="not a"):
        other.from_bytes(trained.to_bytes())


def test_variations_differ_from_the_source_but_stay_near_it(trained):
    tiles = trained.sample(8, seed=2)
    source, code = tiles[0]
    more = trained.variations(source, 6, strength=0.3, seed=5, code=code)
    assert more.windows.shape == (6, trained.window_frames, LATENT)
    assert more.codes.shape == (6, trained.code_size)
    assert not np.allclose(more.windows, source)
    near = mean_distance(more.windows, source)
    unrelated = mean_distance(tiles.windows[1:], source)
    assert near < unrelated
    # stronger variations wander farther
    far = trained.variations(source, 6, strength=0.9, seed=5, code=code)
    assert mean_distance(far.windows, source) > near
    # repeatable
    again = trained.variations(source, 6, strength=0.3, seed=5, code=code)
    np.testing.assert_array_equal(again.windows, more.windows)


def test_variations_of_a_window_without_code(trained):
    # a window the prior did not make (GAN: found by inversion first)
    source = trained.sample(1, seed=99).windows[0] + 0.3
    more = trained.variations(source, 4, strength=0.2, seed=1)
    assert more.windows.shape == (4, trained.window_frames, LATENT)
    assert not np.allclose(more.windows, source)
    assert np.isfinite(more.windows).all()


def test_variation_of_strength_zero_repeats_the_source(trained):
    source, code = trained.sample(1, seed=3)[0]
    same = trained.variations(source, 2, strength=0.0, seed=1, code=code)
    np.testing.assert_allclose(same.windows, np.stack([source, source]), atol=1e-5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.sample(0), "at least 1"),
        (lambda p: p.sample(2, temperature=-1.0), "temperature"),
        (lambda p: p.variations(np.zeros((p.window_frames, LATENT)), 2, strength=1.5), "strength"),
        (lambda p: p.variations(np.zeros((p.window_frames + 1, LATENT)), 2), "window must be"),
    ],
)
def test_bad_requests_give_prior_errors(trained, call, message):
    with pytest.raises(PriorError, match=message):
        call(trained)


def test_gan_codes_regenerate_their_windows(windows):
    prior = tiny_prior("gan")
    prior.train(windows, steps=5, seed=0)
    s = prior.sample(3, temperature=0.7, seed=8)
    np.testing.assert_array_equal(prior.decode_codes(s.codes), s.windows)


@pytest.mark.parametrize("kind", ["gan", "diffusion"])
def test_training_reports_progress_and_is_repeatable(kind, windows):
    calls: list[tuple[int, int, float]] = []
    first = tiny_prior(kind)
    report = first.train(windows, steps=12, progress_cb=lambda *a: calls.append(a), seed=7)
    assert report.steps == 12 and not report.cancelled
    assert np.isfinite(report.loss)
    assert calls[-1][:2] == (12, 12)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    second = tiny_prior(kind)
    second.train(windows, steps=12, seed=7)
    np.testing.assert_array_equal(first.sample(3, seed=0).windows, second.sample(3, seed=0).windows)


@pytest.mark.parametrize("kind", ["gan", "diffusion"])
def test_cancellation_stops_training_promptly_and_keeps_the_weights(kind, windows):
    asked = 0

    def cancel() -> bool:
        nonlocal asked
        asked += 1
        return asked > 4  # four steps run, the fifth question cancels

    prior = tiny_prior(kind)
    report = prior.train(windows, steps=10_000, cancel_check=cancel, seed=0)
    assert report.cancelled
    assert report.steps == 4
    assert prior.is_trained
    assert prior.sample(2, seed=0).windows.shape == (2, FRAMES, LATENT)


def test_cancel_before_the_first_step_leaves_the_prior_untrained(windows):
    prior = tiny_prior("diffusion")
    report = prior.train(windows, steps=50, cancel_check=lambda: True)
    assert report.cancelled and report.steps == 0
    assert not prior.is_trained


def test_time_budget_ends_training(windows):
    prior = tiny_prior("gan")
    report = prior.train(windows, seconds=0.2, seed=0)
    assert not report.cancelled
    assert report.steps >= 1
    assert report.seconds >= 0.2


def test_training_refuses_windows_of_another_shape(windows):
    prior = create_prior("gan", LATENT + 1, FRAMES)
    with pytest.raises(PriorError, match="windows are"):
        prior.train(windows, steps=1)
    with pytest.raises(PriorError, match="at least one step"):
        tiny_prior("gan").train(windows, steps=0)


def test_create_prior_rejects_unknown_kinds_and_bad_windows():
    with pytest.raises(PriorError, match="unknown prior kind"):
        create_prior("vq", 4)
    with pytest.raises(PriorError, match="multiple of 4"):
        create_prior("diffusion", 4, prior_frames=10)


def test_stride_interpolates_linearly_through_prior_frame_centres(windows):
    """At stride 2, prior frame k sits at model frame 2k + ½; frames between are linear."""
    pooled = LatentWindows.from_windows(windows.windows, windows.sound_index, time_stride=2)
    prior = tiny_prior("gan", time_stride=2)
    prior.train(pooled, steps=3, seed=0)
    s = prior.sample(2, seed=0)
    assert s.windows.shape == (2, 2 * FRAMES, LATENT)
    state = prior._state
    with torch.no_grad():
        x = state.net(torch.from_numpy(s.codes)).transpose(1, 2) * state.std + state.mean
    centres = 2 * np.arange(FRAMES) + 0.5
    frames = np.arange(2 * FRAMES)
    for i in range(2):
        for d in range(LATENT):
            expected = np.interp(frames, centres, x[i, :, d].numpy())
            np.testing.assert_allclose(s.windows[i, :, d], expected, rtol=1e-5, atol=1e-5)


def test_priors_learn_the_corpus_level(windows):
    """After a little training, samples sit where the corpus is, not at the noise's origin."""
    shifted = LatentWindows.from_windows(windows.windows + 10.0, windows.sound_index)
    prior = tiny_prior("diffusion")
    prior.train(shifted, steps=40, seed=0)
    s = prior.sample(16, seed=0).windows
    assert abs(float(s.mean()) - float(shifted.windows.mean())) < 1.0


@pytest.mark.parametrize(
    ("kind", "config"),
    [("diffusion", {"target": "v"}), ("gan", {"feature_matching": 1.0})],
)
def test_other_training_options_train_and_round_trip(kind, config, windows):
    prior = create_prior(kind, LATENT, FRAMES, width=16, batch_size=8, **config)
    prior.train(windows, steps=4, seed=0)
    s = prior.sample(3, seed=1)
    assert s.windows.shape == (3, FRAMES, LATENT) and np.isfinite(s.windows).all()
    loaded = prior_from_bytes(prior.to_bytes())
    assert loaded.config == prior.config
    np.testing.assert_array_equal(loaded.sample(3, seed=1).windows, s.windows)


def test_unknown_diffusion_target_is_refused():
    with pytest.raises(PriorError, match="target"):
        create_prior("diffusion", LATENT, FRAMES, target="eps")
