"""The map refinement's child process: it builds the UMAP atlas and yields the CPU."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from latentscape.umap_process import CHILD_NICE, build_umap_in_process


def child_pids() -> set[int]:
    """Live children of this process (any of its threads may have started them)."""
    pids = set()
    for children in Path("/proc/self/task").glob("*/children"):
        pids.update(int(p) for p in children.read_text().split())
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_map_process_builds_the_atlas_at_background_priority():
    rng = np.random.default_rng(0)
    trajs = [rng.standard_normal((8, 4)).astype(np.float32) for _ in range(24)]
    before = child_pids()
    out = {}
    worker = threading.Thread(
        target=lambda: out.setdefault("atlas", build_umap_in_process(trajs, list(range(24))))
    )
    worker.start()
    seen: dict[int, int] = {}
    while worker.is_alive():
        for pid in child_pids() - before:
            with contextlib.suppress(OSError):  # it may end between the listing and here
                seen[pid] = os.getpriority(os.PRIO_PROCESS, pid)
        worker.join(0.02)
    atlas = out["atlas"]
    assert atlas.method == "umap" and len(atlas) == 24
    assert CHILD_NICE > 0 and seen and set(seen.values()) == {CHILD_NICE}
    assert os.getpriority(os.PRIO_PROCESS, 0) == 0  # the app itself keeps its priority
