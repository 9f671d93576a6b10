"""Train a prior on a background thread, with progress the GUI can poll and a cancel button.

The GUI never blocks: it starts the job, polls :attr:`TrainingJob.progress` on a timer (a
frozen snapshot, safe to read from any thread), and calls :meth:`TrainingJob.cancel` if asked.
When :attr:`TrainingJob.finished` is true, :attr:`TrainingJob.report` holds the result (or
:attr:`TrainingJob.error` the one-line reason it failed); the prior itself is then trained.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ..errors import LatentscapeError
from .base import LatentPrior, TrainReport
from .windows import LatentWindows


@dataclass(frozen=True)
class TrainingProgress:
    """``step`` of ``total`` (an estimate under a time budget), smoothed ``loss``, wall time."""

    step: int = 0
    total: int = 0
    loss: float = float("nan")
    elapsed_s: float = 0.0
    finished: bool = False
    cancelled: bool = False

    @property
    def fraction(self) -> float:
        """Progress in [0, 1]."""
        if self.finished:
            return 1.0
        return min(1.0, self.step / self.total) if self.total > 0 else 0.0


class TrainingJob:
    """Runs ``prior.train(windows, ...)`` on a daemon thread.

    Parameters are those of :meth:`~.base.LatentPrior.train`. Do not sample from ``prior``
    before :attr:`finished` is true.
    """

    def __init__(
        self,
        prior: LatentPrior,
        windows: LatentWindows,
        steps: int | None = None,
        seconds: float | None = None,
        seed: int = 0,
    ) -> None:
        self.prior = prior
        self._windows = windows
        self._steps = steps
        self._seconds = seconds
        self._seed = seed
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._progress = TrainingProgress()
        self._t0 = 0.0
        self.report: TrainReport | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"train-{prior.kind}", daemon=True)

    def start(self) -> TrainingJob:
        """Start training and return at once."""
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    @property
    def progress(self) -> TrainingProgress:
        """The latest snapshot (any thread)."""
        return self._progress

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> None:
        """Ask training to stop after its current step (any thread)."""
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> TrainReport | None:
        """Block until finished (or ``timeout_s``); the report, or None if not finished/failed."""
        self._done.wait(timeout_s)
        return self.report

    def _on_progress(self, step: int, total: int, loss: float) -> None:
        elapsed = time.monotonic() - self._t0
        self._progress = TrainingProgress(step, total, loss, elapsed)

    def _run(self) -> None:
        try:
            report = self.prior.train(
                self._windows,
                steps=self._steps,
                seconds=self._seconds,
                progress_cb=self._on_progress,
                cancel_check=self._cancel.is_set,
                seed=self._seed,
            )
            self.report = report
            self._progress = TrainingProgress(
                report.steps, report.steps, report.loss, report.seconds, True, report.cancelled
            )
        except LatentscapeError as exc:
            self.error = str(exc)
            self._progress = TrainingProgress(finished=True, cancelled=self._cancel.is_set())
        except Exception as exc:  # a worker thread must always finish and say why
            self.error = f"training failed: {type(exc).__name__}: {exc}"
            self._progress = TrainingProgress(finished=True, cancelled=self._cancel.is_set())
        finally:
            self._done.set()
