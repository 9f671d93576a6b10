"""Magnitude spectrogram frames in dB from audio, with numpy only.

0 dBFS is the peak of a full-scale sine: the window's coherent gain is divided out, so a sine
of amplitude ``a`` reads ``20*log10(a)`` dB at its bin.
"""

from __future__ import annotations

import numpy as np

DEFAULT_FLOOR_DB = -100.0


def _window(n_fft: int) -> np.ndarray:
    # Periodic Hann: its overlap-add at hop n_fft/4 is flat, which suits a scrolling display.
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)


def _frames_to_db(frames: np.ndarray, window: np.ndarray, floor_db: float) -> np.ndarray:
    spectrum = np.fft.rfft(frames * window, axis=-1)
    mag = np.abs(spectrum) * np.float32(2.0 / window.sum())
    db = 20.0 * np.log10(np.maximum(mag, 10.0 ** (floor_db / 20.0)))
    return np.ascontiguousarray(db, dtype=np.float32)


def magnitude_db(
    audio: np.ndarray, n_fft: int = 1024, hop: int = 256, floor_db: float = DEFAULT_FLOOR_DB
) -> np.ndarray:
    """Magnitude spectrogram of a mono signal in dBFS.

    Parameters
    ----------
    audio : ndarray, [N] float32
        Mono samples in [-1, 1]. Shorter than ``n_fft`` is zero-padded to one frame.
    n_fft : int
        FFT size (samples); gives ``n_fft // 2 + 1`` bins from 0 to Nyquist.
    hop : int
        Samples between frames.
    floor_db : float
        Values are clipped below at this level (silence reads ``floor_db``, not -inf).

    Returns
    -------
    ndarray, [T, n_fft // 2 + 1] float32, C-contiguous
        ``T = 1 + (max(N, n_fft) - n_fft) // hop`` frames, time along rows.
    """
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"magnitude_db expects mono audio [N], got shape {x.shape}")
    if n_fft < 2 or hop < 1:
        raise ValueError(f"n_fft must be >= 2 and hop >= 1, got {n_fft} and {hop}")
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    return _frames_to_db(frames, _window(n_fft), floor_db)


class StreamingSpectrogram:
    """Turns audio blocks of any size into whole spectrogram frames as they complete.

    Feed it what the output stream played (on the GUI thread, from the ring buffer the GUI
    drains); each ``push`` returns the frames that the new samples completed.
    """

    def __init__(
        self, n_fft: int = 1024, hop: int = 256, floor_db: float = DEFAULT_FLOOR_DB
    ) -> None:
        if n_fft < 2 or hop < 1:
            raise ValueError(f"n_fft must be >= 2 and hop >= 1, got {n_fft} and {hop}")
        self.n_fft = n_fft
        self.hop = hop
        self.floor_db = floor_db
        self._window = _window(n_fft)
        self._pending = np.zeros(0, dtype=np.float32)

    @property
    def n_bins(self) -> int:
        return self.n_fft // 2 + 1

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)

    def push(self, block: np.ndarray) -> np.ndarray:
        """Add mono samples [n] float32; returns new frames [k, n_bins] float32 (k may be 0)."""
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        buf = np.concatenate([self._pending, x])
        if len(buf) < self.n_fft:
            self._pending = buf
            return np.zeros((0, self.n_bins), dtype=np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(buf, self.n_fft)[:: self.hop]
        consumed = len(frames) * self.hop
        self._pending = buf[consumed:].copy()
        return _frames_to_db(frames, self._window, self.floor_db)


def thumbnail(mag_db: np.ndarray, frames: int = 64, bins: int = 48) -> np.ndarray:
    """Shrink a spectrogram [T, F] to at most [frames, bins] by max-pooling, for tiles.

    Frequency bins are pooled on a log-like scale (low bins kept, high bins merged), which is how
    a thumbnail stays readable. Returns float32 [min(T, frames), min(F, bins)].
    """
    s = np.asarray(mag_db, dtype=np.float32)
    if s.ndim != 2 or s.size == 0:
        raise ValueError(f"thumbnail expects a non-empty [T, F] spectrogram, got {s.shape}")
    t_edges = np.linspace(0, s.shape[0], min(frames, s.shape[0]) + 1).astype(int)
    n_f = min(bins, s.shape[1])
    f_edges = np.unique(np.geomspace(1, s.shape[1] + 1, n_f + 1).astype(int) - 1)
    f_edges[-1] = s.shape[1]
    pooled_t = np.maximum.reduceat(s, t_edges[:-1], axis=0)
    return np.ascontiguousarray(np.maximum.reduceat(pooled_t, f_edges[:-1], axis=1))


def log_frequency_rows(
    n_bins: int, nyquist_hz: float, n_rows: int = 192, f_min_hz: float = 30.0
) -> tuple[np.ndarray, np.ndarray]:
    """How to regrid linear FFT bins onto rows spaced evenly in log frequency.

    Row ``r`` covers ``[edges_hz[r], edges_hz[r + 1])``, edges spaced geometrically from
    ``f_min_hz`` to ``nyquist_hz``. Returns ``(starts, edges_hz)``: ``starts`` [n_rows] int64
    (non-decreasing first bin of each row, for `to_log_frequency`) and ``edges_hz``
    [n_rows + 1] float64.
    """
    if n_bins < 2 or not 0 < f_min_hz < nyquist_hz:
        raise ValueError(
            f"need n_bins >= 2 and 0 < f_min_hz < nyquist_hz, got {n_bins}, "
            f"{f_min_hz}, {nyquist_hz}"
        )
    bin_hz = nyquist_hz / (n_bins - 1)
    edges = np.geomspace(f_min_hz, nyquist_hz, n_rows + 1)
    # Row r starts at the bin nearest its lower edge; rows narrower than a bin repeat it.
    starts = np.clip(np.round(edges[:-1] / bin_hz), 0, n_bins - 1).astype(np.int64)
    return starts, edges


def to_log_frequency(mag_db: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Regrid frames [T, n_bins] to [T, len(starts)] log-frequency rows (max over each row's
    bins, so narrow peaks survive). ``starts`` comes from `log_frequency_rows`."""
    frames = np.asarray(mag_db, dtype=np.float32)
    out = np.maximum.reduceat(frames, starts, axis=1)
    return np.ascontiguousarray(out)
