"""Options a training cannot run with, and outputs it must not replace: checked before any
sound is read, so that a mistake costs nothing and destroys nothing (one-line
:class:`~.dataset.CorpusError` naming the flag or file)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import torch

from ..atomic_write import check_can_create
from ..loader import check_model_file, check_vae_checkpoint, is_checkpoint_archive
from .checkpoint import resume_path
from .dataset import CorpusError
from .model import NEW_MODEL_DEFAULTS
from .train_options import TrainOptions

# Latent sizes a new model may have: the encoder learns latent_size - fixed_dims dims (at least
# one); above 64 nothing was measured, and the map and priors get slow.
MAX_LATENT_SIZE = 64
# The resume file holds the weights, their running average and Adam's two moments: about
# four model files (measured: 13.5 MB beside a 3.4 MB model).
RESUME_PARTS = 4
# Pitch shifts resample every training sound by 2 ** (s / 12): 24 semitones is already a
# factor of 4 in length; 1,000 never finished.
MAX_PITCH_SHIFT = 24.0


def min_latent_size(opt: TrainOptions) -> int:
    """The smallest ``latent_size`` a new model with ``opt``'s options can have."""
    config = {**NEW_MODEL_DEFAULTS, **opt.model_options}
    return (2 if config.get("loudness_latent") else 1) + 1


def check_options(opt: TrainOptions) -> int | None:
    """Raise :class:`CorpusError` (one line naming the flag) for options that cannot train;
    returns :func:`check_output`'s answer (steps of a model the output would replace)."""

    def finite(value: float) -> bool:
        return isinstance(value, int | float) and math.isfinite(value)

    if opt.minutes is None and opt.steps is None:
        raise CorpusError("give a budget: --minutes and/or --steps")
    if opt.steps is not None and opt.steps < 1:
        raise CorpusError(f"--steps must be at least 1, got {opt.steps}")
    if opt.minutes is not None and not (finite(opt.minutes) and opt.minutes > 0):
        raise CorpusError(f"--minutes must be a positive number, got {opt.minutes}")
    if opt.batch_size < 1:
        raise CorpusError(f"--batch-size must be at least 1, got {opt.batch_size}")
    if not (finite(opt.learning_rate) and opt.learning_rate > 0):
        raise CorpusError(f"--learning-rate must be a positive number, got {opt.learning_rate}")
    if not (finite(opt.validation_fraction) and 0.0 <= opt.validation_fraction < 1.0):
        raise CorpusError(
            f"--validation-fraction must be at least 0 and below 1, got {opt.validation_fraction}"
        )
    for flag, value in (
        ("--kl-weight", opt.kl_weight),
        ("--control-weight", opt.control_weight),
        ("--validate-every", opt.validate_every_s),
    ):
        if not (finite(value) and value >= 0):
            raise CorpusError(f"{flag} must be zero or a positive number, got {value}")
    if not (finite(opt.audio_loss_after) and 0.0 <= opt.audio_loss_after <= 1.0):
        raise CorpusError(f"--audio-loss-after must be between 0 and 1, got {opt.audio_loss_after}")
    if not 0 <= opt.seed < 2**32:
        raise CorpusError(f"--seed must be between 0 and 2**32 - 1, got {opt.seed}")
    if opt.threads is not None and opt.threads < 1:
        raise CorpusError(f"--threads must be at least 1, got {opt.threads}")
    low = min_latent_size(opt)
    if not opt.resume and not low <= opt.latent_size <= MAX_LATENT_SIZE:
        raise CorpusError(
            f"--latent-size {opt.latent_size}: choose {low} to {MAX_LATENT_SIZE} "
            "(8 to 32 work best)"
        )
    for shift in opt.pitch_shifts:
        if not (finite(shift) and abs(shift) <= MAX_PITCH_SHIFT):
            raise CorpusError(
                f"--pitch-shifts {shift:g}: shifts are semitones from "
                f"-{MAX_PITCH_SHIFT:g} to {MAX_PITCH_SHIFT:g}"
            )
    return check_output(opt.output, opt.resume)


def check_resumed_latent_size(output: Path, latent_size: int) -> None:
    """Raise :class:`CorpusError` when the model ``--resume`` would continue (``output``'s
    resume file) has another latent size than ``latent_size``: resuming keeps the model's
    shape, and a size asked for would otherwise be dropped without a word."""
    from .checkpoint import load_checkpoint

    path = resume_path(output)
    if not path.is_file():
        return  # check_output names the missing file
    saved = int(load_checkpoint(path)["config"]["latent_size"])
    if saved != latent_size:
        raise CorpusError(
            f"--latent-size {latent_size}: the model to resume has {saved} latent dims and "
            "keeps them (leave --latent-size out, or train a new model into another file)"
        )


def check_output(output: Path, resume: bool = False) -> int | None:
    """Raise :class:`CorpusError` unless training may write ``output`` (and its resume file).

    An existing file is replaced only when it is a latentscape model (an earlier training):
    anything else there (a project, a sound, a text) is the user's and stays. Returns the
    steps that model was trained (None: no model there), so the caller can say what goes.
    """
    output = Path(output)
    if resume and not resume_path(output).is_file():
        raise CorpusError(f"no {resume_path(output)} to resume from")
    if output.is_dir():
        raise CorpusError(f"{output}: is a folder; give a file name such as model.pt")
    steps = None
    if output.exists() or output.is_symlink():
        refuse = CorpusError(
            f"{output}: exists and is not a latentscape model; not replacing it "
            "(choose another -o, or remove the file)"
        )
        try:
            check_model_file(output)
            if not is_checkpoint_archive(output):
                raise refuse
            data = torch.load(output, map_location="cpu", weights_only=True)
            check_vae_checkpoint(data, output.name)
        except CorpusError:
            raise
        except Exception:  # unreadable, damaged, or someone else's: never overwrite it
            raise refuse from None
        steps = int(data.get("training", {}).get("step", 0))
    check_can_create(output, CorpusError)
    return steps


def check_room(output: Path, weight_bytes: int) -> bool:
    """Raise :class:`CorpusError` when the folder of ``output`` has no room for a model of
    ``weight_bytes`` of weights (checked before the sounds are read: a full disk found at the
    first checkpoint lost the run). Returns False when it has room for the model but not for
    its resume file too: the run can then not be resumed from its checkpoints."""
    folder = next((f for f in (output.parent, *output.parent.parents) if f.is_dir()), Path("."))
    free = shutil.disk_usage(folder).free
    model = int(weight_bytes * 1.1) + (1 << 16)  # the weights, the settings, the latent PCA
    if free < model:
        raise CorpusError(
            f"{output}: {_mb(free)} free in {folder}, the model needs about {_mb(model)}; "
            "free some space or choose another -o"
        )
    return free >= model * (1 + RESUME_PARTS)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"
