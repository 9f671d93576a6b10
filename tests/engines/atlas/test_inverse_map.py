"""The inverse map on its own: exact at sounds, accurate between them, even across gaps."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.engines.atlas import InverseMap, InverseMapConfig
from latentscape.engines.atlas.grid_field import data_targets, settle_gaps


def _two_blobs(n_per: int = 80, dims: int = 8, seed: int = 0):
    """Two tight blobs on the map (left, right) whose latents are two far-apart clusters.

    Inside each blob the latent varies smoothly with the map position (a 2D sheet), as a
    projection of a real corpus does; the map between the blobs is empty.
    """
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((2, dims))
    points, anchors = [], []
    for cx, centre in ((0.25, -6.0), (0.75, 6.0)):
        p = np.column_stack(
            [cx + 0.04 * rng.uniform(-1, 1, n_per), 0.5 + 0.04 * rng.uniform(-1, 1, n_per)]
        )
        local = (p - [cx, 0.5]) / 0.04  # -1..1 within the blob
        z = centre + local @ basis + 0.05 * rng.standard_normal((n_per, dims))
        points.append(p)
        anchors.append(z)
    return np.concatenate(points), np.concatenate(anchors).astype(np.float32)


@pytest.fixture(scope="module")
def blobs():
    points, anchors = _two_blobs()
    return points, anchors, InverseMap.build(points, anchors)


def _off(z: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Distance of each row of ``z`` to its nearest anchor."""
    return np.sqrt(((z[:, None, :] - anchors[None]) ** 2).sum(-1)).min(1)


def test_each_sound_gets_its_own_latent_exactly(blobs):
    points, anchors, inv = blobs
    for i in range(0, len(points), 7):
        x, y = map(float, points[i])
        np.testing.assert_array_equal(inv.frame(x, y), anchors[i])
    np.testing.assert_array_equal(inv.frames(points[::7]), anchors[::7])


