"""Windows cut from trajectories: counts, padding, statistics, split by sound, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.priors import LatentWindows, PriorError, window_plan
from latentscape.engines.priors.windows import pool_frames


def ramp(frames: int, latent: int = 3, offset: float = 0.0) -> np.ndarray:
    return np.arange(frames * latent, dtype=np.float32).reshape(frames, latent) + offset


def test_windows_cover_each_sound_with_its_ending():
    # 40 frames, window 16, hop 4 → starts 0, 4, …, 24 (7 windows), the last ends at frame 40
    w = LatentWindows.from_trajectories([ramp(40)], prior_frames=16, hop_frames=4)
    assert w.windows.shape == (7, 16, 3)
    assert w.windows.dtype == np.float32
    np.testing.assert_array_equal(w.windows[0], ramp(40)[:16])
    np.testing.assert_array_equal(w.windows[-1], ramp(40)[24:])


def test_hop_that_misses_the_end_adds_a_final_window():
    w = LatentWindows.from_trajectories([ramp(23)], prior_frames=16, hop_frames=4)
    # starts 0, 4 and then 7 so the sound's last frame is kept
    np.testing.assert_array_equal(w.windows[-1], ramp(23)[7:])
    assert w.count == 3


def test_short_sound_is_padded_with_its_last_frame_and_too_short_is_skipped():
    short, tiny = ramp(10), ramp(3)
    w = LatentWindows.from_trajectories([tiny, short], prior_frames=16, min_frames=4)
    assert w.count == 1
    assert w.sound_index.tolist() == [1]
    np.testing.assert_array_equal(w.windows[0, :10], short)
    np.testing.assert_array_equal(w.windows[0, 10:], np.repeat(short[-1:], 6, 0))


def test_statistics_normalise_to_zero_mean_unit_std():
    rng = np.random.default_rng(1)
    trajs = [rng.normal(5.0, 3.0, (50, 4)).astype(np.float32) for _ in range(5)]
    w = LatentWindows.from_trajectories(trajs, prior_frames=16)
    flat = w.normalized().reshape(-1, 4)
    np.testing.assert_allclose(flat.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(flat.std(0), 1.0, atol=1e-4)


def test_constant_dimension_does_not_blow_up():
    z = ramp(20)
    z[:, 1] = 7.0
    w = LatentWindows.from_trajectories([z], prior_frames=16)
    assert np.isfinite(w.normalized()).all()
    assert w.std[1] > 0


def test_split_is_by_sound_and_held_out_uses_train_statistics():
    trajs = [ramp(30, offset=10.0 * i) for i in range(10)]
    w = LatentWindows.from_trajectories(trajs, prior_frames=16)
    train, held = w.split(0.3, seed=0)
    assert set(train.sound_index).isdisjoint(held.sound_index)
    assert set(train.sound_index) | set(held.sound_index) == set(range(10))
    assert len(set(held.sound_index)) == 3
    assert train.count + held.count == w.count
    np.testing.assert_array_equal(held.mean, train.mean)
    np.testing.assert_array_equal(held.std, train.std)


@pytest.mark.parametrize(
    ("trajectories", "window", "message"),
    [
        ([np.zeros((20, 3)), np.zeros((20, 4))], 16, "latent dims"),
        ([np.full((20, 3), np.nan)], 16, "NaN"),
        ([np.zeros(20)], 16, "frames, latent"),
        ([np.zeros((2, 3))], 16, "at least"),
        ([], 16, "at least"),
        ([np.zeros((20, 3))], 10, "multiple of 4"),
    ],
)
def test_bad_input_gives_one_line_error(trajectories, window, message):
    with pytest.raises(PriorError, match=message) as info:
        LatentWindows.from_trajectories(trajectories, prior_frames=window)
    assert "\n" not in str(info.value)


def test_split_needs_two_sounds():
    w = LatentWindows.from_trajectories([ramp(30)], prior_frames=16)
    with pytest.raises(PriorError, match="two sounds"):
        w.split()


def test_time_stride_averages_model_frames_before_cutting():
    z = ramp(35)  # 35 model frames → 9 prior frames at stride 4 (the last averages 3)
    w = LatentWindows.from_trajectories([z], prior_frames=8, time_stride=4, hop_frames=1)
    assert (w.prior_frames, w.time_stride, w.window_frames) == (8, 4, 32)
    pooled = pool_frames(z, 4)
    assert pooled.shape == (9, 3)
    np.testing.assert_allclose(pooled[0], z[:4].mean(0))
    np.testing.assert_allclose(pooled[-1], z[32:].mean(0))
    np.testing.assert_allclose(w.windows[-1], pooled[1:])
    train, held = LatentWindows.from_trajectories(
        [z, z + 1, z + 2], prior_frames=8, time_stride=4
    ).split(0.34)
    assert train.time_stride == held.time_stride == 4


@pytest.mark.parametrize(
    ("rate_hz", "hop", "expected"),
    [
        (44100, 2048, (32, 1)),  # RAVE: 21.5 frames/s stays as is, 32 frames ≈ 1.5 s
        (44100, 256, (64, 4)),  # our VAE: 172 frames/s pooled by 4 → 43/s, 64 frames ≈ 1.5 s
        (16000, 64, (64, 6)),  # 250 frames/s → stride 6
    ],
)
def test_window_plan_targets_one_and_a_half_seconds(rate_hz, hop, expected):
    frames, stride = window_plan(rate_hz, hop)
    assert (frames, stride) == expected
    assert frames % 4 == 0
    seconds = frames * stride * hop / rate_hz
    assert 1.2 < seconds < 1.8
