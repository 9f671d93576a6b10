"""Colour groups (View → Colour By) made from the sounds alone: by folder, top folder, cluster
and tag; the same for the same sounds in any order; arrivals get provisional groups."""

from __future__ import annotations

from dataclasses import replace

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


def _qa_library(root: str = "/q/lib", depth: bool = True) -> list:
    """QA s19's library: Drums and FX nested as ``Drums/drums_0K/takeT``, Keys as
    ``Keys/keys_0K``; 2 sounds per folder; ``import_depth`` as an import of ``root`` stores it
    (none: a project from before imports kept it)."""
    sounds, sid = [], 0
    for top in ("Drums", "FX", "Keys"):
        for k in range(3):
            leaves = (
                [f"{top.lower()}_0{k}/take{t}" for t in (0, 1)] if top != "Keys" else [f"keys_0{k}"]
            )
            for leaf in leaves:
                folder = f"{root}/{top}/{leaf}"
                for _ in range(2):
                    sid += 1
                    meta = {"import_depth": leaf.count("/") + 2} if depth else {}
                    sounds.append(
                        _sound(
                            sid, f"{folder}/p{sid}.wav", folder=folder, name=f"p{sid}", meta=meta
                        )
                    )
    return sounds


def test_folders_of_one_name_are_told_apart_by_the_shortest_tail_that_differs():
    """QA s19 Q2-06: "take0" was one group of the takes of every kit."""
    sounds = _qa_library()
    z = _latents(sounds)
    colouring = colouring_of("folder", sounds, z)
    groups = colouring.categories(sounds, z)
    takes = sorted({g for g in groups if g.endswith("take0")})
    assert takes == [f"{kit}_0{k}/take0" for kit in ("drums", "fx") for k in range(3)]
    assert {"keys_00", "keys_01", "keys_02"} <= set(groups)  # unique names stay short
    assert len(set(groups)) == 15 and all(groups.count(g) == 2 for g in groups)  # one per folder
    # a folder of a known name that arrives gets a name no folder has, until made again
    twin = [_sound(99, "/q/lib/Vox/vox_00/take0/v.wav", folder="/q/lib/Vox/vox_00/take0")]
    assert colouring.categories(twin, _latents(twin)) == ["vox_00/take0"]
    deep = [_sound(98, "/q/other/drums_00/take0/d.wav", folder="/q/other/drums_00/take0")]
    assert colouring.categories(deep, _latents(deep)) == ["other/drums_00/take0"]
    again = colouring_of("folder", sounds + deep, z | _latents(deep)).categories(deep, z)
    assert again == ["other/drums_00/take0"]


def test_a_second_library_adds_its_own_top_folders_beside_the_first():
    """QA s19 Q2-07: importing ``lib2`` beside ``lib`` made the top folders "lib" and "lib2"."""
    for stored in (True, False):  # ``lib`` imported with its depths stored, or before they were
        lib = _qa_library("/q/lib", depth=stored)
        kits = [
            _sound(100 + k, f"/q/lib2/NewPack/kit_{k}/n.wav", folder=f"/q/lib2/NewPack/kit_{k}",
                   meta={"import_depth": 2})
            for k in range(4)
        ]  # fmt: skip
        single = _sound(200, "/q/mat/drums_120.flac", folder="/q/mat", meta={"import_depth": 0})
        sounds = lib + kits + [single]
        z = _latents(sounds)
        groups = colouring_of("top_folder", sounds, z).categories(sounds, z)
        assert groups[: len(lib)] == [s.folder.split("/")[3] for s in lib]  # Drums, FX, Keys
        assert groups[len(lib) :] == ["NewPack"] * 4 + ["mat"]
        shuffled = sounds[::-1]
        again = colouring_of("top_folder", shuffled, z).categories(sounds, z)
        assert again == groups
    # the library's Drums folder imported first, then the whole library: one library
    drums = [
        replace(s, meta={"import_depth": s.folder.count("/") - 3})
        for s in _qa_library()
        if "/Drums/" in s.folder
    ]
    rest = [s for s in _qa_library() if "/Drums/" not in s.folder]
    z = _latents(drums + rest)
    assert set(colouring_of("top_folder", drums, z).categories(drums, z)) == {
        "drums_00", "drums_01", "drums_02"
    }  # fmt: skip
    both = colouring_of("top_folder", drums + rest, z).categories(drums + rest, z)
    assert sorted(set(both)) == ["Drums", "FX", "Keys"]


def test_a_folder_split_by_name_prefixes_keeps_its_groups_beside_other_folders():
    """QA s19 Q2-08: the demo's gm/sonicpi/drum became one "sounds" group once another folder
    was imported."""
    demo = [
        _sound(i, f"/demo/sounds/{p}{i}.ogg", folder="/demo/sounds", name=f"{p}_{i}")
        for i, p in enumerate(["gm"] * 6 + ["sonicpi"] * 4 + ["drum"] * 3, start=1)
    ]
    z = _latents(demo)
    alone = colouring_of("folder", demo, z).categories(demo, z)
    assert alone == ["gm"] * 6 + ["sonicpi"] * 4 + ["drum"] * 3
    loops = [  # one-off names: not split into groups of one
        _sound(50 + i, f"/s/loops/{n}.wav", folder="/s/loops", name=n)
        for i, n in enumerate(["amen", "funk", "think"])
    ]
    kit = [_sound(60, "/s/mat/drums_120.flac", folder="/s/mat", name="drums_120")]
    sounds = demo + loops + kit
    z = _latents(sounds)
    colouring = colouring_of("folder", sounds, z)
    groups = colouring.categories(sounds, z)
    assert groups[:13] == ["sounds: gm"] * 6 + ["sounds: sonicpi"] * 4 + ["sounds: drum"] * 3
    assert groups[13:] == ["loops"] * 3 + ["mat"]
    late = [
        _sound(70, "/demo/sounds/gm70.ogg", folder="/demo/sounds", name="gm_70"),
        _sound(71, "/demo/sounds/x.ogg", folder="/demo/sounds", name="42"),
    ]
    assert colouring.categories(late, _latents(late)) == ["sounds: gm", "sounds"]
