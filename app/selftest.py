"""A scripted user, run inside the real app: click a point, then drag across the map.

``LATENTSCAPE_SELFTEST=/path/report.json latentscape`` opens the app as usual, waits until the
project, model and audio are ready, clicks the first sound, drags across the map with the mouse
(real Qt mouse events on the map's viewport, paced like a hand), then writes a JSON report of
what the audio engine and its output tap saw and quits. The end-to-end test runs it under Xvfb
with the JACK dummy server (xdotool is not needed).

Thread: GUI thread (driven by a QTimer state machine, so the event loop keeps running).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from pathlib import Path

from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

ENV = "LATENTSCAPE_SELFTEST"
READY_TIMEOUT_S = 120.0
LEFT = QtCore.Qt.MouseButton.LeftButton


class SelfTest(QtCore.QObject):
    """Drives ``window`` (a :class:`~latentscape.main_window.MainWindow`) and writes ``report``."""

    def __init__(self, window, report: str | Path, quit_when_done: bool = True) -> None:
        super().__init__(window)
        self.w = window
        self.c = window.controller
        self.report_path = Path(report)
        self.quit_when_done = quit_when_done
        self.result: dict = {"steps": []}
        self._t0 = time.monotonic()
        QtCore.QTimer.singleShot(100, self._wait_ready)

    def _note(self, step: str) -> None:
        self.result["steps"].append([round(time.monotonic() - self._t0, 3), step])

    def _wait_ready(self) -> None:
        c = self.c
        ready = (
            not c.busy
            and c.audio.engine is not None
            and c.model is not None
            and len(c.state) > 0
            and self.w.map_view.isVisible()
        )
        if ready:
            self._note("ready")
            QtCore.QTimer.singleShot(300, self._click)
        elif time.monotonic() - self._t0 > READY_TIMEOUT_S:
            self.result["error"] = "the app was not ready (project, model, audio) in time"
            self._finish()
        else:
            QtCore.QTimer.singleShot(100, self._wait_ready)

    def _click(self) -> None:
        view = self.w.map_view
        self._base = self.c.live.nonsilent_frames
        xy = view.positions()
        self.result["clicked_sound"] = self.c.state.sound_at(0).id
        self._audition_id = None
        self.c.soundAuditioned.connect(lambda sid: setattr(self, "_audition_id", sid))
        QTest.mouseClick(
            view.viewport(), LEFT, QtCore.Qt.KeyboardModifier(0), view.view_pos(*xy[0])
        )
        self._note("clicked a point")
        QtCore.QTimer.singleShot(1500, self._after_click)

    def _after_click(self) -> None:
        self.result["click_nonsilent_frames"] = self.c.live.nonsilent_frames - self._base
        self.result["click_peak"] = self.c.live.peak
        self._drag_targets = 0
        self.c.scrubMoved.connect(self._on_scrub)
        view = self.w.map_view
        xy = view.positions()
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        self._a = view.view_pos(float(lo[0]), float(lo[1]))
        self._b = view.view_pos(float(hi[0]), float(hi[1]))
        self._steps, self._k = 120, 0
        self._drag_base = self.c.live.nonsilent_frames
        QTest.mousePress(view.viewport(), LEFT, QtCore.Qt.KeyboardModifier(0), self._a)
        self._note("drag started")
        QtCore.QTimer.singleShot(20, self._drag_step)

    def _on_scrub(self, x: float, y: float, z) -> None:
        self._drag_targets += 1

    def _drag_step(self) -> None:
        view = self.w.map_view
        self._k += 1
        f = self._k / self._steps
        pos = self._a + (self._b - self._a) * f
        QTest.mouseMove(view.viewport(), pos)
        if self._k < self._steps:
            QtCore.QTimer.singleShot(20, self._drag_step)  # ~50 moves/s, 2.4 s of dragging
        else:
            QTest.mouseRelease(view.viewport(), LEFT, QtCore.Qt.KeyboardModifier(0), self._b)
            self._note("drag ended")
            QtCore.QTimer.singleShot(800, self._report)

    def _report(self) -> None:
        c = self.c
        self.result["drag_scrub_targets"] = self._drag_targets
        self.result["drag_nonsilent_frames"] = c.live.nonsilent_frames - self._drag_base
        self.result["auditioned_sound"] = self._audition_id
        self.result["tap_frames_read"] = c.live.frames_read
        self.result["tap_nonsilent_frames"] = c.live.nonsilent_frames
        self.result["tap_peak"] = c.live.peak
        st = c.audio.stats()
        self.result["stats"] = asdict(st) if st is not None else None
        self.result["status_reason"] = st.status_reason if st is not None else "no engine"
        self.result["map_points"] = self.w.map_view.point_count()
        self.result["model"] = c.model.path if c.model else None
        self._finish()

    def _finish(self) -> None:
        self._note("done")
        self.report_path.write_text(json.dumps(self.result, indent=2, default=str))
        if self.quit_when_done:
            self.w.close()
            QtWidgets.QApplication.instance().quit()


def install_from_env(window) -> SelfTest | None:
    """Start the self-test when ``LATENTSCAPE_SELFTEST`` names a report file."""
    report = os.environ.get(ENV)
    return SelfTest(window, report) if report else None
