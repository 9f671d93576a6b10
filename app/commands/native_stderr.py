"""Keep a native decoder's chatter off the terminal while a command draws its progress bar.

libmpg123 (inside libsndfile) prints notes such as "Note: Illegal Audio-MPEG-Header …" straight
to file descriptor 2 while it reads a damaged MP3; they break the progress line, and the import
already says what became of the file. :func:`quiet_decoder_chatter` points fd 2 at a pipe for
a while: a thread forwards every line of it to the terminal except the decoder's notes, and
Python's own ``sys.stderr`` (the progress bar, messages) writes to the terminal directly.

Thread: enter and leave on the command's main thread; the forwarder is a daemon thread.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import re
import sys
import threading
from collections.abc import Iterator

# What libmpg123 says while it resyncs over damage or checks a Xing header ("Note: Illegal
# Audio-MPEG-Header …", "Note: Hit end of (available) data during resync.", "Warning: Xing
# stream size off …", "[src/libmpg123/parse.c:…] error: …"). Python's own warnings never pass
# here: they go to ``sys.stderr``.
DECODER_CHATTER = re.compile(r"^(Note: |Warning: |\[src/libmpg123/)")


def _forward(source: int, target: int) -> None:
    """Copy lines from ``source`` to ``target`` but the decoder's notes; closes both."""
    try:
        with open(source, "rb", closefd=True) as lines:
            for line in lines:
                if not DECODER_CHATTER.match(line.decode("utf-8", "replace")):
                    os.write(target, line)
    finally:
        os.close(target)


def _writes_to_fd_2(stream: object) -> bool:
    try:
        return stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # a StringIO, a test's capture
        return False


class _TerminalStderr(io.TextIOBase):
    """``sys.stderr`` while the filter runs: text written straight to ``fd`` (the terminal's
    stderr, duplicated), then to fd 2 once it is the terminal again, so that anything that
    kept this stream (a logging handler made meanwhile) goes on writing."""

    def __init__(self, fd: int, encoding: str) -> None:
        super().__init__()
        self.fd = fd
        self._encoding = encoding

    @property
    def encoding(self) -> str:
        return self._encoding

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data = text.encode(self._encoding, "backslashreplace")
        while data:
            data = data[os.write(self.fd, data) :]
        return len(text)

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)


@contextlib.contextmanager
def quiet_decoder_chatter() -> Iterator[None]:
    """For the ``with`` body: native writes to fd 2 pass through a filter that drops the
    decoder's notes. A ``sys.stderr`` on fd 2 is replaced by a stream on the terminal's
    stderr (the filter reads whole lines: a progress bar redrawn with ``\\r`` would stall);
    one redirected elsewhere (a caller's capture) is left as it is. A crash meanwhile still
    shows its traceback (faulthandler writes to the terminal); a C library's last words
    before an abort can be lost in the pipe."""
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no fd 2 to redirect (embedded, closed)
        yield
        return
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    forwarder = threading.Thread(target=_forward, args=(read_end, os.dup(terminal)), daemon=True)
    forwarder.start()
    python_stderr = sys.stderr
    quiet = None
    if _writes_to_fd_2(python_stderr):  # else it was redirected already: leave it be
        encoding = getattr(python_stderr, "encoding", None) or "utf-8"
        sys.stderr = quiet = _TerminalStderr(terminal, encoding)
    was_enabled = faulthandler.is_enabled()
    faulthandler.enable(file=terminal)
    try:
        yield
    finally:
        if was_enabled:
            faulthandler.enable(file=2)
        else:
            faulthandler.disable()
        if quiet is not None:
            sys.stderr = python_stderr
        os.dup2(terminal, 2)  # the pipe's last writer closes: the forwarder reads its end
        if quiet is not None:
            quiet.fd = 2  # anything that kept it writes to the terminal, through fd 2
        forwarder.join(2.0)
        os.close(terminal)
