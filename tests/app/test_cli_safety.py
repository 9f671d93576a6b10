"""The CLI's safety rule (README): a user error is one line on stderr, exit code 2, and the
user's files stay as they were. One test per finding of the CLI QA pass (inv5/cli_findings.md).

Everything runs through the real entry point, :func:`latentscape.cli.main`; write failures are
forced deterministically (a folder where the temporary file goes, a file in place of a folder)
so that they fail the same way for root and for other users.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from latentscape.cli import main
from support.app_projects import make_project, write_sounds
from support.cli_safety import fill, one_error, snapshot
from support.vae_models import write_tiny_checkpoint


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    return write_tiny_checkpoint(tmp_path / "model.pt")


# -- export (#5, #8, #30) ----------------------------------------------------------------------


def test_export_onto_its_own_checkpoint_is_refused_and_the_checkpoint_kept(checkpoint, capsys):
    before = checkpoint.read_bytes()
    assert main(["export", str(checkpoint), "-o", str(checkpoint)]) == 2
    assert "is the checkpoint being exported" in one_error(capsys, "export")
    assert checkpoint.read_bytes() == before


def test_export_through_another_spelling_of_the_same_file_is_refused(checkpoint, capsys):
    link = checkpoint.with_name("alias.pt")
    link.symlink_to(checkpoint.name)
    before = checkpoint.read_bytes()
    assert main(["export", str(checkpoint), "-o", str(link)]) == 2
    assert "is the checkpoint being exported" in one_error(capsys, "export")
    assert checkpoint.read_bytes() == before and link.is_symlink()


def test_export_never_replaces_another_checkpoint(checkpoint, tmp_path, capsys):
    other = write_tiny_checkpoint(tmp_path / "other.pt", seed=1)
    before = other.read_bytes()
    assert main(["export", str(checkpoint), "-o", str(other)]) == 2
    assert "other.pt: is a checkpoint, not a TorchScript export" in one_error(capsys, "export")
    assert other.read_bytes() == before


class _Identity(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def foreign_torchscript(path: Path) -> bytes:
    """Someone else's TorchScript model at ``path`` (a RAVE export, say); its bytes."""
    torch.jit.save(torch.jit.script(_Identity()), str(path))
    return path.read_bytes()


def earlier_export(path: Path) -> bytes:
    """A small stand-in for an earlier export of ours at ``path`` (a TorchScript archive
    holding our VAE's code path; a real one is ~1 MB); its bytes."""
    import zipfile

    from latentscape.engines.vae.exporter import OUR_CODE

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"model{OUR_CODE}scripted.py", "# an earlier export\n")
        archive.writestr("model/constants.pkl", b"")
    return path.read_bytes()


def test_export_replaces_an_earlier_export_and_nothing_else(checkpoint, tmp_path, capsys):
    """A project, a sound, a document under the export's name stay; an earlier export (a
    TorchScript file) is what ``-o`` may replace."""
    project = make_project(tmp_path, checkpoint, ("tones",), per=2)
    sound = next((tmp_path / "sounds" / "tones").iterdir())
    (tmp_path / "notes.txt").write_bytes(b"mine\n")
    keep = {p: p.read_bytes() for p in (project, sound, tmp_path / "notes.txt")}
    for path, data in keep.items():
        assert main(["export", str(checkpoint), "-o", str(path)]) == 2
        assert "exists and is not an export of a latentscape model; not replacing" in one_error(
            capsys, "export"
        )
        assert path.read_bytes() == data
    foreign = foreign_torchscript(tmp_path / "rave.ts")
    assert main(["export", str(checkpoint), "-o", str(tmp_path / "rave.ts")]) == 2
    said = one_error(capsys, "export")
    assert "rave.ts: exists and is not an export of a latentscape model" in said
    assert said.endswith("(give a new name such as rave-2.ts)")  # not the name it refused
    assert (tmp_path / "rave.ts").read_bytes() == foreign
    out = tmp_path / "model.ts"
    earlier = earlier_export(out)
    assert main(["export", str(checkpoint), "-o", str(out)]) == 0  # our own: replaced
    assert out.read_bytes() != earlier


