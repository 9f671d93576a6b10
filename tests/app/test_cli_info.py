"""``latentscape info`` on a real model file, through the installed entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys


def test_info_reports_model_and_measured_speed(nn_model):
    path = nn_model(latent=3, hop=32, sr=24000, streaming=True, prior=True)
    result = subprocess.run(
        [sys.executable, "-m", "latentscape", "info", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["sample_rate_hz"] == 24000
    assert info["latent_size"] == 3 and info["hop_samples"] == 32
    assert info["can_stream"] is True and info["has_prior"] is True
    assert info["realtime_factor"] > 0 and info["latency_ms"] > 0


def test_console_script_exists_and_prints_text_report(nn_model):
    exe = shutil.which("latentscape") or str(
        __import__("pathlib").Path(sys.executable).with_name("latentscape")
    )
    result = subprocess.run(
        [exe, "info", str(nn_model()), "--no-measure"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "sample rate:      16000 Hz" in result.stdout
    assert "streaming:        no" in result.stdout


def test_a_reader_that_stops_early_is_no_error(nn_model):
    """``latentscape info M | head -1``: the pipe closes under the report; that is the
    reader's choice, not an error to print."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "latentscape", "info", str(nn_model()), "--no-measure"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # gone before the first line is written
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and err == b"", err.decode()


def test_the_app_without_a_display_is_a_one_line_error(tmp_path):
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "latentscape", "gui"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("latentscape gui: error: no display to open the window on")
    assert result.stderr.count("\n") == 1
