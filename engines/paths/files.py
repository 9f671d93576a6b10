"""Path files on disk: atomic writes, and reads that fail with one clear line.

Writes go through :mod:`latentscape.engines.atomic_write`: a crash or a full disk mid-write
leaves the previous file intact (never half a file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .. import atomic_write
from .path import PathError


def write_atomic(out: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` to fill a temporary file, then move it to ``out``; returns ``out``."""
    return atomic_write.write_atomic(out, write, PathError)


def write_text_atomic(out: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``out`` atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    return write_atomic(out, write)


def read_bytes(file: Path, what: str) -> bytes:
    """The bytes of ``file``, or a one-line :class:`PathError` naming it (``what``: "a path file")."""
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise PathError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise PathError(f"{file}: is a directory, not {what}") from None
    except OSError as exc:
        raise PathError(f"{file}: cannot read ({exc.strerror})") from None
