"""Benchmark the map with 100k points: setting, painting (12 and 300 colour groups), hover
lookup, a glide frame, and the sound finder over 100k names.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/map_view.py``. Prints
``name = value unit`` lines; never fails on time.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtWidgets


def main() -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from latentscape.widgets import theme
    from latentscape.widgets.map_view import MapView

    theme.apply_theme(app)
    n = 100_000
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(n, 2)).astype(np.float32) * 5
    cats = rng.integers(0, 12, n)
    names = [f"sound_{i}.wav" for i in range(n)]
    view = MapView()
    view.resize(1000, 700)
    view.show()
    app.processEvents()

    t = time.perf_counter()
    view.set_points(xy, cats, names)
    stalls = [time.perf_counter() - t]
    while view.drawn_count() < n:
        t = time.perf_counter()
        app.processEvents()
        stalls.append(time.perf_counter() - t)
    print(f"map_set_points_100k_first_turn = {stalls[0] * 1e3:.1f} ms")
    print(f"map_set_points_100k_worst_turn = {max(stalls) * 1e3:.1f} ms")
    print(f"map_set_points_100k_total = {sum(stalls) * 1e3:.1f} ms over {len(stalls)} turns")

    print(f"map_repaint_100k = {median_repaint_ms(view):.1f} ms")

    vb = view.getPlotItem().getViewBox()
    view._index.nearest(0, 0, vb.viewPixelSize())  # builds the tree
    q = rng.normal(size=(2000, 2)) * 5
    t = time.perf_counter()
    for x, y in q:
        view._index.nearest(x, y, vb.viewPixelSize())
    print(f"map_hover_lookup_100k = {(time.perf_counter() - t) / len(q) * 1e6:.0f} us")

    t = time.perf_counter()
    view._index.set_points(xy)
    view._index.nearest(0, 0, vb.viewPixelSize())
    print(f"map_index_build_100k = {(time.perf_counter() - t) * 1e3:.1f} ms")

    layers = view._layers
    target = xy[::-1].copy()
    t = time.perf_counter()
    for k in range(10):
        layers._apply_xy(xy + (target - xy) * np.float32(k / 10))
        view.grab()
    print(
        f"map_glide_frame_100k = {(time.perf_counter() - t) / 10 * 1e3:.1f} ms (update + repaint)"
    )

    t = time.perf_counter()
    for _ in range(20):
        view.add_points(rng.normal(size=(50, 2)).astype(np.float32), ["new"] * 50, ["x"] * 50)
    print(f"map_add_points_50_at_100k = {(time.perf_counter() - t) / 20 * 1e3:.1f} ms")
    view.close()
    repaint_many_groups(rng, n)
    finder(names, cats)


def median_repaint_ms(view, repeats: int = 5) -> float:
    """Median time of a full repaint of ``view`` (a grab), in ms."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        view.grab()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


def repaint_many_groups(rng: np.random.Generator, n: int) -> None:
    """A library of 300 sample folders: more colour groups than the palette has colours."""
    from latentscape.widgets.map_view import MapView

    view = MapView()
    view.resize(1000, 700)
    view.show()
    xy = rng.normal(size=(n, 2)).astype(np.float32) * 5
    view.set_points(xy, [f"kit{c}" for c in rng.integers(0, 300, n)], [""] * n)
    while view.drawn_count() < n:
        QtWidgets.QApplication.processEvents()
    print(f"map_repaint_100k_300_groups = {median_repaint_ms(view):.1f} ms")
    view.close()


def finder(names: list[str], cats) -> None:
    """The toolbar's sound finder over 100k sounds: reading them (once per map change, when it
    takes focus) and one key typed (matching and listing)."""
    from latentscape.widgets.sound_finder import SoundFinder

    entries = [(i, name, f"group {c}") for i, (name, c) in enumerate(zip(names, cats))]
    field = SoundFinder(lambda: entries, lambda: 1)
    t = time.perf_counter()
    field.refresh()
    print(f"finder_read_100k = {(time.perf_counter() - t) * 1e3:.0f} ms")
    times = []
    for text in ("s", "so", "sound_9", "sound_99", "sound_999", "group 7"):
        t = time.perf_counter()
        field.setText(text)
        field.textEdited.emit(text)
        times.append(time.perf_counter() - t)
    print(f"finder_key_100k = {np.median(times) * 1e3:.0f} ms (median of 6 texts)")


if __name__ == "__main__":
    main()
