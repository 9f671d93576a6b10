"""Shared fixtures: real servers (JACK, X display) and tiny nn~ model files.

Tests that need a real audio server or display *fail* when it is missing: run the suite with
``scripts/test``, which starts both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def jack_server() -> str:
    """Name of the running JACK dummy server (fails the test when there is none)."""
    name = os.environ.get("JACK_DEFAULT_SERVER")
    if not name or not shutil.which("jack_wait"):
        pytest.fail("no JACK server: run the tests with scripts/test (it starts one)")
    ok = subprocess.run(["jack_wait", "-c", "-s", name], capture_output=True, timeout=10)
    if ok.returncode != 0:
        pytest.fail(f"JACK server '{name}' is not running: run the tests with scripts/test")
    os.environ["JACK_NO_START_SERVER"] = "1"
    return name


@pytest.fixture(scope="session")
def x_display() -> str:
    """The X display (Xvfb) for real-window tests (fails the test when there is none)."""
    display = os.environ.get("DISPLAY", "")
    socket = Path(f"/tmp/.X11-unix/X{display.lstrip(':').split('.')[0]}")
    if not display or not socket.exists():
        pytest.fail("no X display: run the tests with scripts/test (it starts Xvfb)")
    return display


@pytest.fixture
def nn_model(tmp_path):
    """Factory: ``nn_model(**kwargs)`` builds a tiny nn~-convention TorchScript file."""
    from support.nn_models import build_nn_model

    counter = iter(range(1_000_000))

    def make(**kwargs) -> Path:
        return build_nn_model(tmp_path / f"model{next(counter)}.ts", **kwargs)

    return make
