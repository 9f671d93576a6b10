"""Recording paths in the window (tests of the paths feature): a hand-paced drag and a
recorded one, and the ``paths`` fixture (the window with the paths controller attached)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from latentscape.paths_controller import attach_paths
from support.app_window import LEFT

STEPS = 30  # moves per drag


@pytest.fixture
def paths(opened):
    """The window with the tiny project open and the paths controller attached."""
    return attach_paths(opened)


def drag(qtbot, view, a, b, steps: int = STEPS) -> tuple[float, float]:
    """Press at data point ``a``, move to ``b`` in ``steps`` hand-paced moves, release.

    Returns monotonic clock readings just before the press and just after the release.
    """
    vp = view.viewport()
    start, stop = view.view_pos(*a), view.view_pos(*b)
    t_press = time.monotonic()
    qtbot.mousePress(vp, LEFT, pos=start)
    for k in range(1, steps + 1):
        qtbot.wait(12)  # pyqtgraph drops moves faster than ~100 Hz
        qtbot.mouseMove(vp, pos=start + (stop - start) * (k / steps))
    qtbot.mouseRelease(vp, LEFT, pos=stop)
    return t_press, time.monotonic()


def record_drag(qtbot, paths, window) -> tuple[str, float, float, np.ndarray, np.ndarray]:
    """Record one drag across the map's points; returns (id, t_press, t_stop, a, b)."""
    c, view = window.controller, window.map_view
    xy = view.positions()
    a, b = xy.min(axis=0), xy.max(axis=0)
    c.set_recording(True)
    assert paths.recording
    rest = c._scrub_rest.interval()
    c._scrub_rest.setInterval(60_000)  # a GUI hiccup over a dot is no rest (x stays monotonic)
    try:
        t_press, _ = drag(qtbot, view, a, b)
    finally:
        c._scrub_rest.setInterval(rest)
    with qtbot.waitSignal(paths.recorded) as rec:
        c.set_recording(False)
    t_stop = time.monotonic()
    return rec.args[0], t_press, t_stop, a, b
