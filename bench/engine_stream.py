"""Stream-decode speed of the TorchScript engine vs a bare ``torch.jit.load(...).decode`` loop.

Usage: ``.venv/bin/python bench/engine_stream.py MODEL.ts [--seconds 2] [--chunks 1,2,4,8,16]``

For each chunk size (latent frames per call) prints, measured side by side in one run
(rounds alternate between the two so machine noise hits both alike):

    rtf_engine_chunk<N> = <x> x
    rtf_bare_chunk<N> = <x> x
    ratio_engine_over_bare_chunk<N> = <r>

Real-time factor = seconds of audio produced per second of compute, one torch thread.
The engine must not be slower than the bare call (ratio >= 0.95).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from latentscape.engines.loader import load_model


def _bare_rtf(model, z: torch.Tensor, audio_s: float, seconds: float) -> tuple[float, float]:
    compute = 0.0
    audio = 0.0
    with torch.inference_mode():
        while compute < seconds:
            t0 = time.perf_counter()
            model.decode(z)
            compute += time.perf_counter() - t0
            audio += audio_s
    return audio, compute


def _engine_rtf(decoder, z: np.ndarray, audio_s: float, seconds: float) -> tuple[float, float]:
    compute = 0.0
    audio = 0.0
    while compute < seconds:
        t0 = time.perf_counter()
        decoder.decode(z)
        compute += time.perf_counter() - t0
        audio += audio_s
    return audio, compute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--seconds", type=float, default=2.0, help="compute time per measurement")
    parser.add_argument("--chunks", default="1,2,4,8,16")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    torch.set_num_threads(1)
    engine = load_model(args.model)
    bare = torch.jit.load(args.model)
    bare.eval()
    print(f"model = {args.model}")
    print(f"hop = {engine.hop_samples} samples")
    print(f"sample_rate = {engine.sample_rate_hz} Hz")
    print(f"streaming = {int(engine.can_stream)}")
    rng = np.random.default_rng(0)
    for chunk in (int(c) for c in args.chunks.split(",")):
        z_np = rng.standard_normal((chunk, engine.latent_size)).astype(np.float32)
        z_t = torch.from_numpy(np.ascontiguousarray(z_np.T))[None]
        audio_s = chunk * engine.hop_samples / engine.sample_rate_hz
        decoder = engine.stream_decoder(seed=None)
        for _ in range(3):  # warm both
            decoder.decode(z_np)
            with torch.inference_mode():
                bare.decode(z_t)
        totals = {"engine": [0.0, 0.0], "bare": [0.0, 0.0]}
        per_round = args.seconds / args.rounds
        for _ in range(args.rounds):
            a, c = _engine_rtf(decoder, z_np, audio_s, per_round)
            totals["engine"][0] += a
            totals["engine"][1] += c
            a, c = _bare_rtf(bare, z_t, audio_s, per_round)
            totals["bare"][0] += a
            totals["bare"][1] += c
        decoder.close()
        rtf_engine = totals["engine"][0] / totals["engine"][1]
        rtf_bare = totals["bare"][0] / totals["bare"][1]
        print(f"rtf_engine_chunk{chunk} = {rtf_engine:.2f} x")
        print(f"rtf_bare_chunk{chunk} = {rtf_bare:.2f} x")
        print(f"ratio_engine_over_bare_chunk{chunk} = {rtf_engine / rtf_bare:.3f}")


if __name__ == "__main__":
    main()
