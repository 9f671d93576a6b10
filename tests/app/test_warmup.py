"""Start-up preloading (app/warmup.py): the model stack loads before the window shows, and its
heap leaves the garbage collector's reach. Each case runs in a fresh interpreter, so the
imports it checks are the preload's own."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json, sys
{before}
from latentscape.warmup import MODULES, preload_modules
reported = []
preload_modules(report=reported.append)
print(json.dumps({{
    "reported": reported,
    "loaded": [name for name in MODULES if name in sys.modules],
    "collecting": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "young": gc.get_count()[0],
}}))
"""


def _preload(before: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(before=before)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_preload_loads_the_model_stack_and_freezes_what_it_imported():
    from latentscape.warmup import MODULES

    got = _preload()
    assert got["reported"] == list(MODULES)
    assert set(got["loaded"]) == set(MODULES)
    assert {"torch", "numba", "latentscape.engines.vae.engine"} <= set(got["loaded"])
    assert got["collecting"]
    assert got["frozen"] > 100_000  # torch alone leaves several hundred thousand objects
    assert got["young"] < 1_000  # nothing left for the first full collection to walk


def test_preload_leaves_a_paused_collector_paused():
    assert not _preload(before="gc.disable()")["collecting"]


def test_the_umap_warm_up_runs_once_per_installation():
    from latentscape.warmup import umap_warm_marker, warm_atlas

    marker = umap_warm_marker()
    assert marker is not None and marker.name.startswith("latentscape-umap-warm-")
    warm_atlas()  # runs the UMAP child unless an earlier test or launch did
    assert marker.exists()
    assert warm_atlas() is False  # the cache is warm: no child this time
    marker.unlink()  # the cache was cleared, or umap changed (a new key, no marker)
    assert warm_atlas() is True
    assert marker.exists()
