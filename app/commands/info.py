"""``latentscape info MODEL``: what a model file holds and how fast it runs here."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="describe a model file and measure its speed here")
    p.add_argument("model", help="a .ts TorchScript export (nn~ convention) or a latentscape model")
    p.add_argument("--stereo", action="store_true", help="ask the model for stereo output")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--no-measure", action="store_true", help="skip the speed measurement")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from latentscape.engines.errors import LatentscapeError
    from latentscape.engines.loader import load_model
    from latentscape.engines.speed import measure_engine

    if args.threads < 1:
        raise LatentscapeError(f"--threads must be at least 1, got {args.threads}")
    engine = load_model(args.model, stereo=args.stereo, threads=args.threads)
    info = engine.info if args.no_measure else measure_engine(engine)
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
    else:
        print("\n".join(info.report_lines()))
    return 0
