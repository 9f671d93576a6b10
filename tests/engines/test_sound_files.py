"""Sound files the app writes: the name a save dialog returns, and whole-or-nothing writes."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.sound_files import sound_format, with_suffix, write_sound, written_here


def test_a_name_typed_without_a_suffix_gets_one():
    assert with_suffix("/x/kick", ".wav") == "/x/kick.wav"
    assert with_suffix("/x/kick.flac", ".wav") == "/x/kick.flac"
    assert with_suffix("/x.y/kick", ".csv") == "/x.y/kick.csv"


def test_write_sound_is_whole_or_nothing(tmp_path):
    out = tmp_path / "tone.wav"
    tone = np.sin(np.linspace(0, 200, 8000, dtype=np.float32))[:, None] * 0.5
    write_sound(out, tone, 16000)
    back, rate = sf.read(str(out), dtype="float32", always_2d=True)
    assert rate == 16000 and np.array_equal(back, tone)
    before = out.read_bytes()
    with pytest.raises(LatentscapeError, match="cannot encode"):
        write_sound(out, tone, 16000, "WAV", "NO_SUCH_SUBTYPE")
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["tone.wav"]
    assert sound_format(tmp_path / "a.FLAC") == ("FLAC", "PCM_24")
    with pytest.raises(LatentscapeError, match=r"cannot write '\.mp3' files"):
        sound_format(tmp_path / "a.mp3")


@pytest.mark.parametrize("name", ["a.wav", "b.flac", "c.ogg"])
def test_sounds_written_here_bear_the_mark_and_a_users_own_do_not(tmp_path, name):
    """The mark is what lets a command replace its own earlier output and nothing else."""
    tone = np.sin(np.linspace(0, 200, 8000, dtype=np.float32))[:, None] * 0.5
    write_sound(tmp_path / name, tone, 16000)
    assert written_here(tmp_path / name)
    fmt, subtype = sound_format(tmp_path / name)
    sf.write(str(tmp_path / f"user_{name}"), tone, 16000, format=fmt, subtype=subtype)
    assert not written_here(tmp_path / f"user_{name}")
    (tmp_path / "notes.wav").write_text("not audio")
    assert not written_here(tmp_path / "notes.wav")
    assert not written_here(tmp_path / "missing.wav")
