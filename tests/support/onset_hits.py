"""Recordings of percussive hits at known times, for the "cut at onsets" tests and bench."""

from __future__ import annotations

import numpy as np

LEVELS_DB = (-3.0, -30.0, -12.0, -24.0, -6.0, -28.0)  # peak levels, some quiet, cycled


def hit_train(
    count: int = 12,
    rate_hz: int = 44100,
    seed: int = 0,
    floor_db: float = -55.0,
    lead_s: float = 0.4,
    gap_s: tuple[float, float] = (0.25, 0.45),
    levels_db: tuple[float, ...] = LEVELS_DB,
    decay_per_s: tuple[float, float] = (20.0, 40.0),
    length_s: tuple[float, float] = (0.15, 0.5),
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` hits on a white-noise floor (``floor_db`` dBFS RMS): mono float32
    ``[samples]`` and the hits' onset times (s, ascending), the first at ``lead_s``.

    Even hits are noise bursts, odd ones tones of three harmonics (80 Hz to 2 kHz); each rises
    in 2 ms and decays exponentially (by default 20 to 40 per s, so that a loud hit has fallen
    40 dB by the next: every hit stands out of what rings before it; slower, a hit rings on
    under the next, as in a reverberant room), at ``levels_db`` (peak dBFS) in turn, each
    ``length_s`` long (then cut off) and the file 0.6 s longer than the last onset.
    """
    rng = np.random.default_rng(seed)
    gaps = rng.uniform(*gap_s, count - 1)
    onsets = lead_s + np.concatenate([[0.0], np.cumsum(gaps)])
    total = round((onsets[-1] + 0.6) * rate_hz)
    x = rng.standard_normal(total) * 10.0 ** (floor_db / 20.0)
    for i, onset in enumerate(onsets):
        length = round(rng.uniform(*length_s) * rate_hz)
        t = np.arange(length) / rate_hz
        envelope = np.minimum(1.0, t / 0.002) * np.exp(-t * rng.uniform(*decay_per_s))
        if i % 2 == 0:
            body = rng.standard_normal(length)
        else:
            hz = rng.uniform(80.0, 2000.0)
            body = sum(np.sin(2 * np.pi * hz * k * t) / k for k in (1, 2, 3))
        body *= envelope / np.max(np.abs(body * envelope))
        at = round(onset * rate_hz)
        end = min(total, at + length)
        x[at:end] += 10.0 ** (levels_db[i % len(levels_db)] / 20.0) * body[: end - at]
    return x.astype(np.float32), onsets
