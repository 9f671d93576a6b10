"""``run_gui``: create the application, open the main window on a project (the demo by default)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

NO_DEMO_TEXT = (
    "The built-in demo is not installed (resources/demo/demo.lsc). Drop sound folders on the map "
    "after loading a model with File → Open Model…"
)


def run_gui(project: str | None = None, model: str | None = None) -> int:
    """Open the main window and run the event loop; returns the exit code.

    Parameters
    ----------
    project : str, optional
        A ``.lsc`` project to open; None opens the built-in demo (or an empty window with a
        clear message when the demo is not there).
    model : str, optional
        A model file to load instead of the project's own.
    """
    os.environ.setdefault("QT_ENABLE_HIGHDPI_SCALING", "1")
    from PySide6 import QtWidgets

    from latentscape import screenshot, selftest
    from latentscape.engines.errors import LatentscapeError
    from latentscape.main_window import MainWindow
    from latentscape.project_session import demo_project_path
    from latentscape.settings import AppSettings
    from latentscape.warmup import preload_modules
    from latentscape.widgets.splash import StartupSplash
    from latentscape.widgets.theme import apply_theme

    if project is not None and not Path(project).is_file():
        raise LatentscapeError(f"{project}: no such project file")
    if model is not None and not Path(model).is_file():
        raise LatentscapeError(f"{model}: no such model file")

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("latentscape")
    app.setOrganizationName("latentscape")
    apply_theme(app)
    splash = StartupSplash()
    splash.show()
    preload_modules(report=splash.report)  # before the window: imports on a worker stall it
    settings_file = os.environ.get("LATENTSCAPE_SETTINGS")  # tests: a private INI file
    settings = AppSettings(settings_file) if settings_file else AppSettings()
    window = MainWindow(settings)
    attach_features(window)
    window.finish_setup()
    window.show()
    splash.finish(window)
    _open_start(window, project, model, demo_project_path())
    window._scripted = selftest.install_from_env(window) or screenshot.install_from_env(window)
    return int(app.exec())


def attach_features(window) -> None:
    """Panels other features add to the window: latent paths (issue 7), galleries (issue 8)."""
    from latentscape.gallery_controller import GalleryController
    from latentscape.paths_controller import attach_paths

    attach_paths(window)
    GalleryController.attach(window)


def _open_start(window, project: str | None, model: str | None, demo: Path | None) -> None:
    """Open ``project`` (with ``model``); a model alone starts an empty project for it (the
    demo's sounds were encoded by the demo's model: nothing there would sound through it);
    neither opens the demo."""
    c = window.controller
    if project is None and model is not None:
        c.new_project(model=model)
        return
    target = project or (str(demo) if demo is not None else None)
    if target is not None:
        c.open_project(target, model=model)
        return
    c.start_audio()
    window.banner.show_message(NO_DEMO_TEXT, "info")
