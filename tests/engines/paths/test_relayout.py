"""LayoutMove: a path's positions follow the sounds they lay among when the map is laid
out again."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.paths.relayout import LayoutMove


def test_positions_move_with_the_sounds_around_them():
    rng = np.random.default_rng(3)
    old = rng.uniform(0, 1, (40, 2))
    new = rng.uniform(0, 1, (40, 2))  # another layout altogether
    move = LayoutMove(old, new)
    on_sounds = move(old[[4, 9, 4]])
    np.testing.assert_allclose(on_sounds, new[[4, 9, 4]], atol=1e-5)  # each on its sound
    near = old[7] + 1e-3
    (moved,) = move(near[None])
    assert np.linalg.norm(moved - new[7]) < 0.01  # close to a sound: close to it again
    between = (old[2] + old[5]) / 2
    np.testing.assert_allclose(LayoutMove(old, old)(between[None]), between[None], atol=1e-6)
    shift = np.array([0.25, -0.5])
    path = rng.uniform(0, 1, (30, 2))
    np.testing.assert_allclose(LayoutMove(old, old + shift)(path), path + shift, atol=1e-5)


def test_without_sounds_positions_stay_and_mismatched_layouts_are_refused():
    path = np.array([[0.2, 0.3]], np.float32)
    np.testing.assert_array_equal(LayoutMove(np.zeros((0, 2)), np.zeros((0, 2)))(path), path)
    one = np.array([[0.5, 0.5]])
    np.testing.assert_allclose(LayoutMove(one, one + 0.1)(path), path + 0.1, atol=1e-6)
    with pytest.raises(ValueError, match="3 old positions but 2 new"):
        LayoutMove(np.zeros((3, 2)), np.zeros((2, 2)))
