"""``latentscape render -p P.lsc --path NAME -o out.wav``: bounce a latent path to a sound file.

The path is one of the project's (its name as the app lists it, or ``id:N``, its item id) or a
path file exported from the app (``.json``, or ``.csv``: numbers only). It is decoded as the app
plays it — the same voice code as live playback and the app's own audio export
(:func:`latentscape.engines.paths.render.render_path`), with the path's seed unless ``--seed``
— at ``--speed``, ``--loops`` times back to back. Like the app's export the file is loop-ready:
exactly ``loops * round(duration / speed * rate)`` samples at the model's rate, its end
running on into its start, so a DAW or sampler loops it at the path's length; ``--tail``
renders the path played once instead, ending with the voice's faded tail. The latent
controls recorded with the path (its lane: offsets, scales, temperature) are applied as it
plays them; a path without one renders without any.

The output follows the rules of ``render``'s other modes (:mod:`.render`): format by suffix,
an existing file replaced only when it is an earlier render, never a project sound, written
whole or not at all.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

MAX_LOOPS = 1000


def check_speed(speed: float | None) -> float:
    from latentscape.engines.errors import LatentscapeError

    if speed is None:
        return 1.0
    if not (math.isfinite(speed) and 0.05 <= speed <= 20.0):
        raise LatentscapeError(f"--speed {speed:g}: give a speed from 0.05 to 20 (1: as recorded)")
    return float(speed)


def check_loops(loops: int | None) -> int:
    from latentscape.engines.errors import LatentscapeError

    if loops is None:
        return 1
    if not 1 <= loops <= MAX_LOOPS:
        raise LatentscapeError(f"--loops {loops}: give a number of passes from 1 to {MAX_LOOPS}")
    return int(loops)


def find_path(store, which: str):
    """The :class:`~latentscape.engines.paths.LatentPath` named by ``which``: ``id:N`` (item
    id), ``name:TEXT``, a name (exact, then in any case) or a ``.json``/``.csv`` file. A name
    two paths share is refused (give id:N); an unknown one lists the project's paths."""
    from latentscape.engines.errors import LatentscapeError
    from latentscape.engines.paths import ITEM_KIND, import_path, path_from_item

    items = store.items(ITEM_KIND)
    kind, _, text = which.partition(":") if which.startswith(("id:", "name:")) else ("", "", which)
    if kind == "id":
        chosen = [i for i in items if text.isdecimal() and i.id == int(text)]
    else:
        chosen = [i for i in items if i.name == text]
        chosen = chosen or [i for i in items if i.name.casefold() == text.casefold()]
    if len(chosen) > 1:
        ids = ", ".join(f"id:{i.id}" for i in chosen)
        raise LatentscapeError(f"--path {which}: {len(chosen)} paths have this name ({ids})")
    if chosen:
        return path_from_item(chosen[0])
    if not kind and Path(text).suffix.lower() in (".json", ".csv"):
        if not Path(text).is_file():
            raise LatentscapeError(f"--path {text}: no such path file, nor a path of the project")
        return import_path(text)
    listed = ", ".join(f"'{i.name}' (id:{i.id})" for i in items[:8]) + (
        ", …" if len(items) > 8 else ""
    )
    raise LatentscapeError(
        f"--path {which}: no path of the project has this "
        f"{'id' if kind == 'id' else 'name'}; "
        + (f"its paths: {listed}" if items else "it has none (record one in the app)")
    )


def run_path(args: argparse.Namespace) -> int:
    """``render --path``: see the module's docstring. Returns the exit code (0)."""
    from latentscape.commands.render import (
        check_gain,
        check_output,
        warn_if_over_full_scale,
        write_output,
    )
    from latentscape.commands.replace_guard import check_sound_outputs
    from latentscape.engines.errors import LatentscapeError
    from latentscape.engines.loader import load_model
    from latentscape.engines.paths.playback import playback_of
    from latentscape.engines.paths.render import render_path
    from latentscape.engines.sound_files import sound_format
    from latentscape.project_store import ProjectStore

    if args.kind is not None or args.seconds is not None:
        raise LatentscapeError(
            "--kind and --seconds do not apply to --path: a path lasts as long as it was "
            "recorded (--speed, --loops)"
        )
    loops = check_loops(args.loops)
    check_speed(args.speed)  # refused before the project is read
    gain = check_gain(args.gain)
    out = check_output(args.output)
    fmt, subtype = sound_format(out)
    with ProjectStore.open(args.project) as store:
        check_sound_outputs(store, [out])
        path = find_path(store, args.path)
        model = store.model()
        if args.model is None and model is None:
            raise LatentscapeError(f"{args.project}: no model yet; give --model")
        model_file = args.model or store.resolve(model.path)
    engine = load_model(model_file)
    if not path.plays_with(engine.info):
        name = Path(engine.info.path).name
        dims = (
            f" ({path.latent_size} latent dims, {name} {engine.latent_size})"
            if path.latent_size != engine.latent_size
            else f", not {name}"
        )
        raise LatentscapeError(
            f"path '{path.name}' was recorded with another model{dims}: give --model with "
            "the model it was recorded with"
        )
    seed = path.seed if args.seed is None else args.seed
    # as the path plays in the app: its own Speed unless --speed says (QA s19 Q2-09)
    speed = playback_of(path)[1] if args.speed is None else check_speed(args.speed)
    audio = render_path(
        engine, path, seed=seed, speed=speed, loops=loops, exact_length=not args.tail
    )
    audio *= gain
    warn_if_over_full_scale(audio, args.gain)
    rate = engine.sample_rate_hz
    write_output(out, audio, rate, fmt, subtype)
    print(
        f"wrote {out} ({audio.shape[1] / rate:.3f} s = {audio.shape[1]} samples, {rate} Hz, "
        f"{audio.shape[0]} ch) from path '{path.name}' ({path.duration_s:.3f} s"
        f"{f', speed {speed:g}' if speed != 1 else ''}{f', {loops} loops' if loops > 1 else ''}"
        f"{', with its tail' if args.tail else ''})"
    )
    return 0
