"""LatentPath: validation, piecewise-linear sampling, and the playback frame grid."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.paths import LatentPath, PathError


def ramp_path(duration_s: float = 1.0, n: int = 5, latent: int = 3) -> LatentPath:
    """x = t / duration, y = 1 - x, latent dim i = (i + 1) * t: every value linear in time."""
    t = np.linspace(0.0, duration_s, n)
    x = t / duration_s
    z = np.outer(t, np.arange(1, latent + 1))
    return LatentPath(t, np.stack([x, 1 - x], axis=1), z, name="ramp")


def test_arrays_are_typed_read_only_copies():
    t = np.array([0.0, 0.5])
    p = LatentPath(t, [[0, 0], [1, 1]], [[0.0], [1.0]])
    t[1] = 9.0
    assert p.times_s.dtype == np.float64 and p.xy.dtype == np.float32
    assert p.latents.dtype == np.float32 and p.duration_s == 0.5
    with pytest.raises(ValueError):
        p.xy[0, 0] = 1.0


@pytest.mark.parametrize(
    ("times", "xy", "latents", "message"),
    [
        ([], np.zeros((0, 2)), np.zeros((0, 2)), "non-empty"),
        ([0.0, 1.0], [[0, 0]], [[0.0], [1.0]], "xy"),
        ([0.0, 1.0], [[0, 0], [1, 1]], [[0.0]], "latents"),
        ([0.1, 1.0], [[0, 0], [1, 1]], [[0.0], [1.0]], r"start at 0 s, starts at 0\.1 s$"),
        ([0.0, 1.0, 0.5], [[0, 0]] * 3, [[0.0]] * 3, "never decrease"),
        ([0.0, np.nan], [[0, 0]] * 2, [[0.0]] * 2, "NaN"),
        ([0.0, 1.0], [[0, 0]] * 2, [[0.0], [np.inf]], "NaN or infinite"),
    ],
)
def test_bad_arrays_are_refused_with_one_line(times, xy, latents, message):
    with pytest.raises(PathError, match=message) as info:
        LatentPath(times, xy, latents)
    assert isinstance(info.value, LatentscapeError) and "\n" not in str(info.value)


def test_a_negative_seed_is_refused_when_the_path_is_made_not_when_it_renders():
    with pytest.raises(PathError, match="path seed: expected an integer of 0 or more"):
        LatentPath([0.0, 1.0], [[0, 0], [1, 1]], [[0.0], [1.0]], seed=-1)
    assert LatentPath([0.0], [[0, 0]], [[0.0]], seed=2**40).seed == 2**40


def test_sample_interpolates_linearly_and_holds_the_ends():
    p = ramp_path(2.0, n=3, latent=2)
    xy, z = p.sample(np.array([-1.0, 0.5, 1.5, 5.0]))
    np.testing.assert_allclose(xy[:, 0], [0.0, 0.25, 0.75, 1.0], atol=1e-7)
    np.testing.assert_allclose(z, [[0, 0], [0.5, 1.0], [1.5, 3.0], [2.0, 4.0]], atol=1e-6)


def test_a_step_holds_the_old_value_until_it_then_takes_the_new_one():
    p = LatentPath([0.0, 1.0, 1.0, 2.0], [[0, 0], [0, 0], [1, 1], [1, 1]], [[0.0], [0], [5], [5]])
    _, z = p.sample(np.array([0.5, 0.999, 1.0, 1.5]))
    np.testing.assert_array_equal(z[:, 0], [0.0, 0.0, 5.0, 5.0])


def test_frames_at_rate_covers_the_played_duration_on_a_regular_grid():
    p = ramp_path(1.0)
    f = p.frames_at_rate(10.0)
    assert len(f) == 11  # 0.0 .. 1.0 inclusive
    np.testing.assert_allclose(f.times_s, np.arange(11) / 10.0)
    np.testing.assert_allclose(f.latents[:, 0], f.times_s, atol=1e-6)
    fast = p.frames_at_rate(10.0, speed=2.0)
    assert len(fast) == 6  # the path plays in 0.5 s
    np.testing.assert_allclose(fast.path_times_s, fast.times_s * 2.0)
    np.testing.assert_allclose(fast.latents[:, 0], fast.path_times_s, atol=1e-6)


def test_a_loop_grid_is_one_whole_cycle_without_its_end_point():
    p = ramp_path(1.0)
    f = p.frames_at_rate(10.0, loop=True)
    assert len(f) == 10 and f.path_times_s[-1] == pytest.approx(0.9)
    half = p.frames_at_rate(10.0, speed=0.5, loop=True)
    assert len(half) == 20


def test_a_single_point_path_gives_one_frame():
    p = LatentPath([0.0], [[0.5, 0.5]], [[1.0, 2.0]])
    assert p.duration_s == 0.0
    f = p.frames_at_rate(100.0)
    assert len(f) == 1 and f.latents.tolist() == [[1.0, 2.0]]
    assert len(p.frames_at_rate(100.0, loop=True)) == 1


@pytest.mark.parametrize(("rate", "speed"), [(0.0, 1.0), (10.0, 0.0), (10.0, float("nan"))])
def test_bad_rate_or_speed_is_refused(rate, speed):
    with pytest.raises(PathError):
        ramp_path().frames_at_rate(rate, speed=speed)
