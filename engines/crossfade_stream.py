"""Click-free streaming for models without streaming state, by overlapping windows.

A non-streaming model decoded chunk by chunk clicks at every boundary (DESIGN.md §3). This
decoder re-decodes each chunk together with ``context_frames`` of past frames, emits audio
``lookahead_frames`` behind the newest frame, and cross-fades the region that both the previous
and the current window predicted. Cost: ``context_frames + lookahead_frames`` extra frames per
call; latency: ``lookahead_frames * hop`` samples.

:func:`decode_in_windows` is the offline sibling: a long trajectory decoded in overlapping
windows with context on both sides, so that memory stays bounded and, for a model whose
receptive field fits in the context, the sound is that of one call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np

WindowDecoder = Callable[[np.ndarray, int], np.ndarray]
"""(frames ``[n, latent]`` float32, call index) -> audio ``[channels, n * hop]`` float32."""


class CrossfadeStreamDecoder:
    """:class:`~.contract.StreamDecoder` over a stateless window decoder. One voice's thread."""

    def __init__(
        self,
        decode_window: WindowDecoder,
        hop_samples: int,
        channels: int,
        context_frames: int = 8,
        lookahead_frames: int = 1,
        on_close: Callable[[], None] | None = None,
        scope: Callable[[], contextlib.AbstractContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        if lookahead_frames < 1:
            raise ValueError("lookahead_frames must be >= 1 to have something to cross-fade")
        self._decode_window = decode_window
        self._hop = hop_samples
        self._channels = channels
        self._context = context_frames
        self._lookahead = lookahead_frames
        self._on_close = on_close
        self._scope = scope
        self._history: np.ndarray | None = None  # [context + lookahead, latent]
        self._tail = np.zeros((channels, lookahead_frames * hop_samples), np.float32)
        self._calls = 0

    @property
    def latency_samples(self) -> int:
        return self._lookahead * self._hop

    def reset(self, seed: int | None = 0) -> None:
        del seed  # noise follows the window decoder's call index, restarted here
        self._history = None
        self._tail[:] = 0.0
        self._calls = 0

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        """The window decoder's scope for a decode loop (see :class:`~.contract.StreamDecoder`)."""
        return self._scope()

    def decode(self, frames: np.ndarray) -> np.ndarray:
        frames = np.asarray(frames, np.float32)
        n = frames.shape[0]
        if n == 0:
            return np.zeros((self._channels, 0), np.float32)
        keep = self._context + self._lookahead
        if self._history is None:
            # Start as if the first frame had been held: the fade-in below starts from silence.
            self._history = np.repeat(frames[:1], keep, axis=0)
        window = np.concatenate([self._history, frames], axis=0)
        audio = self._decode_window(window, self._calls)
        self._calls += 1
        hop = self._hop
        start = (keep - self._lookahead) * hop
        out = audio[:, start : start + n * hop].copy()
        overlap = min(n, self._lookahead) * hop
        ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
        out[:, :overlap] = self._tail[:, :overlap] * (1.0 - ramp) + out[:, :overlap] * ramp
        self._tail = audio[:, -self._lookahead * hop :].copy()
        self._history = window[-keep:]
        return out


def decode_in_windows(
    decode_window: WindowDecoder,
    frames: np.ndarray,
    hop_samples: int,
    chunk_frames: int,
    context_frames: int = 64,
    fade_frames: int = 8,
) -> np.ndarray:
    """Decode ``frames`` ``[n, latent]`` in windows of ``chunk_frames`` with
    ``context_frames`` more on each side (cut off where the trajectory ends); each window's
    own chunk is kept and neighbours cross-fade over ``fade_frames`` around their boundary
    (they agree there when the model's receptive field fits in the context less half the
    fade; a model that draws noise differs only in its noise). Returns ``[channels, n · hop]``
    float32.

    Peak memory is one window's decode plus the output, instead of a whole trajectory's
    activations (a 600 s frame render of a RAVE-sized export held 2.5 GB in one call).
    """
    n, hop = frames.shape[0], hop_samples
    half = min(fade_frames // 2, context_frames, chunk_frames // 2)  # fades never overlap
    span = 2 * half * hop  # samples of each cross-fade
    out: np.ndarray | None = None
    for index, start in enumerate(range(0, n, chunk_frames)):
        end = min(n, start + chunk_frames)
        first, last = max(0, start - context_frames), min(n, end + context_frames)
        audio = decode_window(np.ascontiguousarray(frames[first:last]), index)
        if out is None:
            out = np.zeros((audio.shape[0], n * hop), np.float32)
        lo, hi = max(0, start - half) * hop, min(n, end + half) * hop  # this window's share
        t = np.arange(lo, hi, dtype=np.float64) + 0.5
        weight = np.ones(hi - lo, np.float32)
        if start > 0 and half:  # fades in where the window before fades out
            weight *= np.clip((t - (start - half) * hop) / span, 0.0, 1.0).astype(np.float32)
        if end < n and half:
            weight *= np.clip(((end + half) * hop - t) / span, 0.0, 1.0).astype(np.float32)
        out[:, lo:hi] += audio[:, lo - first * hop : hi - first * hop] * weight
    assert out is not None
    return out
