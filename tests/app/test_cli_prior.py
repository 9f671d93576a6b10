"""``latentscape prior train/sample/list`` on a real project file and a tiny nn~ model."""

from __future__ import annotations

import signal
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from latentscape.cli import main
from latentscape.engines.loader import load_model
from latentscape.project_store import NewSound, ProjectStore

HOP = 64
SR = 16000


def make_project(path, model_path, sounds: int = 10, stored_path: str | None = None):
    """A project whose sounds are tones of varied loudness, encoded by the tiny model."""
    engine = load_model(model_path)
    rng = np.random.default_rng(0)
    new = []
    for i in range(sounds):
        n = HOP * int(rng.integers(20, 40))
        t = np.arange(n) / SR
        env = np.exp(-t * rng.uniform(2, 20))
        audio = (rng.uniform(0.2, 0.9) * env * np.sin(2 * np.pi * 220 * (1 + i) * t)).astype(
            np.float32
        )
        z = engine.encode(audio[None], seed=i)
        new.append(NewSound(f"/sounds/{i}.wav", f"h{i}", n / SR, z, name=f"tone {i}"))
    with ProjectStore.create(path) as store:
        stored = stored_path or str(model_path)
        store.set_model(stored, engine.info.content_hash, engine.info.to_dict())
        store.add_sounds(new)
    return engine


@pytest.fixture
def project(tmp_path, nn_model):
    model_path = nn_model(latent=4, hop=HOP, sr=SR, prior=True)
    path = tmp_path / "p.lsc"
    make_project(path, model_path)
    return path


def test_train_then_sample_writes_decoded_wavs_reproducibly(project, tmp_path, capsys):
    args = ["prior", "train", "-p", str(project), "--kind", "diffusion", "--steps", "5"]
    assert main([*args, "--prior-frames", "16", "--time-stride", "2", "--seed", "1"]) == 0
    assert "trained diffusion prior: 5 steps" in capsys.readouterr().out

    with ProjectStore.open(project) as store:
        (item,) = store.items("prior")
        assert item.meta["kind"] == "diffusion" and item.meta["window_frames"] == 32
        assert item.meta["model_hash"] == store.model().content_hash

    out_a, out_b = tmp_path / "a", tmp_path / "b"
    for out in (out_a, out_b):
        cmd = ["prior", "sample", "-p", str(project), "--kind", "diffusion", "-n", "3"]
        assert main([*cmd, "--seed", "5", "-o", str(out)]) == 0
    wavs = sorted(out_a.glob("*.wav"))
    assert [w.name for w in wavs] == [f"diffusion-seed5-{i:02d}.wav" for i in range(3)]
    for wav in wavs:
        audio, rate = sf.read(wav)
        assert rate == SR and audio.shape == (32 * HOP,)
        assert np.abs(audio).max() > 1e-3  # the tiny decoder's sine, not silence
        assert wav.read_bytes() == (out_b / wav.name).read_bytes()
    assert np.load(out_a / "diffusion-seed5-latents.npy").shape == (3, 32, 4)


def test_sample_an_earlier_models_prior_with_model(project, tmp_path, nn_model, capsys):
    """After the project moved to another model, ``--model`` samples the priors it keeps for
    the earlier one, decoded by it (they were unreachable without switching back)."""
    from latentscape.engines.loader import load_model

    train = ["prior", "train", "-p", str(project), "--kind", "gan", "--steps", "3"]
    assert main([*train, "--prior-frames", "16", "--time-stride", "1"]) == 0
    with ProjectStore.open(project) as store:
        first = store.model().path
        other = load_model(nn_model(latent=4, hop=HOP, sr=SR, streaming=True))
        store.set_model(str(other.info.path), other.info.content_hash, other.info.to_dict())
    capsys.readouterr()
    sample = ["prior", "sample", "-p", str(project), "--kind", "gan", "-n", "2"]
    assert main([*sample, "-o", str(tmp_path / "now")]) == 2
    assert f"no trained gan prior for {Path(other.info.path).name}" in capsys.readouterr().err
    assert main([*sample, "--model", first, "-o", str(tmp_path / "then")]) == 0
    assert len(list((tmp_path / "then").glob("gan-seed0-*.wav"))) == 2


