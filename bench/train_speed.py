"""Training step time of our VAE (default size) on the CPU and, when torch sees one, a CUDA GPU.

    .venv/bin/python bench/train_speed.py [--steps 30] [--batches 8,32] [--threads 1]
                                          [--devices cpu,cuda]

Corpus: the demo's 108 sounds (resources/demo/sounds), read and analysed as the trainer does.
Both kinds of step the trainer takes are timed: control-only steps (the first three quarters
of a run: decoder vs. measured controls, no synthesis) and audio steps (synthesis and the
multi-resolution spectral loss). Each figure is the median of ``--steps`` steps after 5
warm-up steps, with the device synchronised around every step. Prints ``name = value unit``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from latentscape.engines.vae.dataset import build_corpus, scan_audio_files
from latentscape.engines.vae.model import NEW_MODEL_DEFAULTS, VaeConfig, VaeCore
from latentscape.engines.vae.optim import Adam, clip_grad_norm
from latentscape.engines.vae.train_options import TrainOptions
from latentscape.engines.vae.trainer import TrainingModule, control_analyser

SOUNDS = Path(__file__).resolve().parents[1] / "resources" / "demo" / "sounds"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def step_seconds(module, corpus, device, batch: int, audio: bool, steps: int, opt) -> float:
    """Median wall time of one optimiser step (seconds)."""
    rng = np.random.default_rng(0)
    optimizer = Adam(module.core.parameters(), lr=opt.learning_rate)
    frames = opt.crop_frames + opt.context_frames
    times = []
    for i in range(steps + 5):
        a, f, c = corpus.sample_batch(rng, batch, frames)
        _sync(device)
        t0 = time.perf_counter()
        a, f, c = a.to(device), f.to(device), c.to(device)
        loss, _, _ = module(a, f, c, opt.kl_weight, audio)
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm(optimizer.params, 2.0)
        optimizer.step()
        _sync(device)
        if i >= 5:
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batches", default="8,32")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--devices", default="cpu,cuda", help="cuda is skipped without a GPU")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    opt = TrainOptions(folder=SOUNDS, output=Path("unused.pt"))
    core = VaeCore(VaeConfig.from_dict({**NEW_MODEL_DEFAULTS, "latent_size": opt.latent_size}))
    files = scan_audio_files(SOUNDS)
    corpus = build_corpus(
        files,
        core.features,
        core.sample_rate_hz,
        opt.crop_frames + opt.context_frames,
        lead_frames=opt.lead_in_frames,
        analyser=control_analyser(core),
    )
    print(f"train_speed.sounds = {len(corpus)}")
    names = args.devices.split(",")
    devices = [torch.device(n) for n in names if n == "cpu" or torch.cuda.is_available()]
    if any(d.type == "cuda" for d in devices):
        print(f"train_speed.gpu = {torch.cuda.get_device_name(0)}")
    for device in devices:
        module = TrainingModule.for_options(core, opt).to(device)
        for batch in [int(b) for b in args.batches.split(",")]:
            for kind, audio in (("control_step", False), ("audio_step", True)):
                s = step_seconds(module, corpus, device, batch, audio, args.steps, opt)
                name = f"train_speed.{device.type}.batch{batch}.{kind}"
                print(f"{name} = {s * 1000:.1f} ms", flush=True)
                crops_s = batch / s
                print(f"{name}_crops_per_s = {crops_s:.0f} crops/s", flush=True)


if __name__ == "__main__":
    main()
