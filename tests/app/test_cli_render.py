"""``latentscape render``: the CLI's safety rule for its output (one error line, exit code 2,
the user's files kept) and how it says what it cannot write, before decoding."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from latentscape.cli import main
from support.cli_safety import fill, one_error, snapshot


@pytest.mark.parametrize("seconds", ["nan", "inf", "0", "-1", "601", "1e12"])
def test_render_refuses_a_length_out_of_range(project, tmp_path, capsys, seconds):
    out = tmp_path / "out.wav"
    argv = ["render", "-p", str(project), "--at", "0.5,0.5", "-o", str(out), "--kind", "frame"]
    assert main([*argv, "--seconds", seconds]) == 2
    assert "--seconds" in one_error(capsys, "render") and not out.exists()


@pytest.mark.parametrize("name", ["out.mp3", "out", "out.txt", "folder"])
def test_render_refuses_an_output_it_cannot_write(project, tmp_path, capsys, name):
    out = tmp_path / name
    if name == "folder":
        out.mkdir()
    before = snapshot(tmp_path)
    assert main(["render", "-p", str(project), "--at", "0.5,0.5", "-o", str(out)]) == 2
    line = one_error(capsys, "render")
    assert ("is a folder" if name == "folder" else "use .wav, .flac or .ogg") in line
    assert snapshot(tmp_path) == before


def test_render_makes_missing_folders_and_refuses_a_name_that_ends_as_a_folder(
    project, tmp_path, capsys
):
    """As ``export`` does, ``render`` makes the output's folders; ``out/a.wav/`` names a
    folder (it was written as ``out/a.wav``), and a file on the way is not a folder."""
    render = ["render", "-p", str(project), "--at", "0.5,0.5", "-o"]
    deep = tmp_path / "new" / "deeper" / "a.wav"
    assert main([*render, str(deep)]) == 0 and deep.is_file()
    capsys.readouterr()
    slash = tmp_path / "out" / "b.wav"
    assert main([*render, str(slash) + "/"]) == 2
    assert "is a folder" in one_error(capsys, "render") and not (tmp_path / "out").exists()
    (tmp_path / "plain").write_text("not a folder")
    assert main([*render, str(tmp_path / "plain" / "c.wav")]) == 2
    assert "plain is not a folder" in one_error(capsys, "render")


@pytest.mark.parametrize(("suffix", "subtype"), [(".wav", "FLOAT"), (".flac", "PCM_24")])
def test_render_chooses_the_format_by_suffix(project, tmp_path, suffix, subtype):
    import soundfile as sf

    out = tmp_path / f"out{suffix}"
    assert main(["render", "-p", str(project), "--at", "0.5,0.5", "-o", str(out)]) == 0
    assert sf.info(str(out)).subtype == subtype
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_render_replaces_an_earlier_render_but_not_a_project_sound_or_other_file(
    project, tmp_path, capsys
):
    argv = ["render", "-p", str(project), "--kind", "frame", "--at", "0.5,0.5", "-o"]
    import shutil

    sound = next((tmp_path / "sounds").rglob("*.wav"))
    (tmp_path / "notes.wav").write_text("not audio\n")
    mine = shutil.copy(sound, tmp_path / "my take.wav")  # a user's sound, not in the project
    keep = {p: p.read_bytes() for p in (sound, tmp_path / "notes.wav", mine)}
    for path, reason in (
        (sound, "is one of the project's sounds"),
        (tmp_path / "notes.wav", "exists and is not a sound file"),
        (mine, "has no latentscape mark"),
    ):
        assert main([*argv, str(path)]) == 2
        line = one_error(capsys, "render")
        assert reason in line and "not replacing" in line
        assert path.read_bytes() == keep[path]
    out = tmp_path / "out.wav"
    assert main([*argv, str(out)]) == 0
    first = out.read_bytes()
    assert main([*argv, str(out), "--seconds", "1"]) == 0  # an earlier render is replaced
    assert out.read_bytes() != first


def test_render_on_a_full_disk_keeps_the_previous_file(project, full_folder, capsys):
    out = full_folder / "keep.wav"
    argv = ["render", "-p", str(project), "-o", str(out), "--kind", "frame"]
    assert main([*argv, "--at", "0.5,0.5", "--seconds", "0.5"]) == 0
    before = out.read_bytes()
    fill(full_folder)
    capsys.readouterr()
    assert main([*argv, "--at", "0.2,0.2", "--seconds", "0.5"]) == 2
    assert "No space left on device" in one_error(capsys, "render")
    assert out.read_bytes() == before
    assert sorted(p.name for p in full_folder.iterdir()) == ["filler", "keep.wav"]
    deeper = full_folder / "new" / "deeper" / "x.wav"  # folders it made for a failed write go
    argv = ["render", "-p", str(project), "-o", str(deeper), "--kind", "frame"]
    assert main([*argv, "--at", "0.2,0.2", "--seconds", "0.5"]) == 2
    assert sorted(p.name for p in full_folder.iterdir()) == ["filler", "keep.wav"]


def test_render_says_what_it_cannot_write_before_decoding(project, tmp_path, capsys):
    """--seconds belongs to --kind frame (it was ignored for a trajectory), and a folder the
    user cannot write is named before the decode, not after it."""
    import tempfile

    from latentscape.commands.render import check_output
    from support.permissions import as_nobody

    argv = ["render", "-p", str(project), "--at", "0.5,0.5", "-o", str(tmp_path / "t.wav")]
    assert main([*argv, "--seconds", "10"]) == 2
    assert "--seconds sets the length of --kind frame" in one_error(capsys, "render")
    folder = Path(tempfile.mkdtemp(prefix="ls-ro-out-"))
    try:
        os.chmod(folder, 0o755)  # root's: an ordinary user cannot write in it

        def check(name: str) -> str:
            try:
                check_output(str(folder / name))
            except Exception as exc:
                return str(exc)
            return "writable"

        for name in ("x.wav", "sub/x.wav"):  # a folder to make is made in the same folder
            assert as_nobody(lambda name=name: check(name)) == (
                f"{folder / name}: the folder {folder} is not writable"
            )
        assert check("sub/x.wav") == "writable"  # root may
    finally:
        os.rmdir(folder)


def test_render_warns_of_a_peak_above_full_scale_and_its_gain_fits_it(project, tmp_path, capsys):
    """A sound louder than full scale is written as it is, with its peak in dBFS on stderr and
    the ``--gain`` that fits it; rendered with that gain it peaks at full scale or below."""
    import soundfile as sf

    render = ["render", "-p", str(project), "--at", "0.5,0.5", "-o"]
    plain, hot, fitted = (tmp_path / f"{name}.wav" for name in ("plain", "hot", "fitted"))
    assert main([*render, str(plain)]) == 0
    assert "warning" not in capsys.readouterr().err
    a, _ = sf.read(str(plain), dtype="float32")
    gain_db = round(6.0 - 20 * float(np.log10(np.abs(a).max())), 3)  # 6 dB above full scale
    assert main([*render, str(hot), "--gain", f"{gain_db:.3f}"]) == 0
    err = capsys.readouterr().err
    assert "peaks at +6.0 dBFS, above full scale" in err
    hot_audio, _ = sf.read(str(hot), dtype="float32")
    np.testing.assert_allclose(hot_audio, a * 10 ** (gain_db / 20), rtol=1e-5, atol=1e-7)
    suggested = float(err.split("--gain ")[1].split()[0])
    assert main([*render, str(fitted), "--gain", str(suggested)]) == 0
    assert "warning" not in capsys.readouterr().err
    fitted_audio, _ = sf.read(str(fitted), dtype="float32")
    assert 0.98 < np.abs(fitted_audio).max() <= 1.0


@pytest.mark.parametrize("gain", ["nan", "inf", "100"])
def test_render_refuses_a_gain_out_of_range(project, tmp_path, capsys, gain):
    out = tmp_path / "out.wav"
    assert (
        main(["render", "-p", str(project), "--at", "0.5,0.5", "-o", str(out), "--gain", gain]) == 2
    )
    assert "--gain" in one_error(capsys, "render") and not out.exists()


def test_a_frame_render_ends_with_the_live_voices_fade_out(project, tmp_path):
    """A held frame stops as the scrub voice does (5 ms to silence), not mid-waveform."""
    import soundfile as sf

    out = tmp_path / "frame.wav"
    argv = ["render", "-p", str(project), "--at", "0.5,0.5", "-o", str(out), "--kind", "frame"]
    assert main([*argv, "--seconds", "1"]) == 0
    x, rate = sf.read(str(out), dtype="float32")
    x = x if x.ndim == 1 else x[:, 0]
    fade = round(0.005 * rate)
    level = np.abs(x[-fade - rate // 20 : -fade]).max()  # the held tone just before the fade
    assert level > 0.01
    assert x[-1] == 0.0
    envelope = (1 - np.arange(1, fade + 1) / fade) * level
    assert np.all(np.abs(x[-fade:]) <= envelope + 1e-6)