def test_training_again_replaces_the_stored_prior_and_list_shows_it(project, capsys):
    """The second training replaces the first and says so (steps it had); generated sounds
    (a prior's own output) are not learned from, as in the window's gallery."""
    with ProjectStore.open(project) as store:
        store.add_generated_sound(np.zeros((40, 4), np.float32), name="dream")
    for steps in ("5", "3"):
        cmd = ["prior", "train", "-p", str(project), "--kind", "gan", "--steps", steps]
        assert main([*cmd, "--prior-frames", "16", "--time-stride", "1"]) == 0
    captured = capsys.readouterr()
    assert "note: replaced the gan prior trained 5 steps before" in captured.out
    assert "from 10 sounds" in captured.err  # the 10 tones, not the generated one
    with ProjectStore.open(project) as store:
        assert len(store.items("prior")) == 1
    capsys.readouterr()
    assert main(["prior", "list", "-p", str(project)]) == 0
    assert "gan  window 16 model frames × 4 dims, 3 steps" in capsys.readouterr().out


def test_model_prior_samples_without_training(project, tmp_path):
    out = tmp_path / "m"
    cmd = ["prior", "sample", "-p", str(project), "--kind", "model", "-n", "2"]
    assert main([*cmd, "--window-frames", "8", "-o", str(out)]) == 0
    audio, _ = sf.read(out / "model-seed0-01.wav")
    assert audio.shape == (8 * HOP,)
    many = tmp_path / "many"
    assert main([*cmd[:-1], "120", "--window-frames", "8", "-o", str(many)]) == 0
    names = sorted(p.name for p in many.glob("*.wav"))
    assert names[0] == "model-seed0-000.wav" and names[-1] == "model-seed0-119.wav"


def one_line(capsys) -> str:
    """The command's only stderr line (a refusal, not a traceback)."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_sampling_replaces_only_earlier_samples(tmp_path, nn_model, capsys):
    """ "No command replaces a file it did not write itself": not one of the project's sounds,
    not a document named like a sample, not a latents file that is not ours; and a refusal
    comes before anything is written. Earlier samples are replaced."""
    model_path = nn_model(latent=4, hop=HOP, sr=SR, prior=True)
    project = tmp_path / "p.lsc"
    engine = make_project(project, model_path)
    kit = tmp_path / "kit"
    kit.mkdir()
    mine = kit / "model-seed0-01.wav"  # a sound of the project, named as a sample would be
    tone = (0.5 * np.sin(np.arange(HOP * 30) * 0.05)).astype(np.float32)
    sf.write(mine, tone, SR)
    with ProjectStore.open(project) as store:
        z = engine.encode(tone[None], seed=0)
        store.add_sounds([NewSound(str(mine), "hmine", len(tone) / SR, z, name="mine")])
    before = mine.read_bytes()
    cmd = ["prior", "sample", "-p", str(project), "--kind", "model", "-n", "2"]
    cmd += ["--window-frames", "8", "-o"]
    capsys.readouterr()
    assert main([*cmd, str(kit)]) == 2
    assert "is one of the project's sounds" in capsys.readouterr().err
    assert mine.read_bytes() == before and sorted(p.name for p in kit.iterdir()) == [mine.name]

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "model-seed0-00.wav").write_text("my notes")
    assert main([*cmd, str(notes)]) == 2
    assert "is not a sound file" in capsys.readouterr().err
    (notes / "model-seed0-00.wav").unlink()
    for text in ("not an array", ""):  # an empty file too (numpy: EOFError)
        (notes / "model-seed0-latents.npy").write_text(text)
        assert main([*cmd, str(notes)]) == 2
        assert "is not latents written by 'prior sample'" in one_line(capsys)
    assert sorted(p.name for p in notes.iterdir()) == ["model-seed0-latents.npy"]
    theirs = tmp_path / "theirs"  # a user's own takes, named as samples would be
    theirs.mkdir()
    for kind in ({"samplerate": 44100}, {"samplerate": SR, "subtype": "PCM_16"}):
        sf.write(theirs / "model-seed0-00.wav", tone, **kind)  # the second: a sample's kind
        before = (theirs / "model-seed0-00.wav").read_bytes()
        assert main([*cmd, str(theirs)]) == 2
        assert "has no latentscape mark" in one_line(capsys)
        assert (theirs / "model-seed0-00.wav").read_bytes() == before
    assert sorted(p.name for p in theirs.iterdir()) == ["model-seed0-00.wav"]

    fresh = tmp_path / "fresh"
    assert main([*cmd, str(fresh)]) == 0
    assert main([*cmd, str(fresh)]) == 0  # its own earlier samples: replaced
    assert len(list(fresh.iterdir())) == 3


def test_sampling_an_untrained_kind_is_a_one_line_user_error(project, tmp_path, capsys):
    cmd = ["prior", "sample", "-p", str(project), "--kind", "gan", "-o", str(tmp_path / "x")]
    assert main(cmd) == 2
    err = capsys.readouterr().err.strip()
    assert "no trained gan prior" in err and "\n" not in err
    assert not (tmp_path / "x").exists()  # no empty folder left behind


def test_a_zero_window_is_refused_not_taken_for_the_default(project, capsys):
    cmd = ["prior", "train", "-p", str(project), "--kind", "gan", "--steps", "2"]
    for option in ("--prior-frames", "--time-stride"):
        assert main([*cmd, option, "0"]) == 2
        assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value"), [("--steps", "0"), ("--minutes", "0"), ("--minutes", "nan")]
)
def test_an_empty_budget_is_refused_before_the_corpus_is_read(project, capsys, option, value):
    cmd = ["prior", "train", "-p", str(project), "--kind", "gan", option, value]
    assert main(cmd) == 2
    err = capsys.readouterr().err
    assert f"{option} must be" in err and "training" not in err and err.count("\n") == 1


def test_a_project_that_cannot_be_written_is_refused_before_training(project):
    """As an ordinary user on a read-only project file, ``check_writable`` (which prior train
    calls before it trains) says so at once; training used to run to the end and then fail.
    It writes nothing to a writable project."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from support.permissions import as_nobody

    folder = Path(tempfile.mkdtemp(prefix="ls-ro-"))  # pytest's folders are root's alone
    try:
        os.chmod(folder, 0o755)
        path = folder / "p.lsc"
        shutil.copyfile(project, path)
        os.chmod(path, 0o644)  # readable by all, writable by root only

        def check() -> str:
            try:
                with ProjectStore.open(path) as store:
                    store.check_writable()
            except Exception as exc:
                return str(exc)
            return "writable"

        before = path.read_bytes()
        assert check() == "writable" and path.read_bytes() == before
        assert as_nobody(check) == (
            "p.lsc: cannot be written (attempt to write a readonly database)"
        )
        os.chmod(path, 0o666)
        os.chmod(folder, 0o777)  # the journal goes beside the file
        assert as_nobody(check) == "writable" and path.read_bytes() == before
    finally:
        shutil.rmtree(folder)


