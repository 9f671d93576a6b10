"""A real model whose stream decoders are slow on purpose: a late first chunk, a slow producer,
a busy machine's hiccups. Used by the audio tests and by ``bench/audio_retrigger.py`` (which
puts tests/ on its path as the other benchmarks do).
"""

from __future__ import annotations

import itertools
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
