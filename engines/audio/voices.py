"""Build the voices' sources the same way for the stream and for offline renders.

An *audition* plays a sound's decoded trajectory (or its original file audio) once; a *scrub*
follows the newest target latent; a *path* plays a recorded latent path. Chunk sizes are set
here, from the device block and the model's hop, and depend on nothing that varies between
a stream and an offline render.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..contract import ModelEngine
from .latent_transform import LatentTransform
from .mailbox import Mailbox
from .resampler import held_back_frames
from .shared_state import fade_frames
from .sources import AudioSource, DecodePipe, PathSource, ScrubSource, TrajectorySource

AHEAD_SAMPLES = 4096
"""Auditions decode ahead in chunks of about this many model samples: larger chunks cost less
per frame, but a retriggered audition's first chunk waits for the old voice's chunk in flight
(one model serves both), so this bounds the retrigger delay."""


@dataclass(frozen=True)
class OutputFormat:
    """What the rings hold: device rate, channels and block size."""

    sample_rate_hz: int
    channels: int
    block_frames: int


class VoiceFactory:
    """Makes sources for one model and one output format. Owner thread."""

    def __init__(
        self,
        engine: ModelEngine | None,
        fmt: OutputFormat,
        transform: Callable[[], LatentTransform],
        fade_ms: float = 5.0,
    ) -> None:
        self.engine = engine
        self.fmt = fmt
        self.fade_ms = fade_ms
        self._transform = transform
        self._held_back_frames: int | None = None

    def _need_engine(self) -> ModelEngine:
        if self.engine is None:
            raise ValueError("no model loaded: only file auditions can play")
        return self.engine

    def block_chunk_frames(self, extra_out_frames: int = 0) -> int:
        """Latent frames that cover one device block (plus ``extra_out_frames``)."""
        e = self._need_engine()
        out_frames = self.fmt.block_frames + extra_out_frames
        model_samples = out_frames * e.sample_rate_hz / self.fmt.sample_rate_hz
        return max(1, math.ceil(model_samples / e.hop_samples))

    def _held_back(self) -> int:
        if self._held_back_frames is None:
            e = self._need_engine()
            chunk = self.block_chunk_frames() * e.hop_samples
            self._held_back_frames = held_back_frames(
                e.sample_rate_hz, self.fmt.sample_rate_hz, chunk
            )
        return self._held_back_frames

    def _pipe(self, seed: int | None) -> DecodePipe:
        e = self._need_engine()
        return DecodePipe(
            e.stream_decoder(seed),
            e.channels,
            e.sample_rate_hz,
            self.fmt.sample_rate_hz,
            self.fmt.channels,
            self._transform,
            noise_seed=seed,
            chunk_samples=self.block_chunk_frames() * e.hop_samples,
        )

    def check_frames(self, frames: np.ndarray, what: str) -> np.ndarray:
        e = self._need_engine()
        z = np.asarray(frames, np.float32)
        if z.ndim != 2 or z.shape[1] != e.latent_size or z.shape[0] == 0:
            raise ValueError(f"{what} must be [frames >= 1, {e.latent_size}], got {z.shape}")
        if not np.all(np.isfinite(z)):
            raise ValueError(f"{what} holds NaN or Inf")
        return z

    def _tail_frames(self, pipe: DecodePipe) -> int:
        """Frames to decode past the end: the model's lag plus the fade-out."""
        e = self._need_engine()
        fade = self.fade_ms / 1000.0 * e.sample_rate_hz
        return max(1, math.ceil((pipe.decoder.latency_samples + fade) / e.hop_samples))

    def audition_trajectory(self, trajectory: np.ndarray, seed: int | None) -> TrajectorySource:
        z = self.check_frames(trajectory, "trajectory")
        e = self._need_engine()
        pipe = self._pipe(seed)
        pipe.skip_lag()
        lag_out = math.ceil(
            pipe.decoder.latency_samples * self.fmt.sample_rate_hz / e.sample_rate_hz
        )
        # one decode fills a block and the mixer's look-ahead (one fade): the voice starts then
        look_ahead = fade_frames(self.fade_ms, self.fmt.sample_rate_hz)
        first = self.block_chunk_frames(self._held_back() + lag_out + look_ahead)
        ahead = max(first, math.ceil(AHEAD_SAMPLES / e.hop_samples))
        tail = self._tail_frames(pipe)
        return TrajectorySource(pipe, z, first, ahead, tail, self.fmt.block_frames)

    @staticmethod
    def check_audio(audio: np.ndarray, rate_hz: int) -> np.ndarray:
        a = np.asarray(audio, np.float32)
        if a.ndim not in (1, 2):
            raise ValueError(f"audio must be [channels, samples] or [samples], got {a.shape}")
        if a.size == 0 or not np.all(np.isfinite(a)):
            raise ValueError("audio to audition is empty or holds NaN/Inf")
        if not rate_hz or rate_hz <= 0:
            raise ValueError(f"audio rate must be > 0 Hz, got {rate_hz}")
        return a

    def check_path(self, frames: np.ndarray, times_s: np.ndarray, speed: float) -> None:
        z = self.check_frames(frames, "path frames")
        t = np.asarray(times_s, np.float64)
        if t.shape != (z.shape[0],):
            raise ValueError(f"path times must be [{z.shape[0]}] seconds, got {t.shape}")
        if not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0):
            raise ValueError("path times must be finite and non-decreasing")
        if not speed > 0:
            raise ValueError(f"path speed must be > 0, got {speed}")

    def audition_audio(self, audio: np.ndarray, rate_hz: int) -> AudioSource:
        a = self.check_audio(audio, rate_hz)
        chunk = max(256, round(self.fmt.block_frames * rate_hz / self.fmt.sample_rate_hz))
        fade = round(self.fade_ms / 1000.0 * rate_hz)
        return AudioSource(a, rate_hz, self.fmt.sample_rate_hz, self.fmt.channels, chunk, fade)

    def scrub(self, mailbox: Mailbox[np.ndarray], glide_ms: float, seed: int | None) -> ScrubSource:
        e = self._need_engine()
        glide_frames = glide_ms / 1000.0 * e.sample_rate_hz / e.hop_samples
        return ScrubSource(self._pipe(seed), mailbox, self.block_chunk_frames(), glide_frames)

    def path(
        self,
        frames: np.ndarray,
        times_s: np.ndarray,
        loop: bool,
        speed: float,
        seed: int | None,
    ) -> PathSource:
        z = self.check_frames(frames, "path frames")
        e = self._need_engine()
        period = e.hop_samples / e.sample_rate_hz
        pipe = self._pipe(seed)
        pipe.skip_lag()
        chunk = self.block_chunk_frames()
        return PathSource(pipe, z, times_s, period, chunk, loop, speed, self._tail_frames(pipe))

    def check_latent(self, latent: np.ndarray) -> np.ndarray:
        e = self._need_engine()
        z = np.asarray(latent, np.float32).reshape(-1)
        if z.shape[0] != e.latent_size or not np.all(np.isfinite(z)):
            raise ValueError(f"latent must be {e.latent_size} finite values, got {z.shape[0]}")
        return z
