"""Pay one-time costs before the user waits on them, so imports and map refinement never stall.

Measured (bench/gui_stalls.py, /tmp probes): the *first* atlas build in a process stalled the GUI
thread for 300-360 ms, the second for 16 ms: first imports of C extensions (scipy.ndimage,
scipy.spatial, sklearn, soxr) and numba loading its cached UMAP functions hold the GIL. So:

- :func:`preload_modules` imports them on the GUI thread before the window shows, with the
  model stack (torch, numba, the engines): a worker importing torch held the GIL for ~0.2 s at a
  time (``torch._C``'s shared library loads and initialises under it). The collector is paused
  while they import and their objects are frozen after (below): heap growth of that size set
  off full collections of 0.1-0.25 s each, on whichever thread allocated. Measured start-up
  stall (bench/gui_stalls.py, demo VAE): 317-522 ms before; with this and the GIL-free frame
  kernel (engines/vae/frame_kernel.py) about 60 ms (median of 41 runs; 5 over 100 ms). The
  window shows ~1 s later, behind a splash (widgets/splash.py);
- :func:`warm_atlas`, once per installation, builds a tiny UMAP atlas in a child process (where
  every UMAP runs, so this process never loads umap's numba functions);
- :func:`freeze_heap` moves everything alive after startup (torch, Qt, numba: millions of
  objects) out of the garbage collector's reach: a full collection over that heap, triggered by
  any allocation-heavy worker (the atlas's grid building makes 65k lists), held the GIL for
  0.5-1.2 s and froze the window (probe: /tmp stall sampler, phase "import").
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

MODULES = (
    "torch",
    "numba",
    "latentscape.engines.loader",
    "latentscape.engines.vae.engine",
    "latentscape.engines.torchscript_engine",
    "scipy.ndimage",
    "scipy.spatial",
    "sklearn.neighbors",
    "soundfile",
    "soxr",
    "latentscape.engines.corpus",
    "latentscape.engines.atlas.atlas",
    "latentscape.project_import",
)


def preload_modules(report: Callable[[str], None] | None = None) -> None:
    """Import what the workers will need (GUI thread, before the window is shown).

    ``report(module_name)`` is called before each import (a splash shows it). The collector is
    paused meanwhile, and everything alive after is frozen (:func:`freeze_heap`); the few
    cycles the imports left behind stay allocated.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        for name in MODULES:
            if report is not None:
                report(name)
            # An optional piece missing: the feature that needs it says so when used.
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
    finally:
        freeze_heap()
        if collecting:
            gc.enable()


def warm_atlas(ctx=None) -> bool:
    """Worker thread: a tiny UMAP build in the child process that refinements use
    (app/umap_process.py), so that numba's disk cache holds umap's code before the user's first
    refinement needs it.

    It runs once per installation: after it, a marker named by :func:`umap_cache_key` sits in
    numba's cache folder, and later launches skip it (it cost ~2.9 s of CPU at every launch,
    beside the model loading and the audio starting). Returns True when it ran the build.
    (A tiny PCA build here used to warm the in-process atlas code; with :func:`preload_modules`
    its first call costs what later ones do, 165 ms, so it went.)
    """
    marker = umap_warm_marker()
    if marker is not None and marker.exists():
        return False
    from latentscape.umap_process import build_umap_in_process

    rng = np.random.default_rng(0)
    trajs = [rng.standard_normal((8, 4)).astype(np.float32) for _ in range(24)]
    build_umap_in_process(trajs, list(range(len(trajs))))
    if marker is not None:
        with contextlib.suppress(OSError):  # a read-only cache: warm again next time
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
    return True


def umap_warm_marker() -> Path | None:
    """The file that says numba's cache holds this installation's UMAP code (None: unknown)."""
    from latentscape.engines.atlas.umap_runtime import cache_dir

    key = umap_cache_key()
    return None if key is None else cache_dir() / f"latentscape-umap-warm-{key}"


def umap_cache_key() -> str | None:
    """What numba's cached UMAP code depends on: Python, the versions of umap-learn,
    pynndescent, numba and llvmlite, and the size and time of every umap and pynndescent source
    file (numba's own cache index checks those). Found without importing umap; None when a
    package is missing."""
    parts = [sys.version]
    try:
        for dist in ("umap-learn", "pynndescent", "numba", "llvmlite"):
            parts.append(f"{dist}=={importlib.metadata.version(dist)}")
        for package in ("umap", "pynndescent"):
            spec = importlib.util.find_spec(package)
            for folder in (spec.submodule_search_locations or []) if spec else []:
                for source in sorted(Path(folder).glob("*.py")):
                    stat = source.stat()
                    parts.append(f"{source}:{stat.st_size}:{stat.st_mtime_ns}")
    except (importlib.metadata.PackageNotFoundError, OSError):
        return None
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:16]


def freeze_heap() -> None:
    """Exempt every object alive now from future collections (O(1); no collection runs)."""
    gc.freeze()
