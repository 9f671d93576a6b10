"""``latentscape train FOLDER -o MODEL``: train our own VAE on a folder of sounds.

Trains on a CUDA GPU when torch sees one (``--device``). Runs unchanged under ``torchrun``
(DistributedDataParallel; gloo on CPU, nccl on GPUs with one rank per GPU), e.g.
``torchrun --nproc_per_node 2 -m latentscape train sounds/ -o model.pt --minutes 20``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    from latentscape.engines.vae.train_options import TrainOptions  # torch-free

    default = TrainOptions(folder=Path(), output=Path())
    p = sub.add_parser(
        "train",
        help="train a latentscape VAE on a folder of sounds",
        description="Train a small causal VAE (DDSP decoder) on every sound under FOLDER. "
        "A few percent of the files are held out and scored after training. Stop with "
        "Ctrl-C and continue later with --resume.",
    )
    p.add_argument("folder", type=Path, help="folder of audio files (searched recursively)")
    p.add_argument("-o", "--output", type=Path, required=True, help="model file to write (.pt)")
    p.add_argument("--minutes", type=float, default=None, help="wall-clock training budget")
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        help="steps to train in all (a resumed run counts the steps done before)",
    )
    p.add_argument("--resume", action="store_true", help="continue from OUTPUT.resume")
    for flag, name, kind, text in (
        ("--seed", "seed", int, "random seed"),
        ("--batch-size", "batch_size", int, "crops per step"),
        ("--latent-size", "latent_size", int, "latent dims, 3 to 64; 8 to 32 work best"),
        ("--learning-rate", "learning_rate", float, "Adam's step size"),
        ("--kl-weight", "kl_weight", float, "weight of the KL term"),
        ("--control-weight", "control_weight", float, "weight of the measured-controls loss"),
        ("--audio-loss-after", "audio_loss_after", float, "budget share on controls alone"),
        ("--validation-fraction", "validation_fraction", float, "share of files held out"),
        ("--validate-every", "validate_every_s", float, "seconds between validations"),
    ):
        value = getattr(default, name)
        # The latent size has no default here: on --resume the model's own size applies, and
        # one given must match it (run); a new model gets the default.
        given = None if name == "latent_size" else value
        p.add_argument(flag, type=kind, default=given, help=f"{text} (default {value})")
    shifts = ",".join(f"{v:g}" for v in default.pitch_shifts) or "none"
    p.add_argument(
        "--pitch-shifts",
        type=_semitones,
        default=default.pitch_shifts,
        help="also train on every sound resampled by these semitones (-24 to 24), e.g. "
        f"--pitch-shifts=-2,2 (default {shifts}; 'none': only the sounds as they are)",
    )
    p.add_argument(
        "--threads", type=int, default=None, help="torch threads per process (at least 1)"
    )
    p.add_argument(
        "--device",
        default=default.device,
        help="where to train: auto (a CUDA GPU when there is one), cpu, cuda or cuda:N "
        f"(default {default.device}; under torchrun each rank takes GPU LOCAL_RANK)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _semitones(text: str) -> tuple[float, ...]:
    """``"-2,2"`` -> ``(-2.0, 2.0)``; ``"none"`` -> ``()``."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give semitones such as -2,2, or none"
        ) from None


def run(args: argparse.Namespace) -> int:
    from latentscape.commands.native_stderr import quiet_decoder_chatter
    from latentscape.engines.vae.train_checks import check_resumed_latent_size
    from latentscape.engines.vae.trainer import TrainOptions, train

    if args.minutes is None and args.steps is None:
        args.minutes = 20.0
    if args.latent_size is None:
        args.latent_size = TrainOptions.latent_size
    elif args.resume:
        check_resumed_latent_size(args.output, args.latent_size)
    # train() checks every option, and the output, before it reads a sound (check_options).
    options = TrainOptions(
        folder=args.folder,
        output=args.output,
        minutes=args.minutes,
        steps=args.steps,
        seed=args.seed,
        resume=args.resume,
        batch_size=args.batch_size,
        latent_size=args.latent_size,
        learning_rate=args.learning_rate,
        kl_weight=args.kl_weight,
        control_weight=args.control_weight,
        audio_loss_after=args.audio_loss_after,
        pitch_shifts=args.pitch_shifts,
        validation_fraction=args.validation_fraction,
        validate_every_s=args.validate_every,
        threads=args.threads,
        device=args.device,
        progress=not args.quiet,
        command="latentscape " + shlex.join(sys.argv[1:]),
    )
    with quiet_decoder_chatter():  # a damaged MP3 in the folder: no notes over the bar
        train(options)
    return 0
