"""Which palette colour each group wears (widgets/colour_slots.py)."""

from __future__ import annotations

import numpy as np

from latentscape.widgets.colour_slots import assign_slots, inherited_slots


def test_a_new_colouring_hands_out_colours_by_size():
    slots = assign_slots(["a", "b", "c"], np.array([2, 9, 5]), {}, palette=16)
    assert slots.tolist() == [2, 0, 1]


def test_groups_keep_their_colours_and_new_ones_take_free_colours_largest_first():
    prior = {"a": 0, "b": 1}
    slots = assign_slots(["a", "b", "big", "small"], np.array([3, 2, 50, 1]), prior, palette=16)
    assert slots.tolist() == [0, 1, 2, 3]


def test_a_colour_claimed_twice_goes_to_the_larger_group_and_colours_repeat_when_all_are_worn():
    slots = assign_slots(["a", "b", "c"], np.array([5, 9, 1]), {"a": 1, "b": 1}, palette=2)
    assert slots[1] == 1 and slots[0] == 0  # b is larger: a takes the free one
    assert slots[2] == 2 % 2  # none free: by its rank (third)


def test_a_renamed_or_split_group_inherits_the_colour_of_the_group_its_sounds_were_in():
    old_labels, old_codes, old_slots = ["gm", "drums"], np.array([0, 0, 0, 1, 1]), np.array([4, 7])
    new_labels = ["sounds: gm", "drums", "gm: piano"]
    new_codes = np.array([0, 0, 2, 1, 1])  # gm split in two, renamed
    prior = inherited_slots(old_labels, old_codes, old_slots, new_labels, new_codes)
    assert prior == {"drums": 7, "sounds: gm": 4}  # the smaller part takes a free colour
    slots = assign_slots(new_labels, np.bincount(new_codes), prior, palette=16)
    assert slots.tolist() == [4, 7, 0]


def test_with_every_colour_worn_a_group_keeps_the_colour_it_shared():
    """20 groups on 16 colours share some; one growing largest takes nobody's colour away."""
    prior = {"a": 0, "b": 1, "c": 0}
    slots = assign_slots(["a", "b", "c"], np.array([5, 4, 9]), prior, palette=2)
    assert slots.tolist() == [0, 1, 0]
