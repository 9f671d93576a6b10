"""Offline render of a path through a model, to an array or a WAV/FLAC file.

Default (``backend="voice"``): the realtime audio engine's own offline renderer
(:func:`latentscape.engines.audio.offline.render_offline`) plays the path through the same path
voice, decoder pipe and mixer as live playback (``AudioEngine.play_path``), so a render with a
seed is repeatable and equals what the stream plays for the same path, speed and seed.
``backend="decoder"`` decodes the path's frames (:meth:`~.path.LatentPath.frames_at_rate`)
with ``engine.stream_decoder(seed)`` directly, chunk by chunk, and reports progress and honours
cancel between chunks. The decoder gives ``frames * hop_samples`` samples at the model's rate
(frames: the path's played duration on the model's frame grid, both ends included); the voice
gives the same samples followed by its faded tail (the last frame held over the model's lag and
the fade, so the file never ends on a click). Both are resampled with soxr to a chosen rate.
``exact_length=True`` gives a loop-ready render of exactly the path's played length instead
(:mod:`.loop_render`): what :func:`~.export.export_path` writes to a file.

A path with a lane of latent controls (:mod:`.controls`) renders with that lane, not with the
``transform`` given (the live sliders): per frame ``z * scale(t) + offset(t)``, plus noise of
std ``max(0, temperature(t) - 1)`` drawn from the render's seed (:func:`with_lane`). A path
without a lane renders with ``transform``, as before.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..contract import ModelEngine
from ..errors import LatentscapeError, ModelRuntimeError
from ..sound_files import encode_marked
from .controls import heard, lane_tiled, with_noise
from .files import write_atomic
from .path import LatentPath, PathError

AUDIO_FORMATS = {".wav": "WAV", ".flac": "FLAC"}
DEFAULT_SUBTYPES = {"WAV": "FLOAT", "FLAC": "PCM_24"}


class RenderCancelled(LatentscapeError):
    """The render was cancelled before it finished (nothing was written)."""


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_path_to_file` wrote."""

    file: Path
    sample_rate_hz: int
    samples: int
    channels: int
    peak: float  # largest absolute sample before any clipping
    clipped_samples: int  # samples clipped to ±1 (PCM formats only)

    @property
    def duration_s(self) -> float:
        return self.samples / self.sample_rate_hz


def path_frames_for_engine(engine: ModelEngine, path: LatentPath, speed: float = 1.0) -> np.ndarray:
    """The latent frames ``[frames, latent_size]`` float32 a render of ``path`` decodes.

    The path's played duration on the model's frame grid, both ends included.
    """
    if path.latent_size != engine.latent_size:
        raise PathError(
            f"path '{path.name}' has {path.latent_size} latent dims, the model has "
            f"{engine.latent_size}: record it again with this model"
        )
    rate = engine.sample_rate_hz / engine.hop_samples
    return np.ascontiguousarray(path.frames_at_rate(rate, speed=speed).latents)


def looped(path: LatentPath, loops: int, step_s: float) -> LatentPath:
    """``path`` played ``loops`` times back to back, as the live path voice loops it.

    Each pass lasts ``duration + step_s`` (``step_s``: one frame on the path's time axis): the
    last value holds for that extra frame, then the path steps back to its first value.
    """
    if isinstance(loops, bool) or not isinstance(loops, int) or loops < 1:
        raise PathError(f"loops must be a whole number >= 1, got {loops!r}")
    if loops == 1:
        return path
    period = path.duration_s + step_s
    lane = path.controls
    if lane is not None:  # each pass's lane, its last value held over the extra frame
        lane = lane_tiled(lane, loops, period, 1.0)
    times, xy, z = [], [], []
    for k in range(loops):
        times.append(path.times_s + k * period)
        xy.append(path.xy)
        z.append(path.latents)
        if k < loops - 1:  # hold the end until the wrap
            times.append(np.array([(k + 1) * period]))
            xy.append(path.xy[-1:])
            z.append(path.latents[-1:])
    return path.replace(
        times_s=np.concatenate(times),
        xy=np.concatenate(xy),
        latents=np.concatenate(z),
        controls=lane,
    )


def with_lane(path: LatentPath, step_s: float, seed: int | None) -> LatentPath:
    """What a render decodes of ``path``: its lane of latent controls applied to its latents
    (offset and scale exactly, noise on the frame grid of ``step_s`` path seconds from
    ``seed``: :mod:`.controls`), and no lane left; a path without a lane as it is."""
    if path.controls is None:
        return path
    return with_noise(heard(path), path.controls, step_s, seed)


