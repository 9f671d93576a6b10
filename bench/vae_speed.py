"""Decode speed of a latentscape VAE on this machine, one torch thread.

Usage::

    .venv/bin/python bench/vae_speed.py [MODEL]     (default: the shipped demo model)

Prints ``name = value unit`` lines: stream-decode real-time factor at 1, 4 and 16 latent
frames per call (the engine's numpy path, what the app's voices use), the same through the
exported TorchScript file (what nn~ hosts run), one-shot decode and encode real-time factors,
and the streaming latency. The goal is a real-time factor >= 50 at one frame per call.
Wall-clock figures on a shared machine mostly measure the wait for a core; the ``_cpu_``
figures divide by this thread's CPU time instead (what the decode itself costs).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from latentscape.engines.loader import load_model
from latentscape.engines.speed import measure_engine
from latentscape.engines.torch_runtime import configure_runtime
from latentscape.engines.vae.exporter import export_torchscript

ROOT = Path(__file__).resolve().parents[1]


def demo_model() -> Path:
    return next((ROOT / "resources" / "demo").glob("model.*"))


def cpu_rtf(engine, chunk: int, seconds: float = 2.0) -> float:
    """Real-time factor by this thread's CPU time: what the decoder costs, whatever the load
    (wall-clock figures on a shared machine mostly measure the wait for a core)."""
    rng = np.random.default_rng(0)
    decoder = engine.stream_decoder(seed=0)
    z = rng.standard_normal((256, engine.latent_size)).astype(np.float32)
    for i in range(3):
        decoder.decode(z[i : i + chunk])
    cpu, calls = 0.0, 0
    while cpu < seconds:
        frames = z[(calls * chunk) % 240 : (calls * chunk) % 240 + chunk]
        t0 = time.thread_time()
        decoder.decode(frames)
        cpu += time.thread_time() - t0
        calls += 1
    decoder.close()
    return calls * chunk * engine.hop_samples / engine.sample_rate_hz / cpu


def main() -> int:
    configure_runtime(1)
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else demo_model()
    engine = load_model(path)
    print(f"model = {path.name}")
    print(f"parameters = {engine.info.parameter_count}")
    for chunk in (1, 4, 16):
        info = measure_engine(engine, chunk_frames=chunk, duration_s=2.0)
        print(f"stream_rtf_{chunk}_frames = {info.realtime_factor:.1f} x (wall clock)")
        print(f"stream_rtf_cpu_{chunk}_frames = {cpu_rtf(engine, chunk):.1f} x (thread CPU time)")
    frame_us = (
        1e6
        * engine.hop_samples
        / engine.sample_rate_hz
        / measure_engine(engine, 1, 2.0).realtime_factor
    )
    print(f"stream_frame_compute = {frame_us:.0f} us")
    with tempfile.TemporaryDirectory() as tmp:
        ts = load_model(export_torchscript(path, Path(tmp) / "m.ts"))
        for chunk in (1, 16):
            info = measure_engine(ts, chunk_frames=chunk, duration_s=2.0)
            print(f"torchscript_stream_rtf_{chunk}_frames = {info.realtime_factor:.1f} x (wall)")
            print(f"torchscript_stream_rtf_cpu_{chunk}_frames = {cpu_rtf(ts, chunk):.1f} x (CPU)")
    rng = np.random.default_rng(0)
    z = rng.standard_normal((860, engine.latent_size)).astype(np.float32)  # ~5 s
    audio_s = z.shape[0] * engine.hop_samples / engine.sample_rate_hz
    engine.decode(z[:10])
    t0 = time.perf_counter()
    audio = engine.decode(z)
    print(f"oneshot_decode_rtf = {audio_s / (time.perf_counter() - t0):.1f} x")
    t0 = time.perf_counter()
    engine.encode(audio)
    print(f"encode_rtf = {audio_s / (time.perf_counter() - t0):.1f} x")
    latency = engine.stream_decoder().latency_samples
    print(f"latency = {1000 * latency / engine.sample_rate_hz:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