def test_held_out_error_is_near_the_noise_floor():
    """A smooth field plus noise: held-out sounds cannot be predicted better than their own
    noise, ``σ² L`` per sound; a good regressor stays within 1.5× of that floor (the rest
    is the error of its estimate) and far below the field's variance."""
    rng = np.random.default_rng(3)
    n, dims, sigma = 2000, 6, 0.1
    points = rng.uniform(0.05, 0.95, (n, 2))
    freq = rng.uniform(1.0, 3.0, (dims, 2))
    truth = np.sin(points @ freq.T * np.pi)
    anchors = (truth + sigma * rng.standard_normal((n, dims))).astype(np.float32)
    held = rng.choice(n, n // 10, replace=False)
    train = np.setdiff1d(np.arange(n), held)
    inv = InverseMap.build(points[train], anchors[train])
    err = ((inv.frames(points[held]) - anchors[held]) ** 2).sum(1).mean()
    floor = sigma**2 * dims
    assert err < 1.5 * floor
    assert err < 0.05 * anchors.var(0).sum()


def test_a_drag_across_the_empty_gap_moves_evenly_and_one_way(blobs):
    _, anchors, inv = blobs
    t = np.linspace(0.0, 1.0, 257)
    line = np.column_stack([0.25 + 0.5 * t, np.full_like(t, 0.5)])  # blob centre to blob centre
    z = inv.frames(line)
    a, b = anchors[:80].mean(0), anchors[80:].mean(0)
    progress = (z - a) @ (b - a) / ((b - a) @ (b - a))  # 0 at cluster a, 1 at cluster b
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    gap = (line[1:, 0] > 0.3) & (line[1:, 0] < 0.7)  # the empty part of the drag (128 steps)
    # the crossing is spread: no step carries more than 5% of it (a jump would carry ~all)
    assert steps[gap].max() < 0.05 * np.linalg.norm(b - a)
    # it goes one way: never back by more than 5% of the crossing, and arrives
    assert np.max(np.maximum.accumulate(progress) - progress) < 0.05
    assert progress[0] < 0.05 and progress[-1] > 0.95


def test_settling_brings_the_gap_closer_to_the_data_without_losing_the_sounds(blobs):
    points, anchors, settled = blobs
    plain = InverseMap.build(points, anchors, InverseMapConfig(settle_passes=0))
    t = np.linspace(0.05, 0.95, 400)
    q = np.column_stack([t, np.full_like(t, 0.5)])
    assert _off(settled.frames(q), anchors).mean() < _off(plain.frames(q), anchors).mean()
    # away from the snap discs the fit at the sounds is what the grid alone gives
    near = points + np.array([0.001, 0.0])
    err_settled = np.abs(settled.frames(near) - anchors).mean()
    err_plain = np.abs(plain.frames(near) - anchors).mean()
    assert err_settled < 1.2 * err_plain


def test_settle_keeps_the_grid_where_sounds_are_and_changes_empty_nodes():
    g, dims = 64, 3
    grid = np.zeros((g, g, dims), np.float32)
    grid[:, g // 2 :] = 1.0  # a field that jumps halfway, far from the sounds
    points = np.array([[0.1, 0.5], [0.9, 0.5]])
    anchors = np.array([[0.0] * dims, [1.0] * dims], np.float32)
    out = settle_gaps(
        grid,
        points,
        anchors,
        thin_plate=10.0,
        data_weight=0.0,
        fit_weight=1e4,
        softness=2.0,
        passes=1,
        iterations=200,
    )
    cell = lambda x: (g // 2, int(x * g))  # noqa: E731
    np.testing.assert_allclose(out[cell(0.1)], grid[cell(0.1)], atol=0.05)
    np.testing.assert_allclose(out[cell(0.9)], grid[cell(0.9)], atol=0.05)
    row = out[g // 2, :, 0]
    assert np.abs(np.diff(row)).max() < 0.2  # the jump of 1 is spread over many nodes


def test_data_targets_are_the_softmax_projection():
    rng = np.random.default_rng(0)
    anchors = rng.standard_normal((50, 4)).astype(np.float32)
    f = rng.standard_normal((4, 4, 4)).astype(np.float32)
    tau = 0.7
    z = f.reshape(-1, 4)
    d2 = ((z[:, None] - anchors[None]) ** 2).sum(-1)
    w = np.exp(-0.5 * (d2 - d2.min(1, keepdims=True)) / tau**2)
    expected = (w / w.sum(1, keepdims=True)) @ anchors
    np.testing.assert_allclose(data_targets(f, anchors, tau).reshape(-1, 4), expected, atol=1e-4)


def test_projects_saved_before_gap_settling_still_open(blobs):
    inv = blobs[2]
    arrays = inv.to_arrays()
    old_fields = 13  # the config stored before settle_* / thin_plate / data_weight existed
    arrays["inv_config"] = arrays["inv_config"][:old_fields]
    del arrays["inv_config_names"]  # positional, as saved then
    again = InverseMap.from_arrays(arrays)
    q = np.random.default_rng(2).uniform(0, 1, (50, 2))
    np.testing.assert_array_equal(again.frames(q), inv.frames(q))
    assert again.config == InverseMapConfig()


def test_the_config_is_stored_by_name(blobs):
    points, anchors = blobs[0], blobs[1]
    custom = InverseMapConfig(grid_size=64, snap_fraction=0.3, k_support=12, settle_passes=0)
    arrays = InverseMap.build(points, anchors, custom).to_arrays()
    # Saved by a version whose fields came in another order, with one retired since.
    order = np.random.default_rng(0).permutation(len(arrays["inv_config"]))
    names = [*arrays["inv_config_names"][order], "retired_option"]
    arrays["inv_config_names"] = np.array(names, np.str_)
    arrays["inv_config"] = np.append(arrays["inv_config"][order], 7.0)
    assert InverseMap.from_arrays(arrays).config == custom


def test_one_and_two_sounds_still_map():
    one = InverseMap.build(np.array([[0.5, 0.5]]), np.ones((1, 3), np.float32))
    np.testing.assert_allclose(one.frame(0.1, 0.9), np.ones(3), atol=1e-5)
    two = InverseMap.build(np.array([[0.2, 0.5], [0.8, 0.5]]), np.array([[0.0], [1.0]], np.float32))
    assert two.frame(0.2, 0.5)[0] == 0.0 and two.frame(0.8, 0.5)[0] == 1.0
    assert 0.0 < two.frame(0.5, 0.5)[0] < 1.0


def _noisy_sheet_with_gaps(n: int = 600, dims: int = 8, seed: int = 3):
    """Sounds in six round patches of the map (empty space between them) whose latents are a
    smooth field of the position plus noise as large as a sixth of its spread: a real
    corpus's map, where neighbours on the map are alike but not the same."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0.05, 0.95, (4 * n, 2))
    centres = rng.uniform(0.15, 0.85, (6, 2))
    near = np.linalg.norm(pts[:, None] - centres[None], axis=2).min(1) < 0.12
    pts = pts[near][:n]
    freq = rng.uniform(1.0, 3.0, (dims, 2))
    z = 3.0 * np.sin(pts @ freq.T * np.pi) + 0.5 * rng.standard_normal((len(pts), dims))
    return pts, z.astype(np.float32)


def test_drags_stay_closer_to_the_data_than_inverse_distance_weighting():
    """The gap settling draws empty regions toward real latents; with targets that were
    themselves blends of many latents (a soft projection 2 spacings wide) drags strayed
    further from the data than IDW-16's (0.89 vs 0.74 spacings here)."""
    points, anchors = _noisy_sheet_with_gaps()
    inv = InverseMap.build(points, anchors)
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.05, 0.95, (2, 100, 1, 2))
    t = np.linspace(0.0, 1.0, 128)[None, :, None]
    q = (a * (1 - t) + b * t).reshape(-1, 2)
    d = np.linalg.norm(q[:, None] - points[None], axis=2)
    nearest = np.argsort(d, axis=1)[:, :16]
    w = 1.0 / (np.take_along_axis(d, nearest, axis=1) + 1e-9) ** 2
    idw = np.einsum("mk,mkl->ml", w / w.sum(1, keepdims=True), anchors[nearest])
    assert _off(inv.frames(q), anchors).mean() < 0.9 * _off(idw, anchors).mean()


def test_a_map_keeps_its_fit_while_sounds_are_folded_in(blobs):
    """Choosing the fit (pass count and cap, by held-out folds) is most of a build: a map
    extended by a few sounds keeps what it chose, one grown past ``REUSE_PASSES_GROWTH``
    chooses again, and the choice is saved with the map (one saved before it was has none,
    one saved before caps has no cap)."""
    from dataclasses import replace

    from latentscape.engines.atlas.inverse_map import REUSE_PASSES_GROWTH

    points, anchors, inv = blobs
    n = len(points)
    passes, chosen_on, capped = inv.fit_choice
    assert chosen_on == n and 0 <= passes <= inv.config.residual_passes and capped in (0, 1)
    rng = np.random.default_rng(5)
    more = int(n * (REUSE_PASSES_GROWTH - 1))
    p2 = np.concatenate([points, rng.uniform(0.2, 0.8, (more, 2))])
    a2 = np.concatenate([anchors, anchors[rng.integers(0, n, more)]])
    folded = InverseMap.build(p2, a2, inv.config, reuse=inv.fit_choice)
    assert folded.fit_choice == (passes, n, capped)
    fixed = replace(
        inv.config,
        residual_select=0,
        residual_passes=passes,
        step_cap=inv.config.step_cap if capped else 0.0,
    )
    q = rng.uniform(0, 1, (200, 2))
    np.testing.assert_array_equal(folded.frames(q), InverseMap.build(p2, a2, fixed).frames(q))
    p3, a3 = np.concatenate([p2, points[:2] + 1e-3]), np.concatenate([a2, anchors[:2]])
    regrown = InverseMap.build(p3, a3, inv.config, reuse=folded.fit_choice)
    assert regrown.fit_choice[1] == len(p3)  # grown past the limit: chosen again
    arrays = inv.to_arrays()
    assert InverseMap.from_arrays(arrays).fit_choice == inv.fit_choice
    arrays["inv_residual_choice"] = np.array([2, 40])  # saved before caps
    assert InverseMap.from_arrays(arrays).fit_choice == (2, 40, 0)
    del arrays["inv_residual_choice"]
    old = InverseMap.from_arrays(arrays)
    assert old.fit_choice == (-1, 0, 0)
    assert InverseMap.build(p2, a2, old.config, reuse=old.fit_choice).fit_choice[1] == len(p2)


def _drag_jump(inv: InverseMap, seed: int = 0) -> float:
    """Median over 100 straight drags of the largest latent step ÷ the mean step."""
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.05, 0.95, (2, 100, 2))
    t = np.linspace(0.0, 1.0, 256)[None, :, None]
    lines = a[:, None] * (1 - t) + b[:, None] * t
    z = inv.frames(lines.reshape(-1, 2)).reshape(100, 256, -1)
    steps = np.linalg.norm(np.diff(z, axis=1), axis=2)
    return float(np.median(steps.max(axis=1) / steps.mean(axis=1)))


def test_the_folds_keep_the_step_cap_only_where_it_costs_little():
    """Six clusters of sounds, as a projection lays out a corpus: in each the latent varies
    smoothly with the map position, with noise; the map between them is empty. The cap is
    kept and drags step evenly. Sounds in a checkerboard of distinct latents (close sounds
    across a border really differ, and predictably): the cap would blur the borders, so the
    map is built without it, as a cap-less config builds it."""
    from dataclasses import replace

    from latentscape.engines.atlas.grid_fit import chosen_fit

    rng = np.random.default_rng(3)
    basis = rng.standard_normal((2, 8))
    points, anchors = [], []
    for _ in range(6):
        centre, latent = rng.uniform(0.15, 0.85, 2), 4.0 * rng.standard_normal(8)
        p = centre + 0.06 * rng.standard_normal((100, 2))
        points.append(p)
        anchors.append(latent + ((p - centre) / 0.06) @ basis + rng.standard_normal((100, 8)))
    points = np.clip(np.concatenate(points), 0.0, 1.0)
    anchors = np.concatenate(anchors).astype(np.float32)
    cfg = InverseMapConfig()
    assert cfg.step_cap > 0 and chosen_fit(points, anchors, cfg) == (0, True)
    capped = InverseMap.build(points, anchors)
    plain = InverseMap.build(points, anchors, replace(cfg, step_cap=0.0))
    assert capped.fit_choice[2] == 1 and plain.fit_choice[2] == 0
    assert _drag_jump(capped) < 0.7 * _drag_jump(plain)

    board = rng.uniform(0.0, 1.0, (800, 2))
    cells = rng.standard_normal((8, 8, 8)) * 3.0
    cell = np.minimum((board * 8).astype(int), 7)
    board_a = (cells[cell[:, 1], cell[:, 0]] + 0.05 * rng.standard_normal((800, 8))).astype(
        np.float32
    )
    passes, kept = chosen_fit(board, board_a, cfg)
    assert not kept
    built = InverseMap.build(board, board_a)
    assert built.fit_choice == (passes, len(board), 0)
    no_cap = InverseMap.build(board, board_a, replace(cfg, step_cap=0.0))
    np.testing.assert_array_equal(built.grid, no_cap.grid)


def test_a_step_cap_turns_cliffs_into_ramps_and_leaves_the_sounds_exact():
    """``limit_steps`` bounds every step between neighbouring nodes (sides and diagonals)
    and leaves gentle slopes alone; a map built with ``step_cap`` still answers a sound's own
    latent on the sound, and its cliffs are lower."""
    from latentscape.engines.atlas.grid_ops import limit_steps, mean_step

    g = 32
    ramp = np.linspace(0.0, 1.0, g, dtype=np.float32)
    gentle = np.repeat(ramp[None, :, None], g, axis=0)  # 1/31 per cell, along x
    np.testing.assert_array_equal(limit_steps(gentle, cap=0.1), gentle)
    cliff = np.zeros((g, g, 2), np.float32)
    cliff[:, g // 2 :] = (3.0, 4.0)  # a step of 5 between two columns
    steepest = np.linalg.norm(np.diff(limit_steps(cliff, cap=0.5), axis=1), axis=2).max()
    assert steepest <= 0.5 * 1.15  # 25 sweeps: near the cap; more sweeps reach it
    limited = limit_steps(cliff, cap=0.5, iterations=200)
    for axis in (0, 1):
        assert np.linalg.norm(np.diff(limited, axis=axis), axis=2).max() <= 0.5 * 1.001
    diag = limited[1:, 1:] - limited[:-1, :-1]
    assert np.linalg.norm(diag, axis=2).max() <= 0.5 * 2**0.5 * 1.001
    np.testing.assert_allclose(limited[:, 0], 0.0, atol=1e-6)  # far from the cliff: as it was
    np.testing.assert_allclose(limited[:, -1] - (3.0, 4.0), 0.0, atol=1e-6)

    points, anchors = _two_blobs()
    plain = InverseMap.build(points, anchors, InverseMapConfig(step_cap=0.0))
    forced = InverseMapConfig(step_cap=2.0, step_cap_cost=float("inf"))  # whatever it costs
    capped = InverseMap.build(points, anchors, forced)
    assert capped.fit_choice[2] == 1

    def steepest(grid):
        return np.linalg.norm(np.diff(grid, axis=1), axis=2).max() / mean_step(plain.grid)

    assert steepest(capped.grid) < 0.5 * steepest(plain.grid)
    for i in (0, 7, len(points) - 1):
        np.testing.assert_array_equal(capped.frame(*points[i]), anchors[i])
