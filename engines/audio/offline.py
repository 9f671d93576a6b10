"""Render voices to an array, through the same sources, rings and mixer as the stream.

Used for exports and as the reference the stream tests compare against. Deterministic: with an
``int`` seed, the same call returns the same samples (decoder noise and latent noise are both
seeded), and a stream playing the same audition hands the device these same samples.
"""

from __future__ import annotations

import numpy as np

from ..contract import ModelEngine
from .latent_transform import IDENTITY, LatentTransform
from .mixer import Mixer
from .shared_state import FINISHED, FREE, S_PLAYED, S_STATE, Layout, SharedState, fade_frames
from .voice_runner import VoiceRunner
from .voices import OutputFormat, VoiceFactory

MAX_OFFLINE_S = 3600.0


def render_offline(
    engine: ModelEngine | None,
    *,
    trajectory: np.ndarray | None = None,
    audio: np.ndarray | None = None,
    audio_rate_hz: int | None = None,
    path: np.ndarray | None = None,
    times_s: np.ndarray | None = None,
    speed: float = 1.0,
    sample_rate_hz: int | None = None,
    channels: int = 2,
    block_frames: int = 1024,
    seed: int | None = 0,
    transform: LatentTransform | None = None,
    master_gain: float = 1.0,
    fade_ms: float = 5.0,
) -> np.ndarray:
    """Render one or more voices, all starting at time 0, to ``[channels, samples]`` float32.

    Parameters
    ----------
    trajectory
        ``[frames, latent]``: an audition of a decoded trajectory.
    audio, audio_rate_hz
        ``[channels, samples]`` (or ``[samples]``) at ``audio_rate_hz``: an audition of file audio.
    path, times_s, speed
        A latent path ``[n, latent]`` with times ``[n]`` in seconds, played once at ``speed``.
    sample_rate_hz
        Output rate; ``None`` keeps the model's rate (or the audio's, without a model).
    block_frames
        The device block of the stream to reproduce: it sets the decode chunk sizes, so a
        different block changes the output slightly (resampler and model chunking, ~1e-5).
    """
    if trajectory is None and audio is None and path is None:
        raise ValueError("render_offline needs a trajectory, audio or a path to render")
    if audio is not None and not audio_rate_hz:
        raise ValueError("audio needs audio_rate_hz")
    rate = sample_rate_hz or (engine.sample_rate_hz if engine is not None else audio_rate_hz)
    assert rate is not None
    fmt = OutputFormat(int(rate), channels, block_frames)
    chosen = transform or IDENTITY
    factory = VoiceFactory(engine, fmt, lambda: chosen, fade_ms)
    state = SharedState(
        Layout(
            slots=3,
            channels=channels,
            ring_frames=max(1 << 16, 4 * block_frames),
            tap_frames=max(1 << 12, 2 * block_frames),
            max_block_frames=block_frames,
        )
    )
    look_ahead = fade_frames(fade_ms, int(rate))
    state.init_controls(fade_frames=look_ahead, master_gain=master_gain)
    sources = []
    if trajectory is not None:
        sources.append(factory.audition_trajectory(trajectory, seed))
    if audio is not None:
        assert audio_rate_hz is not None
        sources.append(factory.audition_audio(audio, audio_rate_hz))
    if path is not None:
        if times_s is None:
            raise ValueError("a path needs times_s")
        sources.append(factory.path(path, np.asarray(times_s), False, speed, seed))
    runners = [
        VoiceRunner(state, slot, src, "offline", fmt.sample_rate_hz, block_frames, streaming=False)
        for slot, src in enumerate(sources)
    ]
    mixer = Mixer(state)
    blocks: list[np.ndarray] = []
    block = np.zeros((block_frames, channels), np.float32)
    max_blocks = int(MAX_OFFLINE_S * rate / block_frames)
    try:
        for _ in range(max_blocks):
            live = [r for r in runners if state.slot_ints(r.slot)[S_STATE] not in (FINISHED, FREE)]
            if not live:
                break
            for r in live:
                r.fill(block_frames + look_ahead)  # the mixer plays a block only with a fade more
            mixer.render(block)
            blocks.append(block.copy())
    finally:
        for r in runners:
            r.close()
    length = max(int(state.slot_ints(r.slot)[S_PLAYED]) for r in runners)
    out = np.concatenate(blocks) if blocks else np.zeros((0, channels), np.float32)
    return np.ascontiguousarray(out[:length].T)
