"""``latentscape`` command line: the GUI by default, and headless subcommands for scripts.

Each subcommand lives in its own module under ``latentscape.commands`` with two functions:
``add_parser(subparsers)`` and ``run(args) -> int``. The names are a contract (README):
``info, train, export, import, map, render, prior``. Each parser it adds (``prior``'s actions
too) has a ``description``, its one-line ``help`` when it has no longer one, so that
``latentscape COMMAND --help`` opens with what the command does.

Errors meant for the user (:class:`~latentscape.engines.errors.LatentscapeError`) print as one
line on stderr with exit code 2; no traceback. So do the two kinds of failure that any command
can meet in the user's files: SQLite errors from a project (damage found deep in a read, a full
disk, a read-only file) and ``OSError`` from a file read or written.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

# subcommand -> module in latentscape.commands
COMMANDS: dict[str, str] = {
    "info": "info",
    "gui": "gui",
    "train": "train",
    "export": "export",
    "import": "import_sounds",
    "map": "map",
    "render": "render",
    "prior": "prior",
}

EXIT_USER_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """An argument error is one line on stderr, exit code 2, like every other user error
    (argparse prints its usage first); ``--help`` still shows the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="latentscape",
        description="Explore the latent space of neural audio models. "
        "Without a subcommand, opens the app on the built-in demo.",
    )
    from latentscape import __version__

    parser.add_argument("--version", action="version", version=f"latentscape {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        module = importlib.import_module(f"latentscape.commands.{module_name}")
        module.add_parser(sub)
    return parser


def _join_negative_values(argv: list[str]) -> list[str]:
    """``--at -0.5,0.5`` as ``--at=-0.5,0.5``: argparse takes a value that starts with "-"
    and holds a comma for an option, and would say "expected one argument"."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] == "--at" and arg.startswith("-") and "," in arg:
            out[-1] = f"--at={arg}"
        else:
            out.append(arg)
    return out


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv or ["gui"])
    name = " ".join(filter(None, (args.command, getattr(args, "prior_action", None))))
    previous = None
    if args.command != "gui" and threading.current_thread() is threading.main_thread():
        # SIGTERM (``timeout``, a job scheduler, a closing terminal) ends a command as Ctrl-C
        # does: what it finished is saved and it says so (it ended in silence, code -15).
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(args, name)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace, name: str) -> int:
    """Run the command; user errors become one line on stderr and an exit code."""
    from latentscape.engines.errors import LatentscapeError

    try:
        return int(args.run(args) or 0)
    except LatentscapeError as exc:
        print(f"latentscape {name}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except sqlite3.Error as exc:  # damage met deep in a read, a full disk, a read-only project
        print(f"latentscape {name}: error: project file: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError as exc:
        if exc.filename is not None:  # a file the command wrote to: an error like any other
            print(f"latentscape {name}: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
            return EXIT_USER_ERROR
        # The reader of our output went away (``| head``): nothing left to say.
        with contextlib.suppress(OSError):  # keep Python from reporting it again at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a file the command had to read or write
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"latentscape {name}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"latentscape {name}: interrupted", file=sys.stderr)
        return 130
