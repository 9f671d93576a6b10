"""MIDI export of a path as control-change (CC) lanes a DAW can import as automation.

Mapping (docs/path_formats.md):

- lanes: ``x`` → ``x_cc``, ``y`` → ``y_cc``, latent dim ``i`` → ``latent_ccs[i]`` for the first
  ``len(latent_ccs)`` dims (any lane set to ``None`` / left out is not written);
- scaling: a value ``v`` with range ``lo..hi`` becomes ``u = clip((v - lo) / (hi - lo), 0, 1)``
  and then ``round(u * 127)`` (7-bit) or ``round(u * 16383)`` (14-bit). x and y use ``0..1``;
  latents use ``latent_range``: one ``(lo, hi)`` for all dims (default ``(-3, 3)``, about ±3
  standard deviations of a VAE latent), one pair per dim, or ``"auto"`` (each dim's own
  min..max over the path; a constant dim maps to 0);
- 14-bit: controller ``n`` (0..31) carries the high 7 bits, ``n + 32`` the low 7 bits, sent in
  that order at the same tick (the MIDI 1.0 convention);
- timing: one event per path point (or ``rate_hz`` events per second), at the tick nearest the
  point's time (and at each change of a path's recorded latent controls); the file's tempo
  (``bpm``, default 120) and resolution (``ticks_per_beat``,
  default 960: 0.52 ms per tick) are written in it, so a DAW places every event at the path's
  time. With ``dedupe`` a lane sends only values that changed.

Latent lanes carry the latents as heard: a path's lane of latent controls (:mod:`.controls`)
has its offset and scale applied (:func:`.controls.heard`); the temperature's noise is not a
latent and is left out.

File: standard MIDI file type 1; track 0 holds the tempo, track 1 ("latentscape: NAME") the CC
events on MIDI channel ``channel + 1`` plus a text event per lane naming its source and range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import mido
import numpy as np

from .controls import CONTROL_DIMS, ControlLane, heard
from .files import write_atomic
from .path import LatentPath, PathError

LatentRange = tuple[float, float] | Sequence[tuple[float, float]] | np.ndarray | Literal["auto"]

DEFAULT_LATENT_CCS = (18, 19, 20, 21)


@dataclass(frozen=True)
class CcLane:
    """One automation lane: which value, which controller, and how it was scaled.

    ``values`` are the integer CC values (0..127, or 0..16383 in 14-bit) at ``ticks``.
    """

    source: str  # "x", "y" or "z<i>"
    cc: int
    lo: float
    hi: float
    ticks: np.ndarray  # [m] int64
    values: np.ndarray  # [m] int64


def corpus_range(frames: np.ndarray, share: float = 0.99) -> np.ndarray:
    """Per latent dim, ``(lo, hi)`` ``[L, 2]`` holding the central ``share`` of ``frames``
    ``[n, L]`` (a corpus' latent frames): lanes that span what the model's own sounds use,
    alike for every path of a project. (The default ``(-3, 3)`` pinned 9-19 % of the demo
    VAE's latent events at 0 or 127: its latents spread 4-9 wide per dim.)"""
    tail = (1.0 - share) / 2.0 * 100.0
    lo, hi = np.percentile(np.asarray(frames, dtype=np.float64), [tail, 100.0 - tail], axis=0)
    return np.stack([lo, np.maximum(hi, lo + 1e-6)], axis=1)


def heard_range(latent_range: np.ndarray, lane: ControlLane | None) -> np.ndarray:
    """``latent_range`` ``[N, 2]`` (:func:`corpus_range`) widened, per controlled dim, to what
    the lane's offsets and scales make of it (``lo * scale + offset`` … ``hi * scale + offset``
    over its events): the latents as heard keep within the lanes rather than pinned at 0 or
    127. ``lane`` None: ``latent_range`` as it is."""
    out = np.array(latent_range, np.float64, copy=True)
    if lane is None:
        return out
    d = min(len(out), CONTROL_DIMS)
    scale, offset = lane.scale[:, :d].astype(np.float64), lane.offset[:, :d].astype(np.float64)
    lows = out[None, :d, 0] * scale + offset  # scales are >= 0: order kept
    highs = out[None, :d, 1] * scale + offset
    out[:d, 0] = np.minimum(out[:d, 0], lows.min(axis=0))
    out[:d, 1] = np.maximum(out[:d, 1], highs.max(axis=0))
    return out


def scale_to_cc(values: np.ndarray, lo: float, hi: float, fourteen_bit: bool) -> np.ndarray:
    """``values`` (float) → integer CC values, as documented in the module docstring."""
    top = 16383 if fourteen_bit else 127
    span = hi - lo
    if span <= 0:
        u = np.zeros_like(np.asarray(values, dtype=np.float64))
    else:
        u = np.clip((np.asarray(values, dtype=np.float64) - lo) / span, 0.0, 1.0)
    return np.rint(u * top).astype(np.int64)


def _latent_ranges(path: LatentPath, count: int, latent_range: LatentRange) -> np.ndarray:
    """``[count, 2]`` (lo, hi) per latent lane."""
    if isinstance(latent_range, str):
        if latent_range != "auto":
            raise PathError(
                f"latent range must be (lo, hi), pairs, or 'auto', got {latent_range!r}"
            )
        z = path.latents[:, :count].astype(np.float64)
        return np.stack([z.min(axis=0), z.max(axis=0)], axis=1)
    arr = np.asarray(latent_range, dtype=np.float64)
    if arr.shape == (2,):
        arr = np.tile(arr, (count, 1))
    if arr.shape != (count, 2) or not np.all(np.isfinite(arr)):
        raise PathError(
            f"latent range must be one (lo, hi) pair or {count} pairs, got shape {arr.shape}"
        )
    if np.any(arr[:, 1] <= arr[:, 0]):
        raise PathError("latent range: every hi must be greater than its lo")
    return arr


def _check_ccs(ccs: list[int], fourteen_bit: bool) -> None:
    for cc in ccs:
        if isinstance(cc, bool) or not isinstance(cc, int | np.integer):
            raise PathError(f"CC number must be an integer, got {cc!r}")
        limit = 31 if fourteen_bit else 119
        if not 0 <= cc <= limit:
            raise PathError(
                f"CC {cc} out of range: use 0..{limit}"
                + (" (14-bit lanes use n and n+32)" if fourteen_bit else " (120..127 are modes)")
            )
    used = list(ccs) + ([cc + 32 for cc in ccs] if fourteen_bit else [])
    if len(set(used)) != len(used):
        raise PathError(f"CC numbers collide: {sorted(ccs)} (each lane needs its own)")


def cc_lanes(
    path: LatentPath,
    *,
    x_cc: int | None = 16,
    y_cc: int | None = 17,
    latent_ccs: Sequence[int] = DEFAULT_LATENT_CCS,
    latent_range: LatentRange = (-3.0, 3.0),
    fourteen_bit: bool = False,
    rate_hz: float | None = None,
    speed: float = 1.0,
    ticks_per_beat: int = 960,
    bpm: float = 120.0,
    dedupe: bool = True,
) -> list[CcLane]:
    """The lanes :func:`export_midi` writes (see the module docstring for every option)."""
    path = heard(path)
    latent_ccs = list(latent_ccs)
    if len(latent_ccs) > path.latent_size:
        raise PathError(
            f"{len(latent_ccs)} latent CC lanes asked for, but the path has only "
            f"{path.latent_size} latent dims"
        )
    ccs = [cc for cc in (x_cc, y_cc) if cc is not None] + latent_ccs
    if not ccs:
        raise PathError("no CC lanes chosen: give x_cc, y_cc or latent_ccs")
    _check_ccs(ccs, fourteen_bit)
    if not (speed > 0 and np.isfinite(speed)):
        raise PathError(f"speed must be a positive number, got {speed!r}")
    if rate_hz is None:
        path_times = np.unique(path.times_s)
    else:
        if not (rate_hz > 0 and np.isfinite(rate_hz)):
            raise PathError(f"CC rate must be a positive number, got {rate_hz!r}")
        path_times = path.frames_at_rate(rate_hz, speed=speed).path_times_s
    xy, latents = path.sample(path_times)
    tempo_us = round(60e6 / bpm)
    ticks = np.rint(path_times / speed * 1e6 / tempo_us * ticks_per_beat).astype(np.int64)

    sources: list[tuple[str, int, float, float, np.ndarray]] = []
    if x_cc is not None:
        sources.append(("x", x_cc, 0.0, 1.0, xy[:, 0]))
    if y_cc is not None:
        sources.append(("y", y_cc, 0.0, 1.0, xy[:, 1]))
    ranges = _latent_ranges(path, len(latent_ccs), latent_range)
    for i, cc in enumerate(latent_ccs):
        sources.append((f"z{i}", cc, float(ranges[i, 0]), float(ranges[i, 1]), latents[:, i]))

    lanes = []
    for source, cc, lo, hi, v in sources:
        values = scale_to_cc(v, lo, hi, fourteen_bit)
        # several points on one tick: the last one wins
        keep = np.append(ticks[1:] != ticks[:-1], True)
        t, values = ticks[keep], values[keep]
        if dedupe and len(values) > 1:
            changed = np.append(True, values[1:] != values[:-1])
            t, values = t[changed], values[changed]
        lanes.append(CcLane(source, int(cc), lo, hi, t, values))
    return lanes


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def build_midi(path: LatentPath, *, channel: int = 0, **options) -> mido.MidiFile:
    """A :class:`mido.MidiFile` of ``path``'s CC lanes (options as :func:`cc_lanes`)."""
    if not 0 <= channel <= 15:
        raise PathError(f"MIDI channel must be 0..15 (shown as 1..16), got {channel}")
    ticks_per_beat = int(options.get("ticks_per_beat", 960))
    bpm = float(options.get("bpm", 120.0))
    if not (0 < bpm <= 1000 and 24 <= ticks_per_beat <= 32767):
        raise PathError(
            f"bpm must be in 0..1000 and ticks per beat in 24..32767, "
            f"got {bpm} and {ticks_per_beat}"
        )
    fourteen_bit = bool(options.get("fourteen_bit", False))
    lanes = cc_lanes(path, **options)
    tempo_us = round(60e6 / bpm)
    speed = float(options.get("speed", 1.0))
    end_tick = round(path.duration_s / speed * 1e6 / tempo_us * ticks_per_beat)

    midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("set_tempo", tempo=tempo_us, time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=end_tick))
    midi.tracks.append(conductor)

    events: list[tuple[int, int, int, int]] = []  # (tick, lane order, sub order, msg index)
    messages: list[mido.Message] = []
    for order, lane in enumerate(lanes):
        for tick, value in zip(lane.ticks.tolist(), lane.values.tolist()):
            if fourteen_bit:
                pairs = [(lane.cc, value >> 7), (lane.cc + 32, value & 0x7F)]
            else:
                pairs = [(lane.cc, value)]
            for sub, (cc, v) in enumerate(pairs):
                events.append((tick, order, sub, len(messages)))
                messages.append(
                    mido.Message("control_change", channel=channel, control=cc, value=v)
                )
    events.sort()

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=_latin1(f"latentscape: {path.name}"), time=0))
    for lane in lanes:
        bits = f"14-bit, LSB on CC {lane.cc + 32}" if fourteen_bit else "7-bit"
        track.append(
            mido.MetaMessage(
                "text", text=f"CC{lane.cc} = {lane.source} range {lane.lo:g}..{lane.hi:g} ({bits})"
            )
        )
    last = 0
    for tick, _, _, index in events:
        msg = messages[index]
        msg.time = tick - last
        last = tick
        track.append(msg)
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - last)))
    midi.tracks.append(track)
    return midi


def export_midi(path: LatentPath, out: str | Path, *, channel: int = 0, **options) -> Path:
    """Write ``path`` as a MIDI file of CC lanes to ``out`` (atomically); returns ``out``.

    Options (keywords, see :func:`cc_lanes`): ``x_cc``, ``y_cc``, ``latent_ccs``,
    ``latent_range``, ``fourteen_bit``, ``rate_hz``, ``speed``, ``ticks_per_beat``, ``bpm``,
    ``dedupe``; ``channel`` is 0..15.
    """
    midi = build_midi(path, channel=channel, **options)
    return write_atomic(Path(out), lambda tmp: midi.save(str(tmp)))


def read_cc_events(file: str | Path) -> list[tuple[float, int, int, int]]:
    """``(time_s, channel, control, value)`` of every CC in a MIDI file, in time order.

    For checking an export (and for tools): times use the file's own tempo map.
    """
    midi = mido.MidiFile(str(file))
    out = []
    t = 0.0
    for msg in midi:  # merged tracks, msg.time in seconds
        t += msg.time
        if msg.type == "control_change":
            out.append((t, msg.channel, msg.control, msg.value))
    return out
