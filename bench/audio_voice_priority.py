"""Clicks over a looping path with a model that can carry only one voice: who runs dry?

Usage: ``.venv/bin/python bench/audio_voice_priority.py [--model rave|vae|PATH]
[--seconds 10] [--click-ms 300] [--modes off,on,on2,on-t2,alone] [--fast vae] [--fast-clicks 30]``

QA s19 M6: with a RAVE-sized model (about 1.2x real time here) a looping path with clicks over
it ran dry 177 times; the path as often as the clicks. On a private JACK dummy server (48 kHz,
1024-frame period, the mixer in a player process, the voices decoding on threads of this
process) a path of 2 s loops while a 1 s audition is clicked every ``--click-ms`` (each cuts
the one before), for ``--seconds``, once per mode:

- ``off``: no decode priority (every voice decodes on its own thread when it wants);
- ``on``: the host's decode scheduler (one model call at a time, path first) and auditions
  that give way (:mod:`latentscape.engines.audio.decode_priority`);
- ``on2``: the scheduler with two model calls at a time (is serialising better on 2 cores?);
- ``on-t2``: one call at a time, each on 2 torch threads;
- ``alone``: the path with no clicks (what the machine's own load makes it run dry);
- ``clicks-off``, ``clicks-on``: the clicks with no path (what the priority costs a click
  that has the model to itself); ``clicks-gap``: the same, each click starting with its first
  chunk (``DecodePriority(start_whole=False)``);
- ``scrub-off``, ``scrub-on``: a scrub voice under a moving hand (a new target every 50 ms)
  instead of the path.

Per mode and voice kind (``path``, ``audition``): ``underruns`` (blocks in which the voice ran
dry), ``late_decodes`` (chunks decoded after it had), ``gap_ms_max`` (the longest run of such
blocks); for the auditions also how many were clicked, played, started late, were shortened
or dropped, and the click-to-sound time. Then, with a fast model (``--fast``, the demo VAE at
~60x real time), the click-to-first-chunk time over the same looping path, off and on: the
scheduler must add no more than a fraction of a millisecond when nothing is overloaded (and
the click-to-sound time, which the device's blocks quantise).

Prints ``name = value unit`` lines. Never fails on time; run it twice (the cores are shared).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from audio_bench_support import jack_server, model_path

from latentscape.engines.audio.decode_priority import DecodePriority
from latentscape.engines.audio.output_setup import make_state, resolve_output
from latentscape.engines.audio.shared_state import (
    CALLBACKS,
    FADE_MS,
    FREE,
    S_PLAYED,
    S_START_NS,
    S_STATE,
    S_UNDERRUNS,
    S_VOICE_ID,
)
from latentscape.engines.audio.sinks import open_sink
from latentscape.engines.audio.voice_handle import VoiceHandle
from latentscape.engines.audio.voice_host import VoiceHost
from latentscape.engines.audio.voices import OutputFormat
from latentscape.engines.loader import load_model

BLOCK = 1024
RATE = 48000
MODES = {
    "off": DecodePriority(enabled=False),
    "on": DecodePriority(),
    "on2": DecodePriority(concurrent=2),
    "on-t2": DecodePriority(),
    "alone": DecodePriority(),
    "clicks-off": DecodePriority(enabled=False),
    "clicks-on": DecodePriority(),
    "clicks-gap": DecodePriority(start_whole=False),
    "scrub-off": DecodePriority(enabled=False),
    "scrub-on": DecodePriority(),
}


@dataclass
class KindFigures:
    underruns: int = 0
    gap_blocks_max: int = 0
    voices: set[int] = field(default_factory=set)


class Watch:
    """Polls the slots every ~2 ms: per voice, its underruns and runs of dry blocks."""

    def __init__(self, state, kinds: dict[int, str]) -> None:
        self._state = state
        self._kinds = kinds
        self.figures: dict[str, KindFigures] = {}
        self.played: dict[int, int] = {}
        self.started_ns: dict[int, int] = {}
        self._seen: dict[int, int] = {}  # voice id -> underruns seen
        self._run: dict[int, tuple[int, int]] = {}  # voice id -> (dry run length, last cb)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        state = self._state
        while not self._stop.wait(0.002):
            cb = int(state.ints[CALLBACKS])
            for slot in range(state.layout.slots):
                si = state.slot_ints(slot)
                vid = int(si[S_VOICE_ID])
                kind = self._kinds.get(vid)
                if kind is None or si[S_STATE] == FREE:
                    continue
                fig = self.figures.setdefault(kind, KindFigures())
                fig.voices.add(vid)
                self.played[vid] = max(self.played.get(vid, 0), int(si[S_PLAYED]))
                if si[S_START_NS] and vid not in self.started_ns:
                    self.started_ns[vid] = int(si[S_START_NS])
                under = int(si[S_UNDERRUNS])
                new = under - self._seen.get(vid, 0)
                if new > 0:
                    self._seen[vid] = under
                    fig.underruns += new
                    length, last = self._run.get(vid, (0, -10))
                    length = length + new if cb - last <= new + 1 else new
                    self._run[vid] = (length, cb)
                    fig.gap_blocks_max = max(fig.gap_blocks_max, length)


def walk(model, seconds: float, seed: int) -> np.ndarray:
    """A smooth random latent walk ``[frames, latent]`` lasting ``seconds``."""
    rng = np.random.default_rng(seed)
    n = max(2, int(seconds * model.sample_rate_hz / model.hop_samples))
    steps = rng.normal(0, 0.15, (n, model.latent_size))
    return (rng.normal(0, 0.6, (1, model.latent_size)) + np.cumsum(steps, 0)).astype(np.float32)


class Stack:
    """The audio engine's parts, put together with a chosen decode priority."""

    def __init__(self, model, priority: DecodePriority, label: str, channels: int) -> None:
        self.state, path = make_state(8, channels, RATE, BLOCK, FADE_MS, shared=True)
        self.host = VoiceHost(
            self.state, OutputFormat(RATE, channels, BLOCK), model, priority=priority
        )
        self.sink, _, failure = open_sink("process", self.state, path, label, RATE, BLOCK)
        if path is not None:
            path.unlink(missing_ok=True)
        if failure:
            raise RuntimeError(failure)
        self._ids = iter(range(1, 1 << 30))

    def new_id(self) -> int:
        return next(self._ids)

    def close(self) -> None:
        self.host.close()
        self.sink.stop()


