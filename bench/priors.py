"""Latent priors: speed (16 samples generated + decoded), quality (Fréchet distance) and diversity.

Run with ``nice -n 10 .venv/bin/python bench/priors.py [--seconds 90] [--model M] [--sounds DIR]``.

Corpus: real sounds (``--sounds DIR`` with ``train/`` and ``test/`` inside, else the corpus that
``scripts/make_demo_corpus`` renders, cached in ``$TMPDIR/latentscape-bench-corpus``), encoded with
the demo VAE (``resources/demo``) when it exists, else with ``--model``, else with a tiny nn~
fixture model (tests/support/nn_models.py: RAVE-like 44.1 kHz, hop 2048, 8 dims) — the output
says which. Sounds of ``train/`` train the priors; windows of ``test/`` (never seen) are the real
reference. Prints ``name = value unit`` lines; never fails on time.

Metrics are computed at the prior's frame rate (model-rate windows averaged over the time
stride). Quality baselines (Fréchet distance to held-out windows, lower is better): ``normal`` draws every
frame from N(0, I) (the VAE's prior); ``mix`` averages windows of two random training sounds;
``train_ref`` compares the training windows themselves with the held-out ones (a floor).
Diversity: median distance of each window to its nearest training window, generated vs held-out
(ratio ≈ 1: as novel as unseen real sounds; ≪ 1: copies); ``copy_fraction``: share of generated
windows nearer to the training set than the nearest 5 % of held-out windows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch

from latentscape.engines.loader import load_model
from latentscape.engines.priors import LatentWindows, create_prior, window_plan
from latentscape.engines.priors.metrics import frechet_windows, nearest_neighbour_diversity
from latentscape.engines.torch_runtime import configure_runtime

ROOT = Path(__file__).resolve().parents[1]
MODEL_SUFFIXES = (".ts", ".pt", ".ckpt", ".lsm", ".pth")


def line(name: str, value: float | str, unit: str = "") -> None:
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    print(f"{name} = {text} {unit}".rstrip(), flush=True)


def pick_model(explicit: str | None) -> tuple[object, str]:
    if explicit:
        return load_model(explicit), f"given model {explicit}"
    demo = ROOT / "resources" / "demo"
    for path in sorted(demo.glob("*")) if demo.is_dir() else []:
        if path.suffix in MODEL_SUFFIXES:
            try:
                return load_model(path), f"demo VAE {path.relative_to(ROOT)}"
            except Exception as exc:  # report and fall back
                print(f"# demo model {path.name} not usable: {exc}", file=sys.stderr)
    sys.path.insert(0, str(ROOT / "tests"))
    from support.nn_models import build_nn_model

    path = Path(tempfile.gettempdir()) / "latentscape-bench-tiny-prior.ts"
    build_nn_model(path, latent=8, hop=2048, sr=44100)
    return load_model(path), "TINY FIXTURE model (no demo VAE yet): latent 8, hop 2048, 44.1 kHz"


def corpus_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    cache = Path(tempfile.gettempdir()) / "latentscape-bench-corpus"
    if not (cache / "train").is_dir():
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "make_demo_corpus"), str(cache), "--seed", "0"],
            check=True,
        )
    return cache


def encode_folder(engine, folder: Path, limit: int | None) -> list[np.ndarray]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".wav", ".flac", ".ogg"))
    out = []
    for path in files[:limit]:
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
        mono = audio.mean(1)
        if rate != engine.sample_rate_hz:
            mono = soxr.resample(mono, rate, engine.sample_rate_hz).astype(np.float32)
        out.append(engine.encode(mono[None], seed=0))
    return out


def pool(windows: np.ndarray, stride: int) -> np.ndarray:
    """Model-rate windows ``[n, frames * stride, L]`` → prior rate ``[n, frames, L]``."""
    n, t, latent = windows.shape
    return windows.reshape(n, t // stride, stride, latent).mean(2)


def mix_baseline(train: LatentWindows, n: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.integers(0, train.count, n)
    b = rng.integers(0, train.count, n)
    clash = train.sound_index[a] == train.sound_index[b]
    b[clash] = (b[clash] + train.count // 2) % train.count
    return 0.5 * (train.windows[a] + train.windows[b])


def batched_decode_ms(engine, prior, reps: int) -> float | None:
    """Generate 16 and decode them as ONE batch through the VAE's model (not a public engine
    method yet: the figure a ``decode_many`` would give). None for other engines."""
    model = getattr(engine, "_model", None)
    if model is None or not hasattr(model, "decode_stateful"):
        return None
    times = []
    for rep in range(reps + 1):
        t0 = time.perf_counter()
        windows = torch.from_numpy(prior.sample(16, seed=rep).windows)
        with torch.inference_mode():
            model.decode_stateful(windows, model.initial_state(16, 0))
        if rep:
            times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="training time per prior")
    parser.add_argument("--model", default=None)
    parser.add_argument("--sounds", default=None, help="folder with train/ and test/ inside")
    parser.add_argument("--limit", type=int, default=None, help="at most this many sounds a side")
    parser.add_argument("--samples", type=int, default=512, help="generated windows for metrics")
    parser.add_argument("--speed-reps", type=int, default=5)
    parser.add_argument("--kinds", default="gan,diffusion", help="priors to train, comma-separated")
    parser.add_argument(
        "--cache", default=None, help="an .npz to keep the encoded corpus in (reused when present)"
    )
    args = parser.parse_args()
    configure_runtime(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    engine, model_note = pick_model(args.model)
    line("model", model_note)
    folder = corpus_dir(args.sounds)
    t0 = time.perf_counter()
    if args.cache and Path(args.cache).exists():
        cached = np.load(args.cache)
        train_traj = [cached[k] for k in sorted(cached.files) if k.startswith("train")]
        test_traj = [cached[k] for k in sorted(cached.files) if k.startswith("test")]
    else:
        train_traj = encode_folder(engine, folder / "train", args.limit)
        test_traj = encode_folder(engine, folder / "test", args.limit)
        if args.cache:
            arrays = {f"train{i:05d}": z for i, z in enumerate(train_traj)}
            arrays.update({f"test{i:05d}": z for i, z in enumerate(test_traj)})
            np.savez(args.cache, **arrays)
    line("corpus", f"{folder} ({len(train_traj)} train + {len(test_traj)} held-out sounds)")
    line("encode_time", time.perf_counter() - t0, "s")
    frames, stride = window_plan(engine.sample_rate_hz, engine.hop_samples)
    train = LatentWindows.from_trajectories(train_traj, frames, stride)
    held = LatentWindows.from_trajectories(test_traj, frames, stride)
    line("prior_frames", frames, "frames")
    line("time_stride", stride, "model frames")
    line("window_length", frames * stride * engine.hop_samples / engine.sample_rate_hz, "s")
    line("latent_size", train.latent_size, "dims")
    line("train_windows", train.count, "windows")
    line("held_out_windows", held.count, "windows")

    rng = np.random.default_rng(0)
    n = args.samples
    mean, std = train.mean, train.std
    reference = held.windows
    fd = {
        "train_ref": frechet_windows(train.windows, reference, mean, std),
        "normal": frechet_windows(
            pool(rng.standard_normal((n, frames * stride, train.latent_size)), stride),
            reference,
            mean,
            std,
        ),
        "mix": frechet_windows(mix_baseline(train, n, rng), reference, mean, std),
    }
    generated: dict[str, np.ndarray] = {}
    priors = {}
    for kind in args.kinds.split(","):
        prior = create_prior(kind, train.latent_size, frames, stride)
        report = prior.train(train, seconds=args.seconds, seed=0)
        line(f"{kind}_train_steps", report.steps, "steps")
        line(f"{kind}_train_step_time", 1000.0 * report.seconds / max(report.steps, 1), "ms")
        line(f"{kind}_final_loss", report.loss)
        generated[kind] = pool(prior.sample(n, seed=123).windows, stride)
        fd[kind] = frechet_windows(generated[kind], reference, mean, std)
        priors[kind] = prior

    for name, value in fd.items():
        line(f"frechet_{name}", value)
    diversity_sets = {
        **generated,
        "mix": mix_baseline(train, n, rng),
        "train_copy": train.windows[:n],
    }
    for name, windows in diversity_sets.items():
        d = nearest_neighbour_diversity(windows, reference, train.windows, mean, std)
        line(f"nn_ratio_{name}", d.ratio)
        line(f"copy_fraction_{name}", d.copy_fraction)
    d = nearest_neighbour_diversity(train.windows[:n], reference, train.windows, mean, std)
    line("nn_median_held_out", d.held_out_median)

    for kind, prior in priors.items():
        times, sample_times = [], []
        for rep in range(args.speed_reps + 1):
            t0 = time.perf_counter()
            windows = prior.sample(16, seed=rep).windows
            t1 = time.perf_counter()
            with torch.inference_mode():
                for i, w in enumerate(windows):
                    engine.decode(w, seed=i)
            t2 = time.perf_counter()
            if rep:  # the first round warms up
                times.append(t2 - t0)
                sample_times.append(t1 - t0)
        line(f"{kind}_sample16", 1000.0 * float(np.median(sample_times)), "ms")
        line(f"{kind}_sample16_decode", 1000.0 * float(np.median(times)), "ms")
        batched = batched_decode_ms(engine, prior, args.speed_reps)
        if batched is not None:
            line(f"{kind}_sample16_decode_batched", batched, "ms")
    audio_s = 16 * frames * stride * engine.hop_samples / engine.sample_rate_hz
    line("sample16_audio", audio_s, "s")


if __name__ == "__main__":
    main()
