"""Stream-decode speed of the TorchScript engine vs a bare ``torch.jit.load(...).decode`` loop.

Usage: ``.venv/bin/python bench/engine_stream.py MODEL.ts [--seconds 2] [--chunks 1,2,4,8,16]``

For each chunk size (latent frames per call) prints, measured side by side in one run
(rounds alternate between the two so machine noise hits both alike):

    rtf_engine_chunk<N> = <x> x
    rtf_bare_chunk<N> = <x> x                  (decode of a prepared tensor, output dropped)
    rtf_bare_numpy_io_chunk<N> = <x> x         (numpy latents in, numpy audio out, as a host must)
    ratio_engine_over_bare_chunk<N> = <r>
    ratio_engine_over_bare_numpy_io_chunk<N> = <r>

Real-time factor = seconds of audio produced per second of compute, one torch thread.
The engine must not be slower than the bare call (ratio >= 0.95).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from latentscape.engines.loader import load_model


def _bare_rtf(
    model, z: np.ndarray, audio_s: float, seconds: float, with_io: bool
) -> tuple[float, float]:
    """The bare loop; ``with_io`` also turns numpy latents in and numpy audio out, as any
    host that hands audio to a sound card must (the engine does exactly that)."""
    compute = 0.0
    audio = 0.0
    z_t = torch.from_numpy(np.ascontiguousarray(z.T))[None]
    with torch.inference_mode():
        while compute < seconds:
            t0 = time.perf_counter()
            if with_io:
                model.decode(torch.from_numpy(np.ascontiguousarray(z.T))[None])[0].numpy()
            else:
                model.decode(z_t)
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
        audio_s = chunk * engine.hop_samples / engine.sample_rate_hz
        decoder = engine.stream_decoder(seed=None)
        for _ in range(3):  # warm both
            decoder.decode(z_np)
            _bare_rtf(bare, z_np, audio_s, 0.0, with_io=True)
        totals = {"engine": [0.0, 0.0], "bare": [0.0, 0.0], "bare_io": [0.0, 0.0]}
        per_round = args.seconds / args.rounds
        for _ in range(args.rounds):
            for name, (a, c) in (
                ("engine", _engine_rtf(decoder, z_np, audio_s, per_round)),
                ("bare", _bare_rtf(bare, z_np, audio_s, per_round, with_io=False)),
                ("bare_io", _bare_rtf(bare, z_np, audio_s, per_round, with_io=True)),
            ):
                totals[name][0] += a
                totals[name][1] += c
        decoder.close()
        rtf = {name: audio / compute for name, (audio, compute) in totals.items()}
        print(f"rtf_engine_chunk{chunk} = {rtf['engine']:.2f} x")
        print(f"rtf_bare_chunk{chunk} = {rtf['bare']:.2f} x")
        print(f"rtf_bare_numpy_io_chunk{chunk} = {rtf['bare_io']:.2f} x")
        print(f"ratio_engine_over_bare_chunk{chunk} = {rtf['engine'] / rtf['bare']:.3f}")
        print(
            f"ratio_engine_over_bare_numpy_io_chunk{chunk} = {rtf['engine'] / rtf['bare_io']:.3f}"
        )


if __name__ == "__main__":
    main()
