"""Why the app's worker threads keep the GUI's CPU priority: the GIL turns a niced worker into
a GUI stall when other programs load the CPU.

Usage: ``.venv/bin/python bench/gil_inversion.py [--nice 0,10] [--hogs 2] [--repeats 2]``
(Linux: per-thread nice values).

Each run, in a fresh child process: ``--hogs`` busy-looping processes at nice 0 (another
program rendering, say) load the CPU; a worker thread at nice ``N`` builds PCA and UMAP
atlases of 300 random sounds, twice each (the app's background refinement); the main thread
stands in for the GUI thread: it sleeps 2 ms at a time and needs the GIL to wake. A niced
worker gets a small share of the CPU, and while it waits for it, it still holds the GIL, so the
main thread waits too.

Prints ``worker_wall[nice=N,run=i]``, ``gui_max_gap[...]``, ``gui_gap_p99[...]`` and
``gui_gaps_over_50ms[...]`` lines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time

import numpy as np

GUI_TICK_S = 0.002


def run_one(nice: int) -> None:
    """Child process: the worker at ``nice`` against a main thread that ticks every 2 ms."""
    import os

    from latentscape.engines.atlas import Atlas
    from latentscape.engines.atlas.umap_runtime import import_umap

    import_umap()
    rng = np.random.default_rng(0)
    sounds = [rng.standard_normal((20, 16)).astype(np.float32) for _ in range(300)]
    Atlas.build(sounds[:30], method="umap")  # numba's cached functions load outside the timing
    done = threading.Event()

    def work() -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        for method in ("pca", "umap", "pca", "umap"):
            Atlas.build(sounds, method=method)
        done.set()

    gaps = []
    t0 = time.perf_counter()
    threading.Thread(target=work, daemon=True).start()
    last = t0
    while not done.is_set():
        time.sleep(GUI_TICK_S)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    wall = time.perf_counter() - t0
    ms = np.array(gaps) * 1e3 - GUI_TICK_S * 1e3
    print(f"worker_wall = {wall:.1f} s")
    print(f"gui_max_gap = {ms.max():.1f} ms")
    print(f"gui_gap_p99 = {np.percentile(ms, 99):.1f} ms")
    print(f"gui_gaps_over_50ms = {int((ms > 50).sum())} count")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nice", default="0,10", help="comma list of the worker's nice values")
    p.add_argument("--hogs", type=int, default=2, help="busy processes at nice 0")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one is not None:
        run_one(args.one)
        return
    spin = "while True: pass"
    hogs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(args.hogs)]
    try:
        for run in range(args.repeats):
            for nice in (int(n) for n in args.nice.split(",")):
                cmd = [sys.executable, __file__, "--one", str(nice)]
                done = subprocess.run(cmd, capture_output=True, text=True)
                tag = f"[nice={nice},hogs={args.hogs},run={run}]"
                for line in done.stdout.splitlines():
                    name, _, value = line.partition(" = ")
                    if value:
                        print(f"{name}{tag} = {value}", flush=True)
                if done.returncode != 0:
                    print(f"failed{tag} = {done.stderr[-300:]!r}")
    finally:
        for hog in hogs:
            hog.kill()


if __name__ == "__main__":
    main()
