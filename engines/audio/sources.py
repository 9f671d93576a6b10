"""What a voice plays: successive chunks of device-rate audio ``[frames, channels]`` float32.

A source decodes (or reads) one chunk per :meth:`next_chunk` call on its voice's thread and is
pure computation: pacing and ring buffers are the runner's job (:mod:`.voice_runner`). The
sequence of chunks depends only on the source's inputs (and, for the scrub, on the targets it
sees), so the offline renderer reproduces a stream exactly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np

from ..contract import StreamDecoder
from .latent_transform import LatentTransform
from .mailbox import Mailbox
from .resampler import StreamResampler


def map_channels(audio: np.ndarray, channels: int) -> np.ndarray:
    """``[frames, c]`` -> ``[frames, channels]``: mono is copied to all, extra channels dropped."""
    c = audio.shape[1]
    if c == channels:
        return audio
    if c == 1:
        return np.repeat(audio, channels, axis=1)
    if channels == 1:
        return audio.mean(axis=1, keepdims=True)
    out = np.zeros((audio.shape[0], channels), np.float32)
    k = min(c, channels)
    out[:, :k] = audio[:, :k]
    return out


def fade_out(audio: np.ndarray, frames: int) -> np.ndarray:
    """``audio`` ``[n, channels]`` float32 with its last ``frames`` faded linearly to silence.

    In place (and returned). The gain falls by ``1/frames`` a frame and is 0 on the last frame:
    the ramp every voice ends with (a file's end, a decoded tail, ``render --kind frame``).
    """
    k = min(int(frames), audio.shape[0])
    if k > 0:
        audio[-k:] *= np.linspace(1.0, 0.0, k + 1, dtype=np.float32)[1:, None]
    return audio


class DecodePipe:
    """Latent frames -> transform -> stream decoder -> resampler -> device channels."""

    def __init__(
        self,
        decoder: StreamDecoder,
        model_channels: int,
        model_rate_hz: int,
        device_rate_hz: int,
        device_channels: int,
        transform: Callable[[], LatentTransform],
        noise_seed: int | None,
        chunk_samples: int = 1024,
    ) -> None:
        self.decoder = decoder
        self._resampler = StreamResampler(
            model_rate_hz, device_rate_hz, model_channels, chunk_frames=chunk_samples
        )
        self._channels = device_channels
        self._model_channels = model_channels
        self._transform = transform
        self._rng = np.random.default_rng(noise_seed)
        self._skip = 0

    def skip_lag(self) -> None:
        """Drop the decoder's first ``latency_samples``: the audio then lines up with the frames.

        For sounds whose frames are all known (auditions, paths): they start that much sooner.
        A scrub cannot do this; its lag is the price of following the hand.
        """
        self._skip = max(0, int(self.decoder.latency_samples))

    def decode(self, frames: np.ndarray) -> np.ndarray:
        z = self._transform().apply(frames, self._rng)
        audio = self.decoder.decode(z)  # [model_channels, n * hop]
        if self._skip:
            dropped = min(self._skip, audio.shape[1])
            audio = audio[:, dropped:]
            self._skip -= dropped
        return map_channels(self._resampler.process(np.ascontiguousarray(audio.T)), self._channels)

    def flush(self) -> np.ndarray:
        empty = np.zeros((0, self._model_channels), np.float32)
        tail = self._resampler.process(empty, last=True)
        if tail.shape[0] == 0:
            return np.zeros((0, self._channels), np.float32)
        return map_channels(tail, self._channels)

    def fade_out_tail(self, last_frame: np.ndarray, frames: int) -> np.ndarray:
        """The sound of ``last_frame`` held for ``frames`` more frames, faded to silence.

        Flushes the resampler. Ending this way costs a few ms and avoids a click at the end.
        """
        held = np.repeat(np.asarray(last_frame, np.float32)[None], max(1, frames), axis=0)
        tail = np.concatenate([self.decode(held), self.flush()])
        return fade_out(tail, tail.shape[0])

    def close(self) -> None:
        self.decoder.close()

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        return self.decoder.decode_scope()


class _PipedSource:
    """A source that decodes through a :class:`DecodePipe` it owns (``self._pipe``)."""

    _pipe: DecodePipe

    def close(self) -> None:
        self._pipe.close()

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        return self._pipe.decode_scope()


class TrajectorySource(_PipedSource):
    """A decoded latent trajectory ``[frames, latent]``, then a faded tail.

    The tail (``tail_frames`` more frames of the last latent, covering the model's lag and a
    short fade) is faded to silence, so the sound ends without a click. The first chunk is ``first_chunk_frames`` long (small: it sets click-to-sound latency), the
    rest ``chunk_frames`` (larger: fewer, cheaper calls while the voice decodes ahead).
    """

    def __init__(
        self,
        pipe: DecodePipe,
        trajectory: np.ndarray,
        first_chunk_frames: int,
        chunk_frames: int,
        tail_frames: int,
        first_out_frames: int = 0,
    ) -> None:
        self._pipe = pipe
        self._first_out = first_out_frames
        self._z = np.asarray(trajectory, np.float32)
        self._tail = tail_frames
        self._next = 0
        self._first = max(1, first_chunk_frames)
        self._chunk = max(1, chunk_frames)
        self._flushed = False

    def next_chunk(self) -> np.ndarray | None:
        if self._next == 0 and len(self._z):
            return self._first_chunk()
        if self._next < len(self._z):
            frames = self._z[self._next : self._next + self._chunk]
            self._next += len(frames)
            return self._pipe.decode(frames)
        if not self._flushed:
            self._flushed = True
            return self._pipe.fade_out_tail(self._z[-1], self._tail)
        return None

    def next_frames(self) -> int:
        """Latent frames the next :meth:`next_chunk` decodes (what its call will cost)."""
        if self._next == 0 and len(self._z):
            return min(self._first, len(self._z))
        if self._next < len(self._z):
            return min(self._chunk, len(self._z) - self._next)
        return 0 if self._flushed else max(1, self._tail)

    def largest_call_frames(self) -> int:
        """Latent frames of its largest model call (a call decoding ahead)."""
        return max(self._first, self._chunk, self._tail)

    def progress(self) -> tuple[int, int]:
        """``(decoded, total)`` latent frames, the faded tail counted as ``tail_frames``: how
        much of the sound is still to decode (a voice that cannot keep up plans with it)."""
        total = len(self._z) + self._tail
        return (self._next + (self._tail if self._flushed else 0), total)

    @property
    def latency_samples(self) -> int:
        """The stream decoder's own lag, model samples."""
        return self._pipe.decoder.latency_samples

    def _first_chunk(self) -> np.ndarray:
        """At least ``first_out_frames`` of audio (a resampler holds some back), if there is."""
        parts = [self._pipe.decode(self._z[: self._first])]
        self._next = min(self._first, len(self._z))
        have = parts[0].shape[0]
        while have < self._first_out and self._next < len(self._z):
            parts.append(self._pipe.decode(self._z[self._next : self._next + 1]))
            self._next += 1
            have += parts[-1].shape[0]
        return np.concatenate(parts) if len(parts) > 1 else parts[0]


class AudioSource:
    """Audio ``[channels, samples]`` at ``rate_hz`` (a sound's original file), resampled.

    Its last ``fade_samples`` are faded out so a file that stops abruptly does not click.
    """

    def __init__(
        self,
        audio: np.ndarray,
        rate_hz: int,
        device_rate_hz: int,
        device_channels: int,
        chunk_samples: int = 2048,
        fade_samples: int = 0,
    ) -> None:
        a = np.asarray(audio, np.float32)
        if a.ndim == 1:
            a = a[None, :]
        if a.ndim != 2:
            raise ValueError(f"audio must be [channels, samples], got shape {a.shape}")
        self._audio = np.array(a.T, np.float32, order="C")
        fade_out(self._audio, fade_samples)
        self._resampler = StreamResampler(
            rate_hz, device_rate_hz, a.shape[0], chunk_frames=chunk_samples
        )
        self._channels = device_channels
        self._chunk = chunk_samples
        self._next = 0
        self._flushed = False

    def next_chunk(self) -> np.ndarray | None:
        if self._next < len(self._audio):
            part = self._audio[self._next : self._next + self._chunk]
            self._next += len(part)
            return map_channels(self._resampler.process(part), self._channels)
        if not self._flushed:
            self._flushed = True
            tail = self._resampler.process(self._audio[:0], last=True)
            return map_channels(tail, self._channels)
        return None

    def close(self) -> None:
        pass

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # no model here


class ScrubSource(_PipedSource):
    """Follows the newest target latent in ``mailbox``, gliding towards it frame by frame.

    Each frame moves ``1 - exp(-1 / glide_frames)`` of the way to the target (a one-pole glide
    with a time constant of ``glide_frames`` frames), so a jump across the map becomes a short
    sweep instead of a click. Never ends by itself.
    """

    def __init__(
        self, pipe: DecodePipe, mailbox: Mailbox[np.ndarray], chunk_frames: int, glide_frames: float
    ) -> None:
        self._pipe = pipe
        self._mailbox = mailbox
        self._chunk = max(1, chunk_frames)
        self._alpha = np.float32(1.0 - np.exp(-1.0 / glide_frames)) if glide_frames > 0 else 1.0
        self._current: np.ndarray | None = None
        self.frames_decoded = 0

    def next_frames(self) -> int:
        """Latent frames the next :meth:`next_chunk` decodes."""
        return self._chunk

    def next_chunk(self) -> np.ndarray | None:
        _, target = self._mailbox.peek()
        if target is None:
            raise RuntimeError("scrub voice started before any target was set")
        target = np.asarray(target, np.float32)
        if self._current is None:
            self._current = target.copy()
        frames = np.empty((self._chunk, target.shape[0]), np.float32)
        for i in range(self._chunk):
            self._current = self._current + self._alpha * (target - self._current)
            frames[i] = self._current
        self.frames_decoded += self._chunk
        return self._pipe.decode(frames)


class PathSource(_PipedSource):
    """A recorded latent path: ``frames`` ``[n, latent]`` at ``times_s`` ``[n]`` seconds.

    Frame ``k`` of the output sits at path time ``times_s[0] + k * frame_period_s * speed``;
    latents between recorded points are interpolated linearly; at equal times the later point
    wins (a recorded jump). With ``loop`` the path restarts after ``duration / speed`` seconds
    (a path of one point holds it); otherwise the voice ends after its last point.

    :meth:`set_playback` changes speed and loop while it plays: from the next chunk on, the
    path goes on from where it is at the new rate (the latents stay continuous, so there is
    no click); loop off ends it at the end of the cycle under way. Each change starts a
    *segment* ``(voice_s, path_s, speed, loop)``: output frame ``voice_s`` (seconds of this
    voice's output) plays path time ``path_s``, and path time then runs ``speed`` times as
    fast. With a ``report`` array (the slot's floats ``[F_PATH_VOICE_S:F_PATH_LOOP + 1]``),
    each segment is written there for the app's playhead (:meth:`.VoiceHandle.path_segment`).
    """

    def __init__(
        self,
        pipe: DecodePipe,
        frames: np.ndarray,
        times_s: np.ndarray,
        frame_period_s: float,
        chunk_frames: int,
        loop: bool = False,
        speed: float = 1.0,
        tail_frames: int = 1,
    ) -> None:
        z = np.asarray(frames, np.float32)
        t = np.asarray(times_s, np.float64)
        if z.ndim != 2 or t.shape != (z.shape[0],) or len(t) == 0:
            raise ValueError("a path needs frames [n, latent] and times [n] with n >= 1")
        if np.any(np.diff(t) < 0) or not np.all(np.isfinite(t)):
            raise ValueError("path times must be finite and non-decreasing")
        if not speed > 0:
            raise ValueError("path speed must be > 0")
        self._pipe = pipe
        self._z = z
        self._t = t - t[0]
        self._period = float(frame_period_s)
        self._speed = float(speed)
        self._step = self._period * self._speed
        self._duration = float(self._t[-1])
        self._loop = bool(loop)
        self._wanted = (self._loop, self._speed)  # owner thread writes, decode thread reads
        self._chunk = max(1, chunk_frames)
        self._k = 0  # output frames so far
        self._k0, self._pos0 = 0, 0.0  # the segment under way starts at frame _k0, path _pos0
        self._report: np.ndarray | None = None
        self._tail = tail_frames
        self._flushed = False

    def set_playback(self, loop: bool | None = None, speed: float | None = None) -> None:
        """Loop on/off and speed (> 0) from the next chunk on; ``None`` keeps a setting.

        Called on the owner's thread (one writer); the decode thread picks the tuple up whole.
        """
        if speed is not None and not speed > 0:
            raise ValueError("path speed must be > 0")
        old_loop, old_speed = self._wanted
        self._wanted = (
            old_loop if loop is None else bool(loop),
            old_speed if speed is None else float(speed),
        )

    def report_to(self, fields: np.ndarray) -> None:
        """Write each segment into ``fields`` (4 float64: voice_s, path_s, speed, loop),
        the first one now. Owner thread, before the voice starts."""
        self._report = fields
        self._publish()

    def _publish(self) -> None:
        if self._report is not None:
            self._report[:] = (self._k0 * self._period, self._pos0, self._speed, self._loop)

    def _apply_wanted(self) -> None:
        loop, speed = self._wanted
        if (loop, speed) == (self._loop, self._speed):
            return
        pos = self._pos0 + (self._k - self._k0) * self._step  # where frame _k plays
        if self._loop:
            pos = float(np.mod(pos, self._duration)) if self._duration > 0 else 0.0
        self._k0, self._pos0 = self._k, pos
        self._loop, self._speed, self._step = loop, speed, self._period * speed
        self._publish()

    def _latents_at(self, t: np.ndarray) -> np.ndarray:
        idx = np.clip(np.searchsorted(self._t, t, side="right") - 1, 0, len(self._t) - 1)
        nxt = np.minimum(idx + 1, len(self._t) - 1)
        span = self._t[nxt] - self._t[idx]
        w = np.where(span > 0, (t - self._t[idx]) / np.where(span > 0, span, 1.0), 0.0)
        w = np.clip(w, 0.0, 1.0)[:, None].astype(np.float32)
        return self._z[idx] * (1 - w) + self._z[nxt] * w

    def next_frames(self) -> int:
        """Latent frames the next :meth:`next_chunk` decodes (at most; the tail's at the end)."""
        return self._chunk if not self._flushed else 0

    def next_chunk(self) -> np.ndarray | None:
        if not self._flushed:
            self._apply_wanted()
        t = self._pos0 + (self._k - self._k0 + np.arange(self._chunk)) * self._step
        if self._loop:
            # one cycle lasts the path's duration: its end meets its start seamlessly
            t = np.mod(t, self._duration) if self._duration > 0 else np.zeros_like(t)
        else:
            t = t[t <= self._duration + 1e-9]
        if len(t) == 0:
            if not self._flushed:
                self._flushed = True
                return self._pipe.fade_out_tail(self._z[-1], self._tail)
            return None
        self._k += len(t)
        return self._pipe.decode(self._latents_at(t))
