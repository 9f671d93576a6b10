"""Run long, Qt-free work off the GUI thread and get results back on it.

A task is a plain callable ``fn(ctx: TaskContext) -> result``. It runs on a worker thread of a
private ``QThreadPool``; it reports progress with ``ctx.progress(done, total, text)`` and checks
``ctx.cancelled`` cooperatively. ``on_done``/``on_error``/``on_progress`` are called on the GUI
thread (queued signals), so they may touch widgets. Napari-style: the task takes a snapshot
of what it needs when submitted and shares no mutable state with the GUI.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


@dataclass
class TaskContext:
    """Handed to a running task (worker thread)."""

    _cancel: threading.Event = field(default_factory=threading.Event)
    _emit_progress: Callable[[int, int, str], None] | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def progress(self, done: int, total: int, text: str = "") -> None:
        if self._emit_progress is not None:
            self._emit_progress(int(done), int(total), str(text))


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object, str)  # exception, formatted traceback
    progress = Signal(int, int, str)


class TaskHandle:
    """What the GUI keeps of a submitted task: cancel it, ask whether it ended."""

    def __init__(self, ctx: TaskContext) -> None:
        self._ctx = ctx
        self.finished = False

    def cancel(self) -> None:
        self._ctx._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._ctx.cancelled


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], ctx: TaskContext, signals: _Signals):
        super().__init__()
        self._fn = fn
        self._ctx = ctx
        self._signals = signals

    def run(self) -> None:  # worker thread
        try:
            result = self._fn(self._ctx)
        except BaseException as exc:  # reported to the GUI, never lost in a worker thread
            self._signals.failed.emit(exc, traceback.format_exc())
        else:
            self._signals.done.emit(result)


class TaskRunner(QObject):
    """Owns the worker threads. Create on the GUI thread."""

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._live: set[_Signals] = set()

    def submit(
        self,
        fn: Callable[[TaskContext], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> TaskHandle:
        signals = _Signals()  # lives on the GUI thread: its slots run there
        ctx = TaskContext(_emit_progress=signals.progress.emit)
        handle = TaskHandle(ctx)
        self._live.add(signals)

        def finish() -> None:
            handle.finished = True
            self._live.discard(signals)

        def done(result: Any) -> None:
            finish()
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException, tb: str) -> None:
            finish()
            if on_error is not None:
                on_error(exc, tb)

        signals.done.connect(done)
        signals.failed.connect(failed)
        if on_progress is not None:
            signals.progress.connect(on_progress)
        self._pool.start(_Runnable(fn, ctx, signals))
        return handle

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until every task finished (for shutdown and tests)."""
        return self._pool.waitForDone(timeout_ms)
