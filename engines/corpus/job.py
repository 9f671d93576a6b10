"""The import job: files in, encoded sounds out, in a background thread (Qt-free).

Orange3 style: the work itself, :func:`run_import`, is a plain function that reports through a
state object (:class:`JobState`: status, progress, partial results, "was I cancelled?"). The
:class:`ImportJob` runs it on a worker thread with a thread-safe state whose results the caller
drains by polling (:meth:`ImportJob.take_results`), e.g. from a GUI timer.

Same content is encoded once: each sound has a key (file content hash, segment index, rules
signature); a key seen earlier in the same run, or listed in ``known_keys`` (already encoded
with this model in the project), is not encoded again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from ..contract import ModelEngine
from ..errors import ModelRuntimeError
from ..hashing import file_sha256
from .reader import BadAudioError, read_segments
from .rules import ImportRules, scan_paths


@dataclass(frozen=True)
class BadFile:
    path: str
    reason: str


@dataclass(frozen=True)
class ImportedSound:
    """One encoded sound. ``latents`` ``[frames, latent_size]`` float32; None when ``reused``."""

    path: str
    key: str
    content_hash: str
    segment_index: int
    start_s: float
    duration_s: float
    latents: np.ndarray | None
    reused: bool = False
    file_size: int = -1  # bytes, and mtime in ns, when the file was read (-1: unknown)
    file_mtime_ns: int = -1


@dataclass(frozen=True)
class ImportProgress:
    files_total: int = 0
    files_done: int = 0
    sounds_done: int = 0
    bad: int = 0
    current: str = ""
    elapsed_s: float = 0.0
    finished: bool = False
    cancelled: bool = False

    @property
    def fraction(self) -> float:
        return 1.0 if self.files_total == 0 else self.files_done / self.files_total


@dataclass(frozen=True)
class ImportReport:
    sounds: int
    reused: int
    bad: tuple[BadFile, ...]
    cancelled: bool
    elapsed_s: float
    audio_s: float
    files: int
    unchanged: int = 0  # files passed over unread: ``skip_file`` knew them
    notes: tuple[BadFile, ...] = ()  # files imported with a remark (cut short)


class JobState(Protocol):
    """What :func:`run_import` reports through. Called on the thread that runs the import."""

    def set_status(self, text: str) -> None: ...

    def set_progress(self, files_done: int, files_total: int) -> None: ...

    def add_result(self, sound: ImportedSound) -> None: ...

    def add_bad(self, bad: BadFile) -> None: ...

    def add_note(self, note: BadFile) -> None:
        """A file imported with a remark (``reason``: e.g. cut short)."""

    def is_interruption_requested(self) -> bool: ...


def printable_path(path: Path) -> str:
    """``path`` as one line of text that can be printed and stored: undecodable name bytes as
    ``\\x..``, control characters (a newline in a file name) escaped as Python writes them."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def sound_key(content_hash: str, segment_index: int, rules: ImportRules) -> str:
    return f"{content_hash}:{segment_index}:{rules.signature()}"


def run_import(
    engine: ModelEngine,
    paths: Sequence[str | Path],
    state: JobState,
    rules: ImportRules | None = None,
    known_keys: frozenset[str] | set[str] = frozenset(),
    seed: int | None = 0,
    skip_file: Callable[[Path], bool] | None = None,
) -> ImportReport:
    """Import ``paths`` (files and folders) with ``engine``; every result goes to ``state``.

    Bad files are reported with a reason and skipped. Stops between files when
    ``state.is_interruption_requested()``. A model failure (NaN, exception) on one sound marks
    that file bad; the import goes on. A file ``skip_file`` says is already imported, as it is
    now, is not read at all (counted in ``unchanged``).
    """
    rules = rules or ImportRules()
    start = time.perf_counter()
    state.set_status("scanning")
    files = scan_paths(paths)
    state.set_progress(0, len(files))
    encoded: dict[str, np.ndarray] = {}
    n_sounds = n_reused = 0
    audio_s = 0.0
    bad: list[BadFile] = []
    notes: list[BadFile] = []
    cancelled = False
    unchanged = 0
    for done, path in enumerate(files):
        if state.is_interruption_requested():
            cancelled = True
            break
        if skip_file is not None and skip_file(path):
            unchanged += 1
            state.set_progress(done + 1, len(files))
            continue
        state.set_status(str(path))
        try:
            read = read_segments(path, engine.sample_rate_hz, engine.channels, rules)
            st = os.stat(path)  # what the file was when read: a later import may pass it over
            content_hash = file_sha256(path)
            results = []
            for seg in read.segments:
                key = sound_key(content_hash, seg.index, rules)
                latents = encoded.get(key)
                reused = key in known_keys
                if latents is None and not reused:
                    latents = engine.encode(seg.audio, seed=seed)
                    encoded[key] = latents
                results.append(
                    ImportedSound(
                        str(path),
                        key,
                        content_hash,
                        seg.index,
                        seg.start_s,
                        seg.samples / engine.sample_rate_hz,
                        None if reused else latents,
                        reused,
                        st.st_size,
                        st.st_mtime_ns,
                    )
                )
        except (BadAudioError, ModelRuntimeError) as exc:
            bad.append(BadFile(printable_path(path), str(exc)))
            state.add_bad(bad[-1])
        except OSError as exc:  # vanished or unreadable between the checks and the read
            bad.append(BadFile(printable_path(path), f"cannot read ({exc.strerror or exc})"))
            state.add_bad(bad[-1])
        except Exception as exc:  # any other surprise in one file must not end the import
            reason = f"could not be imported ({type(exc).__name__}: {exc})"
            bad.append(BadFile(printable_path(path), reason))
            state.add_bad(bad[-1])
        else:
            for r in results:
                state.add_result(r)
                n_sounds += 1
                n_reused += r.reused
                audio_s += r.duration_s
            if read.note:
                notes.append(BadFile(printable_path(path), read.note))
                state.add_note(notes[-1])
        state.set_progress(done + 1, len(files))
    return ImportReport(
        sounds=n_sounds,
        reused=n_reused,
        bad=tuple(bad),
        cancelled=cancelled,
        elapsed_s=time.perf_counter() - start,
        audio_s=audio_s,
        files=len(files),
        unchanged=unchanged,
        notes=tuple(notes),
    )


