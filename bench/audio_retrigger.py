"""Retriggered auditions (clicking sounds rhythmically): holes, onset jitter, clicks, dips.

Usage: ``.venv/bin/python bench/audio_retrigger.py [--model vae|rave|PATH] [--clicks 20]
[--periods 60,100,200] [--late-ms 0,30]``

On a private JACK dummy server (48 kHz, 1024-frame period) the engine auditions sustained
1 s trajectories, one every ``period`` ms (each cuts the one before), as QA's
``e02_retrigger.py`` did (s18, finding L3). From the output tap and the voices' timings:

- ``late_share``: retriggers followed by a silent hole (>= 0.5 ms of exact silence) before the
  new sound: the new voice started a block after the old one had faded out (or a voice ran
  dry: see ``underruns``); ``hole_ms_max`` the longest;
- ``callback_between_share``: retriggers with a device callback between the click and the new
  voice's start (these left a hole when the old voice was cut at the click; a callback just
  after the click, before the decoder applied it, is counted too);
- ``first_chunk_ms`` (click to first decoded chunk) and ``start_ms`` (click to first frame
  handed to the device) medians and maxima;
- ``clicks`` (a sample step far above the local level, as QA's ``analysis.clicks``),
  ``dip_median`` (the deepest 2 ms level dip at each retrigger, dB below the median level),
  ``underruns`` and ``late_decodes`` (from the engine's counters).

``--late-ms`` adds a slow decoder's case (decoding in the app's process): each voice's first
decode call takes that much longer, as a RAVE-sized model's first chunk does. Prints
``name = value unit`` lines.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import numpy as np
from audio_bench_support import ROOT, jack_server, model_path

from latentscape.engines.audio import shared_state as ss
from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.loader import load_model

BLOCK = 1024
RATE = 48000


def clicks(x: np.ndarray, win: int = 512, ratio: float = 6.0, floor: float = 0.01) -> int:
    """Steps ``|x[i+1] - x[i]|`` above ``floor`` and ``ratio`` times the local step RMS."""
    d = np.abs(np.diff(x.astype(np.float64)))
    p = d**2
    local = np.sqrt(np.maximum(np.convolve(p, np.ones(win) / win, "same") - p / win, 0) + 1e-12)
    return int(np.sum((d > ratio * local) & (d > floor)))


def holes(x: np.ndarray, min_frames: int, thresh: float = 1e-7) -> list[int]:
    """Lengths of the runs of ``|x| <= thresh`` of at least ``min_frames`` between sounds."""
    loud = np.abs(x) > thresh
    idx = np.flatnonzero(loud)
    if len(idx) == 0:
        return []
    quiet = np.concatenate([[False], ~loud[idx[0] : idx[-1] + 1], [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    lengths = edges[1::2] - edges[::2]
    return [int(n) for n in lengths if n >= min_frames]


def trajectories(model, count: int = 6) -> list[np.ndarray]:
    """Sustained 1 s trajectories ``[frames, latent]``: a held point with a slow drift."""
    rng = np.random.default_rng(3)
    n = int(model.sample_rate_hz / model.hop_samples)
    out = []
    for _ in range(count):
        base = np.repeat(rng.normal(0, 0.8, (1, model.latent_size)), n, 0)
        drift = np.cumsum(rng.normal(0, 0.02, (n, model.latent_size)), 0)
        out.append((base + drift).astype(np.float32))
    return out


def run_case(audio: AudioEngine, trajs: list[np.ndarray], period_s: float, count: int) -> dict:
    """Retrigger ``count`` auditions ``period_s`` apart; figures for the ``count - 1`` cuts."""
    state = audio.state
    assert state is not None and audio.tap is not None
    callbacks: set[int] = set()
    timings: dict[int, list[int]] = {}
    handles = []
    done = threading.Event()

    def poll() -> None:  # callback end times and each voice's first chunk / first output
        while not done.is_set():
            callbacks.add(int(state.ints[ss.LAST_CALLBACK_NS]))
            for h in list(handles):
                t = timings.setdefault(h.voice_id, [h.requested_ns, 0, 0])
                t[1] = t[1] or h.first_chunk_ns
                t[2] = t[2] or h.first_output_ns
            time.sleep(0.0003)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    before = audio.stats()
    start = pos = audio.tap.position
    marks, parts = [], []
    for k in range(count):
        marks.append(audio.tap.position - start)
        handles.append(audio.audition(trajs[k % len(trajs)]))
        time.sleep(period_s)
        part, pos = audio.tap.read_since(pos)  # the tap keeps ~10 s
        parts.append(part[:, 0])
    time.sleep(1.2)
    done.set()
    poller.join()
    parts.append(audio.tap.read_since(pos)[0][:, 0])
    after = audio.stats()
    x = np.concatenate(parts)
    cb = np.array(sorted(callbacks))
    first_chunk, first_out, between = [], [], 0
    for h in handles[1:]:
        req, chunk, out = timings[h.voice_id]
        if chunk and out:
            first_chunk.append((chunk - req) / 1e6)
            first_out.append((out - req) / 1e6)
            between += int(np.any((cb > req) & (cb < out)))
    win = int(RATE * 0.002)
    env = np.sqrt(np.mean(x[: len(x) // win * win].reshape(-1, win) ** 2, axis=1))
    level = np.median(env[env > 1e-4])
    dips = []
    for f in marks[1:]:
        seg = env[f // win : f // win + int(period_s / 0.002)]
        dips.append(20 * np.log10(seg.min() / level + 1e-9))
    cuts = count - 1
    gaps = holes(x, int(0.0005 * RATE))
    return {
        "late_share": len(gaps) / cuts,
        "hole_ms_max": 1000 * max(gaps, default=0) / RATE,
        "callback_between_share": between / cuts,
        "first_chunk_ms_median": float(np.median(first_chunk)),
        "first_chunk_ms_max": float(np.max(first_chunk)),
        "start_ms_median": float(np.median(first_out)),
        "start_ms_max": float(np.max(first_out)),
        "clicks": clicks(x),
        "dip_median": float(np.median(dips)),
        "underruns": after.underruns - before.underruns,
        "late_decodes": after.late_decodes - before.late_decodes,
    }


UNITS = {
    "late_share": "ratio",
    "hole_ms_max": "ms",
    "callback_between_share": "ratio",
    "first_chunk_ms_median": "ms",
    "first_chunk_ms_max": "ms",
    "start_ms_median": "ms",
    "start_ms_max": "ms",
    "clicks": "count",
    "dip_median": "dB",
    "underruns": "count",
    "late_decodes": "count",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="vae")
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--periods", default="60,100,200", help="ms between clicks")
    parser.add_argument("--late-ms", default="0,30", help="extra first-decode time, ms")
    parser.add_argument("--player", default="process", choices=("process", "thread"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from support.slow_decoders import SlowDecoderEngine

    model = load_model(model_path(args.model))
    trajs = trajectories(model)
    periods = [float(p) for p in args.periods.split(",")]
    with jack_server(BLOCK, RATE):
        for late_ms in (float(v) for v in args.late_ms.split(",")):
            engine = (
                model if late_ms == 0 else SlowDecoderEngine(model, first_call_s=late_ms / 1000)
            )
            decoder = "auto" if late_ms == 0 else "thread"  # a process loads the plain file
            audio = AudioEngine(engine, "JACK", BLOCK, RATE, player=args.player, decoder=decoder)
            with audio:
                time.sleep(1.0)
                for period in periods:
                    figures = run_case(audio, trajs, period / 1000, args.clicks)
                    name = f"retrigger.late{late_ms:.0f}ms.every{period:.0f}ms"
                    for key, value in figures.items():
                        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
                        print(f"{name}.{key} = {shown} {UNITS[key]}", flush=True)


if __name__ == "__main__":
    main()
