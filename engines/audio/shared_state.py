"""Everything the audio callback touches, laid out in one flat block of memory.

The block holds integer counters, float controls, one ring per voice slot and the output tap.
It is a plain numpy buffer when the callback runs in this process, and a memory-mapped file in
``/dev/shm`` when it runs in a player process; both sides build the same views with
:class:`SharedState`. Writers of each field are fixed (see the constants' comments), so no
lock is ever taken.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from .ring_buffer import RingBuffer

# -- global integer fields (ints[...]) --------------------------------------------------------
CALLBACKS = 0  # consumer: blocks rendered
FRAMES_OUT = 1  # consumer: frames handed to the device
UNDERRUNS = 2  # consumer: blocks in which a playing voice ran dry
CLIPPED_BLOCKS = 3  # consumer: blocks the clip guard had to limit
TAP_POS = 4  # consumer: frames written to the tap
SINK_STATE = 5  # player: one of SINK_*
COMMAND = 6  # owner: CMD_RUN / CMD_STOP
DEVICE_XRUNS = 7  # consumer: output underflows the device itself reported
DEVICE_LATENCY_US = 8  # player: the device's reported output latency
DEVICE_RATE_HZ = 9  # player: the rate the device runs at
HEARTBEAT = 10  # player: increments while its watch loop runs
LAST_CALLBACK_NS = 11  # consumer: CLOCK_MONOTONIC at the last callback
LATE_DECODES = 12  # decoder: decode chunks that arrived after their voice ran dry
HOST_STATE = 13  # decoder host: one of HOST_*
# decoder (voice threads): auditions that gave way to a path or scrub (VoiceRunner.gave_way);
# one that started late and was cut short later counts in both
AUDITIONS_LATE, AUDITIONS_SHORTENED, AUDITIONS_DROPPED = 14, 15, 16
_GLOBAL_INTS = 32

SINK_NONE, SINK_RUNNING, SINK_STOPPED, SINK_VANISHED, SINK_FAILED = 0, 1, 2, 3, 4
CMD_RUN, CMD_STOP = 0, 1
HOST_NONE, HOST_READY, HOST_FAILED = 0, 1, 2

# -- per-slot integer fields (ints[slot_base + ...]) ------------------------------------------
S_STATE = 0  # producer: FREE->PRIMING; consumer: PRIMING->PLAYING->FINISHED; owner: ->FREE
S_WRITE = 1  # producer (ring write position)
S_READ = 2  # consumer (ring read position)
S_UNDERRUNS = 3  # consumer
S_PLAYED = 4  # consumer: frames of this voice handed out
S_STOP = 5  # owner: 1 = fade out and finish
S_ENDED = 6  # producer: 1 = no more frames will come
S_START_NS = 7  # consumer: CLOCK_MONOTONIC when the first frame was handed out
S_VOICE_ID = 8  # producer: the owner's id of the voice in this slot
S_FIRST_CHUNK_NS = 9  # producer: CLOCK_MONOTONIC when its first chunk was decoded
S_ERROR = 10  # producer: 1 = decoding failed, the voice ended early
S_STARVED = 11  # consumer: 1 = ran dry, faded out; fades in again once a block is queued
S_REPLACED = 12  # owner: 1 = a newer audition replaced it; plays on until one S_RETRIGGER starts
S_RETRIGGER = 13  # owner: 1 = its start cuts the older S_REPLACED voices (a retriggered audition)
S_CUT = 14  # consumer: 1 = its replacement started: fading out and finishing as if stopped
S_GAVE_WAY = 15  # producer: how its audition gave way, one of GAVE_* (the latest, if twice)
_SLOT_INTS = 16

FREE, PRIMING, PLAYING, FINISHED = 0, 1, 2, 3
GAVE_NONE, GAVE_LATE, GAVE_SHORTENED, GAVE_DROPPED = 0, 1, 2, 3
GAVE_WAY_FIELDS = {  # VoiceRunner.gave_way -> (global counter, S_GAVE_WAY code)
    "late": (AUDITIONS_LATE, GAVE_LATE),
    "shortened": (AUDITIONS_SHORTENED, GAVE_SHORTENED),
    "dropped": (AUDITIONS_DROPPED, GAVE_DROPPED),
}

# -- float fields -----------------------------------------------------------------------------
MASTER_GAIN = 0  # owner: target master gain
MASTER_FROM, MASTER_TO, MASTER_ORIGIN = 1, 2, 3  # consumer: current master ramp
FADE_FRAMES = 4  # owner: length of every gain ramp, device frames
DECODE_S = 5  # decoder host: wall seconds spent decoding, all voices so far
DECODE_CPU_S = 6  # decoder host: CPU seconds of the decode threads
DECODED_FRAMES = 7  # decoder host: device frames decoded (model voices, not file auditions)
MODEL_LATENCY_S = 8  # decoder host: the stream decoder's own lag
LATE_START_S = 9  # decoder (voice threads): how long the latest late audition held its start
_GLOBAL_FLOATS = 16
F_GAIN = 0  # owner: the voice's gain
F_FROM, F_TO, F_ORIGIN = 1, 2, 3  # consumer: current voice ramp (origin in played frames)
# producer (a path voice): its playback segment under way (sources.PathSource.report_to)
F_PATH_VOICE_S, F_PATH_POS_S, F_PATH_SPEED, F_PATH_LOOP = 4, 5, 6, 7
_SLOT_FLOATS = 8


@dataclass(frozen=True)
class Layout:
    """Sizes of a :class:`SharedState` (JSON-able, passed to the player process)."""

    slots: int = 6
    channels: int = 2
    ring_frames: int = 1 << 17  # ~2.7 s at 48 kHz per voice
    tap_frames: int = 1 << 19  # ~11 s of recent output for the spectrogram and tests
    max_block_frames: int = 8192

    def nbytes(self) -> int:
        ints = (_GLOBAL_INTS + self.slots * _SLOT_INTS) * 8
        floats = (_GLOBAL_FLOATS + self.slots * _SLOT_FLOATS) * 8
        rings = self.slots * self.ring_frames * self.channels * 4
        tap = self.tap_frames * self.channels * 4
        return ints + floats + rings + tap

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Layout:
        return cls(**json.loads(text))


FADE_MS = 5.0
"""The ramp every voice starts, stops and runs dry with (``AudioEngine(fade_ms=...)``)."""


def fade_frames(fade_ms: float, rate_hz: int) -> int:
    """Length of every gain ramp in device frames (at least 1): ``fade_ms`` at ``rate_hz``."""
    return max(1, round(fade_ms / 1000.0 * rate_hz))


class SharedState:
    """Typed views over one memory block of ``layout.nbytes()`` bytes.

    Parameters
    ----------
    layout
        Sizes.
    buffer
        A writable uint8 array (plain or memory-mapped); ``None`` allocates zeroed memory.
    """

    def __init__(self, layout: Layout, buffer: np.ndarray | None = None) -> None:
        self.layout = layout
        if buffer is None:
            buffer = np.zeros(layout.nbytes(), np.uint8)
        if buffer.nbytes < layout.nbytes():
            raise ValueError("shared audio state buffer is too small for its layout")
        self.buffer = buffer
        offset = 0

        def take(dtype: type, shape: tuple[int, ...]) -> np.ndarray:
            nonlocal offset
            count = int(np.prod(shape))
            nbytes = count * np.dtype(dtype).itemsize
            view = buffer[offset : offset + nbytes].view(dtype).reshape(shape)
            offset += nbytes
            return view

        self.ints = take(np.int64, (_GLOBAL_INTS + layout.slots * _SLOT_INTS,))
        self.floats = take(np.float64, (_GLOBAL_FLOATS + layout.slots * _SLOT_FLOATS,))
        self.ring_data = take(np.float32, (layout.slots, layout.ring_frames, layout.channels))
        self.tap = take(np.float32, (layout.tap_frames, layout.channels))
        self.rings = [
            RingBuffer(self.ring_data[s], self.slot_ints(s)[S_WRITE : S_READ + 1])
            for s in range(layout.slots)
        ]

    def slot_ints(self, slot: int) -> np.ndarray:
        base = _GLOBAL_INTS + slot * _SLOT_INTS
        return self.ints[base : base + _SLOT_INTS]

    def slot_floats(self, slot: int) -> np.ndarray:
        base = _GLOBAL_FLOATS + slot * _SLOT_FLOATS
        return self.floats[base : base + _SLOT_FLOATS]

    def init_controls(self, fade_frames: int, master_gain: float = 1.0) -> None:
        """Set gains and fades before any consumer runs (owner, once)."""
        self.floats[MASTER_GAIN] = master_gain
        self.floats[MASTER_FROM] = master_gain
        self.floats[MASTER_TO] = master_gain
        self.floats[MASTER_ORIGIN] = 0.0
        self.floats[FADE_FRAMES] = max(1, fade_frames)  # also each voice's look-ahead
        for s in range(self.layout.slots):
            f = self.slot_floats(s)
            f[F_GAIN] = 1.0