def test_export_of_a_torchscript_file_says_so_without_torch_warnings(nn_model, tmp_path, capsys):
    ts = nn_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's weights_only FutureWarning would fail here
        assert main(["export", str(ts), "-o", str(tmp_path / "x.ts")]) == 2
    line = one_error(capsys, "export")
    assert f"{ts.name} is already TorchScript; export takes a latentscape checkpoint" in line
    assert not (tmp_path / "x.ts").exists()


def test_export_of_a_text_file_names_no_meaningless_code(tmp_path, capsys):
    text = tmp_path / "notes.pt"
    text.write_text("not a model\n")
    assert main(["export", str(text), "-o", str(tmp_path / "x.ts")]) == 2
    line = one_error(capsys, "export")
    assert "notes.pt: not a latentscape checkpoint" in line and "(101)" not in line


def test_export_on_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(
    checkpoint, full_folder, capsys
):
    out = full_folder / "model.ts"
    earlier = earlier_export(out)
    fill(full_folder)
    assert main(["export", str(checkpoint), "-o", str(out)]) == 2
    assert "model.ts: not enough free space" in one_error(capsys, "export")
    assert out.read_bytes() == earlier
    assert sorted(p.name for p in full_folder.iterdir()) == ["filler", "model.ts"]


def test_export_into_a_file_used_as_a_folder_is_refused_before_compiling(
    checkpoint, tmp_path, capsys
):
    (tmp_path / "notes.txt").write_text("mine\n")
    assert main(["export", str(checkpoint), "-o", str(tmp_path / "notes.txt" / "x.ts")]) == 2
    assert "notes.txt is not a folder" in one_error(capsys, "export")
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


# -- info and the loader (#15, #25, #31) ------------------------------------------------------


def test_info_on_a_fifo_answers_at_once(tmp_path):
    fifo = tmp_path / "model.pt"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "latentscape", "info", str(fifo), "--no-measure"],
        capture_output=True,
        text=True,
        timeout=120,  # before the fix, open() blocked until someone wrote to the FIFO
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a regular file" in lines[0], result.stderr


def test_info_on_a_checkpoint_without_a_version_calls_it_damaged(tmp_path, capsys):
    path = tmp_path / "fake.pt"
    torch.save({"format": "latentscape-vae"}, path)
    assert main(["info", str(path), "--no-measure"]) == 2
    line = one_error(capsys, "info")
    assert "fake.pt: damaged or incomplete latentscape checkpoint" in line
    assert "newer" not in line


@pytest.mark.parametrize("threads", ["0", "-2"])
def test_threads_below_one_are_refused_by_every_command(project, tmp_path, capsys, threads):
    folder = tmp_path / "sounds" / "tones"
    commands = {
        "info": ["info", str(tmp_path / "missing.pt")],
        "train": ["train", str(folder), "-o", str(tmp_path / "m.pt"), "--steps", "1"],
        "prior train": ["prior", "train", "-p", str(project), "--kind", "gan", "--steps", "1"],
        "prior sample": [
            *("prior", "sample", "-p", str(project), "--kind", "gan", "-o", str(tmp_path / "s"))
        ],
    }
    before = project.read_bytes()
    for name, argv in commands.items():
        assert main([*argv, "--threads", threads]) == 2, argv
        assert "--threads must be at least 1" in one_error(capsys, name)
    assert project.read_bytes() == before
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "s").exists()


# -- train (#5/#22, #6, #16-#21) ---------------------------------------------------------------


@pytest.fixture
def sounds(tmp_path) -> Path:
    folder = tmp_path / "sounds"
    write_sounds(folder, count=3)
    return folder


