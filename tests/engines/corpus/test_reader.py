"""Reading files into model-ready sounds, and the reasons given for files that cannot be used."""

from __future__ import annotations

import os
import re
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from latentscape.engines.corpus import BadAudioError, ImportRules, read_segments, scan_paths
from latentscape.engines.corpus.reader import check_file
from support.permissions import as_nobody

RULES = ImportRules()


def _tone(rate: int, seconds: float, channels: int = 1, hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    x = 0.5 * np.sin(2 * np.pi * hz * t).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1)


@pytest.mark.parametrize(
    ("name", "rate", "channels", "subtype"),
    [
        ("a.wav", 44100, 2, "PCM_16"),
        ("b.flac", 48000, 1, "PCM_24"),
        ("c.ogg", 22050, 2, None),
        ("d.aiff", 8000, 1, "PCM_32"),
        ("e.mp3", 32000, 1, None),
        ("f.wav", 96000, 6, "FLOAT"),
    ],
)
def test_any_format_rate_and_channels_becomes_model_audio(tmp_path, name, rate, channels, subtype):
    path = tmp_path / name
    sf.write(path, _tone(rate, 0.5, channels), rate, subtype=subtype)
    read = read_segments(path, 16000, 1, RULES)
    (seg,), duration_s = read.segments, read.duration_s
    assert read.note == ""  # a whole file: nothing to remark
    assert seg.audio.dtype == np.float32 and seg.audio.shape[0] == 1
    assert duration_s == pytest.approx(0.5, abs=0.06)  # mp3 adds encoder delay
    assert seg.samples == pytest.approx(16000 * 0.5, rel=0.12)
    # the resampler keeps the tone: its spectrum peaks at 440 Hz at the new rate
    spectrum = np.abs(np.fft.rfft(seg.audio[0]))
    peak_hz = np.argmax(spectrum) * 16000 / seg.samples
    assert peak_hz == pytest.approx(440.0, abs=5.0)
    stereo = read_segments(path, 16000, 2, RULES).segments
    assert stereo[0].audio.shape[0] == 2


def test_silence_is_trimmed_and_long_sounds_are_split(tmp_path):
    rate = 8000
    quiet = np.zeros((rate, 1), np.float32)
    x = np.concatenate([quiet, _tone(rate, 25.0), quiet])  # 1 s silence, 25 s tone, 1 s silence
    sf.write(tmp_path / "long.wav", x, rate)
    read = read_segments(tmp_path / "long.wav", rate, 1, RULES)
    segs, duration_s = read.segments, read.duration_s
    assert duration_s == pytest.approx(27.0)
    # 25 s (+2 × 10 ms pad) in the fewest equal pieces of at most 10 s: three of ~8.34 s
    assert [s.index for s in segs] == [0, 1, 2]
    lengths = [s.samples / rate for s in segs]
    assert sum(lengths) == pytest.approx(25.02, abs=0.011)
    assert max(lengths) - min(lengths) <= 1 / rate
    assert segs[0].start_s == pytest.approx(0.99, abs=0.011)
    assert segs[1].start_s == pytest.approx(segs[0].start_s + lengths[0])


def _wav_claiming(path, seconds: float, rate: int = 8000) -> None:
    """A WAV whose header says ``seconds`` long, as a sparse file (no disk space used)."""
    sf.write(path, np.zeros(16, np.int16), rate, subtype="PCM_16")
    data_bytes = int(seconds * rate) * 2
    with open(path, "r+b") as f:
        raw = f.read()
        at = raw.index(b"data")
        f.seek(4)
        f.write(struct.pack("<I", at + 8 + data_bytes - 8))
        f.seek(at + 4)
        f.write(struct.pack("<I", data_bytes))
        f.truncate(at + 8 + data_bytes)


