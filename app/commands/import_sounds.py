"""``latentscape import FOLDER… --model M -p project.lsc``: encode sounds into a project."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections import Counter
from pathlib import Path

MIN_SEGMENT_S = 0.1  # shorter pieces are a frame or two of most models: not sounds
# Each piece is encoded in one call: ~8 MB of memory per second of sound with our VAE (one
# 20-minute piece took 9.6 GB), so pieces are at most a minute (~0.5 GB).
MAX_SEGMENT_S = 60.0
EXIT_NOTHING_IMPORTED = 1  # every file was refused (scripts can tell; errors are 2)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import audio files and folders (recursively) into a project",
        description="Read, resample, trim and encode sounds into the project (created if "
        "missing). Bad files are listed with the reason; the rest goes on. Sounds already in "
        "the project are not encoded again. If the project has a map, new sounds are placed "
        "on it; run 'latentscape map' to recompute it.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="audio files or folders")
    p.add_argument("-p", "--project", required=True, help="project file (.lsc)")
    p.add_argument("--model", help="model file (default: the project's model)")
    p.add_argument(
        "--segment-s",
        type=float,
        default=10.0,
        help=f"split longer sounds (s, at most {MAX_SEGMENT_S:g})",
    )
    p.add_argument("--max-file-s", type=float, default=600.0, help="refuse longer files (s)")
    p.add_argument("--no-trim", action="store_true", help="keep leading/trailing silence")
    p.add_argument(
        "--split",
        choices=("length", "onsets"),
        default="length",
        help="cut each file in equal pieces of at most --segment-s (length, the default), or "
        "into one sound per hit or note, from just before its attack to the next (onsets)",
    )
    p.add_argument(
        "--onset-sensitivity",
        type=float,
        default=0.5,
        metavar="S",
        help="with --split onsets: 0..1, higher finds quieter and closer onsets (default 0.5)",
    )
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _project_model(project: Path) -> str:
    from latentscape.engines.errors import LatentscapeError
    from latentscape.project_store import ProjectStore

    if project.exists():
        with ProjectStore.open(project) as store:
            model = store.model()
            if model is not None:
                return str(store.resolve(model.path))
    raise LatentscapeError("no model: give --model (the project has none yet)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from latentscape.commands.native_stderr import quiet_decoder_chatter
    from latentscape.engines.corpus import ImportRules, scan_paths
    from latentscape.engines.corpus.rules import READABLE, passed_over_text
    from latentscape.engines.errors import LatentscapeError
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport
    from latentscape.project_store import CURRENT_MAP, ProjectStore

    project = Path(args.project)
    for path in args.paths:
        try:
            os.stat(path)
        except FileNotFoundError:
            raise LatentscapeError(f"{path}: no such file or folder") from None
        except OSError:  # cannot be reached: the import lists it as bad, with the reason
            pass
    others: Counter[str] = Counter()  # files passed over, by extension
    if not scan_paths(args.paths, others):
        seen = f" (only {passed_over_text(others)})" if others else ""
        raise LatentscapeError(
            f"no audio files found in {', '.join(args.paths)}{seen}; latentscape reads {READABLE}"
        )
    if not MIN_SEGMENT_S <= args.segment_s <= MAX_SEGMENT_S:
        raise LatentscapeError(
            f"--segment-s must be between {MIN_SEGMENT_S:g} and {MAX_SEGMENT_S:g} s"
        )
    if not 0 < args.max_file_s < math.inf:
        raise LatentscapeError("--max-file-s must be a positive number of seconds")
    if not 0.0 <= args.onset_sensitivity <= 1.0:  # (NaN too)
        raise LatentscapeError("--onset-sensitivity must be between 0 and 1")
    if args.threads < 1:
        raise LatentscapeError("--threads must be at least 1")
    model_path = args.model or _project_model(project)
    engine = load_model(model_path, threads=args.threads)
    if not engine.can_encode:
        raise LatentscapeError(f"{Path(model_path).name}: the model has no encoder")
    rules = ImportRules(
        max_file_s=args.max_file_s,
        segment_s=args.segment_s,
        trim_silence=not args.no_trim,
        split=args.split,
        onset_sensitivity=args.onset_sensitivity,
    )
    created = not project.exists()
    with quiet_decoder_chatter(), ProjectStore.open(project, create=True) as store:
        store.check_writable()  # a read-only project: said before a file is encoded, not after
        before = store.model()
        importer = ProjectImport(store, engine, args.paths, rules=rules)
        bar = tqdm(total=0, unit="file", disable=args.quiet, file=sys.stderr, leave=False)

        def on_progress(p) -> None:
            bar.total = p.files_total
            bar.n = p.files_done
            bar.set_postfix(sounds=p.sounds_done, bad=p.bad, refresh=False)
            bar.refresh()

        try:
            report = importer.run_to_end(on_progress)
        except KeyboardInterrupt:
            bar.close()
            saved = len(importer.added_ids) + len(importer.reencoded_ids)
            print(f"interrupted: the {saved} sounds finished so far are saved", file=sys.stderr)
            with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: the next import
                placed = _place_on_map(store)  # places them (its map writes are atomic)
                if placed:
                    print(f"placed {placed} of them on the existing map", file=sys.stderr)
            raise
        finally:
            bar.close()
        placed = _place_on_map(store)
        not_reencoded = importer.missing_count
        has_map = store.get_map(CURRENT_MAP) is not None
        left_empty = created and not store.has_content()
    if left_empty:  # every file refused: no empty project left behind
        _remove_project(project)
    rate = report.audio_s / report.elapsed_s if report.elapsed_s > 0 else 0.0
    speed = (
        f" ({report.sounds / max(report.elapsed_s, 1e-9):.1f} sounds/s, {rate:.1f}x real time)"
        if report.sounds
        else ""
    )
    print(
        f"imported {len(importer.added_ids)} sounds from {report.files} files in "
        f"{report.elapsed_s:.1f} s{speed}; {importer.added_with_known_latents} of them reused "
        f"the latents of identical sounds, {importer.skipped} already there, "
        f"{len(importer.reencoded_ids)} re-encoded for the new model"
    )
    if before is not None and before.space != engine.info.space:
        now, was = Path(model_path).name, Path(before.path).name
        was = "another file of that name" if now == was else was
        advice = (
            "its own map, kept in the project, is the map again"
            if has_map
            else "run 'latentscape map' to map its sounds with it"
        )
        print(f"the project's model is now {now} (was {was}); {advice}")
    if not_reencoded and not report.cancelled:
        print(
            f"note: {not_reencoded} sounds could not be encoded with this model "
            "(their files are missing or unreadable)"
        )
    if importer.recut_files:
        print(
            f"note: {len(importer.recut_files)} files were imported before with other cutting "
            "rules (--segment-s, --no-trim, --split); their earlier sounds stay beside the new ones"
        )
    if importer.moved_ids:
        print(
            f"{len(importer.moved_ids)} sounds found moved or renamed: they keep their place "
            "on the map, with their new file"
        )
    if importer.changed_files:
        print(
            f"note: {len(importer.changed_files)} files changed since they were imported; "
            "their earlier sounds stay beside the new ones"
        )
    if placed:
        print(f"placed {placed} new sounds on the existing map")
    if importer.generated_without_latents:
        print(
            f"note: {importer.generated_without_latents} generated sounds have no latents "
            "for this model"
        )
    if others:
        print(f"passed over {passed_over_text(others)}: latentscape reads {READABLE}")
    for files, what in ((report.notes, "imported with a note"), (report.bad, "skipped")):
        if files:
            print(f"{len(files)} files {what}:")
            for file in files:
                print(f"  {file.path}: {file.reason}")
    if report.cancelled:
        print("import cancelled; the sounds finished so far are saved")
        return 0
    if report.bad and not (
        importer.added_ids or importer.reencoded_ids or importer.skipped or importer.moved_ids
    ):
        print(
            f"latentscape import: nothing imported: every file was refused ({len(report.bad)} "
            "listed above)",
            file=sys.stderr,
        )
        return EXIT_NOTHING_IMPORTED
    return 0


def _remove_project(project: Path) -> None:
    """Remove a project file this command made (and SQLite's files beside it)."""
    for path in (project, *(project.with_name(project.name + s) for s in ("-wal", "-shm"))):
        with contextlib.suppress(OSError):
            path.unlink()


def _place_on_map(store) -> int:
    """Add the sounds that have latents but no place yet (this import's, and those of an
    import that was interrupted) to the project's map, if it has one; others stay put."""
    from latentscape.map_arrivals import put_atlas_with_arrivals

    atlas, model = store.atlas(), store.model()
    return 0 if atlas is None else put_atlas_with_arrivals(store, atlas, model.content_hash)
