"""Silence when the audio settings change (another device or block size), side by side.

Usage: ``.venv/bin/python bench/audio_switch.py [--model vae|rave|PATH] [--trials 3]``

On a private JACK dummy server (48 kHz, 1024-frame period) an :class:`AudioSession` plays;
the same device is then chosen again, ``--trials`` times each way:

- ``make_before_break``: ``AudioSession.set_device``, as the Audio menu does now: the
  playing engine goes on until its successor is ready;
- ``break_before_make``: the restart a new model gets (and every change got before): the
  engine is let go first.

``gap`` is the longest stretch in which no engine rendered a block, sampled every 2 ms from
the request until the new engine renders (its device is fed: a sound playing goes on being
heard); ``handover`` the request-to-``started`` time (a start warms the model in a decoder
process). Prints ``name = value unit`` lines.
"""

from __future__ import annotations

import argparse
import threading
import time
from itertools import pairwise

from audio_bench_support import jack_server, model_path
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from latentscape.audio_session import AudioSession
from latentscape.engines.loader import load_model

BLOCK = 1024


def _wait_started(session: AudioSession, timeout_s: float = 60.0) -> None:
    loop = QEventLoop()
    session.started.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    session.started.disconnect(loop.quit)


def _one_switch(session: AudioSession, make_before_break: bool) -> tuple[float, float]:
    """(longest stretch without a rendered block, request-to-started), seconds."""
    old = session.engine
    engines = [old]
    marks: list[float] = []  # times a block count went up, any engine
    done = threading.Event()

    def sample() -> None:
        counts: dict[int, int] = {}
        while not done.is_set():
            for e in list(engines):
                if e is None:
                    continue
                n = e.stats().callbacks
                if n > counts.get(id(e), n - 1 if e is old else 0):
                    marks.append(time.perf_counter())
                counts[id(e)] = n
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    marks.append(t0)
    sampler.start()
    session.started.connect(lambda e: engines.append(e))
    if make_before_break:
        session.set_device("JACK", BLOCK)
    else:
        session._restart()  # the model-change path: let go, then start
    _wait_started(session)
    handover = time.perf_counter() - t0
    new = session.engine
    start = new.stats().callbacks
    while new.stats().callbacks < start + 4:  # it renders on its own now
        time.sleep(0.005)
    done.set()
    sampler.join()
    gaps = [b - a for a, b in pairwise(marks)]
    return max(gaps), handover


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="vae")
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication([])
    with jack_server(BLOCK):
        session = AudioSession(device="JACK", block_frames=BLOCK, player="process")
        session.start(load_model(model_path(args.model)))
        _wait_started(session)
        results: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.trials):
            for mode in ("make_before_break", "break_before_make"):
                results.setdefault(mode, []).append(_one_switch(session, mode[0] == "m"))
        session.shutdown()
    for mode, runs in results.items():
        print(f"switch.{mode}.gap_max = {1000 * max(g for g, _ in runs):.0f} ms")
        print(f"switch.{mode}.handover_median = {sorted(h for _, h in runs)[len(runs) // 2]:.2f} s")
    del app


if __name__ == "__main__":
    main()
