"""Errors the engines raise for the user to read.

Every message is one line that names the file or value at fault and says what to do; callers
(CLI, GUI) print it as is, without a traceback.
"""

from __future__ import annotations


class LatentscapeError(Exception):
    """Base of every error meant for the user rather than the developer."""


class ModelLoadError(LatentscapeError):
    """A file is not a usable model (missing, unreadable, wrong format, broken methods)."""


class ModelRuntimeError(LatentscapeError):
    """A loaded model failed while running (raised inside a method, or returned NaN/Inf)."""


def one_line(exc: BaseException) -> str:
    """One line that says what went wrong, for messages shown to the user.

    TorchScript errors span many lines (interpreter banner, code excerpt, Python-style
    traceback); the reason is the last ``SomethingError: message`` line.
    """
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    for line in reversed(lines):
        head, sep, message = line.partition(": ")
        if sep and head.endswith(("Error", "Exception")) and " " not in head:
            return message
    return lines[0]
