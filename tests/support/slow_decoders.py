"""A real model whose stream decoders are slow on purpose: a late first chunk, a slow producer,
a busy machine's hiccups; a machine that runs one model call at a time (:class:`SharedCore`).
Used by the audio tests and by ``bench/audio_retrigger.py`` (which
puts tests/ on its path as the other benchmarks do).
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import numpy as np


class SlowDecoderEngine:
    """``engine`` with stream decoders that sleep before some of their decode calls.

    Everything but :meth:`stream_decoder` is ``engine``'s own. The delay is injected in the
    app's process, so it reaches the decoder only with ``AudioEngine(..., decoder="thread")``
    (a decoder process loads the plain model file).

    Parameters
    ----------
    engine
        The model to wrap (a loaded engine with ``stream_decoder``).
    first_call_s
        Extra time over each stream decoder's first decode call: a retriggered audition's first
        chunk that is ready only after the next callback or two, as a RAVE-sized model's is.
    stall_s
        Extra time over every ``stall_every``-th decode call: with ``stall_every=1`` a producer
        too slow to keep up, with more a busy machine's hiccup.
    stall_every
        Which calls stall (the ``stall_every``-th, ``2 * stall_every``-th, … of each decoder).

    Attributes
    ----------
    stalls : int
        Calls that took ``stall_s`` longer so far, over all decoders. Written on the decoder's
        thread, read on the test's.
    """

    def __init__(
        self, engine: Any, *, first_call_s: float = 0.0, stall_s: float = 0.0, stall_every: int = 1
    ) -> None:
        if stall_every < 1:
            raise ValueError(f"stall_every must be at least 1, not {stall_every}")
        self._engine = engine
        self.first_call_s = first_call_s
        self.stall_s = stall_s
        self.stall_every = stall_every
        self.stalls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def stream_decoder(self, seed: int | None = 0) -> Any:
        """``engine``'s stream decoder, its ``decode`` delayed as set above."""
        decoder = self._engine.stream_decoder(seed)
        real_decode = decoder.decode
        calls = itertools.count(1)

        def decode(frames: np.ndarray) -> np.ndarray:
            call = next(calls)
            delay_s = self.first_call_s if call == 1 else 0.0
            if self.stall_s > 0 and call % self.stall_every == 0:
                self.stalls += 1
                delay_s += self.stall_s
            if delay_s > 0:
                time.sleep(delay_s)
            return real_decode(frames)

        decoder.decode = decode
        return decoder


# A shared core's load that makes voices compete: a path and a click together need 120 % of
# the machine (the decoder process of slow_decoder_process.py runs the same).
BUSY_LOAD = 0.6


class SharedCore:
    """``engine`` on a machine that runs one model call at a time: each decode call holds one
    lock for ``load`` seconds per second of audio it makes (then decodes for real).

    With ``load`` 0.6 one voice uses 60 % of the machine and two voices need 120 %. (A plain
    :class:`SlowDecoderEngine` sleeps outside any shared resource, so its voices never
    compete; its per-call delay is kept on top.)
    """

    def __init__(self, engine: Any, load: float, first_call_s: float = 0.0) -> None:
        self._engine = SlowDecoderEngine(engine, first_call_s=first_call_s)
        self._lock = threading.Lock()
        self.load = load

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def stream_decoder(self, seed: int | None = 0) -> Any:
        decoder = self._engine.stream_decoder(seed)
        slow_decode = decoder.decode
        seconds_per_frame = self.load * self.hop_samples / self.sample_rate_hz

        def decode(frames: np.ndarray) -> np.ndarray:
            with self._lock:
                time.sleep(seconds_per_frame * len(frames))
                return slow_decode(frames)

        decoder.decode = decode
        return decoder


def latents(model: Any, seconds: float, value: float) -> np.ndarray:
    """``[frames, L]`` float32: ``seconds`` of a ramp around ``value`` (every dim alike),
    within -1.5..1.5: a path's or a click's latents for the voice tests."""
    frames = round(seconds * model.sample_rate_hz / model.hop_samples)
    ramp = np.linspace(-1.0, 1.0, frames, dtype=np.float32)[:, None]
    return np.clip(value + 0.5 * ramp, -1.5, 1.5).repeat(model.latent_size, 1)
