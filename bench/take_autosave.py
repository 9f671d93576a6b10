"""Benchmark the autosave of the take being recorded (QA finding M4): what one write costs, and
what it costs the GUI thread, for takes of 10 s to 20 min.

The take: map events at 60 Hz (a mouse drag), 16 latent dims, fed to a real
:class:`PathRecorder` with its own clock. The project: a real SQLite project of 2000 sounds
(200 frames x 16 dims each, ~26 MB), as the app's files are written (journal DELETE,
synchronous FULL). One write is what :class:`~latentscape.take_autosave.TakeAutosave` does on
its worker: the recorder's snapshot, the ``.npz`` payload, the transaction replacing the take
item. Meanwhile a "GUI" loop on the main thread adds a point to the recorder every 1 ms of its
own and records the longest gap between two of its iterations (the lock and the GIL).

Run: ``.venv/bin/python bench/take_autosave.py [folder]``. Prints ``name = value unit`` lines;
never fails on time.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

TAKES_S = (10, 60, 300, 1200)
EVENTS_HZ = 60
LATENT = 16
REPEATS = 5


def project(folder: Path):
    from latentscape.project_store import NewSound, ProjectStore

    store = ProjectStore.create(folder / "bench.lsc", overwrite=True)
    rng = np.random.default_rng(0)
    store.set_model("/m.ts", "hash", {})
    for start in range(0, 2000, 200):
        z = rng.standard_normal((200, LATENT)).astype(np.float32)
        store.add_sounds(
            [NewSound(f"/s/{i}.wav", f"s{i}", 1.0, z) for i in range(start, start + 200)]
        )
    return store


def recorder_with(seconds: float):
    from latentscape.engines.paths import PathRecorder

    clock = [0.0]
    rec = PathRecorder(clock=lambda: clock[0])
    rec.start()
    rng = np.random.default_rng(1)
    n = int(seconds * EVENTS_HZ)
    xy = rng.uniform(0, 1, (n, 2)).astype(np.float32)
    z = rng.standard_normal((n, LATENT)).astype(np.float32)
    for k in range(n):
        rec.add(xy[k], z[k], at_s=k / EVENTS_HZ)
    clock[0] = seconds
    return rec, clock


def write(store, rec) -> tuple[float, float, float, int]:
    """One autosave as the worker does it: (snapshot s, pack s, transaction s, payload bytes)."""
    from latentscape.take_autosave import TAKE_KIND, clear_takes, take_item

    t0 = time.perf_counter()
    path = rec.snapshot(seed=0, model_hash="hash")
    t1 = time.perf_counter()
    payload, meta = take_item(path, None)
    t2 = time.perf_counter()
    with store.transaction():
        clear_takes(store)
        store.put_item(TAKE_KIND, "take in progress", payload, meta)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(payload)


def gui_gaps(store, rec, clock) -> tuple[float, float]:
    """Writes on a worker while the main thread adds a point each 1 ms: the longest gap
    between two main-thread iterations, and the longest ``add`` (ms)."""
    done = threading.Event()

    def worker() -> None:
        for _ in range(REPEATS):
            write(store, rec)
        done.set()

    gap = add_max = 0.0
    z, xy = np.zeros(LATENT, np.float32), np.zeros(2, np.float32)
    thread = threading.Thread(target=worker)
    last = time.perf_counter()
    thread.start()
    while not done.is_set():
        time.sleep(0.001)
        t = time.perf_counter()
        clock[0] += 0.001
        rec.add(xy, z)
        add_max = max(add_max, time.perf_counter() - t)
        gap = max(gap, t - last)
        last = t
    thread.join()
    return gap * 1000, add_max * 1000


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    store = project(folder)
    print(f"project_mb = {(folder / 'bench.lsc').stat().st_size / 1e6:.1f} MB")
    for seconds in TAKES_S:
        rec, clock = recorder_with(seconds)
        runs = [write(store, rec) for _ in range(REPEATS)]
        snap, pack, txn, size = (float(np.median([r[i] for r in runs])) for i in range(4))
        tag = f"take_{seconds}s"
        print(f"{tag}_points = {rec.point_count}")
        print(f"{tag}_payload = {size / 1e6:.2f} MB")
        print(f"{tag}_snapshot = {snap * 1000:.1f} ms")
        print(f"{tag}_pack = {pack * 1000:.1f} ms")
        print(f"{tag}_transaction = {txn * 1000:.1f} ms")
        print(f"{tag}_write_total = {(snap + pack + txn) * 1000:.1f} ms")
        gap, add = gui_gaps(store, rec, clock)
        print(f"{tag}_gui_longest_gap = {gap:.1f} ms (1 ms loop)")
        print(f"{tag}_gui_longest_add = {add:.2f} ms")
    store.close()


if __name__ == "__main__":
    main()