def test_training_on_a_project_without_sounds_is_a_user_error(tmp_path, nn_model, capsys):
    path = tmp_path / "empty.lsc"
    engine = load_model(nn_model())
    with ProjectStore.create(path) as store:
        store.set_model(str(engine.info.path), engine.info.content_hash, engine.info.to_dict())
    assert main(["prior", "train", "-p", str(path), "--kind", "gan", "--steps", "2"]) == 2
    assert "no encoded sounds" in capsys.readouterr().err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_training_and_keeps_what_was_learned(project, sig):
    """Ctrl-C, and SIGTERM (``timeout``, a job scheduler) alike."""
    from support.cli_runs import signal_when_ready

    cmd = ["prior", "train", "-p", str(project), "--kind", "gan", "--steps", "100000000"]
    cmd += ["--prior-frames", "16", "--time-stride", "1"]

    def first_step(proc) -> None:  # the first progress line: training is under way
        next(line for line in proc.stderr if line.strip().startswith("step "))

    code, out, err = signal_when_ready(cmd, first_step, sig)
    assert code == 130, err  # as every command stopped by Ctrl-C; a script can tell
    assert "(stopped early)" in out and err.rstrip().endswith("prior train: interrupted")
    with ProjectStore.open(project) as store:
        (item,) = store.items("prior")
        assert 0 < item.meta["steps"] < 100000000


def test_a_model_stored_relative_to_the_project_is_found(tmp_path, nn_model):
    model_path = nn_model(latent=4, hop=HOP, sr=SR)  # lives beside the project
    project = tmp_path / "rel.lsc"
    make_project(project, model_path, stored_path=model_path.name)
    base = ["-p", str(project), "--kind", "gan"]
    assert main(["prior", "train", *base, "--steps", "2", "--prior-frames", "16"]) == 0
    out = tmp_path / "rel-out"
    assert main(["prior", "sample", *base, "-n", "1", "-o", str(out)]) == 0
    assert (out / "gan-seed0-00.wav").is_file()
