"""Fixtures for the main-window tests: a real window, a real (silent) AudioEngine, a tiny project."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from support.app_projects import make_project

LEFT = QtCore.Qt.MouseButton.LeftButton
READY_MS = 60_000


@pytest.fixture
def tiny_model(nn_model):
    """A 16 kHz, hop-64, 4-latent nn~ model file (decodes to audible tones)."""
    return nn_model(sr=16000, hop=64, latent=4)


@pytest.fixture
def tiny_project(tmp_path, tiny_model):
    """A mapped project of 8 sounds in two folders ("kicks", "bells"), PCA atlas."""
    return make_project(tmp_path, tiny_model)


@pytest.fixture
def settings_file(tmp_path):
    return tmp_path / "settings.ini"


@pytest.fixture
def window(qtbot, settings_file):
    """A shown main window with a silent, clock-paced AudioEngine; closed (and shut down) after."""
    from latentscape.main_window import MainWindow
    from latentscape.settings import AppSettings

    w = MainWindow(AppSettings(settings_file), player="silent", warm_up=False)
    w.ask_unsaved = lambda: "discard"  # never a modal question at teardown; tests that ask set it
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def wait_ready(qtbot, controller, points: int = 1) -> None:
    qtbot.waitUntil(
        lambda: (
            not controller.busy
            and controller.audio.engine is not None
            and len(controller.state) >= points
        ),
        timeout=READY_MS,
    )


@pytest.fixture
def opened(window, qtbot, tiny_project):
    """The window with the tiny project and its model loaded, map kept as saved (no UMAP)."""
    c = window.controller
    c.sync.auto_refine = False
    c.open_project(tiny_project)
    wait_ready(qtbot, c, points=8)
    return window


def empty_spot(window) -> tuple[float, float]:
    """A map position well away from every point (pixels), inside the points' hull."""
    view = window.map_view
    xy = view.positions()
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    best, best_d = None, -1.0
    for gx in np.linspace(lo[0], hi[0], 21):
        for gy in np.linspace(lo[1], hi[1], 21):
            p = view.view_pos(gx, gy)
            d = min(
                (view.view_pos(*q) - p).manhattanLength() for q in xy
            )  # pixels to the nearest point
            if d > best_d:
                best, best_d = (float(gx), float(gy)), d
    assert best_d > 20, "the tiny map has no empty space"
    return best


def drop_on(view, mime: QtCore.QMimeData, pos: QtCore.QPoint) -> None:
    """Drag ``mime`` over ``view``'s viewport and drop it at ``pos`` (pixels), as a user does:
    a drag-enter event, then the drop, sent at once."""
    vp = view.viewport()
    action = QtCore.Qt.DropAction.CopyAction
    mods = QtCore.Qt.KeyboardModifier(0)
    QtCore.QCoreApplication.sendEvent(vp, QtGui.QDragEnterEvent(pos, action, mime, LEFT, mods))
    QtCore.QCoreApplication.sendEvent(
        vp, QtGui.QDropEvent(QtCore.QPointF(pos), action, mime, LEFT, mods)
    )
