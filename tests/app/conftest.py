"""Fixtures for the main-window tests (issue 6, tests/support/app_window.py) and the CLI
tests (``setup``: tests/support/cli_corpus.py; ``pca_project``: tests/support/mapped_corpus.py;
``project``, ``full_folder``: tests/support/cli_safety.py; ``paths``: tests/support/paths_gui.py;
``import_gate``: tests/support/import_gate.py)."""

from support.app_window import (  # noqa: F401 (re-exported fixtures)
    opened,
    settings_file,
    tiny_model,
    tiny_project,
    window,
)
from support.cli_corpus import setup  # noqa: F401 (re-exported fixture)
from support.cli_safety import full_folder, project  # noqa: F401 (re-exported fixtures)
from support.import_gate import import_gate  # noqa: F401 (re-exported fixture)
from support.mapped_corpus import pca_project  # noqa: F401 (re-exported fixture)
from support.paths_gui import paths  # noqa: F401 (re-exported fixture)