def test_bad_files_are_refused_with_reasons(tmp_path):
    rate = 8000
    (tmp_path / "empty.wav").write_bytes(b"")
    sf.write(tmp_path / "zero.wav", np.zeros((0, 1), np.float32), rate)
    (tmp_path / "notes.wav").write_text("these are my notes, not audio\n" * 20)
    good = tmp_path / "good.wav"
    sf.write(good, _tone(rate, 1.0), rate)
    (tmp_path / "corrupt.wav").write_bytes(good.read_bytes()[:44] + os.urandom(3000))
    (tmp_path / "garbage.flac").write_bytes(os.urandom(5000))
    nan = _tone(rate, 0.5)
    nan[1000] = np.nan
    sf.write(tmp_path / "nan.wav", nan, rate, subtype="FLOAT")
    sf.write(tmp_path / "silent.wav", np.zeros((rate, 1), np.float32), rate)
    sf.write(tmp_path / "dc.wav", np.full((rate, 1), 0.5, np.float32), rate)  # inaudible
    (tmp_path / "cut.wav").write_bytes(b"RIFF1234WAVEfmt ")  # a download cut short
    sf.write(tmp_path / "one.wav", np.full((1, 1), 0.9, np.float32), rate)  # one loud sample
    _wav_claiming(tmp_path / "twohours.wav", 2 * 3600)
    os.mkfifo(tmp_path / "pipe.wav")
    fake = b"ID3\x03\x00\x00\x00\x00\x00\x21" + np.random.default_rng(0).bytes(4000)
    (tmp_path / "fake.mp3").write_bytes(fake)  # an MP3 tag, then no MP3 frames
    expected = {
        "fake.mp3": "not a readable audio file (damaged, or not really MP3 data)",
        "empty.wav": "empty file",
        "zero.wav": "zero-length",
        "notes.wav": "a text file",
        "garbage.flac": "not a readable audio file",
        "nan.wav": "NaN",
        "silent.wav": "silent",
        "dc.wav": "silent: a constant offset (DC) and no sound",
        "cut.wav": "not a readable audio file (its header is cut short: a truncated file)",
        "one.wav": "too short: 0.12 ms (minimum 1 ms)",  # nothing was trimmed: its own length
        "twohours.wav": "too long: 2:00:00 (limit 10:00)",
        "pipe.wav": "not a regular file (a FIFO",
        "missing.wav": "no such file",
    }
    for name, reason in expected.items():
        with pytest.raises(BadAudioError, match=re.escape(reason)):
            read_segments(tmp_path / name, rate, 1, RULES)
    # a header followed by random bytes decodes as (loud) noise: usable, not lost
    assert read_segments(tmp_path / "corrupt.wav", rate, 1, RULES).segments


def _reason(path) -> str:
    try:
        check_file(Path(path), RULES)
    except BadAudioError as exc:
        return str(exc)
    return "readable"


def test_unreadable_file_reason_as_an_ordinary_user(tmp_path):
    """A file with mode 000 in a world-readable folder: exactly what a user meets when
    importing someone else's private file."""
    folder = tempfile.mkdtemp(prefix="ls-perm-")
    os.chmod(folder, 0o755)
    path = os.path.join(folder, "private.wav")
    sf.write(path, _tone(8000, 0.2), 8000)
    os.chmod(path, 0o000)
    message = as_nobody(lambda: _reason(path))
    os.chmod(path, 0o644)
    os.remove(path)
    os.rmdir(folder)
    assert message == "permission denied"


def test_a_folder_that_cannot_be_listed_is_listed_as_bad_not_skipped():
    """A private subfolder (mode 700, another owner) inside a shared folder: its files cannot
    be found, so the folder itself is what the import reports, with the reason."""
    folder = Path(tempfile.mkdtemp(prefix="ls-perm-"))
    os.chmod(folder, 0o755)
    sf.write(folder / "open.wav", _tone(8000, 0.2), 8000)
    (folder / "private").mkdir(mode=0o700)
    sf.write(folder / "private" / "hidden.wav", _tone(8000, 0.2), 8000)

    def scan() -> str:
        found = scan_paths([folder])
        return "\n".join(f"{p.relative_to(folder)}: {_reason(p)}" for p in found)

    report = as_nobody(scan)
    shutil.rmtree(folder)
    assert report.splitlines() == [
        "open.wav: readable",
        "private: a folder that cannot be read (permission denied): "
        "none of its files were imported",
    ]


def test_scan_finds_audio_recursively_in_a_stable_order(tmp_path):
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a.WAV").write_bytes(b"x")
    (tmp_path / "b" / "deep" / "c.flac").write_bytes(b"x")
    (tmp_path / "b" / "readme.txt").write_text("x")
    (tmp_path / "b" / ".hidden.wav").write_bytes(b"x")
    (tmp_path / "folder.wav").mkdir()  # a folder with an audio name is searched, not read
    (tmp_path / "folder.wav" / "in.ogg").write_bytes(b"x")
    found = scan_paths([tmp_path, tmp_path / "a.WAV"])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["a.WAV", "b/deep/c.flac", "folder.wav/in.ogg"]


@pytest.mark.parametrize("kind", ["click", "pulse"])
def test_silence_around_an_asymmetric_sound_is_trimmed_as_before(tmp_path, kind):
    """A one-sided click in a second of silence (its mean is -46 dBFS) and a DC-free 25 %
    pulse wave (its median sample is -0.25) are trimmed by their own level: an offset
    estimated from either would have kept all of the silence."""
    rate = 8000
    x = np.zeros(3 * rate, np.float32)
    if kind == "click":
        x[rate : rate + 80] = 0.5  # 10 ms, one-sided
        sound_s = 0.01
    else:
        t = np.arange(int(1.5 * rate))
        x[rate : rate + t.size] = np.where(t % 80 < 20, 0.75, -0.25)  # 100 Hz, mean 0
        sound_s = 1.5
    sf.write(tmp_path / "x.wav", x, rate, subtype="FLOAT")
    rules = ImportRules(min_sound_s=0.001)
    (segment,) = read_segments(tmp_path / "x.wav", rate, 1, rules).segments
    assert 0.9 < segment.start_s < 1.0 and segment.samples < (sound_s + 0.2) * rate


