"""Fixtures for the main-window tests (issue 6, tests/support/app_window.py) and the CLI
corpus tests (``setup``: tests/support/cli_corpus.py)."""

from support.app_window import (  # noqa: F401 (re-exported fixtures)
    opened,
    settings_file,
    tiny_model,
    tiny_project,
    window,
)
from support.cli_corpus import setup  # noqa: F401 (re-exported fixture)
