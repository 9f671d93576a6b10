"""Streaming sample-rate conversion from the model's rate to the device's rate."""

from __future__ import annotations

import functools

import numpy as np

REALTIME_QUALITIES = ("LQ", "QQ")
"""Tried in order. soxr's higher qualities hold back up to ~20 ms and release it in bursts;
"LQ" is steady for most ratios but bursts for some integer ones (16 -> 48 kHz releases 900
frames every ~5 calls), where the cubic "QQ" is the steady one."""


class StreamResampler:
    """Converts successive chunks ``[n, channels]`` float32 at ``in_rate_hz`` to ``out_rate_hz``.

    Uses ``soxr.ResampleStream``; equal rates pass through untouched. ``quality="auto"`` picks
    the best soxr quality that delivers each chunk's audio without holding much back, for
    chunks of ``chunk_frames`` (a voice's decode chunk). One voice's thread.
    """

    def __init__(
        self,
        in_rate_hz: int,
        out_rate_hz: int,
        channels: int,
        quality: str = "auto",
        chunk_frames: int = 1024,
    ) -> None:
        self.in_rate_hz = int(in_rate_hz)
        self.out_rate_hz = int(out_rate_hz)
        self._channels = channels
        self._stream = None
        self.quality = ""
        if self.in_rate_hz != self.out_rate_hz:
            import soxr

            if quality == "auto":
                quality = steady_quality(self.in_rate_hz, self.out_rate_hz, chunk_frames)
            self.quality = quality
            self._stream = soxr.ResampleStream(
                self.in_rate_hz, self.out_rate_hz, channels, dtype="float32", quality=quality
            )

    @property
    def is_identity(self) -> bool:
        return self._stream is None

    def process(self, frames: np.ndarray, last: bool = False) -> np.ndarray:
        """Resample ``frames`` ``[n, channels]``; ``last=True`` flushes what is held back."""
        if self._stream is None:
            return frames
        out = self._stream.resample_chunk(np.ascontiguousarray(frames, np.float32), last=last)
        return np.asarray(out, np.float32).reshape(-1, self._channels)


def _max_held_back(in_rate: int, out_rate: int, quality: str, chunk: int, calls: int = 24) -> int:
    import soxr

    stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32", quality=quality)
    x = np.zeros((chunk, 1), np.float32)
    worst = given = got = 0
    for _ in range(calls):
        given += chunk
        got += stream.resample_chunk(x).shape[0]
        worst = max(worst, round(given * out_rate / in_rate) - got)
    return worst


@functools.lru_cache(maxsize=64)
def steady_quality(in_rate_hz: int, out_rate_hz: int, chunk_frames: int) -> str:
    """The first of :data:`REALTIME_QUALITIES` that never holds back over ~2 ms or 1/4 chunk."""
    limit = max(round(0.002 * out_rate_hz), chunk_frames * out_rate_hz // in_rate_hz // 4)
    for quality in REALTIME_QUALITIES:
        if _max_held_back(in_rate_hz, out_rate_hz, quality, chunk_frames) <= limit:
            return quality
    return REALTIME_QUALITIES[-1]


def held_back_frames(in_rate_hz: int, out_rate_hz: int, chunk_frames: int = 1024) -> int:
    """Output frames a fresh :class:`StreamResampler` holds back after its first chunk."""
    if in_rate_hz == out_rate_hz:
        return 0
    r = StreamResampler(in_rate_hz, out_rate_hz, 1, chunk_frames=chunk_frames)
    got = r.process(np.zeros((chunk_frames, 1), np.float32)).shape[0]
    return max(0, round(chunk_frames * out_rate_hz / in_rate_hz) - got)
