"""MapState: the map's sounds in map order, their positions from an atlas in its own row order,
and the names and colour groups the view shows."""

from __future__ import annotations

import numpy as np

from latentscape.colour_groups import Colouring, category_of
from latentscape.engines.atlas.atlas import Atlas
from latentscape.map_state import MapState, display_name
from support.sound_records import sound as _sound


def test_positions_follow_map_order_and_unknown_sounds_are_placed():
    rng = np.random.default_rng(0)
    trajs = {i: rng.standard_normal((6, 8)).astype(np.float32) + i for i in (3, 5, 7, 9, 11)}
    built = Atlas.build([trajs[i] for i in (11, 5, 3, 9)], [11, 5, 3, 9], method="pca")
    arrays = built.to_arrays()
    arrays["xy"] = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]], np.float32)
    atlas = Atlas.from_arrays(arrays)  # as after a refinement: not where `place` would put them
    state = MapState()
    state.reset([_sound(i) for i in (9, 5, 7, 3, 11)], trajs)
    state.atlas = atlas

    xy = state.xy_in_map_order()

    stored = {11: [0.1, 0.2], 5: [0.3, 0.4], 3: [0.5, 0.6], 9: [0.7, 0.8]}
    for k, sid in enumerate((9, 5, 7, 3, 11)):
        expected = atlas.place([trajs[7]])[0] if sid == 7 else stored[sid]
        np.testing.assert_allclose(xy[k], expected, atol=1e-6)
    assert xy.dtype == np.float32 and xy.shape == (5, 2)


def test_names_and_colour_groups():
    assert display_name(_sound(1, "/corpus/kicks/kick 01.wav")) == "kick 01.wav"
    assert display_name(_sound(2, "/corpus/long.flac", segment_index=2)) == "long.flac #3"
    assert display_name(_sound(3, None)) == "sound 3"
    assert display_name(_sound(4, "/x/a.wav", name="given")) == "given"
    assert category_of(_sound(1, "/c/kicks/a.wav", folder="/c/kicks")) == "kicks"
    assert category_of(_sound(1, "/c/kicks/a.wav", folder="/c/kicks/")) == "kicks"
    assert category_of(_sound(1, "/c/a.wav", folder="/c", tags=("dark",))) == "dark"
    assert category_of(_sound(1, "/c/a.wav", folder="/c", generated=True)) == "generated"
    assert category_of(_sound(1, "/c/a.wav")) == "sounds"


def test_a_state_built_on_a_worker_is_adopted_with_the_points_it_prepared():
    rng = np.random.default_rng(1)
    trajs = {i: rng.standard_normal((5, 4)).astype(np.float32) for i in (2, 4, 6)}
    sounds = [
        _sound(4, "/c/hats/h.wav", folder="/c/hats"),
        _sound(2, "/c/kicks/k.wav", folder="/c/kicks"),
        _sound(6, "/c/gen.wav", generated=True),
        _sound(8, "/c/not-encoded.wav"),
    ]
    built = MapState()
    built.reset(sounds, trajs)
    built.atlas = Atlas.build([trajs[i] for i in (2, 4, 6)], [2, 4, 6], method="pca")
    built.set_colouring(Colouring(groups={2: "low end"}), built.revision)

    points = built.points()
    gui = MapState()
    gui.adopt(built)

    assert gui.ids == [4, 2, 6] and len(gui) == 3 and gui.index_of(6) == 2
    assert points.names == ["h.wav", "k.wav", "gen.wav"]
    assert points.categories == ["hats", "low end", "generated"]
    np.testing.assert_array_equal(points.generated, [False, False, True])
    np.testing.assert_allclose(points.xy, gui.xy_in_map_order())
    rows = [int(np.flatnonzero(gui.atlas.sound_ids == i)[0]) for i in (4, 2, 6)]
    np.testing.assert_allclose(points.xy, np.asarray(gui.atlas.xy)[rows], atol=1e-6)


def test_a_generated_sound_does_not_undo_the_name_groups_of_a_flat_folder():
    from latentscape.colour_groups import colouring_of

    names = ["kick01", "kick02", "snare01", "snare02", "pad01", "pad02"]
    sounds = [_sound(i, f"/c/{n}.wav", folder="/c", name=n) for i, n in enumerate(names, start=1)]
    sounds.append(_sound(7, None, name="gen 1", generated=True))
    trajectories = {s.id: np.zeros((2, 3), np.float32) for s in sounds}
    colouring = colouring_of("folder", sounds, trajectories)
    assert colouring.groups == {1: "kick", 2: "kick", 3: "snare", 4: "snare", 5: "pad", 6: "pad"}
    state = MapState()
    state.reset(sounds, trajectories)
    state.set_colouring(colouring, state.revision)
    assert state.categories()[-1] == "generated"


def test_the_revision_changes_exactly_when_the_sounds_or_their_records_do():
    """Readers that cache the sounds (the toolbar's finder over 100k names) re-read by it."""
    z = {i: np.zeros((2, 3), np.float32) for i in (1, 2, 3)}
    state = MapState()
    seen = [state.revision]

    def changed() -> bool:
        seen.append(state.revision)
        return seen[-1] != seen[-2]

    state.reset([_sound(1), _sound(2)], z)
    assert changed()
    state.append([_sound(2)], z)  # already there
    assert not changed()
    state.append([_sound(3)], z)
    assert changed()
    state.replace_records([_sound(9)])  # not on the map
    assert not changed()
    state.replace_records([_sound(3, name="renamed")])
    assert changed() and state.names()[-1] == "renamed"
    other = MapState()
    other.reset([_sound(1)], z)
    state.adopt(other)
    assert changed()
