"""Training on awkward folders, resuming, the CLI, the device, and DDP with two gloo processes."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

from latentscape.cli import main
from latentscape.engines.loader import load_model
from latentscape.engines.vae.checkpoint import resume_path
from latentscape.engines.vae.dataset import CorpusError
from latentscape.engines.vae.engine import VaeEngine
from latentscape.engines.vae.model import NEW_MODEL_DEFAULTS, VaeConfig, VaeCore
from latentscape.engines.vae.trainer import TrainOptions, train, training_device
from support.vae_models import TINY


def _options(folder, output, **kw) -> TrainOptions:
    base = dict(
        folder=folder,
        output=output,
        steps=3,
        batch_size=2,
        crop_frames=16,
        context_frames=4,
        latent_size=TINY["latent_size"],
        model_options={k: v for k, v in TINY.items() if k != "latent_size"},
        validation_fraction=0.2,
        progress=False,
        threads=1,
        pitch_shifts=(),
    )
    base.update(kw)
    return TrainOptions(**base)


@pytest.mark.slow
def test_trains_on_every_readable_file_and_writes_a_safe_checkpoint(tmp_path, sound_folder):
    out = tmp_path / "model.pt"
    result = train(_options(sound_folder, out))
    assert result["step"] == 3
    data = torch.load(out, weights_only=True)  # plain tensors and values only
    assert data["format"] == "latentscape-vae"
    training = data["training"]
    # 10 readable files (stereo, 22.05/48 kHz, 50 ms, 3 s, ogg); only broken.wav is skipped.
    assert training["files"] + training["validation_files"] == 10
    assert training["validation_files"] >= 1
    # New models get the loudness latent with its level skip, and per-crop convergence.
    assert data["config"]["loudness_latent"] is True and data["config"]["loudness_gain"] > 0
    assert training["loss"]["sc_per_item"] is True
    # ... trained with silence before every file (onsets count) and a light KL weight.
    assert training["lead_in_frames"] == 8 and training["loss"]["kl_weight"] == 1e-5
    assert training["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    assert set(data["metrics"]) == {
        "mrstft",
        "spectral_convergence",
        "log_mel_db",
        "level_db",
        "flatness_log_ratio",
    }
    variance = data["pca_variance"]
    assert torch.all(variance[:-1] >= variance[1:])  # latent dims ordered by importance
    comps = data["pca_components"]
    torch.testing.assert_close(comps @ comps.T, torch.eye(8), atol=1e-4, rtol=0)
    assert "optimizer" not in data and "optimizer" in torch.load(
        resume_path(out), weights_only=True
    )
    engine = load_model(out)
    assert isinstance(engine, VaeEngine)
    assert np.isfinite(engine.decode(np.zeros((5, 8), np.float32))).all()


def test_resume_continues_from_the_last_step(tmp_path, sound_folder, capsys):
    out = tmp_path / "model.pt"
    train(_options(sound_folder, out, steps=2))
    result = train(_options(sound_folder, out, steps=4, resume=True))
    assert result["step"] == 4
    assert torch.load(out, weights_only=True)["training"]["step"] == 4
    capsys.readouterr()
    assert train(_options(sound_folder, out, steps=3, resume=True))["step"] == 4
    assert "note: already at step 4, --steps 3: nothing left to train" in capsys.readouterr().out


def test_training_over_a_model_without_resume_says_what_it_replaces(tmp_path, sound_folder, capsys):
    out = tmp_path / "model.pt"
    train(_options(sound_folder, out, steps=2))
    assert "replacing" not in capsys.readouterr().out
    train(_options(sound_folder, out, steps=1))
    said = capsys.readouterr().out
    assert "note: replacing model.pt, a model trained 2 steps (--resume would continue it)" in said
    resume_path(out).unlink()  # without its resume file, --resume cannot continue it
    train(_options(sound_folder, out, steps=1))
    said = capsys.readouterr().out
    assert "note: replacing model.pt, a model trained 1 steps" in said and "--resume" not in said


def test_a_kill_between_a_checkpoints_two_files_leaves_one_to_resume_from(
    tmp_path, sound_folder, monkeypatch
):
    """A checkpoint writes the resume file and the model file, one after the other. Killed
    between them (here: the second write never happens), --resume must still work; the
    temporary file the kill left is removed by the next run."""
    from latentscape.engines.vae import train_checkpoints

    save = train_checkpoints.save_atomic
    writes: list[str] = []

    def killed_after_the_first(data, path):
        if writes:
            raise SystemExit("killed")
        writes.append(str(path))
        save(data, path)

    monkeypatch.setattr(train_checkpoints, "save_atomic", killed_after_the_first)
    out = tmp_path / "model.pt"
    with pytest.raises(SystemExit):
        train(_options(sound_folder, out, steps=3))
    assert writes == [str(resume_path(out))] and not out.exists()
    monkeypatch.setattr(train_checkpoints, "save_atomic", save)
    left = tmp_path / ".model.pt.x1y2z3w4.tmp"  # what a kill during a write leaves
    left.write_bytes(b"part of a model")
    assert train(_options(sound_folder, out, steps=5, resume=True))["step"] == 5
    assert not left.exists()


def test_ctrl_c_keeps_the_steps_done_and_resume_goes_on_from_there(
    tmp_path, sound_folder, monkeypatch, capsys
):
    """Ctrl-C arrives during the 4th step (well before the first periodic checkpoint): the 3
    steps done are saved, model and resume file, and --resume continues from step 3."""
    from latentscape.engines.vae import trainer

    clip = trainer.clip_grad_norm
    calls = []

    def interrupting_clip(params, max_norm):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return clip(params, max_norm)

    monkeypatch.setattr(trainer, "clip_grad_norm", interrupting_clip)
    out = tmp_path / "model.pt"
    with pytest.raises(KeyboardInterrupt):
        train(_options(sound_folder, out, steps=50))
    assert "interrupted at step 3: wrote" in capsys.readouterr().out
    assert torch.load(resume_path(out), weights_only=True)["training"]["step"] == 3
    monkeypatch.setattr(trainer, "clip_grad_norm", clip)
    assert train(_options(sound_folder, out, steps=5, resume=True))["step"] == 5


def test_control_supervision_options_train_and_are_recorded(tmp_path, sound_folder):
    out = tmp_path / "model.pt"
    result = train(_options(sound_folder, out, steps=4, control_weight=2.0, audio_loss_after=0.5))
    assert result["step"] == 4
    loss = torch.load(out, weights_only=True)["training"]["loss"]
    assert loss["control_weight"] == 2.0 and loss["audio_loss_after"] == 0.5


def test_the_model_file_gets_the_weight_average_and_resuming_the_raw_weights(
    tmp_path, sound_folder
):
    out = tmp_path / "model.pt"
    train(_options(sound_folder, out, steps=4, weight_average=0.9))
    model = torch.load(out, weights_only=True)
    resume = torch.load(resume_path(out), weights_only=True)
    assert model["training"]["weight_average"] == 0.9
    head = "decoder.head.weight"
    assert not torch.equal(model["state_dict"][head], resume["state_dict"][head])
    names = [n for n, _ in VaeCore(VaeConfig.from_dict(model["config"])).named_parameters()]
    averaged = dict(zip(names, resume["weight_average"]["average"]))
    torch.testing.assert_close(averaged[head], model["state_dict"][head])
    assert train(_options(sound_folder, out, steps=6, resume=True, weight_average=0.9))["step"] == 6
    assert torch.load(resume_path(out), weights_only=True)["weight_average"]["updates"] == 6


def test_empty_folder_and_missing_budget_are_user_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no audio files"):
        train(_options(tmp_path / "empty", tmp_path / "m.pt"))
    with pytest.raises(CorpusError, match="budget"):
        train(_options(tmp_path, tmp_path / "m.pt", steps=None, minutes=None))


@pytest.mark.slow
def test_cli_trains_then_exports(tmp_path, sound_folder, capsys):
    out = tmp_path / "cli.pt"
    args = ["train", str(sound_folder), "-o", str(out), "--steps", "1", "--batch-size", "1"]
    assert main([*args, "--pitch-shifts=-1,3"]) == 0  # "=": the value starts with "-"
    printed = capsys.readouterr()
    assert "skipped broken.wav: a text file, not audio" in printed.err + printed.out
    assert "mrstft = " in printed.err + printed.out
    record = torch.load(out, weights_only=True)["training"]
    assert record["pitch_shifts"] == [-1.0, 3.0]
    assert record["files"] + record["validation_files"] == 10  # files, not shifted copies
    assert main(["export", str(out), "-o", str(tmp_path / "cli.ts")]) == 0
    assert load_model(tmp_path / "cli.ts").latent_size == 16


def test_the_training_device_is_chosen_and_checked(tmp_path, capsys):
    gpu = torch.cuda.is_available()
    assert training_device("auto").type == ("cuda" if gpu else "cpu")
    assert training_device(" CPU ") == torch.device("cpu")
    with pytest.raises(CorpusError, match="choose auto, cpu, cuda or cuda:N"):
        training_device("tpu")
    with pytest.raises(CorpusError, match="choose auto, cpu, cuda or cuda:N" if gpu else "no CUDA"):
        training_device("cuda:x")
    if gpu:
        count = torch.cuda.device_count()
        assert training_device("cuda", local_rank=count + 1) == torch.device("cuda", 1 % count)
        with pytest.raises(CorpusError, match=f"there are {count} CUDA GPUs"):
            training_device(f"cuda:{count}")
    else:  # asking for a GPU that is not there is a one-line user error, before any reading
        args = ["train", str(tmp_path), "-o", str(tmp_path / "m.pt"), "--device", "cuda"]
        assert main([*args, "--steps", "1"]) == 2
        assert "torch sees no CUDA GPU here" in capsys.readouterr().err
        assert not (tmp_path / "m.pt").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (CI has none)")
def test_trains_on_a_cuda_gpu_and_resumes_on_the_cpu(tmp_path, sound_folder):
    out = tmp_path / "gpu.pt"
    assert train(_options(sound_folder, out, steps=2, device="cuda"))["step"] == 2
    for path in (out, resume_path(out)):  # files hold CPU tensors: they load anywhere
        data = torch.load(path, weights_only=True)
        tensors = [*data["state_dict"].values(), data["pca_components"]]
        tensors += data.get("optimizer", {}).get("exp_avg", [])
        tensors += data.get("weight_average", {}).get("average", [])
        assert {t.device.type for t in tensors} == {"cpu"}
        assert data["training"]["device"] == "cuda"
    assert train(_options(sound_folder, out, steps=4, resume=True, device="cpu"))["step"] == 4
    assert torch.load(out, weights_only=True)["training"]["device"] == "cpu"
    assert np.isfinite(load_model(out).decode(np.zeros((5, 8), np.float32))).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (CI has none)")
def test_more_torchrun_ranks_than_gpus_is_a_user_error(tmp_path, sound_folder, monkeypatch):
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(torch.cuda.device_count() + 1))
    with pytest.raises(CorpusError, match="start one rank per GPU"):
        train(_options(sound_folder, tmp_path / "m.pt", device="cuda"))


def _ddp_worker(rank: int, world: int, port: int, folder, output) -> None:
    import os

    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world)
    )
    train(_options(folder, output, steps=2, device="cpu"))


@pytest.mark.slow
def test_distributed_training_with_two_gloo_processes(tmp_path, sound_folder):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "ddp.pt"
    mp.start_processes(
        _ddp_worker, args=(2, port, sound_folder, out), nprocs=2, join=True, start_method="spawn"
    )
    data = torch.load(out, weights_only=True)
    assert data["training"]["world_size"] == 2
    assert data["training"]["step"] == 2


def test_a_disk_with_room_for_the_model_but_not_its_resume_file_keeps_the_model(
    sound_folder, tmp_path, capsys
):
    """QA s19 M6: the resume file (about 4 models) was written first, its full disk skipped
    the model, and the whole run was lost. Now the model is written, and the run says it
    cannot be resumed; with no room for the model either, it stops before reading a sound."""
    from support.cli_safety import small_disk

    weights = sum(
        t.numel() * t.element_size() for t in VaeCore(_tiny_config()).state_dict().values()
    )
    with small_disk(tmp_path / "disk", int(weights * 1.5) + (200 << 10)) as disk:
        result = train(_options(sound_folder, disk / "model.pt", steps=2))
        said = capsys.readouterr().out
        assert result["step"] == 2 and isinstance(load_model(disk / "model.pt"), VaeEngine)
        assert "but not for its .resume file" in said and "cannot continue this run" in said
        assert not resume_path(disk / "model.pt").exists()
    with small_disk(tmp_path / "tiny", 64 << 10) as tiny:
        with pytest.raises(CorpusError, match=r"free in .*the model needs about"):
            train(_options(sound_folder, tiny / "model.pt", steps=2))
        assert not list(tiny.iterdir())


def _tiny_config() -> VaeConfig:
    return VaeConfig.from_dict({**NEW_MODEL_DEFAULTS, **TINY})