def render_path(
    engine: ModelEngine,
    path: LatentPath,
    *,
    seed: int | str | None = "path",
    speed: float = 1.0,
    loops: int = 1,
    sample_rate_hz: int | None = None,
    backend: str = "voice",
    fade_ms: float = 5.0,
    channels: int | None = None,
    transform: Any = None,
    chunk_frames: int = 16,
    compensate_latency: bool = True,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    exact_length: bool = False,
) -> np.ndarray:
    """Decode ``path`` into audio ``[channels, samples]`` float32.

    Parameters
    ----------
    engine : ModelEngine
        The model the path's latents belong to.
    seed : int, None or "path"
        Noise seed of the decoder; ``"path"`` (default) uses ``path.seed``; an int makes the
        render repeatable, None draws fresh noise.
    speed : float
        Playback speed (2.0: twice as fast).
    loops : int
        Passes, back to back as a looping voice plays them (see :func:`looped`).
    sample_rate_hz : int, optional
        Output rate; default the model's own rate.
    backend : {"voice", "decoder"}
        ``voice``: the audio engine's offline renderer, identical to live playback (fades in
        over ``fade_ms`` like a voice does); ``decoder``: the stream decoder directly.
    channels : int, optional
        ``voice`` only: output channels (default the model's; mono is copied to all).
    transform : LatentTransform, optional
        ``voice`` only: the live per-dim offset/scale/noise
        (:class:`latentscape.engines.audio.latent_transform.LatentTransform`), applied before
        decoding as during playback; default none. Ignored for a path with a lane of latent
        controls: its lane applies instead (:func:`with_lane`).
    chunk_frames, compensate_latency
        ``decoder`` only: frames per decoder call (the noise stream depends on it), and
        whether to drop the decoder's declared latency from the start (feeding as many extra
        frames, the last one held, at the end).
    progress : callable, optional
        ``progress(frames_done, frames_total)`` (calling thread); the ``voice`` backend
        reports only the start and the end.
    cancel : threading.Event, optional
        Set it to abandon the render (raises :class:`RenderCancelled`); the ``voice`` backend
        checks it only before and after rendering.
    exact_length : bool
        False (default): the path played once, as the app plays it: a fade-in, then its
        faded tail after the end. True: loop-ready, exactly ``loops * round(duration_s /
        speed * rate)`` samples, the path's end running on into its start
        (:mod:`.loop_render`): what an exported file holds.

    Runs on the calling thread (a worker, never the GUI thread: it takes about
    ``duration / realtime_factor`` seconds).
    """
    if seed == "path":
        seed = path.seed
    if path.controls is not None:
        transform = None  # the path's own lane, not the live controls
    if sample_rate_hz is not None:
        _check_rate(sample_rate_hz)
    if exact_length:
        from .loop_render import render_loop_ready

        def once(timeline: LatentPath, **options: Any) -> np.ndarray:
            return render_path(engine, timeline, **options)

        return render_loop_ready(
            engine,
            path,
            once,
            speed=speed,
            loops=loops,
            sample_rate_hz=sample_rate_hz,
            seed=seed,
            backend=backend,
            fade_ms=fade_ms,
            channels=channels,
            transform=transform,
            chunk_frames=chunk_frames,
            compensate_latency=compensate_latency,
            progress=progress,
            cancel=cancel,
        )
    if backend == "voice":
        return _render_with_voice(
            engine,
            path,
            seed,
            speed,
            loops,
            sample_rate_hz,
            progress,
            cancel,
            fade_ms=fade_ms,
            channels=channels or engine.channels,
            transform=transform,
        )
    if backend != "decoder":
        raise PathError(f"render backend must be 'voice' or 'decoder', got {backend!r}")
    if isinstance(chunk_frames, bool) or not isinstance(chunk_frames, int) or chunk_frames < 1:
        raise PathError(f"chunk_frames must be a whole number >= 1, got {chunk_frames!r}")
    step_s = engine.hop_samples / engine.sample_rate_hz * speed
    full = with_lane(looped(path, loops, step_s), step_s, seed)
    frames = path_frames_for_engine(engine, full, speed=speed)
    hop = engine.hop_samples
    total = frames.shape[0] * hop
    decoder = engine.stream_decoder(seed)
    try:
        latency = max(0, int(decoder.latency_samples)) if compensate_latency else 0
        if latency:
            extra = math.ceil(latency / hop)
            frames = np.concatenate([frames, np.repeat(frames[-1:], extra, axis=0)])
        chunks = []
        for start in range(0, frames.shape[0], chunk_frames):
            if cancel is not None and cancel.is_set():
                raise RenderCancelled(f"render of '{path.name}' cancelled")
            chunks.append(np.asarray(decoder.decode(frames[start : start + chunk_frames])))
            if progress is not None:
                progress(min(start + chunk_frames, frames.shape[0]), frames.shape[0])
    finally:
        decoder.close()
    audio = np.concatenate(chunks, axis=1)[:, latency : latency + total].astype(np.float32)
    if not np.all(np.isfinite(audio)):
        raise ModelRuntimeError(f"the model returned NaN or infinite audio for '{path.name}'")
    if sample_rate_hz is not None and sample_rate_hz != engine.sample_rate_hz:
        audio = resample(audio, engine.sample_rate_hz, sample_rate_hz)
    return audio