@dataclass
class _ThreadState:
    """Thread-safe :class:`JobState`: the worker writes, any thread reads and drains."""

    on_progress: Callable[[ImportProgress], None] | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    progress: ImportProgress = field(default_factory=ImportProgress)
    results: list[ImportedSound] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)
    notes: list[BadFile] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def _update(self, **changes: object) -> None:
        with self.lock:
            changes["elapsed_s"] = time.perf_counter() - self.started
            self.progress = replace(self.progress, **changes)  # type: ignore[arg-type]
            progress = self.progress
        if self.on_progress is not None:
            self.on_progress(progress)

    def set_status(self, text: str) -> None:
        self._update(current=text)

    def set_progress(self, files_done: int, files_total: int) -> None:
        self._update(files_done=files_done, files_total=files_total)

    def add_result(self, sound: ImportedSound) -> None:
        with self.lock:
            self.results.append(sound)
            self.progress = replace(self.progress, sounds_done=self.progress.sounds_done + 1)

    def add_bad(self, bad: BadFile) -> None:
        with self.lock:
            self.bad.append(bad)
            self.progress = replace(self.progress, bad=self.progress.bad + 1)

    def add_note(self, note: BadFile) -> None:
        with self.lock:
            self.notes.append(note)

    def is_interruption_requested(self) -> bool:
        return self.cancel_event.is_set()


class ImportJob:
    """Run :func:`run_import` on a background thread; poll it from any thread.

    ``on_progress`` (optional) is called on the worker thread after every file; a GUI should
    rather poll :attr:`progress` and :meth:`take_results` on a timer.
    """

    def __init__(
        self,
        engine: ModelEngine,
        paths: Sequence[str | Path],
        *,
        rules: ImportRules | None = None,
        known_keys: frozenset[str] | set[str] = frozenset(),
        seed: int | None = 0,
        on_progress: Callable[[ImportProgress], None] | None = None,
        skip_file: Callable[[Path], bool] | None = None,
    ) -> None:
        self._args = (engine, list(paths), rules or ImportRules(), frozenset(known_keys), seed)
        self._skip_file = skip_file
        self._state = _ThreadState(on_progress=on_progress)
        self._thread: threading.Thread | None = None
        self._report: ImportReport | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("import job already started")
        self._state.started = time.perf_counter()
        self._thread = threading.Thread(target=self._work, name="latentscape-import", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        engine, paths, rules, known, seed = self._args
        try:
            self._report = run_import(
                engine, paths, self._state, rules, known, seed, self._skip_file
            )
        except BaseException as exc:  # surfaced by wait()/report, never lost in the thread
            self._error = exc
        finally:
            report = self._report
            self._state._update(
                finished=True, cancelled=bool(report and report.cancelled), current=""
            )

    @property
    def progress(self) -> ImportProgress:
        with self._state.lock:
            return self._state.progress

    @property
    def finished(self) -> bool:
        return self.progress.finished

    def take_results(self) -> list[ImportedSound]:
        """Sounds finished since the last call (oldest first)."""
        with self._state.lock:
            out, self._state.results = self._state.results, []
        return out

    def take_bad(self) -> list[BadFile]:
        with self._state.lock:
            out, self._state.bad = self._state.bad, []
        return out

    def take_notes(self) -> list[BadFile]:
        """Files imported with a remark since the last call (``reason``: e.g. cut short)."""
        with self._state.lock:
            out, self._state.notes = self._state.notes, []
        return out

    def cancel(self) -> None:
        """Ask the job to stop after the current file; finished sounds stay available."""
        self._state.cancel_event.set()

    def wait(self, timeout_s: float | None = None) -> ImportReport | None:
        """Block until the job ends (or ``timeout_s``); re-raises an unexpected worker error."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._error is not None:
            raise self._error
        return self._report

    @property
    def report(self) -> ImportReport | None:
        return self._report
