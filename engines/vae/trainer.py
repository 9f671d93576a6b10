"""Train the VAE on a folder of sounds, on a CPU in minutes, or under ``torchrun`` (DDP).

One process trains on the whole machine, on a CUDA GPU when torch sees one
(``TrainOptions.device``); under ``torchrun`` every rank trains on its own random crops with
gradients averaged by ``DistributedDataParallel`` (``gloo`` on CPU, ``nccl`` on GPUs, rank r on
GPU ``LOCAL_RANK``). The corpus stays in CPU memory; each batch is copied to the device.
Rank 0 reads the validation split, shows progress, validates and writes checkpoints
(:mod:`.train_checkpoints`); the stop decision (step or wall-clock budget) is shared so every
rank stops at the same step.

Called on the caller's thread; blocks until the budget is spent.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from ..atomic_write import remove_stale_temps
from ..audio_metrics import Reconstruction
from ..torch_runtime import pick_device
from .analysis import analyse_controls, noise_weight
from .checkpoint import resume_path
from .dataset import Corpus, CorpusError, build_corpus, scan_audio_files, split_holdout
from .losses import SpectralLoss, control_loss, kl_divergence
from .model import VaeCore
from .optim import Adam, WeightAverage, clip_grad_norm
from .train_checkpoints import RunCheckpoints, starting_model
from .train_checks import RESUME_PARTS, check_options, check_room
from .train_options import TrainOptions


class TrainingModule(torch.nn.Module):
    """The loss computation, as one module so that DDP can wrap it."""

    def __init__(
        self,
        core: VaeCore,
        context_frames: int,
        loudness_weight: float = 0.0,
        sc_per_item: bool = False,
        sc_weight: float = 1.0,
        control_weight: float = 0.0,
    ) -> None:
        super().__init__()
        self.core = core
        self.spectral = SpectralLoss(
            loudness_weight=loudness_weight, sc_per_item=sc_per_item, sc_weight=sc_weight
        )
        self.context_frames = context_frames
        self.control_weight = control_weight
        self.noise_scale = noise_weight(core.synth.n_bands)

    @classmethod
    def for_options(cls, core: VaeCore, opt: TrainOptions) -> TrainingModule:
        """The loss computation that ``opt`` asks for (the trainer's, and its benchmark's)."""
        return cls(
            core,
            opt.context_frames,
            opt.loudness_weight,
            opt.sc_per_item,
            opt.sc_weight,
            opt.control_weight,
        )

    def forward(
        self,
        audio: torch.Tensor,
        feats: torch.Tensor,
        controls: torch.Tensor | None,
        kl_weight: float,
        audio_loss: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(loss, spectral or control loss, KL)``; without ``audio_loss`` nothing is
        synthesized (a control-only step: the controls are compared with the measured ones)."""
        core = self.core
        mean, logvar = core.posterior(feats)
        fixed = core.fixed_dims  # pitch (and loudness) dims are not sampled
        learned = mean[..., fixed:]
        sample = learned + torch.randn_like(learned) * (0.5 * logvar).exp()
        z = torch.cat([mean[..., :fixed], sample], dim=-1)
        counters = int(torch.randint(0, 1 << 20, ()).item())
        h, f0_prev, amp_prev, phase, tail, counter = core.initial_state(audio.shape[0], counters)
        # Crops start cold (h = 0, not the rest state), mostly mid-sound: their first context
        # frames are not scored.
        f0, amps, noise, _ = core.decoder(z, h)
        skip = self.context_frames
        kl = kl_divergence(learned, logvar)
        fit = kl.new_zeros(())
        if controls is not None and self.control_weight > 0.0:
            predicted = torch.cat([amps, noise], dim=-1)[:, skip:]
            fit = self.control_weight * control_loss(
                predicted, controls[:, skip:], core.n_harmonics, self.noise_scale
            )
        if audio_loss:
            out, *_ = core.synth(f0, amps, noise, f0_prev, amp_prev, phase, tail, counter)
            fit = fit + self.spectral(out[:, skip * core.hop :], audio[:, skip * core.hop :])
        return fit + kl_weight * kl, fit.detach(), kl.detach()


@torch.no_grad()
def reconstruct(core: VaeCore, audio: torch.Tensor) -> torch.Tensor:
    """Encode (posterior mean) and decode one padded mono signal ``[N]`` -> ``[N]`` (CPU).

    Runs on the device that holds ``core``.
    """
    z = core.encode_mean(audio[None].to(core.rest_h.device))
    out, _ = core.decode_step(z, core.initial_state(1, 0))
    return out[0].cpu()


def validate(core: VaeCore, corpus: Corpus) -> Reconstruction | None:
    """Mean reconstruction metrics over ``corpus`` (None when it is empty)."""
    if len(corpus) == 0:
        return None
    was_training = core.training
    core.eval()
    core.settle()  # decodes start from the rest state of these weights
    results = [
        Reconstruction.measure(reconstruct(core, a).numpy(), a.numpy(), corpus.sample_rate_hz)
        for a in corpus.audio
    ]
    core.train(was_training)
    return Reconstruction.mean(results)