def voice_kind_lines(prefix: str, watch: Watch, kinds_late: dict[str, int]) -> list[str]:
    lines = []
    for kind in ("path", "scrub", "audition"):
        if kind not in watch.figures and kind != "audition":
            continue
        fig = watch.figures.get(kind, KindFigures())
        lines.append(f"{prefix}.{kind}.underruns = {fig.underruns} count")
        lines.append(f"{prefix}.{kind}.late_decodes = {kinds_late.get(kind, 0)} count")
        lines.append(
            f"{prefix}.{kind}.gap_ms_max = {1000 * fig.gap_blocks_max * BLOCK / RATE:.1f} ms"
        )
    return lines


def run_overload(model, mode: str, seconds: float, click_s: float, label: str, ch: int) -> None:
    priority = MODES[mode]
    threads = torch.get_num_threads()
    if mode == "on-t2":
        torch.set_num_threads(2)
    stack = Stack(model, priority, label, ch)
    kinds: dict[int, str] = {}
    path = walk(model, 2.0, 1)
    times = np.arange(len(path)) * model.hop_samples / model.sample_rate_hz
    clips = [walk(model, 1.0, 10 + k) for k in range(6)]
    handles: list[VoiceHandle] = []
    late_by_kind: dict[str, int] = {}
    try:
        with Watch(stack.state, kinds) as watch:
            scrub = mode.startswith("scrub")
            if scrub:
                vid = stack.new_id()
                kinds[vid] = "scrub"
                stack.host.scrub_start(vid, path[0], 0)
            elif not mode.startswith("clicks"):
                vid = stack.new_id()
                kinds[vid] = "path"
                stack.host.play_path(vid, path, times, True, 1.0, 0)
            time.sleep(1.0)
            end = time.monotonic() + seconds
            k = 0
            next_click = time.monotonic()
            while time.monotonic() < end and mode != "alone":
                if time.monotonic() >= next_click:
                    vid = stack.new_id()
                    kinds[vid] = "audition"
                    handles.append(VoiceHandle(vid, "audition", stack.state, RATE))
                    stack.host.audition_trajectory(vid, clips[k % len(clips)], 0)
                    k += 1
                    next_click += click_s
                if scrub:  # the hand moves along the path
                    stack.host.scrub_to(path[int(time.monotonic() / 0.05) % len(path)])
                time.sleep(0.05 if scrub else max(0.0, next_click - time.monotonic()))
            time.sleep(1.5 if mode != "alone" else seconds)  # the last audition plays out
            late_by_kind = stack.host.late_decodes_by_kind()
            gave_way = stack.host.give_way_counts()
    finally:
        stack.close()
        torch.set_num_threads(threads)
    prefix = f"priority.{mode}"
    for line in voice_kind_lines(prefix, watch, late_by_kind):
        print(line, flush=True)
    starts = [
        (watch.started_ns[h.voice_id] - h.requested_ns) / 1e6
        for h in handles
        if h.voice_id in watch.started_ns
    ]
    played = sum(1 for h in handles if watch.played.get(h.voice_id, 0) > 0)
    print(f"{prefix}.audition.clicked = {len(handles)} count")
    print(f"{prefix}.audition.played = {played} count")
    for how in ("late", "shortened", "dropped"):
        print(f"{prefix}.audition.{how} = {gave_way[how]} count")
    if starts:
        print(f"{prefix}.audition.start_ms_median = {np.median(starts):.1f} ms")
        print(f"{prefix}.audition.start_ms_max = {np.max(starts):.1f} ms", flush=True)


