"""Fixtures for the main-window tests (issue 6): see tests/support/app_window.py."""

from support.app_window import (  # noqa: F401 (re-exported fixtures)
    opened,
    settings_file,
    tiny_model,
    tiny_project,
    window,
)
