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
