"""TaskRunner: work runs off the GUI thread; results, errors and progress come back on it."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from latentscape.stall_monitor import StallMonitor
from latentscape.tasks import TaskRunner


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    runner = TaskRunner()
    gui_thread = QThread.currentThread()
    seen: dict = {"progress": [], "threads": set()}

    def work(ctx):
        seen["worker"] = threading.get_ident()
        for i in range(3):
            ctx.progress(i + 1, 3, f"step {i + 1}")
        return 42

    def on_progress(done, total, text):
        seen["progress"].append((done, total, text))
        seen["threads"].add(QThread.currentThread() is gui_thread)

    def on_done(result):
        seen["result"] = result
        seen["threads"].add(QThread.currentThread() is gui_thread)

    handle = runner.submit(work, on_done=on_done, on_progress=on_progress)
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42
    assert seen["worker"] != threading.get_ident()
    assert seen["progress"] == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert seen["threads"] == {True}
    assert handle.finished


def test_errors_are_reported_not_lost(qtbot):
    runner = TaskRunner()
    errors = []

    def work(ctx):
        raise ValueError("bad input file")

    runner.submit(work, on_error=lambda exc, tb: errors.append((exc, tb)))
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    exc, tb = errors[0]
    assert isinstance(exc, ValueError) and "bad input file" in tb


def test_cancel_stops_cooperative_work(qtbot):
    runner = TaskRunner()
    results = []

    def work(ctx):
        steps = 0
        while not ctx.cancelled and steps < 10_000:
            time.sleep(0.001)
            steps += 1
        return steps

    handle = runner.submit(work, on_done=results.append)
    qtbot.wait(30)
    handle.cancel()
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results[0] < 10_000 and handle.cancelled


def test_stall_monitor_counts_the_gaps_beyond_its_interval():
    """The arithmetic, on a scripted clock: a gap of 150 ms between 10 ms ticks is a 140 ms
    stall; gaps under 100 ms beyond the interval are not counted as stalls."""
    times = iter([0.0, 0.010, 0.020, 0.170, 0.180, 0.270, 0.280])
    monitor = StallMonitor(interval_ms=10, clock=lambda: next(times))
    monitor.reset()
    for _ in range(6):
        monitor._on_tick()
    assert monitor.max_stall_ms == pytest.approx(140.0)
    assert monitor.stalls_over_100ms == 1 and monitor.ticks == 6


def test_stall_monitor_sees_a_blocked_event_loop(qtbot):
    """On the real event loop: a 250 ms block of the GUI thread is seen (a busy machine may
    add stalls of its own, so only what the block guarantees is asserted)."""
    monitor = StallMonitor(interval_ms=10)
    monitor.start()
    qtbot.wait(50)
    before = monitor.stalls_over_100ms
    time.sleep(0.25)  # block the GUI thread on purpose
    qtbot.wait(50)
    monitor.stop()
    assert monitor.max_stall_ms >= 200
    assert monitor.stalls_over_100ms >= before + 1
