"""marked_files: the marked sounds' files once each, copied beside what a folder holds."""

from __future__ import annotations

from pathlib import Path

from latentscape.engines.atomic_write import free_path
from latentscape.marked_files import copy_files, files_of
from support.sound_records import sound as _sound


def test_files_once_each_and_copies_that_replace_nothing(tmp_path):
    long = _sound(1, path="long.wav")
    sounds = [long, _sound(2, path="long.wav", segment_index=1), _sound(3, generated=True)]
    sounds.append(_sound(4, path="gone.wav"))
    files = files_of(sounds, lambda p: tmp_path / "lib" / p)
    assert files == [tmp_path / "lib" / "long.wav", tmp_path / "lib" / "gone.wav"]
    (tmp_path / "lib").mkdir()
    files[0].write_bytes(b"sound")
    out = tmp_path / "new" / "folder"
    copies, missing = copy_files(files, out)
    assert copies == [out / "long.wav"] and missing == [files[1]]
    again, _ = copy_files(files, out)
    assert again == [out / "long-2.wav"] and again[0].read_bytes() == b"sound"
    assert free_path(out / "long.wav") == out / "long-3.wav"
    assert free_path(Path(tmp_path) / "x.wav") == tmp_path / "x.wav"
