"""Files written whole or not at all.

The content goes to a temporary file beside the target (flushed and fsynced), which is then
renamed over it: a crash, a full disk or a read-only folder mid-write leaves the previous file
as it was, and no temporary file behind. Any thread.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import itertools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import LatentscapeError

NAME_MAX = 255  # bytes in one file name (Linux, macOS, Windows)


def check_can_create(out: str | Path, error: type[LatentscapeError] = LatentscapeError) -> None:
    """Raise ``error`` unless ``out`` could be written: the nearest folder on its path that
    exists must be a folder this process may write in (checked before long work starts)."""
    out = Path(out)
    for folder in (out.parent, *out.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise error(f"{out}: {folder} is not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise error(f"{out}: the folder {folder} is not writable")
            return


def free_path(path: Path) -> Path:
    """``path`` if no file has that name yet, else the first free of ``name-2.ext``,
    ``name-3.ext``… beside it: a name to write without replacing anything (any thread; a
    name free now may be taken before it is written)."""
    names = (path.with_name(f"{path.stem}-{k}{path.suffix}") for k in itertools.count(2))
    return path if not path.exists() else next(n for n in names if not n.exists())


def write_atomic(
    out: str | Path,
    write: Callable[[Path], None],
    error: type[LatentscapeError] = LatentscapeError,
) -> Path:
    """Call ``write(tmp)`` to fill a temporary file, then move it to ``out``; returns ``out``.

    Failures raise ``error`` with one line naming ``out``.
    """
    out = Path(out)
    if out.is_dir():
        raise error(f"{out}: is a directory, give a file name")
    if not out.parent.is_dir():
        raise error(f"{out}: folder {out.parent} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(out), suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise error(f"{out}: cannot write ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp makes owner-only files; give the file the mode an ordinary write would
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except OSError as exc:
        raise error(f"{out}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _temp_prefix(out: Path) -> str:
    """``.NAME.``: the temporary file is named after its target, so that the name (with
    mkstemp's 8 characters and ".tmp") stays within the 255 bytes a file name may have: any
    name the file system takes can be written. A longer name is shortened, and marked with a
    hash of the whole name (two long names that begin alike keep their own temporary files)."""
    room = NAME_MAX - len("..") - 8 - len(".tmp")
    name = out.name.encode()
    if len(name) > room:
        mark = hashlib.sha1(name).hexdigest()[:8]
        name = name[: room - 9].decode(errors="ignore").encode() + f"~{mark}".encode()
    return f".{name.decode()}."


def remove_stale_temps(out: str | Path) -> None:
    """Remove temporary files that a killed writer of ``out`` left beside it (a write that
    ends normally leaves none). Only for outputs one program writes at a time."""
    out = Path(out)
    with contextlib.suppress(OSError):
        for stale in out.parent.glob(f"{glob.escape(_temp_prefix(out))}????????.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()


def write_bytes_atomic(
    out: str | Path, data: bytes | memoryview, error: type[LatentscapeError] = LatentscapeError
) -> Path:
    """Write ``data`` to ``out`` atomically (see :func:`write_atomic`)."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    return write_atomic(out, write, error)
