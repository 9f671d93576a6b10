"""The CLI corpus (tests/support/cli_corpus.py) imported into a project and mapped with PCA,
through ``latentscape import`` and ``latentscape map`` as a user would."""

from __future__ import annotations

import pytest


@pytest.fixture
def pca_project(setup) -> str:
    """Path of ``p.lsc`` in the corpus folder: its sounds imported with the tiny model, and
    a PCA map stored."""
    from latentscape.cli import main

    tmp, model = setup
    project = str(tmp / "p.lsc")
    imported = main(
        ["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"]
    )
    assert imported == 0
    assert main(["map", "-p", project, "--method", "pca", "--quiet"]) == 0
    return project
