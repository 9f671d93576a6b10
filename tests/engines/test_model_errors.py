"""Every kind of bad model file gets one clear line, never a crash or an unpickle."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest
import torch

from latentscape.engines.errors import ModelLoadError, ModelRuntimeError
from latentscape.engines.loader import load_model
from support.nn_models import build_model_without_decode


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_missing_file(tmp_path):
    with pytest.raises(ModelLoadError) as exc:
        load_model(tmp_path / "nope.ts")
    assert "no such file" in _one_line(exc)


def test_directory(tmp_path):
    with pytest.raises(ModelLoadError, match="is a directory"):
        load_model(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.ts").write_bytes(b"")
    with pytest.raises(ModelLoadError, match="empty file"):
        load_model(tmp_path / "empty.ts")


def test_random_bytes(tmp_path):
    (tmp_path / "noise.ts").write_bytes(os.urandom(4096))
    with pytest.raises(ModelLoadError, match="not a model file"):
        load_model(tmp_path / "noise.ts")


def test_a_project_given_as_the_model_is_named_a_project(tmp_path):
    """The shipped demo project holds an npz blob that looks like a zip archive to zipfile:
    it was called a damaged model file (a checksum mismatch)."""
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.lsc"
    with pytest.raises(ModelLoadError) as exc:
        load_model(demo)
    assert _one_line(exc) == (
        "demo.lsc: a project (an SQLite database), not a model file; open it as a project "
        "(File → Open Project; -p on the command line)"
    )


def test_truncated_torchscript(nn_model, tmp_path):
    data = nn_model().read_bytes()
    (tmp_path / "cut.ts").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError) as exc:
        load_model(tmp_path / "cut.ts")
    assert "cut.ts: damaged or incomplete model file (the archive ends early" in _one_line(exc)


def _flip_middle(path, out, count: int = 2000) -> None:
    """Copy ``path`` to ``out`` with ``count`` bytes in its middle inverted (bit rot, a bad
    download): the archive's structure stays readable, one member's CRC no longer holds."""
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + count] = bytes(b ^ 0xFF for b in data[mid : mid + count])
    out.write_bytes(bytes(data))


def test_damaged_bytes_inside_a_model_are_found_not_loaded(nn_model, tmp_path):
    from latentscape.cli import main
    from support.vae_models import write_tiny_checkpoint

    checkpoint = write_tiny_checkpoint(tmp_path / "model.pt")
    for source in (checkpoint, nn_model()):
        damaged = tmp_path / f"damaged{source.suffix}"
        _flip_middle(source, damaged, count=min(2000, source.stat().st_size // 8))
        with pytest.raises(ModelLoadError) as exc:
            load_model(damaged)
        line = _one_line(exc)  # stored members fail their CRC, compressed ones inflating
        assert "the model file is damaged (checksum mismatch in" in line or (
            "damaged or truncated archive" in line
        )
    _flip_middle(checkpoint, tmp_path / "bad.pt", count=2000)
    assert main(["export", str(tmp_path / "bad.pt"), "-o", str(tmp_path / "bad.ts")]) == 2
    assert not (tmp_path / "bad.ts").exists()


def test_zip_that_is_not_torch(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.ts", "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ModelLoadError, match="not one written by torch"):
        load_model(tmp_path / "a.ts")


def test_module_without_decode(tmp_path):
    with pytest.raises(ModelLoadError, match="no 'decode' method"):
        load_model(build_model_without_decode(tmp_path / "enc_only.ts"))


def test_pickled_state_dict_is_refused_without_unpickling(tmp_path):
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "weights.pt")
    with pytest.raises(ModelLoadError, match="state dict or weights file, not a model"):
        load_model(tmp_path / "weights.pt")


def test_rave_training_checkpoint_is_told_to_export(tmp_path):
    state = {"encoder.net.0.weight": torch.zeros(2), "pqmf.h": torch.zeros(2)}
    torch.save({"state_dict": state, "epoch": 3}, tmp_path / "last.ckpt")
    with pytest.raises(ModelLoadError, match="export it to TorchScript first"):
        load_model(tmp_path / "last.ckpt")


class _Payload:
    """Unpickling this would run code; the loader must never do it."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/latentscape-unpickled",))


def test_checkpoint_with_code_is_never_unpickled(tmp_path):
    marker = "/tmp/latentscape-unpickled"
    if os.path.exists(marker):
        os.remove(marker)
    torch.save({"state_dict": {}, "evil": _Payload()}, tmp_path / "evil.ckpt")
    with pytest.raises(ModelLoadError, match="not unpickled"):
        load_model(tmp_path / "evil.ckpt")
    assert not os.path.exists(marker)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("raise", "decode raised: .*decoder exploded"),
        ("nan", "decode returned NaN or Inf"),
        ("shape", r"decode of \[1, 4, 2\] returned \[1, 1, 64\]"),
        ("dims", "did not return a 3-D tensor"),
    ],
)
def test_broken_decode_is_caught_at_load(nn_model, fault, message):
    with pytest.raises(ModelLoadError, match=message):
        load_model(nn_model(fault=fault))


def test_wrong_input_shape_is_a_value_error(nn_model):
    engine = load_model(nn_model())
    with pytest.raises(ValueError, match=r"trajectory must be \[frames, 4\]"):
        engine.decode(torch.zeros(3, 5).numpy())


@pytest.mark.parametrize(
    ("fault", "message"), [("late_raise", "decode raised"), ("late_nan", "NaN or Inf")]
)
def test_failure_while_running_is_a_runtime_error_and_engine_survives(nn_model, fault, message):
    engine = load_model(nn_model(fault=fault))  # passes the 2-frame check at load
    with pytest.raises(ModelRuntimeError, match=message) as exc:
        engine.decode(torch.zeros(20, 4).numpy())
    _one_line(exc)
    assert engine.decode(torch.zeros(4, 4).numpy()).shape == (1, 4 * 64)


def test_cli_info_prints_one_line_and_exit_code(tmp_path):
    bad = tmp_path / "bad.ts"
    bad.write_bytes(b"not a model at all")
    result = subprocess.run(
        [sys.executable, "-m", "latentscape", "info", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr
    assert "not a model file" in result.stderr
