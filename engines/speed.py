"""Measure how fast an engine streams on this machine (real-time factor and latency)."""

from __future__ import annotations

import math
import time

import numpy as np

from .contract import ModelEngine
from .model_info import ModelInfo


def default_chunk_frames(hop_samples: int, target_samples: int = 1024) -> int:
    """Frames per stream-decode call: at least one, and about ``target_samples`` of audio."""
    return max(1, math.ceil(target_samples / hop_samples))


def measure_engine(
    engine: ModelEngine, chunk_frames: int | None = None, duration_s: float = 1.0
) -> ModelInfo:
    """Stream-decode random latents for about ``duration_s`` and report the figures.

    Returns ``engine.info`` with ``realtime_factor`` (audio seconds per compute second) and
    ``latency_ms`` (decoder lag + one chunk of buffering + one chunk's mean compute time).
    """
    chunk = chunk_frames or default_chunk_frames(engine.hop_samples)
    rng = np.random.default_rng(0)
    decoder = engine.stream_decoder(seed=0)
    try:
        for _ in range(3):  # warm-up calls are slow and not representative
            decoder.decode(rng.standard_normal((chunk, engine.latent_size), np.float32))
        compute_s = 0.0
        calls = 0
        while compute_s < duration_s or calls < 3:
            z = rng.standard_normal((chunk, engine.latent_size), np.float32)
            t0 = time.perf_counter()
            decoder.decode(z)
            compute_s += time.perf_counter() - t0
            calls += 1
        lag = decoder.latency_samples
    finally:
        decoder.close()
    chunk_s = chunk * engine.hop_samples / engine.sample_rate_hz
    rtf = calls * chunk_s / compute_s
    latency_ms = 1000.0 * (lag / engine.sample_rate_hz + chunk_s + compute_s / calls)
    return engine.info.with_measurements(rtf, latency_ms, chunk)
