"""Click-to-sound latency of the audio engine on a real, clock-paced stream (JACK dummy).

Usage: ``.venv/bin/python bench/audio_latency.py --model vae|rave|PATH [--blocks 256,1024]
[--trials 30] [--player process|thread]``

For each block size it starts a private JACK dummy server (period = block, 48 kHz), an
:class:`AudioEngine` on it, and clicks ``--trials`` times at random moments. One click is
``audition(trajectory)``; its latency is

    event -> the block holding the voice's first frame is handed to the device (measured)
    + the voice's first audible sample's offset in that audio (from an offline render)
    + the device's reported output latency.

Clicks come first on an idle engine, then as rapid retriggers while the previous audition
still decodes ahead (its chunk in flight delays the new one). It also reports the scrub latency the engine shows the user (model lag + queued + device).
Goals (issue 5): our VAE at 48 kHz <= one block + 15 ms; a RAVE-sized model <= model lag +
one decode chunk + one block. Prints ``name = value unit`` lines.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
from audio_bench_support import jack_server, model_path

from latentscape.engines.audio.engine import AudioEngine
from latentscape.engines.audio.latent_transform import IDENTITY
from latentscape.engines.audio.offline import render_offline
from latentscape.engines.audio.voices import OutputFormat, VoiceFactory
from latentscape.engines.loader import load_model

RATE = 48000


def onset_ms(engine, z: np.ndarray, block: int) -> float:
    """Where the voice's audio first exceeds -60 dBFS, in ms from its first sample."""
    audio = render_offline(engine, trajectory=z, sample_rate_hz=RATE, block_frames=block)
    above = np.flatnonzero(np.abs(audio).max(axis=0) > 1e-3)
    return 1000.0 * (above[0] if len(above) else 0) / RATE


def first_chunk_s(factory: VoiceFactory, z: np.ndarray) -> float:
    """Seconds to decode an audition's first chunk in this process, outside the engine."""
    source = factory.audition_trajectory(z, 0)
    try:
        t0 = time.perf_counter()
        source.next_chunk()
        return time.perf_counter() - t0
    finally:
        source.close()


def measure(engine, label: str, block: int, trials: int, player: str) -> None:
    rng = np.random.default_rng(0)
    frames = max(8, int(0.5 * engine.sample_rate_hz / engine.hop_samples))
    z = (0.8 * rng.standard_normal((frames, engine.latent_size))).astype(np.float32)
    onset = onset_ms(engine, z, block)
    tag = f"[{label},block={block},{player}]"
    with jack_server(block, RATE):
        audio = AudioEngine(engine, "JACK", block, RATE, player=player)
        audio.start()
        try:
            if audio.status_reason:
                raise SystemExit(f"no stream: {audio.status_reason}")
            device_ms = audio.stats().device_latency_ms
            handed, decoded, bare = [], [], []
            factory = VoiceFactory(
                engine, OutputFormat(RATE, audio.channels, block), lambda: IDENTITY
            )
            retrigger = []
            for trial in range(2 * trials):
                idle = trial < trials  # first clicks on an idle engine, then rapid retriggers
                if idle:
                    audio.stop_audition()
                    while audio.stats().voices:
                        time.sleep(0.002)
                    bare.append(1000.0 * first_chunk_s(factory, z))
                time.sleep(random.uniform(0.05, 0.15))
                t0 = time.monotonic_ns()
                voice = audio.audition(z)
                while not voice.first_output_ns:
                    time.sleep(0.0002)
                if idle:
                    handed.append((voice.first_output_ns - t0) / 1e6)
                    decoded.append((voice.first_chunk_ns - t0) / 1e6)
                else:
                    retrigger.append((voice.first_output_ns - t0) / 1e6)
            audio.stop_audition()
            for i in range(40):  # a drag: one move per ~16 ms
                audio.scrub_to(z[i % len(z)])
                time.sleep(0.016)
            scrub = audio.stats()
            audio.scrub_stop()
        finally:
            audio.stop()
    block_ms = 1000.0 * block / RATE
    total = np.array(handed) + onset + device_ms
    print(f"block_ms{tag} = {block_ms:.2f} ms")
    print(f"device_latency_ms{tag} = {device_ms:.2f} ms")
    print(f"event_to_first_chunk_decoded_ms_median{tag} = {np.median(decoded):.2f} ms")
    print(f"event_to_first_chunk_decoded_ms_max{tag} = {np.max(decoded):.2f} ms")
    print(f"first_chunk_decode_ms_bare_median{tag} = {np.median(bare):.2f} ms")
    print(f"event_to_device_ms_median{tag} = {np.median(handed):.2f} ms")
    added = np.median(handed) - np.median(bare)
    print(f"engine_added_ms_median{tag} = {added:.2f} ms")  # wait for the next callback + overhead
    print(f"event_to_device_ms_max{tag} = {np.max(handed):.2f} ms")
    print(f"sound_onset_in_voice_ms{tag} = {onset:.2f} ms")
    print(f"click_to_sound_ms_median{tag} = {np.median(total):.2f} ms")
    print(f"click_to_sound_ms_p90{tag} = {np.percentile(total, 90):.2f} ms")
    print(f"click_to_sound_ms_max{tag} = {np.max(total):.2f} ms")
    print(f"click_to_sound_above_one_block_ms_median{tag} = {np.median(total) - block_ms:.2f} ms")
    again = np.array(retrigger) + onset + device_ms
    print(f"retrigger_click_to_sound_ms_median{tag} = {np.median(again):.2f} ms")
    print(f"retrigger_click_to_sound_ms_max{tag} = {np.max(again):.2f} ms")
    chunk_ms = 1000.0 * audio_chunk_s(engine, block)
    goal = scrub.model_latency_ms + chunk_ms + block_ms
    print(f"decode_chunk_ms{tag} = {chunk_ms:.2f} ms")
    print(f"goal_lag_plus_chunk_plus_block_ms{tag} = {goal:.2f} ms")
    print(f"scrub_latency_ms{tag} = {scrub.latency_ms:.2f} ms")
    print(f"scrub_queued_ms{tag} = {scrub.queued_ms:.2f} ms")
    print(f"underruns{tag} = {scrub.underruns} blocks")


def audio_chunk_s(engine, block: int) -> float:
    """Audio in the first decode chunk (frames covering one block), in seconds."""
    model_block = block * engine.sample_rate_hz / RATE
    frames = max(1, -(-int(model_block) // engine.hop_samples))
    return frames * engine.hop_samples / engine.sample_rate_hz


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="vae")
    p.add_argument("--blocks", default="256,1024")
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--player", default="process", choices=["process", "thread"])
    args = p.parse_args()
    path = model_path(args.model)
    engine = load_model(path)
    label = args.model if args.model in ("vae", "rave") else path.stem
    print(f"model[{label}] = {path}")
    print(f"model_rate_hz[{label}] = {engine.sample_rate_hz} Hz")
    print(f"model_hop_samples[{label}] = {engine.hop_samples} samples")
    for block in (int(b) for b in args.blocks.split(",")):
        measure(engine, label, block, args.trials, args.player)


if __name__ == "__main__":
    main()
