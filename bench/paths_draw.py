"""Benchmark drawing recorded paths on the map (QA finding H2): a live redraw while recording,
a scrub move with a long take on the map, a zoom step (a full restroke), and the simplifier.

The take is the QA's: a Lissajous figure that crosses the map again and again, 10 points added
between live redraws (100 ms of mouse moves at 100 Hz). A 1000 x 700 map, no app around it.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/paths_draw.py``. Prints
``name = value unit`` lines; never fails on time.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtWidgets

POINT_COUNTS = (100, 1000, 3000, 6000, 12000)


def take(n: int) -> np.ndarray:
    k = np.arange(n)
    return np.stack([0.5 + 0.4 * np.sin(k / 37.0), 0.5 + 0.4 * np.sin(k / 23.0 + 1)], 1).astype(
        np.float32
    )


def main() -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from latentscape.widgets import theme
    from latentscape.widgets.map_view import MapView
    from latentscape.widgets.path_simplify import simplify_indices

    theme.apply_theme(app)
    rng = np.random.default_rng(0)
    view = MapView()
    view.resize(1000, 700)
    view.show()
    xy = rng.uniform(0, 1, (2000, 2)).astype(np.float32)
    view.set_points(xy, rng.integers(0, 6, 2000), [str(i) for i in range(2000)])
    while view.drawn_count() < 2000:
        app.processEvents()
    view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
    app.processEvents()
    vb = view.getPlotItem().getViewBox()
    full = take(max(POINT_COUNTS))

    def timed(fn, *args, **kwargs) -> float:
        """Milliseconds for ``fn(*args, **kwargs)`` and the repaint it asks for."""
        t = time.perf_counter()
        fn(*args, **kwargs)
        app.processEvents()
        return (time.perf_counter() - t) * 1e3

    stored = [(take(500)[::-1] * 0.5 + 0.25, "Path 1", False)]  # a short take already recorded
    for n in POINT_COUNTS:
        first = max(n - 200, 10)
        view.set_paths([*stored, (full[:first], "Recording…", True)])
        app.processEvents()
        live = [
            timed(view.set_paths, [*stored, (full[:m], "Recording…", True)])
            for m in range(first + 10, n + 1, 10)
        ]
        print(f"paths_live_redraw_{n} = {np.median(live):.1f} ms (max {max(live):.1f})")
        (x0, x1), (y0, y1) = vb.viewRange()
        zoom = timed(vb.setRange, xRange=(x0, x1 * 0.9), yRange=(y0, y1 * 0.9))
        vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        app.processEvents()
        print(f"paths_zoom_step_{n} = {zoom:.1f} ms")

    for n in (0, 3000, 12000):
        view.set_paths([(take(n), "Path 2", False)] if n else [])
        app.processEvents()
        moves = []
        for k in range(100):
            view.set_cursor(0.5 + 0.4 * np.sin(k / 7.0), 0.5 + 0.4 * np.cos(k / 5.0))
            moves.append(timed(view.viewport().repaint))
        print(
            f"paths_scrub_move_{n} = {np.median(moves):.1f} ms (p95 {np.percentile(moves, 95):.1f})"
        )

    px = take(12000).astype(np.float64) * 800  # a map about 800 pixels wide
    t = time.perf_counter()
    kept = simplify_indices(px, 0.5)
    print(f"paths_simplify_12000 = {(time.perf_counter() - t) * 1e3:.1f} ms")
    print(f"paths_simplified_points_12000 = {len(kept)} points")
    view.close()


if __name__ == "__main__":
    main()
