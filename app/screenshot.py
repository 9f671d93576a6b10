"""Save a screenshot of the main window on a project, mid-use (``scripts/screenshot``).

``LATENTSCAPE_SCREENSHOT=docs/screenshot.png latentscape`` opens the app as usual, waits for the
project, model, audio and the refined map, plays a few sounds so the live spectrogram has
something to show, selects one (original vs reconstruction), hovers a point so its name shows,
leaves the crosshair where the last click landed, grabs the window and quits.

Thread: GUI thread (QTimer steps).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

ENV = "LATENTSCAPE_SCREENSHOT"
TIMEOUT_S = 240.0


class Screenshot(QtCore.QObject):
    def __init__(self, window, out: str | Path, size: tuple[int, int] = (1440, 900)) -> None:
        super().__init__(window)
        self.w = window
        self.c = window.controller
        self.out = Path(out)
        self._t0 = time.monotonic()
        window.resize(*size)
        QtCore.QTimer.singleShot(200, self._wait_ready)

    def _wait_ready(self) -> None:
        c = self.c
        refined = c.state.atlas is not None and (c.state.atlas.method == "umap" or len(c.state) < 4)
        if not c.busy and c.audio.engine is not None and len(c.state) and refined:
            QtCore.QTimer.singleShot(1200, self._play)  # let the glide land
        elif time.monotonic() - self._t0 > TIMEOUT_S:
            self._save()
        else:
            QtCore.QTimer.singleShot(200, self._wait_ready)

    def _pick(self) -> list[int]:
        """A few sounds spread over the map (far apart), to play and to select."""
        xy = self.w.map_view.positions()
        centre = xy.mean(axis=0)
        order = np.argsort(-np.linalg.norm(xy - centre, axis=1))
        return [int(i) for i in order[:3]] + [int(np.argmin(np.linalg.norm(xy - centre, axis=1)))]

    def _play(self) -> None:
        self._queue = self._pick()
        self._step()

    def _step(self) -> None:
        view = self.w.map_view
        if self._queue:
            index = self._queue.pop(0)
            QTest.mouseClick(
                view.viewport(),
                QtCore.Qt.MouseButton.LeftButton,
                QtCore.Qt.KeyboardModifier(0),
                view.view_pos(*view.positions()[index]),
            )
            QtCore.QTimer.singleShot(900, self._step)
            return
        xy = view.positions()
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        spot = lo + (hi - lo) * np.array([0.3, 0.7])  # left of centre: the name fits beside it
        target = xy[int(np.argmin(np.linalg.norm(xy - spot, axis=1)))]
        QTest.mouseMove(view.viewport(), view.view_pos(*target) + QtCore.QPoint(2, 1))
        view.set_cursor(*(xy.mean(axis=0) * 0.5 + target * 0.5))
        QtCore.QTimer.singleShot(700, self._save)

    def _save(self) -> None:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.w.grab().save(str(self.out))
        print(f"screenshot = {self.out}")
        self.w.close()
        QtWidgets.QApplication.instance().quit()


def install_from_env(window) -> Screenshot | None:
    out = os.environ.get(ENV)
    return Screenshot(window, out) if out else None
