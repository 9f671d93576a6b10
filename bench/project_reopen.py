"""Project reopen time: a 10,000-sound project (latents + map + inverse map) opened afresh.

    .venv/bin/python bench/project_reopen.py [--n 10000] [--frames 22] [--dims 16]

Writes a project with ``n`` sounds of ``frames × dims`` float32 latents (a RAVE-like one-second
sound is ~22 frames) and a PCA atlas, then times, in a fresh process: import of the store,
open, ``sounds()``, ``atlas()`` (map + inverse map + density) and ``all_latents()``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from latentscape.project_store import ProjectStore
t_import = time.perf_counter() - t0
t = time.perf_counter(); store = ProjectStore.open(sys.argv[1]); t_open = time.perf_counter() - t
t = time.perf_counter(); sounds = store.sounds(); t_sounds = time.perf_counter() - t
t = time.perf_counter(); atlas = store.atlas(); t_atlas = time.perf_counter() - t
t = time.perf_counter(); atlas.frame_at(0.5, 0.5); t_first = time.perf_counter() - t
t = time.perf_counter(); latents = store.all_latents(); t_latents = time.perf_counter() - t
total = time.perf_counter() - t0
print(json.dumps(dict(import_s=t_import, open_s=t_open, sounds_s=t_sounds, atlas_s=t_atlas,
    first_query_s=t_first, latents_s=t_latents, total_s=total, n=len(sounds),
    umap_imported="umap" in sys.modules, torch_imported="torch" in sys.modules)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--frames", type=int, default=22)
    parser.add_argument("--dims", type=int, default=16)
    args = parser.parse_args()

    from latentscape.engines.atlas import Atlas
    from latentscape.project_store import NewSound, ProjectStore

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((20, args.dims)) * 3
    trajectories = [
        (centres[i % 20] + rng.standard_normal((args.frames, args.dims))).astype(np.float32)
        for i in range(args.n)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.lsc"
        t0 = time.perf_counter()
        with ProjectStore.create(path) as store:
            store.set_model("/m.ts", "hash", {"sample_rate_hz": 44100, "hop_samples": 2048})
            ids = store.add_sounds(
                [
                    NewSound(f"/corpus/s{i}.wav", f"h{i}", 1.0, t, folder="/corpus")
                    for i, t in enumerate(trajectories)
                ]
            )
            write_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            store.put_atlas(Atlas.build(trajectories, ids, method="pca"))
            map_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"reopen.n = {r['n']}")
    print(f"reopen.file_size = {size_mb:.1f} MB")
    print(f"reopen.write_sounds_s = {write_s:.2f} s")
    print(f"reopen.build_and_save_map_s = {map_s:.2f} s")
    for key in ("import_s", "open_s", "sounds_s", "atlas_s", "first_query_s", "latents_s"):
        print(f"reopen.{key} = {r[key] * 1000:.0f} ms")
    print(f"reopen.total_s = {r['total_s']:.2f} s")
    print(f"reopen.needs_umap = {r['umap_imported']}")
    print(f"reopen.needs_torch = {r['torch_imported']}")


if __name__ == "__main__":
    main()
