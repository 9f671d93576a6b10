"""A TorchScript model's speed on the CPU and on a CUDA GPU, through the engine.

    .venv/bin/python bench/device_speed.py MODEL.ts [--chunks 1,4,16] [--seconds 10]

For each device torch can use here (``cuda`` only where a GPU is): the stream decode's
real-time factor at each chunk size (latent frames per call, one voice, wall clock, the
median of 3 runs of ``--seconds`` of audio each), a one-shot decode and an encode of
``--seconds`` of audio (real-time factor, median of 5). One torch CPU thread, as the app runs.
Prints ``name = value unit``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from latentscape.engines.loader import load_model


def _rtf(seconds_of_audio: float, run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return seconds_of_audio / float(np.median(times))


def measure(path: str, device: str, chunks: list[int], seconds_wanted: float) -> None:
    engine = load_model(path, device=device)
    rate, hop = engine.sample_rate_hz, engine.hop_samples
    frames = max(16, int(seconds_wanted * rate / hop))
    z = np.random.default_rng(0).standard_normal((frames, engine.latent_size)).astype(np.float32)
    seconds = frames * hop / rate
    name = f"device_speed.{device}"
    print(f"{name}.engine_device = {getattr(engine, 'device', 'cpu')}", flush=True)
    for chunk in chunks:
        decoder = engine.stream_decoder(seed=0)

        def stream(decoder=decoder, chunk=chunk) -> None:
            for i in range(0, frames, chunk):
                decoder.decode(z[i : i + chunk])

        with decoder.decode_scope():
            stream()  # warm-up
            rtf = _rtf(seconds, stream, 3)
        decoder.close()
        print(f"{name}.stream_chunk{chunk}_rtf = {rtf:.1f} x", flush=True)
    print(f"{name}.decode_rtf = {_rtf(seconds, lambda: engine.decode(z), 5):.1f} x", flush=True)
    if engine.can_encode:
        audio = np.random.default_rng(1).standard_normal(frames * hop).astype(np.float32) * 0.1
        engine.encode(audio)
        print(f"{name}.encode_rtf = {_rtf(seconds, lambda: engine.encode(audio), 5):.1f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("--chunks", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    chunks = [int(c) for c in args.chunks.split(",")]
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        measure(args.model, device, chunks, args.seconds)


if __name__ == "__main__":
    main()