def first_chunk_times(
    model, mode: str, clicks: int, label: str, ch: int
) -> tuple[list[tuple], dict[str, int]]:
    """(click, first chunk, first output) ns of ``clicks`` auditions over a looping path, and
    how many gave way."""
    stack = Stack(model, MODES[mode], label, ch)
    path = walk(model, 2.0, 1)
    times = np.arange(len(path)) * model.hop_samples / model.sample_rate_hz
    clips = [walk(model, 1.0, 10 + k) for k in range(6)]
    timings = []
    try:
        stack.host.play_path(stack.new_id(), path, times, True, 1.0, 0)
        time.sleep(0.5)
        for k in range(clicks):
            vid = stack.new_id()
            handle = VoiceHandle(vid, "audition", stack.state, RATE)
            stack.host.audition_trajectory(vid, clips[k % len(clips)], 0)
            time.sleep(0.1)
            timings.append((handle.requested_ns, handle.first_chunk_ns, handle.first_output_ns))
        gave_way = stack.host.give_way_counts()
    finally:
        stack.close()
    return timings, gave_way


def run_first_chunk(model, clicks: int, rounds: int, label: str, ch: int) -> None:
    """Click-to-first-chunk and click-to-sound times over a looping path (a fast model),
    off and on in turn for ``rounds`` rounds (the machine's load drifts)."""
    got: dict[str, list[tuple]] = {"off": [], "on": []}
    gave_way = 0
    for _ in range(rounds):
        for mode in got:
            timings, counts = first_chunk_times(model, mode, clicks, label, ch)
            got[mode] += timings
            gave_way += sum(counts.values()) if mode == "on" else 0
    print(f"fast.on.gave_way = {gave_way} count")
    for mode, timings in got.items():
        never = sum(1 for t in timings if not t[2])
        print(f"fast.{mode}.not_started = {never} count")
        for name, k in (("first_chunk", 1), ("start", 2)):
            ms = np.array([(t[k] - t[0]) / 1e6 for t in timings if t[k]])
            print(f"fast.{mode}.{name}_ms_median = {np.median(ms):.3f} ms")
            print(f"fast.{mode}.{name}_ms_p90 = {np.percentile(ms, 90):.3f} ms")
            print(f"fast.{mode}.{name}_ms_max = {np.max(ms):.3f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="rave")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--click-ms", type=float, default=300.0)
    parser.add_argument("--modes", default="off,on,alone")
    parser.add_argument("--fast", default="vae", help="fast model for first-chunk times ('' skips)")
    parser.add_argument("--fast-clicks", type=int, default=30)
    args = parser.parse_args()
    slow = load_model(model_path(args.model))
    fast = load_model(model_path(args.fast)) if args.fast else None
    with jack_server(BLOCK, RATE):
        _, channels, label = resolve_output("process", "JACK", RATE)
        for mode in args.modes.split(","):
            run_overload(slow, mode, args.seconds, args.click_ms / 1000, label, channels)
        if fast is not None:
            run_first_chunk(fast, args.fast_clicks, 2, label, channels)


if __name__ == "__main__":
    sys.exit(main())
