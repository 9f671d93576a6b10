"""``latentscape prior``: train latent priors on a project's corpus, and render samples to WAV.

::

    latentscape prior train  -p project.lsc --kind gan|diffusion [--minutes M | --steps N] [--seed S]
    latentscape prior sample -p project.lsc --kind gan|diffusion|model -n 16 --seed S -o OUTDIR
    latentscape prior list   -p project.lsc

Trained priors are stored in the project (item kind ``"prior"``, one per kind and model); the
``model`` kind is the loaded model's own prior, when it exports one. Ctrl-C during training stops
it after the current step and stores what was learned so far.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import signal
import sys
import threading
import time
from pathlib import Path

MIN_PROGRESS_INTERVAL_S = 1.0
# --temperature scales the prior's starting noise (1 = as trained). Far above this, samples
# leave the range the decoder was trained on (1e30 overflowed into an index error).
MAX_TEMPERATURE = 10.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    summary = "train GAN/diffusion priors on a project and sample them"
    p = sub.add_parser("prior", help=summary, description=summary)
    actions = p.add_subparsers(dest="prior_action", metavar="ACTION", required=True)

    summary = "train a prior on the project's latent trajectories"
    t = actions.add_parser("train", help=summary, description=summary)
    t.add_argument("-p", "--project", required=True, help="the project file (.lsc)")
    t.add_argument(
        "--kind",
        required=True,
        choices=["gan", "diffusion"],
        help="gan: a generator, fast to sample; diffusion: slower, follows the corpus closer",
    )
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="train for this many minutes")
    budget.add_argument("--steps", type=int, help="train for this many steps (default 2000)")
    t.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0): same seed, same prior"
    )
    t.add_argument(
        "--prior-frames",
        type=int,
        default=None,
        help="prior frames per window, a multiple of 4 (default: about 1.5 s of audio)",
    )
    t.add_argument(
        "--time-stride",
        type=int,
        default=None,
        help="model frames per prior frame (default: brings the prior near 40 frames/s)",
    )
    t.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    t.set_defaults(run=run_train)

    summary = "generate sounds with a prior and write them as WAV"
    s = actions.add_parser("sample", help=summary, description=summary)
    s.add_argument("-p", "--project", required=True, help="the project file (.lsc)")
    s.add_argument(
        "--kind",
        required=True,
        choices=["gan", "diffusion", "model"],
        help="a prior trained with 'prior train', or model: the model's own prior (a RAVE "
        "export with a prior)",
    )
    s.add_argument("-n", "--count", type=int, default=16, help="how many sounds (default 16)")
    s.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed (default 0): the same seed gives the same sounds",
    )
    s.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        help=f"scale of the prior's noise, 0 to {MAX_TEMPERATURE:g} (default 1: as trained)",
    )
    s.add_argument("-o", "--out", required=True, type=Path, help="folder for the WAV files")
    s.add_argument(
        "--model",
        help="another model whose priors the project keeps (from when it was the project's "
        "model); default: the project's model",
    )
    s.add_argument(
        "--window-frames",
        type=int,
        default=None,
        help="model frames per sound (model prior only; default about 1.5 s)",
    )
    s.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    s.set_defaults(run=run_sample)

    summary = "list the priors stored in a project"
    ls = actions.add_parser("list", help=summary, description=summary)
    ls.add_argument("-p", "--project", required=True, help="the project file (.lsc)")
    ls.set_defaults(run=run_list)


def _check_threads(threads: int) -> int:
    from latentscape.engines.priors import PriorError

    if threads < 1:
        raise PriorError(f"--threads must be at least 1, got {threads}")
    return threads


def _open_store(path: str):
    from latentscape.project_store import ProjectStore

    return ProjectStore.open(path)


def _model_ref(store):
    from latentscape.engines.priors import PriorError

    ref = store.model()
    if ref is None:
        raise PriorError(f"{store.path.name} has no model: load a model and import sounds first")
    return ref


def run_train(args: argparse.Namespace) -> int:
    from latentscape.engines.priors import (
        LatentWindows,
        PriorError,
        create_prior,
        prior_items,
        save_prior,
        window_plan,
    )
    from latentscape.engines.torch_runtime import configure_runtime

    configure_runtime(_check_threads(args.threads))
    if args.steps is not None and args.steps < 1:
        raise PriorError(f"--steps must be at least 1, got {args.steps}")
    if args.minutes is not None and not (math.isfinite(args.minutes) and args.minutes > 0):
        raise PriorError(f"--minutes must be a positive number, got {args.minutes}")
    with _open_store(args.project) as store:
        store.check_writable()  # before minutes of training, not at the end
        ref = _model_ref(store)
        generated = {s.id for s in store.sounds() if s.generated}  # a prior's own output
        latents = {i: z for i, z in store.all_latents().items() if i not in generated}
        if not latents:
            raise PriorError(
                f"{store.path.name} has no encoded sounds for its model: import sounds first"
            )
        frames, stride = window_plan(
            ref.info.get("sample_rate_hz", 44100), ref.info.get("hop_samples", 2048)
        )
        frames = frames if args.prior_frames is None else args.prior_frames
        stride = stride if args.time_stride is None else args.time_stride
        windows = LatentWindows.from_trajectories(list(latents.values()), frames, stride)
        prior = create_prior(args.kind, windows.latent_size, frames, stride)
        seconds = None if args.minutes is None else 60.0 * args.minutes
        print(
            f"training {args.kind} prior on {windows.count} windows of {frames} frames "
            f"(stride {stride}: {windows.window_frames} model frames) from {len(latents)} sounds",
            file=sys.stderr,
        )
        last = [0.0]

        def progress(step: int, total: int, loss: float) -> None:
            if step == 0:  # stopped before the first step: no loss to show
                return
            now = time.monotonic()
            if now - last[0] >= MIN_PROGRESS_INTERVAL_S or step == total:
                last[0] = now
                print(f"  step {step}/{total}  loss {loss:.4f}", file=sys.stderr)

        stop = threading.Event()
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:  # Ctrl-C or SIGTERM: stop after this step and keep what was learned
            previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
            previous_term = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            report = prior.train(
                windows,
                steps=args.steps,
                seconds=seconds,
                progress_cb=progress,
                cancel_check=stop.is_set,
                seed=args.seed,
            )
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
                signal.signal(signal.SIGTERM, previous_term)
        if report.steps == 0:  # only a stop (Ctrl-C, SIGTERM) ends training this early
            print("stopped before the first step; nothing stored", file=sys.stderr)
            raise KeyboardInterrupt
        earlier = prior_items(store, args.kind, ref.content_hash)
        item_id = save_prior(store, prior, ref.content_hash, {"seed": args.seed})
    if earlier:
        steps = earlier[-1].meta.get("steps", "?")
        print(f"note: replaced the {args.kind} prior trained {steps} steps before")
    print(
        f"trained {args.kind} prior: {report.steps} steps in {report.seconds:.1f} s"
        f"{' (stopped early)' if report.cancelled else ''}, "
        f"loss {report.loss:.4f}; stored in {Path(args.project).name} (item {item_id})"
    )
    if report.cancelled:  # what was learned is kept; the exit code says it was a stop (130)
        raise KeyboardInterrupt
    return 0


def _load_source(store, kind: str, engine, model_hash: str, window_frames: int | None):
    from latentscape.engines.priors import ModelPrior, PriorError, load_prior, window_plan

    if kind == "model":
        if not engine.has_prior:
            raise PriorError(f"{Path(engine.info.path).name} exports no prior of its own")
        if window_frames is None:
            frames, stride = window_plan(engine.sample_rate_hz, engine.hop_samples)
            window_frames = frames * stride
        return ModelPrior(engine, window_frames)
    prior = load_prior(store, kind, model_hash)
    if prior is None:
        raise PriorError(
            f"{store.path.name} has no trained {kind} prior for {Path(engine.info.path).name}: "
            f"run 'latentscape prior train -p {store.path.name} --kind {kind}' with it as the "
            "project's model first"
        )
    if prior.latent_size != engine.latent_size:
        raise PriorError(
            f"the stored {kind} prior makes {prior.latent_size} latent dims "
            f"but the model takes {engine.latent_size}"
        )
    return prior


def _check_out_folder(out: Path) -> None:
    """Refuse at once an ``out`` that cannot be the samples' folder (an existing file)."""
    from latentscape.engines.priors import PriorError

    if out.exists() and not out.is_dir():
        raise PriorError(f"{out}: exists and is not a folder; -o names the folder for the sounds")


