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


def test_a_model_too_slow_for_live_play_is_told_what_to_expect_and_try(nn_model):
    """QA s19 M2: a RAVE-sized model measured at 0.9x loaded without a word; the user only
    heard dropouts. ``info`` (and the window, from the same figure) now says so."""
    from latentscape.engines.loader import load_model
    from latentscape.engines.speed import measure_engine

    info = measure_engine(load_model(nn_model()), duration_s=0.2)
    slow, fast = info.with_measurements(0.9, 30.0, 1), info.with_measurements(40.0, 30.0, 1)
    assert "0.9x real time" in slow.speed_warning and "Block Size" in slow.speed_warning
    assert any(slow.speed_warning in line for line in slow.report_lines())
    assert fast.speed_warning is None and not any("dropouts" in ln for ln in fast.report_lines())


def test_info_on_a_project_says_what_it_holds_and_reports_its_model(project, capsys):
    """QA s19 L2: ``info P.lsc`` pointed to a ``-p`` that ``info`` does not take, and no
    command said what a project holds."""
    from latentscape.cli import main

    assert main(["info", str(project), "--no-measure"]) == 0
    out = capsys.readouterr().out
    assert "sounds:           4 (4 encoded by this model)" in out
    assert "map:              pca, 4 sounds" in out and "paths:            0" in out
    assert "latent dims:      4" in out  # then the model's own report
    assert main(["info", str(project), "--no-measure", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sounds"] == 4 and report["model_info"]["latent_size"] == 4


def test_the_command_line_has_a_version_and_every_command_a_description(capsys):
    """QA s19 L1: no ``--version``, and several commands' help began with their options."""
    import pytest

    from latentscape import __version__
    from latentscape.cli import build_parser, main

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"latentscape {__version__}"
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, command in [
        *commands.items(),
        *commands["prior"]._subparsers._group_actions[0].choices.items(),
    ]:
        assert command.description, name
