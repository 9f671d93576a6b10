"""Helpers of the CLI safety tests (tests/app/test_cli_safety.py, test_cli_render.py): one
error line, a folder's bytes, a mapped project, a tiny full disk."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support.app_projects import make_project


def one_error(capsys, command: str) -> str:
    """The single stderr line of a refused command (asserts that it is exactly one)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"latentscape {command}: error: "), err
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def project(tmp_path, nn_model) -> Path:
    """A mapped (PCA) project of 4 tones, encoded by a tiny nn~ model."""
    return make_project(tmp_path, nn_model(sr=16000, hop=64, latent=4), ("tones",), per=4)


@pytest.fixture
def full_folder(tmp_path):
    """A folder on a 64 kB tmpfs (root only: mounting needs it)."""
    with small_disk(tmp_path / "tiny", 64 << 10) as folder:
        yield folder


@contextlib.contextmanager
def small_disk(folder: Path, size_bytes: int):
    """``folder``, made and mounted as a tmpfs of ``size_bytes`` while in the block (root
    only: CI runs as root and must run these; elsewhere they are skipped)."""
    folder.mkdir()
    give_up = pytest.fail if os.environ.get("LATENTSCAPE_REQUIRE_SERVERS") else pytest.skip
    if os.geteuid() != 0 or not shutil.which("mount"):
        give_up("mounting a small tmpfs needs root")
    size = f"size={max(4096, size_bytes // 4096 * 4096)}"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", size, "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        give_up(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Fill the rest of ``folder``'s (tiny) disk with a file named "filler"."""
    with open(folder / "filler", "wb") as f, contextlib.suppress(OSError):
        f.write(bytes(1 << 20))
