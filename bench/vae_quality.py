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

Diagnostic lines (spectral convergence, SC, is the hard goal):

- ``*.sc_fftN``: SC at each FFT size (the goal is their mean);
- ``allpass``: the input through a random all-pass filter (random phase per frequency bin over
  the whole file): the right long-term spectrum, nothing else;
- ``measured_controls``: the model's synthesizer driven by the controls that the trainer
  measures from each sound for control supervision (engines/vae/analysis.py), no network: what
  the decoder is taught to reach;
- ``model_level_oracle``: the model's output scaled per file by the gain (-24..+6 dB, 3 dB
  steps) that minimises its SC: what is left when the level is right;
- ``--synth-oracle N`` (slow, ~20 s a file): the model's own synthesizer driven by controls
  optimised per file (harmonic amplitudes and noise bands per frame, at the model's pitch
  track, 150 Adam steps on the training loss), on the first N pitched and N drum files, scored
  with a different noise realization than it was fitted with: what a perfect decoder could
  reach with this synthesizer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

from latentscape.engines.audio_metrics import (
    FFT_SIZES,
    Reconstruction,
    active_frames,
    mrstft,
    spectral_convergence_per_fft,
    spectral_flatness,
)
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


def allpass(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``x`` through a random all-pass filter: its whole-file magnitude spectrum, random phase."""
    spec = np.fft.rfft(x.astype(np.float64))
    phase = rng.uniform(0, 2 * np.pi, spec.shape)
    phase[0] = 0.0
    return np.fft.irfft(np.abs(spec) * np.exp(1j * phase), n=x.size).astype(np.float32)


def best_gain_sc(y: np.ndarray, x: np.ndarray) -> float:
    """The lowest SC of ``g * y`` over gains -24..+6 dB in 3 dB steps."""
    return min(mrstft(y * np.float32(10 ** (g / 20)), x)[1] for g in range(-24, 7, 3))


def is_pitched(name: str) -> bool:
    return name.startswith("gm")


def evaluate(
    engine, files: list[Path]
) -> tuple[dict[str, list[Reconstruction]], dict[str, list[list[float]]], dict[str, list[float]]]:
    """``(metrics per group, SC per FFT size per group, level-oracle SC per class)``."""
    rate = engine.sample_rate_hz
    rng = np.random.default_rng(0)
    per_fft: dict[str, list[list[float]]] = {
        k: [] for k in ("model", "model_pitched", "model_drums", "random_phase", "allpass")
    }
    level: dict[str, list[float]] = {"all": [], "pitched": [], "drums": []}
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
            "allpass",
            "measured_controls",
        )
    }
    core = getattr(getattr(engine, "_model", None), "core", None)  # our VAE: its synth
    if core is not None:
        from vae_synth_oracle import measured_controls_audio
    for path in files:
        x = read_mono(path, rate)
        y = engine.decode(engine.encode(x), seed=0)[0, : x.shape[0]]
        rec = Reconstruction.measure(y, x, rate)
        cls = "model_pitched" if is_pitched(path.name) else "model_drums"
        groups["model"].append(rec)
        groups[cls].append(rec)
        sc = spectral_convergence_per_fft(y, x)
        per_fft["model"].append(sc)
        per_fft[cls].append(sc)
        gain_sc = best_gain_sc(y, x)
        level["all"].append(gain_sc)
        level["pitched" if is_pitched(path.name) else "drums"].append(gain_sc)
        groups["silence"].append(Reconstruction.measure(np.zeros_like(x), x, rate))
        groups["noise"].append(Reconstruction.measure(envelope_noise(x, rng), x, rate))
        groups["input_6db"].append(Reconstruction.measure(0.5 * x, x, rate))
        x_rp = random_phase(x, rng)
        rp = Reconstruction.measure(x_rp, x, rate)
        groups["random_phase"].append(rp)
        per_fft["random_phase"].append(spectral_convergence_per_fft(x_rp, x))
        if not is_pitched(path.name):
            groups["random_phase_drums"].append(rp)
        if core is not None:
            y_mc = measured_controls_audio(core, x)
            groups["measured_controls"].append(Reconstruction.measure(y_mc, x, rate))
        x_ap = allpass(x, rng)
        groups["allpass"].append(Reconstruction.measure(x_ap, x, rate))
        per_fft["allpass"].append(spectral_convergence_per_fft(x_ap, x))
    return groups, per_fft, level


def interpolation_check(engine, files: list[Path], pairs: int = 12) -> tuple[float, float, float]:
    """Fraction of midpoints whose flatness lies between the endpoints' (±0.1 log10), the
    worst excursion either way, and the worst towards noise (above the noisier endpoint: a
    noise burst; below the tonal one is a purer tone)."""
    rate = engine.sample_rate_hz
    pitched = [f for f in files if is_pitched(f.name)]
    drums = [f for f in files if not is_pitched(f.name)]
    rng = np.random.default_rng(1)
    inside, total, worst, noisier = 0, 0, 0.0, 0.0
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
            noisier = max(noisier, flat[alpha] - hi)
            inside += excursion <= 0.1
            total += 1
    return inside / total, worst, noisier


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model file to evaluate")
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus")
    parser.add_argument("--train-minutes", type=float, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "vae_quality")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--synth-oracle",
        type=int,
        default=0,
        metavar="N",
        help="also fit the synthesizer directly to N pitched and N drum files (slow)",
    )
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
    groups, per_fft, level = evaluate(engine, files)
    print(
        f"test_sounds = {len(files)} ({len(groups['model_pitched'])} pitched, {len(groups['model_drums'])} drums/percussion)"
    )
    for name, items in groups.items():
        if items:
            print("\n".join(Reconstruction.mean(items).lines(prefix=f"{name}.")))
    for name, rows in per_fft.items():
        if rows:
            means = np.mean(np.array(rows), axis=0)
            for n, v in zip(FFT_SIZES, means):
                print(f"{name}.sc_fft{n} = {v:.3f}")
    for cls, values in level.items():
        if values:
            print(f"model_level_oracle_{cls}.spectral_convergence = {np.mean(values):.3f}")
    if args.synth_oracle > 0:
        from vae_synth_oracle import synth_oracle

        for line in synth_oracle(engine, files, args.synth_oracle):
            print(line)
    inside, worst, noisier = interpolation_check(engine, files)
    print(f"interpolation_flatness_between_endpoints = {100 * inside:.0f} %")
    print(f"interpolation_worst_flatness_excursion = {worst:.3f} log10")
    print(f"interpolation_worst_noisier_excursion = {noisier:.3f} log10")
    decoder = engine.stream_decoder()
    print(f"latency = {1000 * decoder.latency_samples / engine.sample_rate_hz:.2f} ms")
    print(f"latent_frame = {1000 * engine.hop_samples / engine.sample_rate_hz:.2f} ms")
    print(f"latent_dims = {engine.latent_size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
