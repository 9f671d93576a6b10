"""Reconstruction quality of a latentscape VAE on held-out sounds, with baselines.

Usage::

    .venv/bin/python bench/vae_quality.py --model MODEL --corpus CORPUS
    .venv/bin/python bench/vae_quality.py --train-minutes 20 --corpus CORPUS --out bench/out/vae20

CORPUS is a folder with ``train/`` and ``test/`` as ``scripts/make_demo_corpus`` writes it
(rendered there when missing). With ``--train-minutes`` the model is first trained on
``train/`` with the given wall-clock budget; the ``test/`` files are never seen in training.
Prints ``name = value unit`` lines: the model's metrics (all / pitched / drums), the same
metrics for silence, envelope-shaped white noise, the input at -6 dB and the input's own STFT
magnitudes with random phases (the floor for any phase-free synthesizer), the interpolation
check, and the streaming latency.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

from latentscape.engines.audio_metrics import Reconstruction, active_frames, spectral_flatness
from latentscape.engines.loader import load_model
from latentscape.engines.vae.dataset import read_mono

ROOT = Path(__file__).resolve().parents[1]


def envelope_noise(x: np.ndarray, rng: np.random.Generator, frame: int = 512) -> np.ndarray:
    """White noise with ``x``'s RMS envelope (per 512-sample frame, linearly interpolated)."""
    n = x.shape[0]
    pad = np.pad(x, (0, (-n) % frame))
    rms = np.sqrt(np.mean(pad.reshape(-1, frame) ** 2, axis=1))
    centers = np.arange(rms.size) * frame + frame / 2
    env = np.interp(np.arange(n), centers, rms)
    return (rng.standard_normal(n) * env).astype(np.float32)


def random_phase(x: np.ndarray, rng: np.random.Generator, n_fft: int = 2048) -> np.ndarray:
    """``x``'s exact STFT magnitudes (2048/512) with random phases, at ``x``'s level: roughly
    what a synthesizer that gets every magnitude right but not the phase would score."""
    import torch

    window = torch.hann_window(n_fft)
    spec = torch.stft(torch.from_numpy(x), n_fft, n_fft // 4, window=window, return_complex=True)
    phase = torch.from_numpy(rng.uniform(0, 2 * np.pi, tuple(spec.shape)).astype(np.float32))
    y = torch.istft(
        spec.abs() * torch.exp(1j * phase), n_fft, n_fft // 4, window=window, length=x.size
    )
    y = y.numpy().astype(np.float32)
    # Random phases partly cancel in the overlap-add: restore the input's RMS level.
    return y * np.float32(np.sqrt(np.mean(x**2) / max(np.mean(y**2), 1e-20)))


def is_pitched(name: str) -> bool:
    return name.startswith("gm")


def evaluate(engine, files: list[Path]) -> dict[str, list[Reconstruction]]:
    rate = engine.sample_rate_hz
    rng = np.random.default_rng(0)
    groups: dict[str, list[Reconstruction]] = {
        k: []
        for k in (
            "model",
            "model_pitched",
            "model_drums",
            "silence",
            "noise",
            "input_6db",
            "random_phase",
            "random_phase_drums",
        )
    }
    for path in files:
        x = read_mono(path, rate)
        y = engine.decode(engine.encode(x), seed=0)[0, : x.shape[0]]
        rec = Reconstruction.measure(y, x, rate)
        groups["model"].append(rec)
        groups["model_pitched" if is_pitched(path.name) else "model_drums"].append(rec)
        groups["silence"].append(Reconstruction.measure(np.zeros_like(x), x, rate))
        groups["noise"].append(Reconstruction.measure(envelope_noise(x, rng), x, rate))
        groups["input_6db"].append(Reconstruction.measure(0.5 * x, x, rate))
        rp = Reconstruction.measure(random_phase(x, rng), x, rate)
        groups["random_phase"].append(rp)
        if not is_pitched(path.name):
            groups["random_phase_drums"].append(rp)
    return groups


def interpolation_check(engine, files: list[Path], pairs: int = 12) -> tuple[float, float]:
    """Fraction of midpoints whose flatness lies between the endpoints' (±0.1 log10), worst excursion."""
    rate = engine.sample_rate_hz
    pitched = [f for f in files if is_pitched(f.name)]
    drums = [f for f in files if not is_pitched(f.name)]
    rng = np.random.default_rng(1)
    inside, total, worst = 0, 0, 0.0
    for _ in range(pairs):
        a, b = rng.choice(pitched), rng.choice(drums if rng.random() < 0.5 else pitched)
        xa, xb = read_mono(a, rate), read_mono(b, rate)
        za, zb = engine.encode(xa), engine.encode(xb)
        t = min(len(za), len(zb))
        za, zb = za[:t], zb[:t]
        decoded = {
            alpha: engine.decode((1 - alpha) * za + alpha * zb, seed=0)[0]
            for alpha in (0.0, 0.25, 0.5, 0.75, 1.0)
        }
        mask = active_frames(decoded[0.0] + decoded[1.0])
        flat = {k: np.log10(spectral_flatness(v, mask) + 1e-12) for k, v in decoded.items()}
        lo, hi = min(flat[0.0], flat[1.0]), max(flat[0.0], flat[1.0])
        for alpha in (0.25, 0.5, 0.75):
            excursion = max(0.0, flat[alpha] - hi, lo - flat[alpha])
            worst = max(worst, excursion)
            inside += excursion <= 0.1
            total += 1
    return inside / total, worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model file to evaluate")
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus")
    parser.add_argument("--train-minutes", type=float, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "vae_quality")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not (args.corpus / "test").is_dir():
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "make_demo_corpus"), str(args.corpus)],
            check=True,
        )
    model = args.model
    if args.train_minutes is not None:
        model = args.out / "model.pt"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "latentscape",
                "train",
                str(args.corpus / "train"),
                "-o",
                str(model),
                "--minutes",
                str(args.train_minutes),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
    if model is None:
        parser.error("give --model or --train-minutes")
    engine = load_model(model)
    files = sorted((args.corpus / "test").glob("*.wav"))
    groups = evaluate(engine, files)
    print(
        f"test_sounds = {len(files)} ({len(groups['model_pitched'])} pitched, {len(groups['model_drums'])} drums/percussion)"
    )
    for name, items in groups.items():
        if items:
            print("\n".join(Reconstruction.mean(items).lines(prefix=f"{name}.")))
    inside, worst = interpolation_check(engine, files)
    print(f"interpolation_flatness_between_endpoints = {100 * inside:.0f} %")
    print(f"interpolation_worst_flatness_excursion = {worst:.3f} log10")
    decoder = engine.stream_decoder()
    print(f"latency = {1000 * decoder.latency_samples / engine.sample_rate_hz:.2f} ms")
    print(f"latent_frame = {1000 * engine.hop_samples / engine.sample_rate_hz:.2f} ms")
    print(f"latent_dims = {engine.latent_size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
