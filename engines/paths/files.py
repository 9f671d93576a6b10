"""Path files on disk: atomic writes, and reads that fail with one clear line.

Writes go to a temporary file beside the target, flushed, then renamed over it: a crash or a
full disk mid-write leaves the previous file intact (never half a file).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .path import PathError


def write_atomic(out: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` to fill a temporary file, then move it to ``out``; returns ``out``."""
    out = Path(out)
    if out.is_dir():
        raise PathError(f"{out}: is a directory, give a file name")
    if not out.parent.is_dir():
        raise PathError(f"{out}: folder {out.parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp makes owner-only files; give the file the mode an ordinary write would
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except OSError as exc:
        raise PathError(f"{out}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out


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
