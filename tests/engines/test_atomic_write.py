"""Files written whole or not at all, under any name the file system takes."""

from __future__ import annotations

import os

import pytest

from latentscape.engines.atomic_write import (
    NAME_MAX,
    _temp_prefix,
    remove_stale_temps,
    write_bytes_atomic,
)


@pytest.mark.parametrize("stem", ["a" * (NAME_MAX - 4), "é" * ((NAME_MAX - 4) // 2)])
def test_a_name_of_the_longest_length_is_written(tmp_path, stem):
    """The temporary file beside the target is named after it, shortened: a name of 242-255
    bytes failed with "File name too long" about a name the file system takes."""
    out = tmp_path / f"{stem}.wav"
    assert len(out.name.encode()) <= NAME_MAX
    write_bytes_atomic(out, b"sound")
    assert out.read_bytes() == b"sound" and os.listdir(tmp_path) == [out.name]


def test_temporary_files_a_killed_writer_left_are_removed_and_no_others(tmp_path):
    out = tmp_path / "model.pt"
    left = tmp_path / ".model.pt.k3j2h1g0.tmp"
    left.write_bytes(b"half a model")
    theirs = [tmp_path / ".model.pt.notes.txt", tmp_path / ".model.pt.resume.k3j2h1g0.tmp"]
    for path in theirs:
        path.write_bytes(b"x")
    remove_stale_temps(out)
    assert not left.exists() and all(p.exists() for p in theirs)


def test_long_names_that_begin_alike_keep_their_own_temporary_files(tmp_path):
    first, second = (tmp_path / ("x" * 245 + tail) for tail in ("1.pt", "2.pt"))
    removed = tmp_path / f"{_temp_prefix(first)}abcdefgh.tmp"
    kept = tmp_path / f"{_temp_prefix(second)}abcdefgh.tmp"
    for path in (removed, kept):
        path.write_bytes(b"x")
        assert len(path.name.encode()) <= NAME_MAX
    remove_stale_temps(first)
    assert not removed.exists() and kept.exists()