def training_device(choice: str, local_rank: int = 0) -> torch.device:
    """The device to train on for ``TrainOptions.device``; raises CorpusError for a bad one.

    ``auto`` and ``cuda`` take GPU ``local_rank`` (modulo the GPUs there are), so that each
    ``torchrun`` rank of a machine gets its own.
    """
    try:
        return pick_device(choice, local_rank)
    except ValueError as exc:
        raise CorpusError(f"--device {choice.strip()}: {exc}") from None


class _Distributed:
    def __init__(self, device_choice: str) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.device = training_device(device_choice, int(os.environ.get("LOCAL_RANK", "0")))
        self.active = self.world > 1
        if self.device.type == "cuda":
            ranks, gpus = int(os.environ.get("LOCAL_WORLD_SIZE", "1")), torch.cuda.device_count()
            if ranks > gpus:  # NCCL cannot share one GPU between ranks ("invalid usage")
                raise CorpusError(
                    f"torchrun started {ranks} ranks on this machine but there are {gpus} CUDA "
                    f"GPUs: start one rank per GPU (--nproc_per_node {gpus}) or use --device cpu"
                )
            torch.cuda.set_device(self.device)
        if self.active and not dist.is_initialized():
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    def any(self, flag: bool) -> bool:
        if not self.active:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def barrier(self) -> None:
        if self.active:
            dist.barrier()

    def close(self) -> None:
        if self.active and dist.is_initialized():
            dist.destroy_process_group()


def control_analyser(core: VaeCore):
    """``(audio [N], feats [T, F]) -> controls [T, C]`` for :func:`.dataset.build_corpus`."""
    pitch = core.pitch_feature
    synth = core.synth

    def analyse(audio: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        f0 = (440.0 * torch.pow(2.0, feats[:, pitch])).clamp(20.0, core.sample_rate_hz / 2.0)
        return analyse_controls(
            audio,
            f0,
            feats[:, pitch + 1],
            core.sample_rate_hz,
            core.hop,
            synth.n_harmonics,
            synth.n_bands,
        )

    return analyse


def _lr_factor(progress: float) -> float:
    """Cosine decay from 1 to 0.1 over the run (progress in [0, 1])."""
    return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, progress))))


def _say(text: str, enabled: bool) -> None:
    if enabled:
        from tqdm import tqdm

        tqdm.write(text)


def train(options: TrainOptions) -> dict[str, Any]:
    """Run a training; returns the final model file's ``training`` and ``metrics`` dicts."""
    replaced_steps = check_options(options)
    ddp = _Distributed(options.device)
    if ddp.rank == 0:
        for out in (options.output, resume_path(options.output)):  # left by a killed run
            remove_stale_temps(out)
        if replaced_steps is not None and not options.resume:
            can_resume = resume_path(options.output).is_file()
            _say(
                f"note: replacing {options.output.name}, a model trained {replaced_steps} steps"
                + (" (--resume would continue it)" if can_resume else ""),
                True,
            )
    try:
        return _train(options, ddp)
    finally:
        ddp.close()