def _prepare_out_folder(out: Path) -> None:
    """Make ``out`` (a folder for the samples) or say in one line why it cannot be one."""
    from latentscape.engines.priors import PriorError

    _check_out_folder(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PriorError(f"{out}: cannot make the folder ({exc.strerror or exc})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise PriorError(f"{out}: the folder is not writable")


def run_sample(args: argparse.Namespace) -> int:
    import numpy as np

    from latentscape.commands.replace_guard import check_latents_output, check_sound_outputs
    from latentscape.engines.atomic_write import write_bytes_atomic
    from latentscape.engines.loader import load_model
    from latentscape.engines.priors import PriorError, prior_items
    from latentscape.engines.sound_files import write_sound
    from latentscape.engines.torch_runtime import call_seed

    if args.count < 1:
        raise PriorError(f"--count must be at least 1, got {args.count}")
    if not 0.0 <= args.temperature <= MAX_TEMPERATURE:  # also rejects NaN
        raise PriorError(f"--temperature must be 0 to {MAX_TEMPERATURE:g}, got {args.temperature}")
    _check_threads(args.threads)
    out: Path = args.out
    _check_out_folder(out)
    with _open_store(args.project) as store:
        ref = _model_ref(store)
        engine = load_model(args.model or store.resolve(ref.path), threads=args.threads)
        info = engine.info
        if args.model and info.space != ref.space:  # priors kept for that model
            model_hash = next(
                (h for h in (info.content_hash, info.space) if prior_items(store, args.kind, h)),
                info.content_hash,
            )
        elif info.content_hash and info.content_hash != ref.content_hash and not args.model:
            raise PriorError(
                f"{ref.path}: the model file changed since the sounds were encoded; "
                "re-import the sounds and retrain the priors"
            )
        else:
            model_hash = ref.content_hash
        source = _load_source(store, args.kind, engine, model_hash, args.window_frames)
        digits = max(2, len(str(args.count - 1)))
        names = [out / f"{args.kind}-seed{args.seed}-{i:0{digits}d}.wav" for i in range(args.count)]
        latents_path = out / f"{args.kind}-seed{args.seed}-latents.npy"
        # before anything is written: all of them, or none
        check_sound_outputs(store, names, "give another folder or --seed")
        check_latents_output(latents_path)
    _prepare_out_folder(out)  # only once there is something to write into it
    samples = source.sample(args.count, temperature=args.temperature, seed=args.seed)
    for i, (window, path) in enumerate(zip(samples.windows, names, strict=True)):
        audio = engine.decode(window, seed=call_seed(args.seed, i))  # [channels, samples]
        write_sound(path, np.clip(audio.T, -1.0, 1.0), engine.sample_rate_hz, "WAV", "PCM_16")
    latents = io.BytesIO()
    np.save(latents, samples.windows)
    write_bytes_atomic(latents_path, latents.getbuffer())
    print(f"wrote {len(samples)} sounds ({args.kind} prior, seed {args.seed}) to {out}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from latentscape.engines.priors import prior_items

    with _open_store(args.project) as store:
        items = prior_items(store)
        current = store.model()
    if not items:
        print("no priors stored")
        return 0
    for item in items:
        m = item.meta
        stale = "" if current and m.get("model_hash") == current.content_hash else "  (other model)"
        print(
            f"{item.id}: {m.get('kind')}  window {m.get('window_frames')} model frames × "
            f"{m.get('latent_size')} dims, {m.get('steps', '?')} steps{stale}"
        )
    return 0
