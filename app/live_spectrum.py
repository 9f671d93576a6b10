"""Feed the live spectrogram from the audio engine's output tap (friture-style GUI drain).

A 40 ms GUI timer reads the frames handed to the device since the last tick (lock-free tap),
mixes them to mono, turns them into spectrogram frames and scrolls the view. A few FFTs per tick:
well under a millisecond. Also keeps the output's recent peak level, which the self-test and the
status bar read.

Thread: GUI thread only.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer

from latentscape.widgets.spectrogram_math import StreamingSpectrogram
from latentscape.widgets.spectrogram_view import LiveSpectrogramView

INTERVAL_MS = 40
N_FFT = 1024
HOP = 512


class LiveSpectrumFeed(QObject):
    """Drains ``engine.tap`` into a :class:`LiveSpectrogramView` while an engine runs."""

    def __init__(self, view: LiveSpectrogramView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self._audio = None
        self._pos = 0
        self._spec = StreamingSpectrogram(N_FFT, HOP)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._on_tick)
        self.peak = 0.0  # largest |sample| seen since the engine was attached
        self.frames_read = 0
        self.nonsilent_frames = 0  # frames whose |sample| exceeded 1e-4
        self._silent_frames = 0

    def attach(self, audio) -> None:
        """Follow ``audio`` (an started ``AudioEngine``), or nothing (None)."""
        self._audio = audio
        self._spec.reset()
        if audio is None or audio.tap is None:
            self._timer.stop()
            return
        rate = float(audio.sample_rate_hz)
        self._view.configure(self._spec.n_bins, rate / HOP, rate / 2.0)
        self._pos = audio.tap.position
        self._timer.start()

    def _on_tick(self) -> None:
        audio = self._audio
        if audio is None or audio.tap is None:
            return
        try:
            samples, self._pos = audio.tap.read_since(self._pos)
        except ValueError:  # we fell behind (the window was busy): skip to now
            self._pos = audio.tap.position
            return
        if len(samples) == 0:
            return
        mono = samples.mean(axis=1) if samples.ndim == 2 else samples
        level = np.abs(mono)
        self.frames_read += len(mono)
        self.nonsilent_frames += int(np.count_nonzero(level > 1e-4))
        self.peak = max(self.peak, float(level.max()))
        frames = self._spec.push(mono.astype(np.float32, copy=False))
        if not len(frames):
            return
        if float(frames.max()) <= self._spec.floor_db:
            self._silent_frames += len(frames)
            if self._silent_frames > self._view.history_frames:
                return  # the whole view is silence already: no repaint while nothing plays
        else:
            self._silent_frames = 0
        self._view.push_frames(frames)
