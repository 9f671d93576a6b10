"""A project on a read-only disk (a share, a stick): root cannot write it either.

Tests run as root, and root writes a file whatever its mode (``chmod`` stops only ordinary
users: see support/permissions.py, which forks a child as 'nobody'). A window cannot move into
such a child, so these tests mount a small tmpfs, copy the project in and mount it again
read-only: every write is refused (EROFS), as on a read-only share.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only_copy(project: Path, folder: Path) -> Iterator[Path]:
    """``project`` copied into ``folder``, made and mounted read-only while in the block
    (root only: CI runs as root and must run these; elsewhere they are skipped)."""
    folder.mkdir()
    give_up = pytest.fail if os.environ.get("LATENTSCAPE_REQUIRE_SERVERS") else pytest.skip
    if os.geteuid() != 0 or not shutil.which("mount"):
        give_up("mounting a read-only tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        give_up(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        copy = folder / project.name
        shutil.copyfile(project, copy)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield copy
    finally:
        # lazy: a project still open on it (a test that failed midway) does not keep it
        subprocess.run(["umount", "-l", str(folder)], check=False)
