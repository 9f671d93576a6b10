"""Measure how long the GUI event loop goes without running (the "never freezes" goal).

A 10 ms ``QTimer`` notes when it actually fires; any gap beyond its interval is a stall of
the event loop. Read ``max_stall_ms`` after the work you want to judge (goal: < 100 ms).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class StallMonitor(QObject):
    """Create and read on the GUI thread. ``clock``: seconds, monotonic (tests script it)."""

    def __init__(
        self,
        interval_ms: int = 10,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._interval_s = interval_ms / 1000.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._last = 0.0
        self.max_stall_ms = 0.0
        self.stalls_over_100ms = 0
        self.ticks = 0

    def start(self) -> None:
        self.reset()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self._last = self._clock()
        self.max_stall_ms = 0.0
        self.stalls_over_100ms = 0
        self.ticks = 0

    def _on_tick(self) -> None:
        now = self._clock()
        stall_ms = 1000.0 * (now - self._last - self._interval_s)
        self._last = now
        self.ticks += 1
        if stall_ms > self.max_stall_ms:
            self.max_stall_ms = stall_ms
        if stall_ms > 100.0:
            self.stalls_over_100ms += 1