@pytest.mark.parametrize(
    ("option", "named"),
    [
        (["--steps", "0"], "--steps must be at least 1"),
        (["--steps", "-1"], "--steps must be at least 1"),
        (["--minutes", "0"], "--minutes must be a positive number"),
        (["--minutes", "nan"], "--minutes must be a positive number"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--learning-rate", "nan"], "--learning-rate must be a positive number"),
        (["--learning-rate", "-0.001"], "--learning-rate must be a positive number"),
        (["--validation-fraction", "2"], "--validation-fraction must be at least 0 and below 1"),
        (["--validation-fraction", "-1"], "--validation-fraction must be at least 0 and below 1"),
        (["--latent-size", "2"], "--latent-size 2: choose 3 to 64"),
        (["--latent-size", "65"], "--latent-size 65: choose 3 to 64"),
        (["--pitch-shifts=1000"], "--pitch-shifts 1000: shifts are semitones from -24 to 24"),
        (["--pitch-shifts=-2,nan"], "--pitch-shifts nan"),
    ],
)
def test_train_refuses_options_that_cannot_train_before_reading_a_sound(
    sounds, tmp_path, capsys, option, named
):
    out = tmp_path / "model.pt"
    argv = ["train", str(sounds), "-o", str(out), "--quiet"]
    budget = [] if option[0] in ("--steps", "--minutes") else ["--steps", "1"]
    assert main([*argv, *budget, *option]) == 2
    assert named in one_error(capsys, "train")
    assert not out.exists()


def test_train_latent_size_limits_are_the_models(sounds, tmp_path, capsys):
    """The smallest accepted size trains: the message's range is the real one."""
    out = tmp_path / "small.pt"
    argv = ["train", str(sounds), "-o", str(out), "--steps", "1", "--quiet"]
    assert main([*argv, "--latent-size", "3", "--pitch-shifts", "none", "--batch-size", "1"]) == 0
    assert torch.load(out, weights_only=True)["config"]["latent_size"] == 3


@pytest.mark.parametrize("kind", ["project", "text", "folder"])
def test_train_never_replaces_a_file_that_is_not_a_model(sounds, project, tmp_path, capsys, kind):
    target = {"project": project, "text": tmp_path / "notes.txt", "folder": tmp_path / "out"}[kind]
    if kind == "text":
        target.write_text("mine\n")
    elif kind == "folder":
        target.mkdir()
        (target / "keep.txt").write_text("mine\n")
    before = snapshot(tmp_path)
    assert main(["train", str(sounds), "-o", str(target), "--steps", "1", "--quiet"]) == 2
    line = one_error(capsys, "train")
    assert ("is a folder" if kind == "folder" else "is not a latentscape model") in line
    assert snapshot(tmp_path) == before


def test_train_may_replace_an_earlier_model(checkpoint):
    from latentscape.engines.vae.train_checks import check_output

    check_output(checkpoint)  # no error: training again over a model is the normal case


def test_train_resume_without_a_resume_file_is_refused_and_the_model_kept(
    sounds, checkpoint, capsys
):
    before = checkpoint.read_bytes()
    argv = ["train", str(sounds), "-o", str(checkpoint), "--steps", "1", "--resume"]
    assert main(argv) == 2
    assert f"no {checkpoint}.resume to resume from" in one_error(capsys, "train")
    assert checkpoint.read_bytes() == before


def test_train_resume_refuses_another_latent_size(sounds, checkpoint, capsys):
    """Resuming keeps the model's latent size; ``--latent-size`` asking for another one is
    refused before anything is read or written (it used to be dropped without a word)."""

    import torch

    resume = checkpoint.with_name(checkpoint.name + ".resume")
    shutil.copyfile(checkpoint, resume)  # a resume file holds the model's fields and more
    size = int(torch.load(checkpoint, weights_only=True)["config"]["latent_size"])
    before = checkpoint.read_bytes(), resume.read_bytes()
    argv = ["train", str(sounds), "-o", str(checkpoint), "--steps", "1", "--resume", "--quiet"]
    assert main([*argv, "--latent-size", str(size + 1)]) == 2
    line = one_error(capsys, "train")
    assert f"--latent-size {size + 1}: the model to resume has {size} latent dims" in line
    assert (checkpoint.read_bytes(), resume.read_bytes()) == before


# -- map (#13, #14) ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_map_checks_the_seed_before_saving_anything(project, capsys, seed):
    before = project.read_bytes()
    assert main(["map", "-p", str(project), "--seed", seed, "--quiet"]) == 2
    assert "--seed must be between 0 and 2**32 - 1" in one_error(capsys, "map")
    assert project.read_bytes() == before


def test_interrupted_map_keeps_the_stored_umap_map(project, monkeypatch, capsys):
    from latentscape.engines.atlas import Atlas
    from latentscape.engines.atlas.atlas import METHODS
    from latentscape.project_store import CURRENT_MAP, ProjectStore

    with ProjectStore.open(project) as store:  # stands in for an earlier UMAP run
        arrays, _ = store.get_map(CURRENT_MAP)
        arrays = {**arrays, "method": np.array(METHODS.index("umap"))}
        store.put_map(CURRENT_MAP, arrays, {"method": "umap"})
    build = Atlas.build

    def interrupted(cls, *args, **kwargs):
        if kwargs.get("method") == "umap":
            raise KeyboardInterrupt  # Ctrl-C while UMAP runs
        return build(*args, **kwargs)

    monkeypatch.setattr(Atlas, "build", classmethod(interrupted))
    assert main(["map", "-p", str(project), "--quiet"]) == 130
    with ProjectStore.open(project) as store:
        kept, settings = store.get_map(CURRENT_MAP)
    assert settings == {"method": "umap"}
    assert all(np.array_equal(kept[k], arrays[k]) for k in arrays)


# -- prior sample (#23, #24) -------------------------------------------------------------------


@pytest.fixture
def prior_project(project, capsys) -> Path:
    """``project`` with a (barely) trained GAN prior."""
    cmd = ["prior", "train", "-p", str(project), "--kind", "gan", "--steps", "2"]
    assert main([*cmd, "--prior-frames", "8", "--time-stride", "1"]) == 0
    capsys.readouterr()
    return project


def test_prior_sample_into_an_existing_file_is_refused(project, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    argv = ["prior", "sample", "-p", str(project), "--kind", "gan", "-o", str(notes)]
    assert main(argv) == 2
    assert "notes.txt: exists and is not a folder" in one_error(capsys, "prior sample")
    assert notes.read_text() == "mine\n"


@pytest.mark.parametrize("temperature", ["1e30", "10.5", "nan", "-1"])
def test_prior_sample_temperature_is_bounded(project, tmp_path, capsys, temperature):
    argv = ["prior", "sample", "-p", str(project), "--kind", "gan", "-o", str(tmp_path / "s")]
    assert main([*argv, "--temperature", temperature]) == 2
    assert "--temperature must be 0 to 10" in one_error(capsys, "prior sample")


def test_prior_sample_on_a_full_disk_keeps_the_earlier_sample(prior_project, full_folder, capsys):
    out = full_folder / "samples"
    argv = ["prior", "sample", "-p", str(prior_project), "--kind", "gan", "-n", "1", "-o"]
    assert main([*argv, str(out)]) == 0
    wav = out / "gan-seed0-00.wav"
    before = wav.read_bytes()
    fill(full_folder)
    capsys.readouterr()
    assert main([*argv, str(out), "--temperature", "0.5"]) == 2
    assert "No space left on device" in one_error(capsys, "prior sample")
    assert wav.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["gan-seed0-00.wav", "gan-seed0-latents.npy"]


def test_train_on_a_full_disk_is_one_line_and_leaves_no_part_file(sounds, full_folder, capsys):
    out = full_folder / "model.pt"
    argv = ["train", str(sounds), "-o", str(out), "--steps", "1", "--batch-size", "2", "--quiet"]
    assert main(argv) == 2
    said = one_error(capsys, "train")  # said before a sound is read (QA s19 M6)
    assert "free in" in said and "the model needs about" in said and "choose another -o" in said
    assert list(full_folder.iterdir()) == []
