"""``latentscape info MODEL|PROJECT``: what a model file holds and how fast it runs here, or
what a project holds (its model, sounds, map, paths and priors) and its model's report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:
    summary = "describe a model file and measure its speed here, or what a project holds"
    p = sub.add_parser("info", help=summary, description=summary)
    p.add_argument(
        "model",
        metavar="MODEL|PROJECT",
        help="a .ts TorchScript export (nn~ convention) or a latentscape model; or a project "
        "(.lsc): its model, sounds, map, paths and priors, then its model's report",
    )
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
    project = _project_summary(Path(args.model)) if _is_project(Path(args.model)) else None
    model_path = args.model if project is None else project.get("model_found")
    info = None
    if model_path:
        engine = load_model(model_path, stereo=args.stereo, threads=args.threads)
        info = engine.info if args.no_measure else measure_engine(engine)
    if args.json:
        if project is None:
            report = info.to_dict()
        else:
            report = {k: v for k, v in project.items() if k != "lines"}
            report["model_info"] = None if info is None else info.to_dict()
        print(json.dumps(report, indent=2))
        return 0
    if project is not None:
        print("\n".join(f"{key + ':':<18}{value}" for key, value in project["lines"]))
        if info is not None:
            print()
    if info is not None:
        print("\n".join(info.report_lines()))
    return 0


def _is_project(path: Path) -> bool:
    from latentscape.engines.loader import SQLITE_MAGIC

    try:
        if not path.is_file():  # a FIFO would block the read: the model loader says why
            return False
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False  # the model loader says why


def _project_summary(path: Path) -> dict[str, Any]:
    """What the project at ``path`` holds, read only: ``lines`` (label, text) for the report,
    and the JSON fields, ``model_found`` the model file's path (None when not found)."""
    from latentscape.engines.paths import ITEM_KIND as PATH_KIND
    from latentscape.engines.priors import prior_items
    from latentscape.project_maps import CURRENT_MAP
    from latentscape.project_session import resolve_model_path
    from latentscape.project_store import ProjectStore

    with ProjectStore.open(path) as store:
        ref = store.model()
        sounds = store.sounds()
        encoded = len(store.latent_ids()) if ref is not None else 0
        saved_map = store.get_map(CURRENT_MAP) if ref is not None else None
        paths = len(store.items(PATH_KIND, with_payload=False))
        priors = [
            f"{i.meta.get('kind')} ({i.meta.get('steps', '?')} steps)"
            for i in prior_items(store, model_hash=ref.content_hash if ref else None)
        ]
    found = None
    if ref is None:
        model_line = "none yet (latentscape import FOLDER --model M -p PROJECT)"
    else:
        where = resolve_model_path(ref.path, path, str(ref.info.get("path", "")))
        found = where if Path(where).is_file() else None
        model_line = (
            f"{ref.path} (found at {where})"
            if found
            else f"{ref.path}: not found (looked for {where}); load it with --model or in the app"
        )
    if saved_map is None:
        map_line = "not made yet (latentscape map -p PROJECT)"
    else:
        arrays, settings = saved_map
        map_line = f"{settings.get('method', '?')}, {len(arrays['sound_ids'])} sounds"
    lines = [
        ("project", str(path)),
        ("model", model_line),
        ("sounds", f"{len(sounds)} ({encoded} encoded by this model)"),
        ("map", map_line),
        ("paths", str(paths)),
        ("priors", ", ".join(priors) or "none"),
    ]
    return {
        "project": str(path),
        "model": ref.path if ref else None,
        "model_found": found,
        "sounds": len(sounds),
        "encoded": encoded,
        "map": map_line,
        "paths": paths,
        "priors": priors,
        "lines": lines,
    }
