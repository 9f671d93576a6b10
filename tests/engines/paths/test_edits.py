"""Edits return new paths whose values follow from the piecewise-linear definition."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.paths import (
    LatentPath,
    PathEditHistory,
    PathError,
    change_speed,
    delete_span,
    reverse,
    smooth,
    trim,
)


def ramp(duration_s: float = 2.0, n: int = 9) -> LatentPath:
    """Every value is a straight line in time: x = t / d, latent = (t, 2 t)."""
    t = np.linspace(0.0, duration_s, n)
    return LatentPath(t, np.stack([t / duration_s, t / duration_s], 1), np.stack([t, 2 * t], 1))


def step(level_a: float = 0.0, level_b: float = 1.0) -> LatentPath:
    """Holds ``a`` for 1 s, jumps to ``b`` at 1 s, holds it until 2 s."""
    t = [0.0, 1.0, 1.0, 2.0]
    z = [[level_a], [level_a], [level_b], [level_b]]
    return LatentPath(t, [[0.0, 0.0]] * 2 + [[1.0, 1.0]] * 2, z)


def test_trim_cuts_exactly_and_restarts_at_zero():
    p = ramp(2.0)
    out = trim(p, 0.3, 1.1)
    assert out.duration_s == pytest.approx(0.8)
    assert out.times_s[0] == 0.0
    # values at the cuts are the path's values there; inside, the line is unchanged
    np.testing.assert_allclose(out.latents[[0, -1], 0], [0.3, 1.1], atol=1e-6)
    q = np.linspace(0, 0.8, 17)
    np.testing.assert_allclose(out.sample(q)[1][:, 0], q + 0.3, atol=1e-6)
    assert p.duration_s == 2.0  # the input is untouched


def test_trim_on_a_step_keeps_what_plays_inside():
    p = step()
    np.testing.assert_array_equal(trim(p, 1.0, 2.0).latents[:, 0], [1.0, 1.0])
    head = trim(p, 0.0, 1.0)
    np.testing.assert_array_equal(head.latents[:, 0], [0.0, 0.0])
    np.testing.assert_array_equal(head.times_s, [0.0, 1.0])


def test_trim_refuses_an_empty_range():
    with pytest.raises(PathError, match="nothing left"):
        trim(ramp(), 1.5, 1.0)
    with pytest.raises(PathError, match="nothing left"):
        trim(ramp(), 5.0, 6.0)


def test_change_speed_scales_time_only():
    p = ramp(2.0)
    fast = change_speed(p, 4.0)
    assert fast.duration_s == pytest.approx(0.5)
    np.testing.assert_array_equal(fast.latents, p.latents)
    np.testing.assert_allclose(fast.times_s, p.times_s / 4.0)
    with pytest.raises(PathError):
        change_speed(p, 0.0)


def test_reverse_plays_the_gesture_backwards_and_twice_is_identity():
    p = ramp(2.0)
    r = reverse(p)
    q = np.linspace(0, 2.0, 21)
    np.testing.assert_allclose(r.sample(q)[1], p.sample(2.0 - q)[1], atol=1e-6)
    assert reverse(r).equals(p)


def test_reverse_keeps_a_step_at_the_mirrored_time():
    r = reverse(step(0.0, 1.0))
    _, z = r.sample(np.array([0.5, 0.999, 1.0, 1.5]))
    np.testing.assert_array_equal(z[:, 0], [1.0, 1.0, 0.0, 0.0])


def test_delete_span_joins_the_rest():
    p = ramp(2.0)
    out = delete_span(p, 0.5, 1.5)
    assert out.duration_s == pytest.approx(1.0)
    _, z = out.sample(np.array([0.25, 0.75]))
    np.testing.assert_allclose(z[:, 0], [0.25, 1.75], atol=1e-6)


def test_centred_smoothing_keeps_lines_and_constants():
    p = ramp(2.0)
    s = smooth(p, 0.4)
    inner = (s.times_s >= 0.2) & (s.times_s <= 1.8)
    np.testing.assert_allclose(s.latents[inner, 0], s.times_s[inner], atol=1e-5)
    const = LatentPath([0.0, 1.0], [[0.5, 0.5]] * 2, [[2.0], [2.0]])
    np.testing.assert_allclose(smooth(const, 0.3).latents, 2.0)


def test_causal_smoothing_delays_a_ramp_by_half_the_window():
    p = ramp(2.0)
    w = 0.4
    s = smooth(p, w, mode="causal")
    inner = s.times_s >= w
    np.testing.assert_allclose(s.latents[inner, 0], s.times_s[inner] - w / 2, atol=1e-5)


def test_smoothing_a_step_gives_a_ramp_as_wide_as_the_window():
    w = 0.4
    s = smooth(step(0.0, 1.0), w)
    q = np.array([0.5, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5])
    _, z = s.sample(q)
    # box average of a unit step: 0 before t - w/2, 1 after t + w/2, linear in between
    expected = np.clip((q - (1.0 - w / 2)) / w, 0.0, 1.0)
    np.testing.assert_allclose(z[:, 0], expected, atol=1e-5)


def test_history_undo_redo_and_a_new_edit_drops_the_redo_branch():
    a = ramp()
    h = PathEditHistory(a)
    assert not h.can_undo and not h.can_redo
    b = h.apply(trim(a, 0.0, 1.0), "trim")
    c = h.apply(reverse(b), "reverse")
    assert h.current is c and h.undo_label == "reverse"
    assert h.undo() is b and h.undo() is a and h.undo() is a
    assert h.redo() is b and h.redo_label == "reverse"
    d = h.apply(change_speed(b, 2.0), "speed")
    assert not h.can_redo and h.current is d
    assert h.undo() is b


def test_history_forgets_the_oldest_beyond_its_limit():
    a = ramp()
    h = PathEditHistory(a, limit=2)
    for k in range(5):
        h.apply(change_speed(a, k + 1.0), f"speed {k}")
    assert h.undo().duration_s == pytest.approx(a.duration_s / 4)
    assert h.undo().duration_s == pytest.approx(a.duration_s / 3)
    assert not h.can_undo
