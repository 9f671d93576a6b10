"""GUI event-loop stalls while importing and while projecting (goal: none above 100 ms).

Runs the real main window (offscreen unless DISPLAY and QT_QPA_PLATFORM=xcb are set) with a
silent, clock-paced AudioEngine, a model (default: a tiny nn~ test model; ``--model`` for any
other, e.g. the demo VAE) and a folder of synthetic sounds. Phases:

- before the window shows: ``preload_wall`` (app/warmup.py, behind run_gui's splash) and
  ``window_build``; no window is on screen yet, so neither is a stall;
- startup: from ``show()`` until the model is loaded and measured, the audio runs and the
  warm-up is done (``gui_max_stall_startup_ms``);
0. idle: the window doing nothing for 3 s (a baseline: stalls from CPU contention);
1. import: drop the folder on the map; measured until every sound is on the map;
2. projection: the UMAP refinement that follows; measured until the points have glided;
3. click-to-sound: click points, time from the click to the first output frame of the voice;
4. big map: refine a synthetic 10,000-sound map (UMAP runs in a child process, as for every map).

``--open PROJECT`` measures only opening a saved project (e.g. one of 100,000 sounds) in a fresh
window, from the open until its map is drawn and its model plays: the app's way (the model
loads once the map is drawn) and, side by side, the model loading as soon as the project is
read; ``--trials`` times each, alternating.

Usage: ``.venv/bin/python bench/gui_stalls.py [--sounds 300] [--model PATH]`` or
``... --open PROJECT.lsc [--trials 3]``. Prints ``name = value unit`` lines; never fails on
time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _spin(app, until, timeout_s: float) -> float:
    t0 = time.perf_counter()
    while not until():
        if time.perf_counter() - t0 > timeout_s:
            raise TimeoutError("the phase did not finish in time")
        app.processEvents()
        time.sleep(0.002)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sounds", type=int, default=300)
    parser.add_argument("--model", help="model file (default: a tiny nn~ test model)")
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument(
        "--big-map", type=int, default=10000, help="also refine a synthetic map this big (0: skip)"
    )
    parser.add_argument("--open", help="only measure opening this project (see above)")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--open-mode", choices=("after_draw", "at_once"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.open and args.open_mode:
        return _open_one(args.open, args.open_mode)
    if args.open:
        return _open_big(args.open, args.trials)

    from PySide6 import QtCore, QtWidgets
    from PySide6.QtTest import QTest

    from latentscape.main_window import MainWindow
    from latentscape.settings import AppSettings
    from latentscape.stall_monitor import StallMonitor
    from latentscape.widgets.theme import apply_theme
    from support.app_projects import write_sounds

    tmp = Path(tempfile.mkdtemp(prefix="ls-gui-bench-"))
    model = args.model
    if model is None:
        from support.nn_models import build_nn_model

        model = str(build_nn_model(tmp / "tiny.ts", sr=16000, hop=64, latent=8))
    per = max(1, args.sounds // 6)
    for k in range(6):
        write_sounds(tmp / "corpus" / f"group{k}", per, seed=k, duration_s=1.0)
    total = 6 * per

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    apply_theme(app)
    from latentscape.warmup import preload_modules

    t0 = time.perf_counter()
    preload_modules()  # as run_gui does, behind its splash
    print(f"preload_wall = {time.perf_counter() - t0:.2f} s (before the window shows)")
    monitor = StallMonitor()
    t0 = time.perf_counter()
    window = MainWindow(AppSettings(tmp / "settings.ini"), player="silent")
    window.resize(1400, 900)
    print(f"window_build = {time.perf_counter() - t0:.2f} s (before it shows)")
    window.show()
    monitor.start()  # from here on the window is on screen: a gap is a freeze the user sees
    c = window.controller
    c.new_project(tmp / "bench.lsc")
    c.load_model(model)
    startup_s = _spin(app, lambda: not c.busy and c.audio.engine is not None and c.model, 300)
    monitor.stop()
    print(f"startup_wall = {startup_s:.2f} s (model load + measure, audio start, warm-up)")
    print(f"gui_max_stall_startup_ms = {monitor.max_stall_ms:.1f} ms")
    refined_before = c.sync.refine_count
    monitor.start()  # baseline: the same window doing nothing (CPU contention shows here)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 3.0:
        app.processEvents()
        time.sleep(0.002)
    monitor.stop()
    print(f"gui_max_stall_idle_ms = {monitor.max_stall_ms:.1f} ms (baseline, 3 s idle)")

    monitor.start()
    c.import_paths([str(tmp / "corpus")])
    import_s = _spin(app, lambda: window.map_view.point_count() == total, 600)
    monitor.stop()
    print(f"import_sounds = {total} sounds")
    print(f"import_wall = {import_s:.2f} s")
    print(f"gui_max_stall_import_ms = {monitor.max_stall_ms:.1f} ms")
    print(f"gui_stalls_over_100ms_import = {monitor.stalls_over_100ms} count")

    monitor.start()
    project_s = _spin(app, lambda: c.sync.refine_count > refined_before and not c.busy, 600)
    t_glide = time.perf_counter()
    while time.perf_counter() - t_glide < 1.2:  # the glide itself (900 ms) is part of it
        app.processEvents()
        time.sleep(0.002)
    monitor.stop()
    print(f"projection_wall = {project_s:.2f} s ({c.state.atlas.method}, {len(c.state)} sounds)")
    print(f"gui_max_stall_projection_ms = {monitor.max_stall_ms:.1f} ms")
    print(f"gui_stalls_over_100ms_projection = {monitor.stalls_over_100ms} count")

    view = window.map_view
    delays = []
    for k in range(args.clicks):
        index = (k * 7) % view.point_count()
        QTest.mouseClick(
            view.viewport(),
            QtCore.Qt.MouseButton.LeftButton,
            QtCore.Qt.KeyboardModifier(0),
            view.view_pos(*view.positions()[index]),
        )
        voice = c.last_voice
        _spin(app, lambda v=voice: v.first_output_ns > 0, 10)
        delays.append((voice.first_output_ns - voice.requested_ns) / 1e6)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.15:
            app.processEvents()
            time.sleep(0.002)
    delays.sort()
    block_ms = 1000.0 * c.audio.engine.block_frames / c.audio.engine.sample_rate_hz
    print(f"click_to_first_output_median_ms = {delays[len(delays) // 2]:.1f} ms")
    print(f"click_to_first_output_max_ms = {delays[-1]:.1f} ms")
    print(f"output_block_ms = {block_ms:.1f} ms (clock-paced silent player)")
    if args.big_map:
        _big_map(app, c, args.big_map, monitor)
    window.close()
    return 0


def _big_map(app, c, n: int, monitor) -> None:
    """GUI stalls while a big map (synthetic latents) is refined the way the app does it."""
    import numpy as np

    from latentscape.atlas_updater import AtlasUpdater

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((12, 8)).astype(np.float32) * 3
    trajs = [
        (rng.standard_normal((int(rng.integers(10, 40)), 8)) + centres[i % 12]).astype(np.float32)
        for i in range(n)
    ]
    updater = AtlasUpdater(c.runner)
    got = []
    updater.refined.connect(got.append)
    monitor.start()
    updater.refine(trajs, list(range(n)))
    wall = _spin(app, lambda: bool(got), 1200)
    monitor.stop()
    print(f"big_map_projection_wall = {wall:.1f} s (umap in a process, {n} sounds)")
    print(f"gui_max_stall_big_map_projection_ms = {monitor.max_stall_ms:.1f} ms")
    print(f"gui_stalls_over_100ms_big_map_projection = {monitor.stalls_over_100ms} count")


def _open_big(project: str, trials: int) -> int:
    """Stalls while a saved project opens: the model loaded once the map is drawn (the app)
    against the model loaded at once, each open in a fresh process (a fresh window with no
    model yet), alternating."""
    import json
    import subprocess

    results: dict[str, list[dict]] = {"after_draw": [], "at_once": []}
    for trial in range(trials):
        for mode in ("after_draw", "at_once") if trial % 2 == 0 else ("at_once", "after_draw"):
            out = subprocess.run(
                [sys.executable, __file__, "--open", project, "--open-mode", mode],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results[mode].append(json.loads(out.strip().splitlines()[-1]))
            print(f"# trial {trial} {mode}: {results[mode][-1]}", file=sys.stderr)
    print(f"open_sounds = {results['at_once'][0]['sounds']} sounds")
    for mode, rows in results.items():
        for key, unit in (("stall_ms", "ms"), ("drawn_s", "s"), ("plays_s", "s")):
            value = sorted(r[key] for r in rows)[len(rows) // 2]
            print(
                f"open_{key.rsplit('_', 1)[0]}_{mode} = {value:.3g} {unit} (median of {len(rows)})"
            )
    return 0


def _open_one(project: str, mode: str) -> int:
    """One open in this process; prints a JSON line: the longest stall from the open until the
    model plays, and when the map was drawn and the model played (s after the open)."""
    import json

    from PySide6 import QtWidgets

    from latentscape.main_window import MainWindow
    from latentscape.settings import AppSettings
    from latentscape.stall_monitor import StallMonitor
    from latentscape.warmup import preload_modules
    from latentscape.widgets.theme import apply_theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    apply_theme(app)
    preload_modules()
    tmp = Path(tempfile.mkdtemp(prefix="ls-gui-bench-"))
    window = MainWindow(AppSettings(tmp / "settings.ini"), player="silent")
    window.resize(1400, 900)
    window.show()
    c, view = window.controller, window.map_view
    c.sync.auto_refine = False
    if mode == "at_once":
        c._load_model_once_drawn = c.load_model
    _spin(app, lambda: not c.busy, 120)  # the warm-up, before anything opens
    monitor = StallMonitor()
    monitor.start()
    c.open_project(project)
    drawn = _spin(app, lambda: len(c.state) and view.drawn_count() == len(c.state), 300)
    plays = drawn + _spin(app, lambda: c.model and c.audio.engine and not c.busy, 300)
    monitor.stop()
    row = {"stall_ms": monitor.max_stall_ms, "drawn_s": drawn, "plays_s": plays}
    print(json.dumps({**row, "sounds": len(c.state)}))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