def test_a_click_shorter_than_the_shortest_sound_comes_in_padded_with_silence(tmp_path):
    """Clicks and hi-hat ticks are the core of many libraries: a 10 ms one is not refused but
    padded to ``min_sound_s``, the click first and untouched."""
    rate = 16000
    click = np.r_[np.zeros(rate // 2), 0.8 * np.hanning(160)].astype(np.float32)  # 10 ms
    sf.write(tmp_path / "tick.wav", click, rate, subtype="FLOAT")
    (seg,) = read_segments(tmp_path / "tick.wav", rate, 1, RULES).segments
    assert seg.samples == int(np.ceil(RULES.min_sound_s * rate))
    start = round(seg.start_s * rate)
    kept = seg.audio.shape[1] - np.count_nonzero(seg.audio[0, ::-1].cumsum() == 0)
    np.testing.assert_array_equal(seg.audio[0, :kept], click[start : start + kept])
    assert not seg.audio[0, kept:].any() and kept < 0.03 * rate  # the rest is silence


def test_scan_keeps_a_file_rather_than_a_link_to_it(tmp_path):
    """A link and its target in one folder are one sound, stored under the file's own name
    even when the link sorts first (deleting the link later must not orphan the sound)."""
    (tmp_path / "real.wav").write_bytes(b"x")
    (tmp_path / "a_link.wav").symlink_to("real.wav")
    (tmp_path / "other.wav").write_bytes(b"y")
    names = [p.name for p in scan_paths([tmp_path])]
    assert names == ["real.wav", "other.wav"]
    assert [p.name for p in scan_paths([tmp_path / "a_link.wav"])] == ["a_link.wav"]  # as given
    (tmp_path.parent / f"{tmp_path.name}-linked").symlink_to(tmp_path)  # ~/Music -> /mnt/music
    linked = [p.name for p in scan_paths([tmp_path.parent / f"{tmp_path.name}-linked"])]
    assert linked == ["real.wav", "other.wav"]


def test_scan_follows_links_to_folders_but_not_loops(tmp_path):
    """A favourites folder made of links to sample packs brings the packs' sounds (they were
    passed over without a word). A link to a folder that holds the dropped one (``up ->
    ..``, the home folder, ``/``) brings nothing: the import stays inside what was dropped. A
    pack reached both directly and through a link is taken once, under its own path."""
    pack = tmp_path / "packs" / "Brass"
    pack.mkdir(parents=True)
    (pack / "horn.wav").write_bytes(b"x")
    (tmp_path / "elsewhere.wav").write_bytes(b"y")  # outside the drop
    favs = tmp_path / "MyFavs"
    favs.mkdir()
    (favs / "brass_pack").symlink_to(pack)
    (favs / "brass_again").symlink_to(pack)  # linked twice: walked once
    (favs / "up").symlink_to("..")
    (favs / "root").symlink_to("/")
    (favs / "gone.wav").symlink_to(tmp_path / "nowhere.wav")
    found = [p.relative_to(favs).as_posix() for p in scan_paths([favs])]
    assert found == ["gone.wav", "brass_again/horn.wav"]
    both = scan_paths([tmp_path])  # the pack for real, and through the links
    assert [p.relative_to(tmp_path).as_posix() for p in both] == [
        "elsewhere.wav",
        "MyFavs/gone.wav",
        "packs/Brass/horn.wav",
    ]
    with pytest.raises(BadAudioError, match="a link to a missing file"):
        check_file(favs / "gone.wav", RULES)


def test_links_that_fork_and_join_walk_each_folder_once(tmp_path):
    """Folders each holding two links to the next: walked once each, not 2^depth times."""
    depth = 16
    for k in range(depth):
        (tmp_path / f"d{k}").mkdir()
    (tmp_path / f"d{depth - 1}" / "end.wav").write_bytes(b"x")
    for k in range(depth - 1):
        (tmp_path / f"d{k}" / "a").symlink_to(tmp_path / f"d{k + 1}")
        (tmp_path / f"d{k}" / "b").symlink_to(tmp_path / f"d{k + 1}")
    (found,) = scan_paths([tmp_path / "d0"])
    assert found.name == "end.wav"


@pytest.mark.parametrize("name", ["cut.wav", "cut.aiff", "cut.mp3", "cut.w64", "rf64/cut.wav"])
def test_a_file_cut_short_is_imported_with_a_note_saying_how_much_is_there(tmp_path, name):
    """A copy or download that stopped early: libsndfile reads what is there without a word,
    and the user would never learn that the sound is not the whole file. (An RF64, a
    broadcast recorder's WAV, states its length in a ds64 chunk.)"""
    rate = 32000
    whole = tmp_path / f"whole{Path(name).suffix}"
    rf64 = name.startswith("rf64/")
    sf.write(whole, _tone(rate, 3.0), rate, format="RF64" if rf64 else None)
    (tmp_path / name).parent.mkdir(exist_ok=True)
    data = whole.read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) // 2])
    read = read_segments(tmp_path / name, 16000, 1, RULES)
    assert read.segments
    got = sum(seg.samples for seg in read.segments) / 16000
    assert 1.0 < got < 2.0
    assert read.note.startswith("cut short (a truncated file?)")
    assert "of 3.00 s are there" in read.note or name.endswith(".mp3")
    assert read_segments(whole, 16000, 1, RULES).note == ""


@pytest.mark.parametrize("codec", ["VORBIS", "OPUS"])
def test_an_ogg_cut_short_is_named_so(tmp_path, codec):
    """An Ogg states no length, but a whole stream ends with a marked last page: a cut one is
    imported with a note (Opus), or refused as cut short when the decoder reads none of it
    without its end (Vorbis), not as "zero-length". A tag or padding after the end is no cut."""
    rate = 48000
    whole = tmp_path / "whole.ogg"
    sf.write(whole, _tone(rate, 3.0), rate, format="OGG", subtype=codec)
    data = whole.read_bytes()
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(data[: len(data) // 2])
    assert read_segments(whole, 16000, 1, RULES).note == ""
    appended = {"id3v1": b"TAG" + bytes(125), "padding": bytes(3000), "chained": data}
    for name, tail in appended.items():  # whole files that libsndfile says "junk" of
        (tmp_path / f"{name}.ogg").write_bytes(data + tail)
        assert read_segments(tmp_path / f"{name}.ogg", 16000, 1, RULES).note == "", name
    if codec == "OPUS":
        read = read_segments(cut, 16000, 1, RULES)
        got = sum(seg.samples for seg in read.segments) / 16000
        assert 0.5 < got < 2.0
        pattern = r"cut short \(a truncated file\?\): the stream stops after \d\.\d\d s, unfinished"
        assert re.fullmatch(pattern, read.note)
    else:
        with pytest.raises(BadAudioError, match=r"^cut short \(a truncated file\?\): none of it"):
            read_segments(cut, 16000, 1, RULES)


def _syncsafe_tag(payload_bytes: int) -> bytes:
    """An ID3v2.3 tag holding a picture of ``payload_bytes`` (cover art)."""
    frame = b"\0image/jpeg\0\x03\0" + bytes(payload_bytes)
    frame = b"APIC" + struct.pack(">I", len(frame)) + b"\0\0" + frame
    n = len(frame)
    size = bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])
    return b"ID3\x03\x00\x00" + size + frame


def test_whole_files_without_an_exact_length_are_not_called_cut_short(tmp_path):
    """No false alarms: an MP3 without a Xing/Info header behind a cover-art tag (the decoder
    estimates its length from the file's size, tag included), and WAVs written to a pipe,
    whose data size is a placeholder for "unknown" (sox 0x7ffff000, arecord 0x7fffffff)."""
    rate = 32000
    sf.write(tmp_path / "cbr.mp3", _tone(rate, 3.0), rate, bitrate_mode="CONSTANT")
    data = (tmp_path / "cbr.mp3").read_bytes()
    header_at = min(data.find(m) for m in (b"Xing", b"Info") if m in data)
    first = data.rindex(b"\xff", 0, header_at)  # the first frame holds the length header
    second = data.index(data[first : first + 2], first + 4)
    bare = data[:first] + data[second:]
    (tmp_path / "art.mp3").write_bytes(_syncsafe_tag(60_000) + bare)
    assert sf.info(str(tmp_path / "art.mp3")).duration > 3.5  # the decoder's guess: too long
    assert read_segments(tmp_path / "art.mp3", 16000, 1, RULES).note == ""
    sf.write(tmp_path / "whole.wav", _tone(rate, 3.0), rate, subtype="PCM_16")
    wav = bytearray((tmp_path / "whole.wav").read_bytes())
    at = wav.index(b"data") + 4
    for placeholder in (0x7FFFF000, 0x7FFFFFFF, 0xFFFFFFFF):
        wav[at : at + 4] = struct.pack("<I", placeholder)
        (tmp_path / "piped.wav").write_bytes(bytes(wav))
        read = read_segments(tmp_path / "piped.wav", 16000, 1, RULES)
        assert read.note == "" and sum(s.samples for s in read.segments) > 2.9 * 16000
