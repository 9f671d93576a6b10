"""``latentscape info`` on a real model file, through the installed entry point."""

from __future__ import annotations

import json
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
