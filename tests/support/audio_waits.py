"""Polling helpers for tests of the realtime audio engine (no sleeps in the tests themselves)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

BLOCK = int(os.environ.get("LATENTSCAPE_JACK_PERIOD", "1024"))
"""Device block for tests on the JACK server: must equal its period (DESIGN.md §4)."""


def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Poll ``condition`` every 5 ms until it holds; AssertionError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


def wait_blocks(audio, blocks: int) -> None:
    """Wait until ``audio``'s consumer has rendered ``blocks`` more blocks."""
    start = audio.stats().callbacks
    wait_until(lambda: audio.stats().callbacks >= start + blocks)
