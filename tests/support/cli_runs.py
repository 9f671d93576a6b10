"""Running the CLI in a child process and signalling it mid-work (tests of interruptions)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Sequence


def signal_when_ready(
    args: Sequence[str],
    wait_ready: Callable[[subprocess.Popen], object],
    sig: int = signal.SIGINT,
) -> tuple[int, str, str]:
    """Start ``latentscape ARGS``, call ``wait_ready(proc)`` (it returns once the command is
    under way), send ``sig``, and return ``(exit code, stdout, stderr)`` (the output
    ``wait_ready`` did not read). The child is killed if anything goes wrong."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "latentscape", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_ready(proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return proc.returncode, out, err
