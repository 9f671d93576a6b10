"""Import by drop or menu: run a ``ProjectImport``, show progress, hand new sounds to the map.

The import is prepared on a worker (it reads what the project already holds), then runs
(reading, resampling, encoding) on the job's own thread; a 100 ms GUI
timer asks a worker to poll it (``poll()`` writes finished sounds to the project, a transaction
with an fsync: too slow for the GUI thread) and to read them back; the GUI thread then emits
them as ``soundsImported``.
Files that fail are collected with their reasons (:attr:`failures`).

Thread: GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6 import QtCore
from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.engines.corpus import ImportRules
from latentscape.project_import import ProjectImport
from latentscape.project_session import ProjectSnapshot, snapshot_of
from latentscape.project_writes import ProjectWriteError, probe, refusal
from latentscape.tasks import TaskRunner
from latentscape.widgets.import_panel import FailedFilesDialog, ImportProgress

POLL_MS = 100


def _bad_pairs(bad: Sequence[object]) -> list[tuple[str, str]]:
    return [(str(getattr(b, "path", b)), str(getattr(b, "reason", ""))) for b in bad]


@dataclass(frozen=True)
class _Polled:
    finished: bool
    sounds: list
    latents: dict
    bad: list
    noted: list  # (path, note) of files imported with a remark (cut short)
    progress: object
    report: object
    reencoded: int
    missing: int  # the project's sounds still without latents for this model
    changed: int  # files whose content changed since their import (new sounds beside old)
    moved: int  # sounds whose file was found elsewhere (moved or renamed), in all
    moved_sounds: list  # their records, new since the last poll (those not re-encoded)


def _poll_job(job, store, reencoded_seen: int, moved_seen: int = 0) -> _Polled:
    """Worker thread: store finished sounds (a transaction + fsync: never on the GUI thread)
    and read them back with their latents."""
    finished = bool(job.finished)  # read before poll: a poll after the end takes the rest
    new_ids = list(job.poll())
    reencoded = list(getattr(job, "reencoded_ids", []))[reencoded_seen:]
    all_moved = list(getattr(job, "moved_ids", []))
    moved_sounds = [store.sound(i) for i in all_moved[moved_seen:] if i not in reencoded]
    sounds, latents = [], {}
    for sid in new_ids + reencoded:  # sounds re-encoded for a new model join the map too
        z = store.latents(sid)
        if z is not None:
            sounds.append(store.sound(sid))
            latents[sid] = z
    bad = _bad_pairs(job.bad_files())
    noted = _bad_pairs(job.noted_files())
    missing = int(getattr(job, "missing_count", 0))
    changed = len(getattr(job, "changed_files", ()))
    return _Polled(
        finished,
        sounds,
        latents,
        bad,
        noted,
        job.progress,
        job.report,
        len(reencoded),
        missing,
        changed,
        len(all_moved),
        moved_sounds,
    )


def _drop_names(paths) -> str:
    """What an import of ``paths`` is called: the first two names, "…" for more."""
    return ", ".join(Path(p).name for p in paths[:2]) + ("…" if len(paths) > 2 else "")


class ImportController(QObject):
    """One import at a time into the current project.

    Signals
    -------
    soundsImported(list[Sound], dict[int, ndarray])
        Newly stored sounds and their latents ``[frames, latent_size]`` float32, by sound id.
    importFinished(object)
        The ``ImportReport`` (``cancelled`` set when the user stopped it), or None on error.
    soundsMoved(list[Sound])
        Sounds of the map whose files the import found moved or renamed (new records).
    mapReread(ProjectSnapshot)
        The import gave the project another model (``start(reread_map=True)``): its sounds
        already encoded with that model and its saved map, before the import's own arrive.
    failuresChanged(list[tuple[str, str]])
        All (path, reason) pairs of files that failed in the current/last import.
    refused(str)
        An import refused before it began (a read-only project): the one-line reason.
    """

    soundsImported = Signal(object, object)  # list[Sound], dict[int, ndarray]
    soundsMoved = Signal(object)  # list[Sound]: their files were found elsewhere
    mapReread = Signal(object)  # ProjectSnapshot: the project as its new model shows it
    importFinished = Signal(object)
    failuresChanged = Signal(list)
    message = Signal(str)
    refused = Signal(str)

    def __init__(
        self, progress: ImportProgress, dialog_parent=None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._dialog_parent = dialog_parent
        self._panel = progress
        self._panel.cancelRequested.connect(self.cancel)
        self._panel.showFailuresRequested.connect(self.show_failures)
        self._job = None
        self._store = None
        self._engine = None  # the running import's
        self.rules = ImportRules()  # how the next import cuts files (File → Import Options…)
        # drops made while it runs, each with the import options in force when it was made:
        # imported after it, one by one
        self._queue: list[tuple[list[str], ImportRules]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_poll)
        self.failures: list[tuple[str, str]] = []
        self.noted: list[tuple[str, str]] = []  # imported with a remark (cut short)
        self.imported_ids: list[int] = []
        self._reencoded_seen = 0
        self._moved_seen = 0
        self._polling = False
        self._runner = TaskRunner(max_threads=1, parent=self)  # preparing, polls: one at a time
        self._preparing = False  # the import is being prepared on the worker
        self._cancel_early = False  # cancelled while being prepared
        self._closed = False
        self._dialog: FailedFilesDialog | None = None

    @property
    def running(self) -> bool:
        return self._job is not None or self._preparing

    def start(
        self, store, engine, paths: Sequence[str | Path], *, reread_map: bool = False
    ) -> bool:
        """Import ``paths`` (files and folders, recursively) into ``store`` with ``engine``.

        The import is prepared on the worker (it reads what the project holds: ~1 s for
        100,000 sounds) and starts from there; ``reread_map`` (the import changes the
        project's model): the project is read again for the new model and ``mapReread``
        emitted first. While an import into ``store`` with ``engine`` runs, ``paths`` are
        queued: imported when it ends (unless it is cancelled). Returns False (with a
        ``message``) when an import into another project, or with another model, runs, and
        (with ``refused``) when the project is read-only: nothing is encoded to be lost.
        """
        if store.read_only:
            self.refused.emit(refusal(store.path, "import sounds"))
            return False
        if self.running:
            if store is not self._store or engine is not self._engine:
                self.message.emit("An import is already running: wait for it or cancel it")
                return False
            self._queue.append(([str(p) for p in paths], self.rules))  # one after another
            next_up = f"{_drop_names(paths)}: imported next, when the running import ends"
            self.message.emit(next_up)
            return True
        self._begin(store, engine, paths, self.rules, reread_map=reread_map)
        return True

    def _begin(
        self, store, engine, paths, rules: ImportRules, *, reread_map: bool, queued: bool = False
    ) -> None:
        """Start importing ``paths``; ``queued``: a drop made while the last import ran, whose
        failures join that import's list."""
        if not queued:
            self.failures, self.noted = [], []
            self.failuresChanged.emit([])
        self.imported_ids = []
        self._reencoded_seen = self._moved_seen = 0
        self._store, self._engine = store, engine
        self._preparing, self._cancel_early = True, False
        paths = [str(p) for p in paths]

        def prepare(ctx):
            if probe(store).read_only:  # found read-only since it was opened: encode nothing
                raise ProjectWriteError(store.path, "read-only")
            # makes the engine's model the project's
            job = ProjectImport(store, engine, paths, rules=rules)
            return job, snapshot_of(store) if reread_map else None

        self._runner.submit(
            prepare,
            on_done=self._on_prepared,
            on_error=lambda exc, tb: self._on_prepare_failed(exc),
        )
        self._panel.set_failed_count(len(self.failures), len(self.noted))
        self._panel.set_progress(0, 0, _drop_names(paths))

    def _on_prepared(self, prepared: tuple[ProjectImport, ProjectSnapshot | None]) -> None:
        job, snapshot = prepared
        self._preparing = False
        if self._closed:
            return
        if snapshot is not None:  # the project has the new model now, cancelled or not
            self.mapReread.emit(snapshot)
        if self._cancel_early:
            self._end(None, "Import cancelled: 0 sounds added")
            return
        self._job = job
        job.start()
        self._timer.start()

    def _on_prepare_failed(self, exc: BaseException) -> None:
        self._preparing = False
        if self._cancel_early:  # its project was left meanwhile (and closed under it)
            self._end(None, "Import cancelled: 0 sounds added", announce=False)
        elif not self._closed:
            self._end(None, f"Import failed: {exc}")

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
        elif self._preparing:
            self._cancel_early = True
        else:
            return
        self._panel.show_cancelling()

    def prepared(self, store, timeout_ms: int = 30_000) -> bool:
        """Wait (GUI thread, painting but taking no input) until an import into ``store`` is
        past its preparation, which reads stored paths (relative to the project's file); True
        when none is left being prepared. Once running, an import holds only resolved files,
        so Save As may move its project under it (``ProjectStore.continue_as``)."""
        waited = QtCore.QDeadlineTimer(timeout_ms)
        while self._store is store and self._preparing and not waited.hasExpired():
            QtCore.QCoreApplication.processEvents(
                QtCore.QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 20
            )
        return not (self._store is store and self._preparing)

    def stop_into(self, store) -> None:
        """The window leaves ``store`` (GUI thread, before closing it): an import into it
        stops now, and the sounds it finished are stored in it first. (It went on writing into
        the closed project, failing, and its sounds would have joined the next project's map.)
        """
        if self._store is not store or not self.running:
            return
        if self._job is None:  # still being prepared: it ends as soon as it is
            self._cancel_early = True
            return
        job = self._job
        job.stop()
        waited = QtCore.QDeadlineTimer(10_000)
        while self._polling and not waited.hasExpired():  # a poll writing: let it finish
            QtCore.QCoreApplication.processEvents(
                QtCore.QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 20
            )
        if job is not self._job:  # it ended meanwhile, and said so
            return
        r = _poll_job(job, store, self._reencoded_seen)
        saved = len(self.imported_ids) + len(r.sounds)
        self._end(
            r.report,
            f"Import stopped: {saved} sounds were saved; import the same files again to finish",
            announce=False,
        )

    def shutdown(self) -> None:
        """Cancel a running import and stop polling (the window is closing)."""
        self._closed = True
        if self._job is not None:
            self._job.cancel()
        self._job = None
        self._timer.stop()
        self._runner.wait(30_000)  # a poll may be writing to the project

    def _on_poll(self) -> None:
        job, store = self._job, self._store
        if job is None or store is None:
            self._timer.stop()
            return
        if self._polling:
            return
        self._polling = True
        seen, moved, begun_in = self._reencoded_seen, self._moved_seen, store.path
        self._runner.submit(
            lambda ctx: _poll_job(job, store, seen, moved),
            on_done=lambda result: self._on_polled(job, result, begun_in),
            on_error=lambda exc, tb: self._on_poll_failed(job, exc),
        )

    def _hand_over(self, r: _Polled) -> None:
        """Stored sounds of a poll go to the map; moved ones take their new files."""
        if r.sounds:
            self.imported_ids.extend(s.id for s in r.sounds)
            self.soundsImported.emit(r.sounds, r.latents)
        if r.moved_sounds:
            self.soundsMoved.emit(r.moved_sounds)

    def _on_poll_failed(self, job, exc: BaseException) -> None:
        self._polling = False
        if job is self._job:  # a failed write to the project: stop, say why, keep the rest
            job.cancel()
            self._end(None, f"Import stopped: {exc}")

    def _on_polled(self, job, r: _Polled, begun_in: Path) -> None:
        self._polling = False
        if job is not self._job:
            return
        if self._store.path != begun_in:  # Save As moved the project: paths were rebased
            r = replace(
                r,
                sounds=[self._store.sound(s.id) for s in r.sounds],
                moved_sounds=[self._store.sound(s.id) for s in r.moved_sounds],
            )
        self._reencoded_seen += r.reencoded
        self._moved_seen = r.moved
        self._hand_over(r)
        if r.bad or r.noted:
            self.failures.extend(r.bad)
            self.noted.extend(r.noted)
            self._panel.set_failed_count(len(self.failures), len(self.noted))
        if r.bad:
            self.failuresChanged.emit(list(self.failures))
        p = r.progress
        self._panel.set_progress(p.files_done, p.files_total, Path(p.current).name)
        if r.finished:
            report = r.report
            added = len(self.imported_ids) - self._reencoded_seen
            what = "cancelled" if report is not None and report.cancelled else "done"
            again = f", {self._reencoded_seen} encoded again" if self._reencoded_seen else ""
            if job.skipped:  # found as they are: a re-import adds none of them again
                again += f", {job.skipped} already in the project"
            copies = job.copies
            if copies:  # byte for byte another sound: the same place, drawn on top of it
                again += f", {copies} identical to other sounds (on the same spot)"
            failed = f", {len(self.failures)} failed" if self.failures else ""
            if self.noted:
                failed += f", {len(self.noted)} cut short"
            # Sounds of a model change not encoded again (cancelled, or their files gone) are
            # off the map until they are: say how many, and what brings them back.
            left = (
                f"; {r.missing} sounds are not on the map until they are encoded with this "
                "model: import their folders again"
                if r.missing
                else ""
            )
            if r.changed:
                left += (
                    f"; {r.changed} files changed since their import: their earlier sounds "
                    "stay beside the new ones"
                )
            if r.moved:
                left += f"; {r.moved} sounds found moved or renamed: they keep their sounds"
            recut = len(job.recut_files)
            if recut:
                left += (
                    f"; {recut} file{'s' if recut != 1 else ''} imported before with other "
                    "options: their earlier sounds stay beside the new ones"
                )
            generated = int(getattr(job, "generated_without_latents", 0))
            if generated:
                left += (
                    f"; {generated} generated sounds are off the map: they belong to the model "
                    "they were made with"
                )
            sounds = "sound" if added == 1 else "sounds"
            self._end(report, f"Import {what}: {added} {sounds} added{again}{failed}{left}")

    def _end(self, report, text: str, announce: bool = True) -> None:
        """The import is over; ``announce``: emit ``importFinished`` (not when its project is
        being left: nothing of the next one is to be refined for it)."""
        self._timer.stop()
        self._job = None
        goes_on = announce and not (report is None or report.cancelled) and not self._closed
        if self._queue and not goes_on:  # cancelled, or its project left: the queue goes
            n = len(self._queue)
            dropped = f"{n} queued import{'s' if n != 1 else ''} not started"
            text += f"; {dropped}"
            self._queue = []
            if not announce:  # the panel is cleared for the next project: say it there
                self.message.emit(f"{dropped} (they were for the project left)")
        self._panel.finish(text)  # the status bar's import panel says it (not twice)
        if announce:
            self.importFinished.emit(report)
        if self._queue:
            paths, rules = self._queue.pop(0)
            self._begin(self._store, self._engine, paths, rules, reread_map=False, queued=True)

    def show_failures(self) -> None:
        """Open the failed-files dialog (the status bar's "N failed" link)."""
        if self._dialog is None:
            self._dialog = FailedFilesDialog(self._dialog_parent)
        self._dialog.set_failures(self.failures, self.noted)
        self._dialog.show()
        self._dialog.raise_()

    @property
    def dialog(self) -> FailedFilesDialog | None:
        return self._dialog
