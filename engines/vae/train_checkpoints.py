"""What a training run reads and writes: the model it starts from and its checkpoints.

A run starts from a new model or from the ``.resume`` file a run left (:func:`starting_model`,
then :meth:`RunCheckpoints.restore` for the optimizer and the weight average). Every checkpoint
writes the resume file first and then the model file (:meth:`RunCheckpoints.save`), so a kill
between the two leaves one to continue from; the formats are :mod:`.checkpoint`'s.

Called on the training's thread, on rank 0 only for the writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..audio_metrics import Reconstruction
from ..errors import LatentscapeError
from .checkpoint import FORMAT, VERSION, load_checkpoint, resume_path, save_atomic
from .dataset import Corpus
from .model import NEW_MODEL_DEFAULTS, VaeConfig, VaeCore
from .optim import Adam, WeightAverage
from .train_options import TrainOptions


@torch.no_grad()
def latent_pca(core: VaeCore, corpus: Corpus, max_frames: int = 50_000, seed: int = 0):
    """PCA of posterior means over the corpus: ``(mean [L], components [L, L], variance [L])``.

    The lead-in silence the trainer puts before each file is left out: it is not the user's.
    """
    was_training = core.training
    core.eval()
    # The corpus holds each file's features already: encoding them again (YIN and mel on all
    # the audio) took ~10 s on 700 files at every checkpoint, ~8 % of a 20-minute budget.
    lead = corpus.lead_frames
    device = core.rest_h.device
    means = torch.cat([core.posterior(f[None].to(device))[0][0, lead:] for f in corpus.feats])
    core.train(was_training)
    if means.shape[0] > max_frames:
        idx = torch.from_numpy(
            np.random.default_rng(seed).choice(means.shape[0], max_frames, False)
        )
        means = means[idx]
    means = means.cpu()
    mu = means.mean(0)
    _, s, vh = torch.linalg.svd(means - mu, full_matrices=False)
    variance = s.square() / max(1, means.shape[0] - 1)
    # Fix each component's sign (largest coefficient positive) for reproducible maps.
    signs = torch.sign(vh.gather(1, vh.abs().argmax(1, keepdim=True)))
    return mu.float(), (vh * signs).float().contiguous(), variance.float()


def _on_cpu(state: dict[str, Any]) -> dict[str, Any]:
    """An optimizer-style state dict with its tensor lists copied to the CPU (for saving)."""
    return {k: [t.cpu() for t in v] if isinstance(v, list) else v for k, v in state.items()}


def starting_model(opt: TrainOptions) -> tuple[VaeConfig, VaeCore, dict[str, Any] | None]:
    """``(config, core, resume data)``: a new model of ``opt``'s size, or with ``opt.resume``
    the one the resume file holds (weights loaded), with that file's contents to restore the
    rest from (None for a new model)."""
    resume_data = None
    if opt.resume:  # check_options made sure that the file is there
        resume_data = load_checkpoint(resume_path(opt.output))
    config = (
        VaeConfig.from_dict(resume_data["config"])
        if resume_data
        else VaeConfig.from_dict(
            {**NEW_MODEL_DEFAULTS, "latent_size": opt.latent_size, **opt.model_options}
        )
    )
    core = VaeCore(config)
    if resume_data:
        core.load_state_dict(resume_data["state_dict"])
    return config, core, resume_data


class RunCheckpoints:
    """The checkpoints of one run: what they hold, and writing them.

    Parameters
    ----------
    opt, config, core
        The run's options, and the model being trained (on ``device_type``).
    corpus, validation
        The training and held-out sounds (counted in the checkpoint; the PCA is the corpus's).
    world_size, device_type
        Recorded in the checkpoint: the ranks that trained and the device kind (``"cpu"``...).
    optimizer, average
        Their states go into the resume file (``average``: None without a weight average).
    say
        Prints a note for the user (a resume file that could not be written).
    """

    def __init__(
        self,
        opt: TrainOptions,
        config: VaeConfig,
        core: VaeCore,
        corpus: Corpus,
        validation: Corpus,
        world_size: int,
        device_type: str,
        optimizer: Adam,
        average: WeightAverage | None,
        say: Callable[[str], None],
    ) -> None:
        self.opt = opt
        self.config = config
        self.core = core
        self.corpus = corpus
        self.validation = validation
        self.world_size = world_size
        self.device_type = device_type
        self.optimizer = optimizer
        self.average = average
        self.say = say
        self.resume_failed: list[str] = []  # why the last resume file could not be written

    def restore(self, resume_data: dict[str, Any]) -> tuple[int, float]:
        """Load the optimizer's and the average's state from a resume file's contents;
        returns ``(step, seconds trained)`` there."""
        self.optimizer.load_state_dict(resume_data["optimizer"])
        if self.average is not None and "weight_average" in resume_data:
            self.average.load_state_dict(resume_data["weight_average"])
        return int(resume_data["training"]["step"]), float(resume_data["training"]["seconds"])

    def averaged(self) -> contextlib.AbstractContextManager[Any]:
        """The weights a model file gets: the running average when there is one."""
        return self.average.swapped_in() if self.average is not None else contextlib.nullcontext()

    def weights(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in self.core.state_dict().items()}

    def snapshot(self, step: int, elapsed: float, final: bool) -> dict[str, Any]:
        """The model file's contents at ``step``, ``elapsed`` seconds into the run (without
        the PCA and the metrics)."""
        opt = self.opt
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "config": self.config.to_dict(),
            "state_dict": self.weights(),
            "training": {
                "step": step,
                "seconds": round(elapsed, 1),
                "seed": opt.seed,
                "files": len(self.corpus) // (1 + len(opt.pitch_shifts)),  # not the copies
                "validation_files": len(self.validation),
                "world_size": self.world_size,
                "device": self.device_type,
                "batch_size": opt.batch_size,
                "crop_frames": opt.crop_frames,
                "lead_in_frames": opt.lead_in_frames,
                "pitch_shifts": list(opt.pitch_shifts),
                "loss": {
                    "sc_per_item": opt.sc_per_item,
                    "sc_weight": opt.sc_weight,
                    "loudness_weight": opt.loudness_weight,
                    "kl_weight": opt.kl_weight,
                    "control_weight": opt.control_weight,
                    "audio_loss_after": opt.audio_loss_after,
                },
                "weight_average": opt.weight_average,
                "command": opt.command,
                "final": final,
            },
        }
        return data

    def save(self, step: int, elapsed: float, final: bool, metrics: Reconstruction | None) -> None:
        """Write the resume file, then the model. A resume file that cannot be written (a
        full disk) costs the resume, never the model: it is written all the same."""
        opt, average = self.opt, self.average
        with self.averaged():
            data = self.snapshot(step, elapsed, final)
            mean, comps, var = latent_pca(self.core, self.corpus, seed=opt.seed)
        data.update(pca_mean=mean, pca_components=comps, pca_variance=var)
        if metrics is not None:
            data["metrics"] = {k: round(float(v), 4) for k, v in vars(metrics).items()}
        resume = dict(data, optimizer=_on_cpu(self.optimizer.state_dict()))
        if average is not None:  # training resumes from the raw weights, and the average
            resume.update(state_dict=self.weights(), weight_average=_on_cpu(average.state_dict()))
        # the resume file first: a kill between the two writes leaves one to continue from
        # (with the model of the checkpoint before), never a model that cannot be resumed
        try:
            save_atomic(resume, resume_path(opt.output))
            self.resume_failed.clear()
        except LatentscapeError as exc:  # an older one would resume from older weights
            with contextlib.suppress(OSError):
                resume_path(opt.output).unlink()
            if not self.resume_failed:
                self.say(f"note: {exc}; writing the model all the same")
            self.resume_failed[:] = [str(exc)]
        save_atomic(data, opt.output)