def _render_with_voice(
    engine, path, seed, speed, loops, sample_rate_hz, progress, cancel, **voice_options
):
    from ..audio.offline import render_offline

    if path.latent_size != engine.latent_size:
        path_frames_for_engine(engine, path)  # raises the one-line mismatch error
    if not (speed > 0 and np.isfinite(speed)):
        raise PathError(f"playback speed must be a positive number, got {speed!r}")
    step_s = engine.hop_samples / engine.sample_rate_hz * speed
    full = with_lane(looped(path, loops, step_s), step_s, seed)
    total = len(full.frames_at_rate(engine.sample_rate_hz / engine.hop_samples, speed=speed))
    if cancel is not None and cancel.is_set():
        raise RenderCancelled(f"render of '{path.name}' cancelled")
    if progress is not None:
        progress(0, total)
    try:
        audio = render_offline(
            engine,
            path=full.latents,
            times_s=full.times_s,
            speed=speed,
            sample_rate_hz=sample_rate_hz,
            seed=seed,
            **voice_options,
        )
    except ValueError as exc:
        raise PathError(f"cannot render '{path.name}': {exc}") from None
    if cancel is not None and cancel.is_set():
        raise RenderCancelled(f"render of '{path.name}' cancelled")
    if progress is not None:
        progress(total, total)
    if not np.all(np.isfinite(audio)):
        raise ModelRuntimeError(f"the model returned NaN or infinite audio for '{path.name}'")
    return np.ascontiguousarray(audio, dtype=np.float32)


def _check_rate(rate_hz: int) -> None:
    if isinstance(rate_hz, bool) or not isinstance(rate_hz, int) or not 1000 <= rate_hz <= 768_000:
        raise PathError(
            f"sample rate must be a whole number of Hz in 1000..768000, got {rate_hz!r}"
        )


def resample(audio: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """Resample ``[channels, samples]`` float32 with soxr to exactly ``round(n * to / from)``."""
    _check_rate(to_hz)
    import soxr

    n_out = round(audio.shape[1] * to_hz / from_hz)
    if audio.shape[1] == 0:
        return np.zeros((audio.shape[0], 0), np.float32)
    out = soxr.resample(np.ascontiguousarray(audio.T), from_hz, to_hz, quality="HQ").T
    if out.shape[1] < n_out:
        out = np.pad(out, ((0, 0), (0, n_out - out.shape[1])))
    return np.ascontiguousarray(out[:, :n_out], dtype=np.float32)


def audio_format(out: str | Path, fmt: str | None = None) -> str:
    """``"WAV"`` or ``"FLAC"`` from ``fmt`` or the file's extension."""
    if fmt is None:
        fmt = AUDIO_FORMATS.get(Path(out).suffix.lower())
        if fmt is None:
            raise PathError(f"{Path(out).name}: unknown audio format (use .wav or .flac)")
    fmt = fmt.upper()
    if fmt not in DEFAULT_SUBTYPES:
        raise PathError(f"audio format must be WAV or FLAC, got {fmt!r}")
    return fmt


def write_audio(
    audio: np.ndarray,
    out: str | Path,
    sample_rate_hz: int,
    fmt: str | None = None,
    subtype: str | None = None,
) -> tuple[Path, int]:
    """Write ``[channels, samples]`` float32 audio atomically; returns ``(file, clipped)``.

    WAV defaults to 32-bit float (nothing clipped); FLAC to 24-bit PCM, where samples beyond
    ±1 are clipped and counted.
    """
    import soundfile as sf

    fmt = audio_format(out, fmt)
    subtype = (subtype or DEFAULT_SUBTYPES[fmt]).upper()
    if not sf.check_format(fmt, subtype):
        raise PathError(f"{fmt} cannot hold {subtype} samples")
    data = np.ascontiguousarray(audio.T, dtype=np.float32)
    clipped = 0
    if subtype not in ("FLOAT", "DOUBLE"):
        over = np.abs(data) > 1.0
        clipped = int(over.sum())
        if clipped:
            data = np.clip(data, -1.0, 1.0)

    def write(tmp: Path) -> None:
        encode_marked(str(tmp), data, sample_rate_hz, fmt, subtype)

    return write_atomic(Path(out), write), clipped


def render_path_to_file(
    engine: ModelEngine,
    path: LatentPath,
    out: str | Path,
    *,
    fmt: str | None = None,
    subtype: str | None = None,
    sample_rate_hz: int | None = None,
    **render_options,
) -> RenderResult:
    """Render ``path`` (options as :func:`render_path`) and write it as WAV or FLAC."""
    fmt = audio_format(out, fmt)  # refuse a bad name before spending time on the render
    audio = render_path(engine, path, sample_rate_hz=sample_rate_hz, **render_options)
    rate = sample_rate_hz or engine.sample_rate_hz
    file, clipped = write_audio(audio, out, rate, fmt=fmt, subtype=subtype)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return RenderResult(file, rate, audio.shape[1], audio.shape[0], peak, clipped)
