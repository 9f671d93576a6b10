"""``latentscape gui [PROJECT]`` (the default): open the main window."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the app (default: on the built-in demo)")
    p.add_argument("project", nargs="?", help="a .lsc project to open instead of the demo")
    p.add_argument("--model", help="a model to load instead of the demo's")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from latentscape.gui_main import run_gui

    return run_gui(project=args.project, model=args.model)