def _train(opt: TrainOptions, ddp: _Distributed) -> dict[str, Any]:
    from tqdm import tqdm

    lead = ddp.rank == 0
    talk = lead and opt.progress
    # Small ops scale badly across threads, and collapse when the cores are shared: one
    # thread measured 0.25 s/step where two took 1.6-3.9 s/step on this busy 2-core machine.
    per_process = max(1, (os.cpu_count() or 1) // max(1, ddp.world) // 2)
    torch.set_num_threads(opt.threads or min(4, per_process))
    torch.manual_seed(opt.seed + 1009 * ddp.rank)
    rng = np.random.default_rng(opt.seed + 7919 * ddp.rank)

    files = scan_audio_files(opt.folder)
    if not files:
        raise CorpusError(f"{opt.folder}: no audio files (wav, flac, ogg, aiff, mp3) found")
    train_files, val_files = split_holdout(files, opt.validation_fraction, opt.seed)

    config, core, resume_data = starting_model(opt)
    weight_bytes = sum(p.numel() * p.element_size() for p in core.state_dict().values())
    if lead and not check_room(opt.output, weight_bytes):
        _say(
            f"note: room for {opt.output.name} but not for its .resume file "
            f"(about {RESUME_PARTS}x its size): this run cannot be resumed",
            True,
        )
    min_frames = opt.crop_frames + opt.context_frames
    bar = tqdm(total=len(files), desc="reading", unit="file", disable=not talk)
    corpus = build_corpus(
        train_files,
        core.features,
        config.sample_rate_hz,
        min_frames,
        lambda i, n: bar.update(),
        lead_frames=opt.lead_in_frames,
        analyser=control_analyser(core) if opt.control_weight > 0.0 else None,
        shifts=tuple(opt.pitch_shifts),
    )
    val_corpus = (
        build_corpus(val_files, core.features, config.sample_rate_hz, 1, lambda i, n: bar.update())
        if lead
        else Corpus(config.hop, config.sample_rate_hz)
    )
    bar.close()
    for line in corpus.skipped + val_corpus.skipped:
        _say(f"skipped {line}", talk)
    if len(corpus) == 0:
        raise CorpusError(f"{opt.folder}: none of the {len(files)} audio files could be read")
    _say(
        f"{len(corpus)} training sounds ({corpus.total_seconds:.0f} s), "
        f"{len(val_corpus)} held out for validation",
        talk,
    )

    module = TrainingModule.for_options(core, opt)
    device = ddp.device
    module.to(device)
    model: torch.nn.Module = module
    if ddp.active:
        ids = [device.index] if device.type == "cuda" else None
        model = torch.nn.parallel.DistributedDataParallel(module, device_ids=ids)
    optimizer = Adam(core.parameters(), lr=opt.learning_rate)
    average = WeightAverage(core.parameters(), opt.weight_average) if opt.weight_average else None
    checkpoints = RunCheckpoints(
        opt,
        config,
        core,
        corpus,
        val_corpus,
        ddp.world,
        device.type,
        optimizer,
        average,
        lambda text: _say(text, True),
    )
    step, elapsed = 0, 0.0
    if resume_data:
        step, elapsed = checkpoints.restore(resume_data)
        # Fresh, but reproducible, random streams for the rest of the run.
        rng = np.random.default_rng([opt.seed, ddp.rank, step])
        torch.manual_seed(opt.seed + 1009 * ddp.rank + 7 * step)
        _say(f"resuming at step {step} ({elapsed:.0f} s trained)", talk)
    _say(f"training on {device}", talk and device.type != "cpu")

    budget_s = opt.minutes * 60.0 if opt.minutes is not None else math.inf
    max_steps = opt.steps if opt.steps is not None else None
    if max_steps is not None and step >= max_steps:  # --steps counts the resumed steps too
        _say(f"note: already at step {step}, --steps {max_steps}: nothing left to train", True)

    def progress_fraction() -> float:
        parts = [elapsed / budget_s if budget_s < math.inf else 0.0]
        if max_steps:
            parts.append(step / max_steps)
        return max(parts)

    total = max_steps if max_steps else int(budget_s)
    bar = tqdm(total=total, desc="training", unit="step" if max_steps else "s", disable=not talk)
    bar.update(step if max_steps else int(elapsed))
    last_ckpt = last_val = loop_start = time.monotonic()
    elapsed_before = elapsed
    metrics: Reconstruction | None = None
    core.train()
    first_step = step
    try:
        while not ddp.any((max_steps is not None and step >= max_steps) or elapsed >= budget_s):
            optimizer.lr = opt.learning_rate * _lr_factor(progress_fraction())
            audio, feats, controls = corpus.sample_batch(rng, opt.batch_size, min_frames)
            audio, feats = audio.to(device, non_blocking=True), feats.to(device, non_blocking=True)
            controls = None if controls is None else controls.to(device, non_blocking=True)
            kl_w = opt.kl_weight * min(1.0, step / max(1, opt.kl_warmup_steps))
            with_audio = controls is None or progress_fraction() >= opt.audio_loss_after
            loss, fit, kl = model(audio, feats, controls, kl_w, with_audio)
            optimizer.zero_grad()
            loss.backward()
            clip_grad_norm(optimizer.params, 2.0)
            optimizer.step()
            if average is not None:
                average.update()
            step += 1
            elapsed = elapsed_before + time.monotonic() - loop_start  # wall clock, all included
            if talk:
                bar.set_postfix(step=step, fit=f"{fit.item():.3f}", kl=f"{kl.item():.1f}")
                bar.update(1 if max_steps else int(elapsed) - bar.n)
            now = time.monotonic()
            if lead and now - last_val >= opt.validate_every_s:
                with checkpoints.averaged():
                    metrics = validate(core, val_corpus)
                if metrics is not None:
                    _say(f"step {step}: validation " + ", ".join(metrics.lines()), talk)
                last_val = time.monotonic()
            if lead and now - last_ckpt >= opt.checkpoint_every_s:
                checkpoints.save(step, elapsed, False, metrics)
                last_ckpt = time.monotonic()
    except KeyboardInterrupt:  # Ctrl-C: keep what was learned since the last checkpoint
        bar.close()
        if lead and step > first_step:
            checkpoints.save(step, elapsed, False, metrics)
            _say(
                f"interrupted at step {step}: wrote {opt.output} and its .resume file; "
                "continue with --resume",
                True,
            )
        raise
    bar.close()
    result: dict[str, Any] = {"step": step, "seconds": elapsed}
    if lead:
        with checkpoints.averaged():
            metrics = validate(core, val_corpus)
        if metrics is not None:
            _say("validation (held-out files):\n  " + "\n  ".join(metrics.lines()), talk)
            result["metrics"] = vars(metrics)
        checkpoints.save(step, elapsed, True, metrics)
        _say(f"wrote {opt.output} after {step} steps ({elapsed / 60:.1f} min)", talk)
        if checkpoints.resume_failed:
            _say(
                f"note: no {resume_path(opt.output).name}: --resume cannot continue this run", True
            )
    ddp.barrier()
    return result
