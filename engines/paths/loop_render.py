"""Loop-ready renders of a path: exactly the path's played length, its end running into its start.

A plain render (:func:`.render.render_path`) starts with the voice's fade-in and ends with its
faded tail, so it lasts a little longer than the path (QA s19 M5: a 3.3199 s path gave a
3.3306 s file) and does not loop at the path's length in a DAW or a sampler. A loop-ready
render lasts ``loops * round(duration_s / speed * rate_hz)`` samples: the path looping as the
live path voice loops it (a cycle lasts the path's duration, its end steps back to its start),
cut on a cycle boundary:

- a pre-roll (about :data:`PREROLL_S` of the path's end, whole cycles of a shorter path) plays
  before the first sample kept, so the file starts with the decoder already running on what
  precedes it in a loop, not with a fade-in from silence;
- the cycles follow back to back; the path is retimed by less than half a sample so that each
  lasts a whole number of samples and every boundary falls on one;
- the first :data:`CROSSFADE_MS` of the file fade from what the render played just after its
  last sample kept (the loop going on into its next cycle) into the file's own start, so the
  last sample runs on into the first even for a decoder with running state (an oscillator's
  phase) whose two passes over the path's start differ.

Thread: any (the caller's; a worker, never the GUI thread, as for any render).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .controls import lane_tiled
from .edits import trim
from .path import LatentPath, PathError

PREROLL_S = 1.0  # decoder context before the first sample kept (receptive field, fade-in)
CROSSFADE_MS = 10.0  # the file's start fades in from the loop's continuation over this


def loop_length_samples(path: LatentPath, speed: float, rate_hz: int) -> int:
    """Samples of one cycle of ``path`` played at ``speed`` at ``rate_hz``:
    ``round(duration_s / speed * rate_hz)`` (PathError when that is none)."""
    if not (speed > 0 and math.isfinite(speed)):
        raise PathError(f"playback speed must be a positive number, got {speed!r}")
    n = round(path.duration_s / speed * rate_hz)
    if n < 1:
        raise PathError(
            f"'{path.name}' lasts {path.duration_s:.3f} s: too short to render at its own "
            "length (render it with its tail)"
        )
    return n


def cycles(path: LatentPath, count: int, period_s: float) -> LatentPath:
    """``path`` retimed to last ``period_s`` (path seconds) and played ``count`` times back to
    back: at each cycle's end it steps back to its first value (two points at one time); a
    lane of latent controls is retimed and repeated alike."""
    stretch = period_s / path.duration_s
    t = path.times_s * stretch
    t[-1] = period_s
    times = np.concatenate([t + k * period_s for k in range(count)])
    times = np.maximum.accumulate(times)  # k * p + p and (k + 1) * p may differ in the last bit
    times[0] = 0.0
    lane = path.controls
    if lane is not None:
        lane = lane_tiled(lane, count, period_s, stretch)
    return path.replace(
        times_s=times,
        xy=np.tile(path.xy, (count, 1)),
        latents=np.tile(path.latents, (count, 1)),
        controls=lane,
    )


def render_loop_ready(
    engine: Any,
    path: LatentPath,
    render: Callable[..., np.ndarray],
    *,
    speed: float = 1.0,
    loops: int = 1,
    sample_rate_hz: int | None = None,
    **options: Any,
) -> np.ndarray:
    """``loops`` cycles of ``path``, loop-ready: ``[channels, loops * n]`` float32 with ``n``
    from :func:`loop_length_samples` at the output rate (``sample_rate_hz``, default the
    model's).

    ``render(timeline, speed=, sample_rate_hz=, **options)`` renders a path once with its
    tail (:func:`.render.render_path`); ``options`` go to it unchanged (seed, backend, …).
    """
    if isinstance(loops, bool) or not isinstance(loops, int) or loops < 1:
        raise PathError(f"loops must be a whole number >= 1, got {loops!r}")
    model_hz, hop = int(engine.sample_rate_hz), int(engine.hop_samples)
    rate = int(sample_rate_hz or model_hz)
    n = loop_length_samples(path, speed, rate)
    period_s = n / rate * speed  # one cycle, path seconds: a whole number of samples
    # The pre-roll is whole model frames, so the first cycle kept starts on a frame, as a
    # play from the start does (at another output rate, within a sample of one).
    pre = round(math.ceil(PREROLL_S * model_hz / hop) * hop * rate / model_hz)
    fade = min(n, max(1, round(CROSSFADE_MS / 1000.0 * rate)))
    post = fade + math.ceil(hop * rate / model_hz)  # the continuation, and a frame to spare
    pre_s, post_s = pre / rate * speed, post / rate * speed
    before = math.ceil(pre_s / period_s)
    after = math.ceil(post_s / period_s)
    timeline = cycles(path, before + loops + after, period_s)
    start_s = before * period_s - pre_s
    timeline = trim(timeline, start_s, start_s + pre_s + loops * period_s + post_s)
    audio = render(timeline, speed=speed, sample_rate_hz=sample_rate_hz, **options)
    end = pre + loops * n
    if audio.shape[1] < end + fade:  # cannot happen: the render covers the whole timeline
        raise PathError(f"render of '{path.name}' ended early ({audio.shape[1]} samples)")
    out = np.array(audio[:, pre:end], np.float32)
    w = (np.arange(fade, dtype=np.float32) / fade)[None, :]
    out[:, :fade] = audio[:, end : end + fade] * (1.0 - w) + out[:, :fade] * w
    return out
