"""``latentscape export MODEL -o model.ts``: an nn~-convention TorchScript file of our VAE."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    summary = "export a latentscape VAE as TorchScript for nn~ (Max/Pd) and other hosts"
    p = sub.add_parser("export", help=summary, description=summary)
    p.add_argument("model", type=Path, help="a model file written by 'latentscape train'")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="TorchScript file to write (never the model file itself)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from latentscape.engines.vae.exporter import export_torchscript

    path = export_torchscript(args.model, args.output)
    print(f"wrote {path} (nn~ methods: encode, decode, forward)")
    return 0
