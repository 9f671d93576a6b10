"""Colour groups (View → Colour By) made from the sounds alone: by folder, top folder, cluster
and tag; the same for the same sounds in any order; arrivals get provisional groups."""

from __future__ import annotations

import numpy as np

from latentscape.colour_groups import MAX_CLUSTERS, colouring_of
from support.sound_records import sound as _sound

TOPS = {"Drums": 8, "Synths": 7, "FX": 5}  # leaf folders under each top folder: 20 in all


def _nested_library(root: str = "/home/a/Samples") -> list:
    """One sound in each of 20 leaf folders at depths 1-3 below 3 top folders."""
    sounds, sid = [], 0
    for top, leaves in TOPS.items():
        for k in range(leaves):
            sid += 1
            leaf = f"{top.lower()}{k}"
            folder = f"{root}/{top}/pack{k % 3}/{leaf}" if k % 2 else f"{root}/{top}/{leaf}"
            sounds.append(_sound(sid, f"{folder}/s.wav", folder=folder, name=f"s{sid}"))
    return sounds


def _latents(sounds, seed: int = 0, centres: int = 4) -> dict[int, np.ndarray]:
    """Trajectories ``[6, 3]`` float32 around ``centres`` well-apart points."""
    rng = np.random.default_rng(seed)
    where = rng.normal(0, 10, (centres, 3))
    return {
        s.id: (where[s.id % centres] + rng.normal(0, 0.3, (6, 3))).astype(np.float32)
        for s in sounds
    }


def test_twenty_leaf_folders_under_three_top_folders_are_three_groups():
    sounds = _nested_library()
    z = _latents(sounds)
    by_folder = colouring_of("folder", sounds, z).categories(sounds, z)
    by_top = colouring_of("top_folder", sounds, z).categories(sounds, z)
    assert len(set(by_folder)) == 20
    assert sorted(set(by_top)) == ["Drums", "FX", "Synths"]
    assert by_top.count("Drums") == 8 and by_top.count("FX") == 5


def test_top_folders_follow_the_common_root_and_relative_folders_lie_under_the_project():
    base = "/home/a/Samples"
    sounds = [
        _sound(1, "Drums/Kicks/a.wav", folder="Drums/Kicks"),  # stored relative to the project
        _sound(2, f"{base}/Drums/Hats/b.wav", folder=f"{base}/Drums/Hats"),
        _sound(3, f"{base}/Keys/c.wav", folder=f"{base}/Keys"),
        _sound(4, f"{base}/d.wav", folder=base),  # in the root itself: the root's name
        _sound(5, None, name="made", generated=True),
    ]
    z = _latents(sounds)
    colouring = colouring_of("top_folder", sounds, z, base=base)
    assert colouring.categories(sounds, z) == ["Drums", "Drums", "Keys", "Samples", "generated"]
    # a sound that arrives from outside the root is named as the root it widens to would name it
    new = [_sound(6, "/home/a/Other/Bass/e.wav", folder="/home/a/Other/Bass")]
    assert colouring.categories(new, _latents(new)) == ["Other"]
    assert colouring_of("top_folder", sounds + new, z | _latents(new), base).categories(
        sounds + new, z | _latents(new)
    ) == ["Samples", "Samples", "Samples", "Samples", "generated", "Other"]


def test_clusters_fit_the_palette_and_do_not_depend_on_the_order_of_the_sounds():
    sounds = [_sound(i, f"/s/x/{i}.wav", folder="/s/x") for i in range(1, 601)]
    sounds.append(_sound(999, None, generated=True))
    z = _latents(sounds, centres=20)
    colouring = colouring_of("cluster", sounds, z)
    groups = colouring.categories(sounds, z)
    names = set(groups) - {"generated"}
    assert len(names) == MAX_CLUSTERS and groups[-1] == "generated"
    assert names == {f"cluster {k}" for k in range(1, MAX_CLUSTERS + 1)}
    sizes = [groups.count(f"cluster {k}") for k in range(1, MAX_CLUSTERS + 1)]
    assert sizes == sorted(sizes, reverse=True)  # "cluster 1" is the largest
    shuffled = list(np.random.default_rng(3).permutation(np.array(sounds, dtype=object)))
    again = colouring_of("cluster", shuffled, dict(reversed(list(z.items()))))
    assert again.groups == colouring.groups


def test_a_sound_that_arrives_goes_to_its_nearest_cluster_until_the_groups_are_made_again():
    sounds = [_sound(i, f"/s/x/{i}.wav", folder="/s/x") for i in range(1, 41)]
    z = _latents(sounds, centres=3)
    colouring = colouring_of("cluster", sounds, z)
    twin = _sound(100, "/s/y/twin.wav", folder="/s/y")  # the latents of sound 7, again
    (group,) = colouring.categories([twin], {100: z[7]})
    assert group == colouring.groups[7]


def test_a_flat_folder_without_name_prefixes_falls_back_to_clusters_of_its_latents():
    sounds = [_sound(i, f"/s/x/{i}.wav", folder="/s/x", name=f"{i:03d}") for i in range(1, 61)]
    z = _latents(sounds, centres=3)
    colouring = colouring_of("folder", sounds, z)
    assert colouring.fallback == "cluster"
    assert {g for g in colouring.categories(sounds, z)} <= {f"cluster {k}" for k in range(1, 9)}
    other = [_sound(70, "/s/other/a.wav", folder="/s/other", name="070")]
    assert colouring_of("folder", sounds + other, z | _latents(other)).groups == {}


def test_tags_colour_by_the_first_tag():
    sounds = [
        _sound(1, "/a/1.wav", folder="/a", tags=("dark", "long")),
        _sound(2, "/a/2.wav", folder="/a"),
        _sound(3, "/a/3.wav", folder="/a", tags=("bright",)),
    ]
    z = _latents(sounds)
    assert colouring_of("tag", sounds, z).categories(sounds, z) == ["dark", "untagged", "bright"]
    assert colouring_of("no such mode", sounds, z).mode == "folder"
