"""Gallery speed (issue 8): "Generate 16" = sample 16 windows + decode them + thumbnails.

Run with ``nice -n 10 .venv/bin/python bench/gallery_speed.py [--train-seconds 20] [--repeats 5]``.

Model and corpus: the demo project ``resources/demo/demo.lsc`` with its VAE
(``resources/demo/model.pt``), when both exist; else a tiny nn~ fixture model on synthetic
latents (the output says which). The priors are trained briefly (sampling cost does not depend
on how long they trained). Times the exact worker function the GUI runs
(:func:`latentscape.gallery_jobs.generate`, one torch thread as in the app) and, separately,
filling the gallery view with 16 tiles on the GUI thread (offscreen Qt). Goal: < 2 s.
Prints ``name = value unit`` lines; never fails on time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


def _demo_corpus():
    from latentscape.engines.loader import load_model
    from latentscape.project_store import ProjectStore

    project, model = DEMO / "demo.lsc", DEMO / "model.pt"
    if not (project.is_file() and model.is_file()):
        return None
    engine = load_model(model)
    with ProjectStore.open(project) as store:
        latents = list(store.all_latents().values())
    if not latents or latents[0].shape[1] != engine.latent_size:
        return None
    return engine, latents, f"demo VAE ({model.name}), {len(latents)} demo sounds"


def _fixture_corpus():
    sys.path.insert(0, str(ROOT / "tests"))
    from latentscape.engines.loader import load_model
    from support.nn_models import build_nn_model

    path = build_nn_model(Path(tempfile.mkdtemp()) / "tiny.ts", sr=44100, hop=256, latent=16)
    engine = load_model(path)
    rng = np.random.default_rng(0)
    latents = [rng.normal(size=(300, 16)).astype(np.float32) for _ in range(64)]
    return engine, latents, "tiny nn~ fixture model (44.1 kHz, hop 256, 16 dims), random latents"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-seconds", type=float, default=20.0)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from latentscape.engines.torch_runtime import configure_runtime
    from latentscape.gallery_jobs import generate, train_prior

    found = _demo_corpus() or _fixture_corpus()
    engine, latents, what = found
    configure_runtime(1)
    print(f"# model: {what}")
    print(f"# machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    last = None
    for kind in ("gan", "diffusion"):
        t0 = time.perf_counter()
        prior, report = train_prior(
            kind,
            latents,
            engine.sample_rate_hz,
            engine.hop_samples,
            steps=None,
            seconds=args.train_seconds,
            seed=0,
        )
        print(f"# {kind}: trained {report.steps} steps in {time.perf_counter() - t0:.1f} s")
        window_s = prior.window_frames * engine.hop_samples / engine.sample_rate_hz
        print(f"# {kind}: windows of {prior.window_frames} frames = {window_s:.2f} s of audio")
        t0 = time.perf_counter()
        generate(prior, engine, 16, 1.0, 0)
        first = time.perf_counter() - t0
        times = []
        for r in range(args.repeats):
            t0 = time.perf_counter()
            out, _ = generate(prior, engine, 16, 1.0, r + 1)
            times.append(time.perf_counter() - t0)
            sample_s = times[-1] - out.seconds
        print(f"gallery_generate16_{kind}_first = {first * 1000:.0f} ms")
        print(f"gallery_generate16_{kind}_median = {statistics.median(times) * 1000:.0f} ms")
        print(f"gallery_generate16_{kind}_max = {max(times) * 1000:.0f} ms")
        print(f"gallery_sample16_{kind} = {sample_s * 1000:.0f} ms  (last run, sampling only)")
        last = out

    from PySide6 import QtWidgets

    from latentscape.widgets.gallery_view import GalleryView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    view = GalleryView()
    view.set_sources(["GAN", "Diffusion"])
    view.show()
    tiles = [(k, last.thumbs[k], f"seed 1 · {k + 1}") for k in range(16)]
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        view.set_tiles("GAN", tiles)
        app.processEvents()
        times.append(time.perf_counter() - t0)
    print(f"gallery_set_tiles16_gui = {statistics.median(times) * 1000:.1f} ms (median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
