"""``latentscape render -p project.lsc --at X,Y -o out.wav``: decode what lies at a map point.

``--path NAME|id:N|FILE`` bounces a latent path instead (:mod:`.path_render`): as the app plays
it, exactly its length so it loops (``--speed``, ``--loops``, ``--tail``).

Positions are in the map's unit square (0..1 on each axis, y up). ``--sound ID|NAME`` takes a
sound's own position instead (a position typed with a few decimals misses its snap disc,
which is at most 0.0004 wide, and gives a blend). ``--kind trajectory``
(default) plays "what lies here" — a time-aligned blend of the nearby sounds; ``--kind frame``
holds the single latent frame the scrub voice would play, for ``--seconds``. The output's
suffix picks the format (.wav float, .flac, .ogg); it is written to a temporary file and
renamed, so a failed write leaves an earlier file of that name as it was. An existing output
is replaced only when it is a sound file (an earlier render) and not one of the project's own
sounds. Missing folders of the output are made, as ``export`` does.

A ``--kind frame`` render ends with the live voices' fade-out (5 ms), so a held tone does not
stop mid-waveform. ``--gain DB`` scales the sound before it is written; a sound that still
peaks above full scale is written as it is, with a warning on stderr that gives its peak in
dBFS and the gain that fits it (PCM formats clip it; many players clip a float .wav).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from pathlib import Path

# Longest --kind frame render: 600 s of float32 at 48 kHz is 115 MB (decoded in pieces: our
# VAE peaks at 0.57 GB for 120 s, was 3.0 GB in one call).
MAX_SECONDS = 600.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    summary = "decode what lies at a map position, or a latent path, into a sound file"
    p = sub.add_parser("render", help=summary, description=summary)
    p.add_argument("-p", "--project", required=True, help="project file (.lsc)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--at", metavar="X,Y", help="map position, 0..1 each")
    where.add_argument(
        "--sound",
        metavar="ID|NAME",
        help="the position of this sound: its id, its name or its file's name (id:N or "
        "name:TEXT when a number could be either)",
    )
    where.add_argument(
        "--path",
        metavar="NAME|id:N|FILE",
        help="a latent path: its name in the project (or id:N), or a path file exported from "
        "the app (.json, .csv); decoded as the app plays it, exactly its length (it loops "
        "cleanly in a DAW)",
    )
    p.add_argument(
        "-o", "--output", required=True, help="output sound file: .wav (float), .flac or .ogg"
    )
    p.add_argument(
        "--kind",
        choices=("trajectory", "frame"),
        default=None,
        help="trajectory (default): what lies there, a blend of the nearby sounds; frame: the "
        "one latent frame the scrub voice plays, held",
    )
    p.add_argument(
        "--seconds",
        type=float,
        default=None,
        help=f"length for --kind frame (default 2, above 0, at most {MAX_SECONDS:g}); a "
        "trajectory is as long as the sounds it blends",
    )
    p.add_argument(
        "--gain",
        type=float,
        default=0.0,
        metavar="DB",
        help="scale the sound by this many dB before writing (e.g. -3); a sound that peaks "
        "above full scale is written with a warning that says the gain that fits it",
    )
    p.add_argument(
        "--speed", type=float, help="--path: playback speed (default: the path's own, else 1)"
    )
    p.add_argument("--loops", type=int, help="--path: passes back to back (default 1)")
    p.add_argument(
        "--tail",
        action="store_true",
        help="--path: the path played once, ending with the voice's faded tail (longer than "
        "the path), instead of exactly its length",
    )
    p.add_argument("--model", help="model file (default: the project's model)")
    p.add_argument(
        "--seed", type=int, default=None, help="decoder noise seed (default 0; a path's own)"
    )
    p.set_defaults(run=run)


def parse_position(text: str) -> tuple[float, float]:
    from latentscape.engines.errors import LatentscapeError

    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise LatentscapeError(f"--at {text!r}: expected X,Y such as 0.25,0.7") from None
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise LatentscapeError(f"--at {text}: positions are in the unit square (0..1 each)")
    return x, y


def check_seconds(seconds: float | None, kind: str = "frame") -> float:
    """The length of a ``--kind frame`` render (2 s when not given)."""
    from latentscape.engines.errors import LatentscapeError

    if seconds is None:
        return 2.0
    if kind != "frame":
        raise LatentscapeError(
            "--seconds sets the length of --kind frame; a trajectory is as long as the "
            "sounds it blends"
        )
    if not (math.isfinite(seconds) and 0.0 < seconds <= MAX_SECONDS):
        raise LatentscapeError(
            f"--seconds {seconds:g}: give a length above 0 and at most {MAX_SECONDS:g} s"
        )
    return seconds


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from latentscape.commands.replace_guard import check_sound_outputs
    from latentscape.engines.audio.shared_state import FADE_MS, fade_frames
    from latentscape.engines.audio.sources import fade_out
    from latentscape.engines.errors import LatentscapeError
    from latentscape.engines.loader import load_model
    from latentscape.engines.sound_files import sound_format
    from latentscape.project_store import ProjectStore

    if args.path is not None:
        from latentscape.commands.path_render import run_path

        return run_path(args)
    for name in ("speed", "loops", "tail"):
        if getattr(args, name) not in (None, False):
            raise LatentscapeError(f"--{name} applies to --path (a latent path) only")
    args.kind = args.kind or "trajectory"
    x, y = parse_position(args.at) if args.at is not None else (math.nan, math.nan)
    seconds = check_seconds(args.seconds, args.kind)
    gain = check_gain(args.gain)
    out = check_output(args.output)
    fmt, subtype = sound_format(out)
    with ProjectStore.open(args.project) as store:
        check_sound_outputs(store, [out])
        model = store.model()
        if model is None:
            raise LatentscapeError(f"{args.project}: no map yet; run 'latentscape map' first")
        engine = load_model(args.model or store.resolve(model.path))
        if not args.model and engine.info.content_hash != model.content_hash:
            raise LatentscapeError(
                f"{model.path}: the model file changed since the sounds were encoded; "
                "re-import, or pass --model to use it anyway"
            )
        atlas, latents_of = map_for(store, model, engine.info)
        if atlas is None:
            raise LatentscapeError(f"{args.project}: no map yet; run 'latentscape map' first")
        if engine.latent_size != atlas.inverse.latent_size:
            raise LatentscapeError(
                f"{Path(engine.info.path).name} has {engine.latent_size} latent dims, the map of "
                f"{Path(model.path).name} {atlas.inverse.latent_size}: import the sounds "
                "with it first"
            )
        where = ""
        if args.sound is not None:
            whose = Path(engine.info.path).name if latents_of else "the project's model"
            x, y, name = sound_position(store, atlas, args.sound, latents_of, whose)
            where = f" (at '{name}')"
        if args.kind == "frame":
            frames = max(1, round(seconds * engine.sample_rate_hz / engine.hop_samples))
            trajectory = np.repeat(atlas.frame_at(x, y)[None, :], frames, axis=0)
        else:
            trajectory = atlas.trajectory_at(x, y, store.all_latents(latents_of))
    seed = 0 if args.seed is None else args.seed
    audio = np.array(engine.decode(trajectory, seed=seed), np.float32)  # [channels, n]
    if args.kind == "frame":  # a held frame ends as the scrub voice does: faded out
        fade_out(audio.T, fade_frames(FADE_MS, engine.sample_rate_hz))
    audio *= gain
    warn_if_over_full_scale(audio, args.gain)
    write_output(out, audio, engine.sample_rate_hz, fmt, subtype)
    seconds = audio.shape[1] / engine.sample_rate_hz
    print(
        f"wrote {out} ({seconds:.2f} s, {engine.sample_rate_hz} Hz, {audio.shape[0]} ch) "
        f"from {x:.6f},{y:.6f}{where}"
    )
    return 0


def write_output(out: Path, audio, rate_hz: int, fmt: str, subtype: str) -> None:
    """Write ``audio`` ``[channels, n]`` to ``out`` whole (atomically), making its missing
    folders; a failed write leaves no empty folders behind."""
    from latentscape.engines.sound_files import write_sound

    made = make_folders(out.parent)
    try:
        write_sound(out, audio.T, rate_hz, fmt, subtype)
    except BaseException:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def check_gain(gain_db: float) -> float:
    """The linear factor of ``--gain`` ``gain_db`` (dB)."""
    from latentscape.engines.errors import LatentscapeError

    if not (math.isfinite(gain_db) and -120.0 <= gain_db <= 60.0):
        raise LatentscapeError(f"--gain {gain_db:g}: give a gain in dB from -120 to 60")
    return 10.0 ** (gain_db / 20.0)


def warn_if_over_full_scale(audio, gain_db: float) -> None:
    """Say on stderr when ``audio`` ``[channels, n]`` (after ``--gain`` ``gain_db``) peaks
    above ±1.0, with its peak in dBFS and the ``--gain`` that brings it to full scale."""
    import numpy as np

    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 1.0:
        return
    over_db = 20.0 * math.log10(peak)
    print(
        f"warning: the sound peaks at {over_db:+.1f} dBFS, above full scale: .flac and .ogg "
        f"clip it, and so do many players of a float .wav; --gain "
        f"{gain_db - math.ceil(over_db * 10) / 10:.1f} (or lower) fits it",
        file=sys.stderr,
    )


def map_for(store, model, info):
    """(atlas, model hash of its latents) to render with the model of ``info``: the project's
    map when that model shares the project's latent space; else that model's own map in the
    project (kept from when it was the project's model); else the project's map, with a note
    that another model's latents are decoded (``--model`` "anyway"). Atlas None: no map."""
    if info.space != model.space:
        for own in dict.fromkeys((info.content_hash, info.space)):
            atlas = store.atlas(own)
            if atlas is not None:
                print(
                    f"note: rendering from {Path(info.path).name}'s own map in the project",
                    file=sys.stderr,
                )
                return atlas, own
        print(
            f"note: {Path(info.path).name} is not the model the sounds were encoded with "
            f"({Path(model.path).name}): it decodes that model's latents",
            file=sys.stderr,
        )
    return store.atlas(), None


def check_output(text: str) -> Path:
    """The output path; LatentscapeError when it names a folder, lies under a file or in a
    folder this process cannot write (said before minutes of decoding)."""
    from latentscape.engines.atomic_write import check_can_create
    from latentscape.engines.errors import LatentscapeError

    out = Path(text)
    if text.endswith(("/", "\\")) or out.is_dir():
        raise LatentscapeError(f"{text}: is a folder; give a file name such as {out / 'out.wav'}")
    check_can_create(out)
    return out


def make_folders(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; returns those made, outermost first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    for p in missing:
        p.mkdir()
    return missing


def sound_position(
    store, atlas, which: str, latents_of: str | None = None, whose: str = "the project's model"
) -> tuple[float, float, str]:
    """Map position (unit square) and name of the sound ``which`` on ``atlas``: ``id:N``,
    ``name:TEXT``, or either (a name, any case, or the file's name; a number is an id). A
    text that is one sound's id and another's name is refused: numbered sample packs name
    their sounds 1, 2, …

    ``atlas`` maps the latents of the model with content hash ``latents_of`` (None: the
    project's model), called ``whose`` in messages."""
    import numpy as np

    from latentscape.engines.errors import LatentscapeError

    sounds = store.sounds()
    kind, _, text = which.partition(":") if which.startswith(("id:", "name:")) else ("", "", which)
    by_id = [s for s in sounds if text.isdecimal() and s.id == int(text)] if kind != "name" else []
    by_name: list = []
    if kind != "id":
        by_name = [s for s in sounds if s.name == text]
        by_name = by_name or [s for s in sounds if s.name.casefold() == text.casefold()]
        by_name = by_name or [s for s in sounds if s.path and Path(s.path).name == text]
        on_map = set(atlas.sound_ids.tolist())
        placed = [s for s in by_name if s.id in on_map]
        by_name = placed if len(by_name) > 1 and placed else by_name  # this map's own first
    if by_id and by_name and by_name != by_id:
        raise LatentscapeError(
            f"--sound {which}: sound id {text} is '{by_id[0].name}', and "
            f"{_ids(by_name)} named '{text}'; give id:{text} or name:{text}"
        )
    chosen = by_id or by_name
    if not chosen:
        raise LatentscapeError(f"--sound {which}: no sound of the project has this id or name")
    if len(chosen) > 1:
        raise LatentscapeError(
            f"--sound {which}: {len(chosen)} sounds have this name ({_ids(chosen)}); give id:N"
        )
    where = np.flatnonzero(atlas.sound_ids == chosen[0].id)
    if not where.size:
        if latents_of is None and store.latents(chosen[0].id) is not None:
            raise LatentscapeError(
                f"--sound {which}: not placed on the map yet; run 'latentscape map' first"
            )
        if store.latents(chosen[0].id, latents_of) is not None:
            raise LatentscapeError(
                f"--sound {which}: not on {whose}'s map, which was made before it was encoded "
                f"with {whose}; make {whose} the project's model again (import with it), "
                "then run 'latentscape map'"
            )
        raise LatentscapeError(
            f"--sound {which}: not encoded with {whose} (not on its map); "
            f"import the sound's file with {whose}"
        )
    x, y = atlas.xy[where[0]]
    return float(x), float(y), chosen[0].name


def _ids(sounds) -> str:
    """Text such as "sound 5" or "sounds 3, 7, …" (at most 8 ids)."""
    ids = ", ".join(str(s.id) for s in sounds[:8]) + (", …" if len(sounds) > 8 else "")
    return f"sound{'s' if len(sounds) > 1 else ''} {ids}"
