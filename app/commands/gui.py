"""``latentscape gui [PROJECT]`` (the default): open the main window."""

from __future__ import annotations

import argparse
import os
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    summary = "open the app (default: on the built-in demo)"
    p = sub.add_parser("gui", help=summary, description=summary)
    p.add_argument("project", nargs="?", help="a .lsc project to open instead of the demo")
    p.add_argument("--model", help="a model to load instead of the demo's")
    p.set_defaults(run=run)


def check_display() -> None:
    """On Linux, refuse in one line when there is no display to open a window on: Qt aborts
    the process there (its platform plugin message, exit code 134)."""
    from latentscape.engines.errors import LatentscapeError

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise LatentscapeError(
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); run "
            "it in a desktop session, or use the command line (latentscape --help)"
        )


def run(args: argparse.Namespace) -> int:
    check_display()
    from latentscape.gui_main import run_gui

    return run_gui(project=args.project, model=args.model)
