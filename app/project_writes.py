"""Writes a project cannot take: a read-only file or folder, a full disk.

SQLite says "attempt to write a readonly database" or "database or disk is full", naming
neither the project nor a way out. :func:`write_errors` (around every
:meth:`ProjectStore.transaction`) turns those into a :class:`ProjectWriteError`: one line that
names the project and the cure, still an ``sqlite3.OperationalError`` for the callers that
catch SQLite's errors. A refused write also marks the store ``read_only``, as
:meth:`ProjectStore.check_writable` does, so the window can refuse work whose result could not
be kept before doing it (:func:`refusal`).

Qt-free; any thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from latentscape.project_records import ProjectError

SAVE_AS_CURE = "File → Save As… to keep working on a copy"
FULL_CURE = "free some space, or File → Save As… to another disk"
# SQLite's primary result codes (the low byte of an extended one)
_READONLY, _FULL, _CANTOPEN = 8, 13, 14


class ProjectWriteError(ProjectError, sqlite3.OperationalError):
    """A write the project's file, folder or disk refused. ``kind``: "read-only" or "full";
    ``reason``: the line without the project's name (to embed in a longer one)."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path, self.kind = Path(path), kind
        if kind == "read-only":
            self.reason = f"it is read-only: changes cannot be saved; {SAVE_AS_CURE}"
            line = read_only_line(self.path)
        else:
            self.reason = f"the disk is full ({free_space(self.path)} free): {FULL_CURE}"
            line = f"{self.path}: {self.reason}"
        super().__init__(line)


def kind_of(exc: BaseException) -> str:
    """The kind of an SQLite error: "read-only", "full", or "" (another trouble)."""
    if isinstance(exc, ProjectWriteError):
        return exc.kind
    if not isinstance(exc, sqlite3.OperationalError):
        return ""
    code = getattr(exc, "sqlite_errorcode", None)
    code = code & 0xFF if isinstance(code, int) else -1
    text = str(exc)
    if code == _READONLY or "readonly database" in text:
        return "read-only"
    if code == _FULL or "disk is full" in text:
        return "full"
    return ""


@contextlib.contextmanager
def write_errors(store) -> Iterator[None]:
    """Turn a read-only or full-disk SQLite error raised in the block into a
    :class:`ProjectWriteError` for ``store``'s project (other errors pass as they are); a
    read-only one sets ``store.read_only``."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        kind = kind_of(exc)
        if kind == "read-only":
            store.read_only = True
        if not kind or isinstance(exc, ProjectWriteError):
            raise
        raise ProjectWriteError(store.path, kind) from exc


def read_only_line(path: str | Path) -> str:
    """The window's banner for a project opened read-only."""
    return f"{Path(path).name} is read-only: changes cannot be saved; {SAVE_AS_CURE}"


def refusal(path: str | Path, action: str) -> str:
    """Why ``action`` ("import sounds", "lay out the map again") is refused at once."""
    return f"Cannot {action}: {Path(path).name} is read-only; {SAVE_AS_CURE}"


def is_write_note(text: str) -> bool:
    """True for a message of this module (what Save As to a writable copy puts right)."""
    return SAVE_AS_CURE in text or FULL_CURE in text


def probe(store):
    """Worker thread: ``store`` (a ProjectStore), once it knows whether it can be written
    (``store.read_only``; writes nothing). A project another program is writing right now
    counts as writable: only SQLite's "read-only" says otherwise."""
    with contextlib.suppress(ProjectError):
        store.check_writable()
    return store


def copy_failure(path: str | Path, exc: BaseException) -> str:
    """Why Save As to ``path`` failed, in words (its disk full, its folder not writable)."""
    path = Path(path)
    folder = path.absolute().parent
    kind = kind_of(exc)
    cantopen = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == _CANTOPEN
    if kind == "full" or getattr(exc, "errno", None) == errno.ENOSPC:
        why = f"the disk is full there ({free_space(path)} free): choose another place"
    elif (
        kind == "read-only"
        or getattr(exc, "errno", None) in (errno.EACCES, errno.EROFS)
        or (cantopen and not os.access(folder, os.W_OK | os.X_OK))
    ):
        why = f"the folder {folder} is not writable: choose another place"
    else:
        why = str(exc)
    return f"could not save the project as {path.name}: {why}"


def free_space(path: Path) -> str:
    """Free space on the disk holding ``path``'s folder, as "128 KB" ("?" if unknown)."""
    try:
        size = float(shutil.disk_usage(path.absolute().parent).free)
    except OSError:
        return "?"
    unit = "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            break
        size /= 1000
    return f"{size:.0f} {unit}" if size >= 10 or unit == "B" else f"{size:.1f} {unit}"
