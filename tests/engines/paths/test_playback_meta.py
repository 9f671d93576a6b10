"""Each path's loop and speed in its ``meta`` (QA s19 L3): defaults left out, odd values read
as the defaults, and the settings travel in the JSON format."""

from __future__ import annotations

import numpy as np

from latentscape.engines.paths import LatentPath, from_json, to_json
from latentscape.engines.paths.playback import playback_of, with_playback


def a_path(**meta) -> LatentPath:
    return LatentPath(np.array([0.0, 1.0]), np.zeros((2, 2)), np.zeros((2, 3)), meta=meta)


def test_defaults_are_left_out_and_other_meta_is_kept() -> None:
    path = a_path(colour="red")
    assert playback_of(path) == (False, 1.0)
    assert with_playback(path, False, 1.0) is path  # nothing to change
    looped = with_playback(path, True, 0.5)
    assert looped.meta == {"colour": "red", "loop": True, "speed": 0.5}
    assert playback_of(looped) == (True, 0.5)
    assert with_playback(looped, False, 1.0).meta == {"colour": "red"}


def test_values_a_hand_edited_file_may_hold_read_as_defaults_or_clipped() -> None:
    assert playback_of(a_path(loop="yes", speed="fast")) == (False, 1.0)
    assert playback_of(a_path(loop=1, speed=float("nan"))) == (False, 1.0)
    assert playback_of(a_path(speed=True)) == (False, 1.0)
    assert playback_of(a_path(speed=100)) == (False, 4.0)
    assert playback_of(a_path(speed=0.01)) == (False, 0.25)


def test_the_settings_travel_in_the_json_format() -> None:
    path = with_playback(a_path(), True, 2.0)
    assert playback_of(from_json(to_json(path))) == (True, 2.0)
