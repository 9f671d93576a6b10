"""The atlas: projection into the unit square, the inverse map, placing new sounds, density."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from latentscape.engines.atlas import Atlas, InverseMap, blend_trajectories
from latentscape.engines.atlas.atlas import UMAP_SHARE


def _clusters(n_per: int = 60, dims: int = 6, seed: int = 0) -> list[np.ndarray]:
    """Two well-separated clusters of sounds; each a short trajectory around its anchor."""
    rng = np.random.default_rng(seed)
    out = []
    for centre in (-4.0, 4.0):
        for _ in range(n_per):
            anchor = centre + rng.standard_normal(dims)
            frames = rng.integers(5, 20)
            out.append((anchor + 0.3 * rng.standard_normal((frames, dims))).astype(np.float32))
    return out


@pytest.fixture(scope="module")
def trajectories():
    return _clusters()


@pytest.fixture(scope="module")
def atlas(trajectories):
    return Atlas.build(trajectories, sound_ids=np.arange(100, 100 + len(trajectories)))


def test_pca_map_fills_the_unit_square_and_separates_clusters(atlas, trajectories):
    xy = atlas.xy
    assert xy.shape == (len(trajectories), 2) and xy.dtype == np.float32
    assert xy.min() >= 0.0 and xy.max() <= 1.0
    assert np.isclose(np.ptp(xy, axis=0).max(), 0.9, atol=1e-5)  # 5% margins, aspect kept
    a, b = xy[:60].mean(0), xy[60:].mean(0)
    assert np.linalg.norm(a - b) > 0.5


def test_on_a_sound_the_inverse_map_returns_its_own_latents(atlas, trajectories):
    for i in (0, 17, 99):
        x, y = map(float, atlas.xy[i])
        np.testing.assert_array_equal(atlas.frame_at(x, y), atlas.inverse.anchors[i])
        np.testing.assert_allclose(atlas.inverse.anchors[i], trajectories[i].mean(0), atol=1e-6)
        np.testing.assert_array_equal(atlas.trajectory_at(x, y, trajectories), trajectories[i])
        keyed = {int(s): t for s, t in zip(atlas.sound_ids, trajectories)}
        np.testing.assert_array_equal(atlas.trajectory_at(x, y, keyed), trajectories[i])


def test_vectorised_and_single_queries_agree(atlas):
    q = np.random.default_rng(1).uniform(0, 1, (300, 2))
    many = atlas.frames_at(q)
    one = np.stack([atlas.frame_at(float(x), float(y)) for x, y in q])
    np.testing.assert_allclose(many, one, rtol=1e-5, atol=1e-5)


def test_a_drag_across_the_gap_morphs_without_a_jump(atlas, trajectories):
    """The latent moves from one cluster to the other in many small steps, not one leap."""
    a, b = atlas.xy[:60].mean(0), atlas.xy[60:].mean(0)
    line = a[None] + np.linspace(0, 1, 400)[:, None] * (b - a)[None]
    z = atlas.frames_at(line)
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    distance = np.linalg.norm(z[-1] - z[0])
    assert distance > 5.0  # the clusters' latents are ~8 apart per dim
    assert steps.max() < 0.05 * distance


def test_trajectory_between_sounds_is_time_aligned_and_centred(atlas, trajectories):
    x, y = (atlas.xy[3] + atlas.xy[4]) / 2
    t = atlas.trajectory_at(float(x), float(y), trajectories)
    np.testing.assert_allclose(t.mean(axis=0), atlas.frame_at(float(x), float(y)), atol=1e-5)
    lengths = [len(tr) for tr in trajectories]
    assert min(lengths) <= len(t) <= max(lengths)
    assert atlas.trajectory_at(0.5, 0.5, trajectories, frames=40).shape == (40, 6)


def test_blend_of_one_trajectory_is_itself_and_of_two_is_their_mix():
    a = np.arange(12, dtype=np.float32).reshape(6, 2)
    np.testing.assert_array_equal(blend_trajectories([a], np.array([1.0])), a)
    b = np.zeros((3, 2), np.float32)
    mix = blend_trajectories([a, b], np.array([0.5, 0.5]), frames=6)
    np.testing.assert_allclose(mix, 0.5 * a)


def test_new_sounds_land_without_moving_the_others(atlas, trajectories):
    np.testing.assert_allclose(atlas.place(trajectories[:5]), atlas.xy[:5], atol=1e-5)
    extra = _clusters(n_per=2, seed=7)
    grown = atlas.with_added(extra, [900, 901, 902, 903])
    np.testing.assert_array_equal(grown.xy[: len(atlas)], atlas.xy)
    assert grown.inverse.fit_choice == atlas.inverse.fit_choice  # not chosen again
    assert list(grown.sound_ids[-4:]) == [900, 901, 902, 903]
    x, y = map(float, grown.xy[-1])
    np.testing.assert_allclose(grown.frame_at(x, y), extra[-1].mean(axis=0), atol=1e-6)


def test_density_is_high_at_sounds_and_low_far_away(atlas):
    at_sounds = np.array([atlas.density_at(float(x), float(y)) for x, y in atlas.xy])
    assert np.median(at_sounds) > 0.5
    corners = [atlas.density_at(c, d) for c in (0.0, 0.999) for d in (0.0, 0.999)]
    assert max(corners) < 0.05
    assert atlas.density_grid.shape == (128, 128)


def test_arrays_round_trip_gives_the_same_answers(atlas, trajectories):
    again = Atlas.from_arrays(atlas.to_arrays())
    q = np.random.default_rng(2).uniform(0, 1, (50, 2))
    np.testing.assert_array_equal(again.frames_at(q), atlas.frames_at(q))
    assert again.method == "pca" and isinstance(again.inverse, InverseMap)
    np.testing.assert_array_equal(again.sound_ids, atlas.sound_ids)


def test_tiny_corpora_still_map():
    one = [np.ones((3, 4), np.float32)]
    atlas = Atlas.build(one)
    np.testing.assert_allclose(atlas.frame_at(0.9, 0.1), np.ones(4, np.float32), rtol=1e-5)
    three = [*_clusters(n_per=1), np.zeros((2, 6), np.float32)]
    assert Atlas.build(three).xy.shape == (3, 2)


@pytest.mark.slow
def test_umap_refines_reports_progress_and_can_be_cancelled(trajectories):
    seen: list[float] = []
    atlas = Atlas.build(trajectories, method="umap", progress=seen.append)
    # 1.0 once the whole atlas is built, not when the layout is (the inverse map follows it)
    assert atlas.method == "umap" and seen[-1] == 1.0 and max(seen[:-1]) <= UMAP_SHARE
    assert seen == sorted(seen)
    a, b = atlas.xy[:60].mean(0), atlas.xy[60:].mean(0)
    assert np.linalg.norm(a - b) > 0.3
    again = Atlas.build(trajectories, method="umap")
    np.testing.assert_array_equal(again.xy, atlas.xy)  # seeded: repeatable
    cancel = threading.Event()
    cancel.set()
    assert Atlas.build(trajectories, method="umap", cancel=cancel) is None


def test_loading_a_saved_atlas_needs_only_numpy(atlas, tmp_path):
    """Reopening a project must not pay for scipy, umap, numba or torch imports."""
    import subprocess
    import sys

    np.savez(tmp_path / "atlas.npz", **atlas.to_arrays())
    code = (
        "import sys, numpy as np\n"
        "from latentscape.engines.atlas import Atlas\n"
        f"a = Atlas.from_arrays(dict(np.load({str(tmp_path / 'atlas.npz')!r})))\n"
        "a.frame_at(0.5, 0.5); a.nearest(0.5, 0.5); a.density_at(0.5, 0.5)\n"
        "print(sorted(m for m in ('scipy', 'umap', 'numba', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
