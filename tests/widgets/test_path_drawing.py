"""Recorded paths on the map: simplified for drawing, stroked once, extended while recorded.

QA finding H2: a 12,000-point take made every scrub move cost 190 ms, since each repaint
stroked every recorded point with a wide antialiased pen, and every live redraw rebuilt every
path. These tests pin the behaviour that fixed it (the figures are in bench/paths_draw.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from latentscape.widgets import theme
from latentscape.widgets.map_view import MapView
from latentscape.widgets.path_layer import TOLERANCE_PX
from latentscape.widgets.path_simplify import segment_distance, simplify_indices

BACKGROUND = QtGui.QColor(theme.BACKGROUND)


def lissajous(n: int, step: float = 37.0) -> np.ndarray:
    """``[n, 2]`` float64 in the unit square: a take that crosses the map again and again."""
    k = np.arange(n)
    return np.stack([0.5 + 0.4 * np.sin(k / step), 0.5 + 0.4 * np.sin(k / step * 37 / 23 + 1)], 1)


def farthest_from_drawn_line(xy: np.ndarray, kept: np.ndarray) -> float:
    """How far any point of ``xy`` is from the polyline through ``xy[kept]``."""
    assert kept[0] == 0 and kept[-1] == len(xy) - 1
    right = np.clip(np.searchsorted(kept, np.arange(len(xy))), 1, len(kept) - 1)
    return float(segment_distance(xy, xy[kept[right - 1]], xy[kept[right]]).max())


def test_a_long_take_is_drawn_with_far_fewer_points_within_half_a_pixel():
    # 12,000 mouse moves about a pixel apart, on a map drawn 800 pixels wide.
    xy_px = lissajous(12_000, step=370.0) * 800
    kept = simplify_indices(xy_px, TOLERANCE_PX)
    assert len(kept) < len(xy_px) / 5
    assert farthest_from_drawn_line(xy_px, kept) <= TOLERANCE_PX


def test_simplifying_keeps_jumps_corners_and_overshoots():
    run = np.stack([np.linspace(0, 100, 200), np.zeros(200)], 1)
    step = run + np.array([0.0, 40.0])  # two points at one time: a jump of 40 pixels
    overshoot = np.stack([np.linspace(100, 160, 50), np.full(50, 40.0)], 1)
    back = np.stack([np.linspace(160, 120, 50), np.full(50, 40.0)], 1)  # back along the line
    xy = np.concatenate([run, step, overshoot, back])
    kept = simplify_indices(xy, TOLERANCE_PX)
    assert len(kept) <= 8
    kept_xy = {tuple(p) for p in xy[kept]}
    assert {(100.0, 0.0), (0.0, 40.0), (160.0, 40.0), (120.0, 40.0)} <= kept_xy
    assert farthest_from_drawn_line(xy, kept) <= TOLERANCE_PX


@pytest.fixture
def view(qtbot):
    v = MapView()
    qtbot.addWidget(v)
    v.resize(640, 480)
    v.show()
    qtbot.waitExposed(v)
    v.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    qtbot.wait(1)
    return v


def brightness(image: QtGui.QImage, view: MapView, x: float, y: float, r: int = 1) -> int:
    """The brightest pixel of the image within ``r`` pixels of map point (x, y)."""
    p = view.view_pos(x, y)
    return max(
        QtGui.QColor(image.pixel(p.x() + dx, p.y() + dy)).value()
        for dx in range(-r, r + 1)
        for dy in range(-r, r + 1)
    )


def shown(view: MapView) -> QtGui.QImage:
    return view.viewport().grab().toImage()


def step_path() -> np.ndarray:
    """Along y = 0.3, then a jump up to y = 0.7 (two points at one time), and on."""
    left = np.stack([np.linspace(0.1, 0.5, 100), np.full(100, 0.3)], 1)
    right = np.stack([np.linspace(0.5, 0.9, 100), np.full(100, 0.7)], 1)
    return np.concatenate([left, right])


def test_a_jump_in_a_path_is_drawn(view):
    view.set_paths([(step_path(), "step", False)])
    image = shown(view)
    dark = BACKGROUND.value()
    assert brightness(image, view, 0.5, 0.5) > dark + 80  # the jump, halfway up
    assert brightness(image, view, 0.3, 0.3) > dark + 80  # before it
    assert brightness(image, view, 0.7, 0.7) > dark + 80  # after it
    assert brightness(image, view, 0.3, 0.8, r=3) == dark  # nothing drawn off the line
    assert brightness(image, view, 0.7, 0.2, r=3) == dark


def test_drawing_the_same_paths_again_keeps_their_items(view):
    paths = [(step_path(), "step", False), (lissajous(3000).astype(np.float32), "take", True)]
    view.set_paths(paths)
    view.viewport().repaint()
    layer, marks = view._paths._layer, list(view._paths.marks)
    strokes = layer.restrokes
    # What the app does on every live redraw and selection: the same paths, as new arrays.
    view.set_paths([(xy.copy(), name, sel) for xy, name, sel in paths])
    view.viewport().repaint()
    assert all(a is b for a, b in zip(view._paths.marks, marks, strict=True))
    assert layer.restrokes == strokes  # not stroked again: the repaint copied the image
    view.set_cursor(0.5, 0.5)  # a scrub move
    view.viewport().repaint()
    assert layer.restrokes == strokes


def test_a_path_being_recorded_is_extended_not_rebuilt(view, qtbot):
    xy = step_path()
    view.set_paths([(xy[:120], "Recording…", True)])
    view.viewport().repaint()
    layer, marks = view._paths._layer, list(view._paths.marks)
    strokes = layer.restrokes
    assert brightness(shown(view), view, 0.8, 0.7) == BACKGROUND.value()
    view.set_paths([(xy[:180], "Recording…", True)])
    image = shown(view)
    assert brightness(image, view, 0.8, 0.7) > BACKGROUND.value() + 80  # the new part
    assert layer.restrokes == strokes  # only the new part was stroked
    assert all(a is b for a, b in zip(view._paths.marks, marks, strict=True))
    arrow = view._paths._drawn[0].arrow
    assert (arrow.pos().x(), arrow.pos().y()) == pytest.approx(tuple(xy[179]))
    # Drawn the same as the whole path drawn at once, to within antialiasing.
    fresh = MapView()
    qtbot.addWidget(fresh)
    fresh.resize(640, 480)
    fresh.show()
    qtbot.waitExposed(fresh)
    fresh.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    fresh.set_paths([(xy[:180], "Recording…", True)])
    whole = shown(fresh)
    for x in np.linspace(0.12, 0.88, 20):
        y = 0.3 if x < 0.5 else 0.7
        assert abs(brightness(image, view, x, y) - brightness(whole, fresh, x, y)) < 40


def test_the_drawn_lines_follow_the_view_and_an_export(view, qtbot):
    view.set_paths([(step_path(), "step", False)])
    before = shown(view)
    view.setRange(xRange=(0.2, 0.6), yRange=(0.2, 0.6), padding=0)  # zoom in: a new scale
    qtbot.wait(1)
    after = shown(view)
    dark = BACKGROUND.value()
    assert brightness(after, view, 0.5, 0.5) > dark + 80
    assert brightness(after, view, 0.4, 0.3) > dark + 80
    assert before != after
    # Rendering the scene elsewhere (as an export does) strokes the lines directly.
    image = QtGui.QImage(view.viewport().size(), QtGui.QImage.Format.Format_ARGB32)
    image.fill(BACKGROUND)
    painter = QtGui.QPainter(image)
    shown_rect = view.mapToScene(view.viewport().rect()).boundingRect()
    view.scene().render(painter, QtCore.QRectF(image.rect()), shown_rect)
    painter.end()
    assert brightness(image, view, 0.5, 0.5) > dark + 80
    assert brightness(image, view, 0.4, 0.3) > dark + 80


def test_past_the_ink_budget_long_takes_get_a_fine_line_and_short_ones_keep_theirs(view):
    take = lissajous(12_000)  # about 130,000 pixels of line at this size
    view.set_paths([(take, "long take", False), (step_path(), "chosen", True)])
    view.viewport().repaint()
    long_line, chosen = (d.line for d in view._paths._drawn)
    assert long_line.fine and not chosen.fine
    assert brightness(shown(view), view, *take[6000], r=1) > BACKGROUND.value() + 80
    # Zoomed far in, little of the take is on screen: it gets its wide line back.
    x, y = take[6000]
    view.setRange(xRange=(x - 0.01, x + 0.01), yRange=(y - 0.01, y + 0.01), padding=0)
    view.viewport().repaint()
    assert not long_line.fine
