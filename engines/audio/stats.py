"""The audio engine's counters and figures, as one plain snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from .shared_state import (
    AUDITIONS_DROPPED,
    AUDITIONS_LATE,
    AUDITIONS_SHORTENED,
    CALLBACKS,
    CLIPPED_BLOCKS,
    DECODE_CPU_S,
    DECODE_S,
    DECODED_FRAMES,
    DEVICE_XRUNS,
    FINISHED,
    FREE,
    LATE_DECODES,
    LATE_START_S,
    MODEL_LATENCY_S,
    S_STATE,
    S_VOICE_ID,
    UNDERRUNS,
    SharedState,
)


@dataclass(frozen=True)
class AudioStats:
    """A snapshot of :class:`~.engine.AudioEngine` (any thread; poll it on a timer).

    Counters are totals since :meth:`~.engine.AudioEngine.start`. ``underruns`` counts output
    blocks in which a playing voice had less than a block and a fade ready, so faded out or
    stayed silent (the app's fault: decoding too slow); ``clipped_blocks`` output blocks
    louder than full scale, limited to ±1;
    ``device_xruns`` counts underflows the device itself reported (the callback came too late).
    ``latency_ms`` is what the user waits, on average, for a scrub move to be heard at rest:
    ``model_latency_ms`` (the decoder's own lag) + ``queued_ms`` (audio already decoded ahead)
    + ``callback_wait_ms`` (half a block: a move lands anywhere between two audio callbacks)
    + ``device_latency_ms``. Left out: the time to decode the first chunk after a move (a few
    ms) and the spread of the callback wait (0 to one block). An audition skips the model's lag.
    ``decode_rtf`` is audio seconds decoded per second spent decoding (all voices);
    ``decode_cpu_share`` the decode threads' CPU time over wall time since start (1.0 = one
    core). ``decoder`` is ``"process"`` or ``"thread"``; ``decoder_note`` says why decoding
    fell back to the app's process, if it did.

    ``auditions_late``, ``auditions_shortened`` and ``auditions_dropped`` count the clicks that
    gave way to a path or the scrub on a model too slow for both (started late, cut short,
    never played; one late and then cut short counts twice), in either decoder mode;
    ``late_start_s`` is how long the latest late one was held back. ``path_playing`` and
    ``scrubbing``: the path or the scrub voice plays now (what the clicks give way to).
    """

    running: bool
    device: str
    status_reason: str
    sample_rate_hz: int
    block_frames: int
    channels: int
    callbacks: int
    underruns: int
    device_xruns: int
    late_decodes: int
    clipped_blocks: int
    voices: int
    queued_ms: float
    model_latency_ms: float
    device_latency_ms: float
    latency_ms: float
    decode_rtf: float | None
    decode_cpu_share: float
    decoder: str = ""
    decoder_note: str = ""
    callback_wait_ms: float = 0.0
    auditions_late: int = 0
    auditions_shortened: int = 0
    auditions_dropped: int = 0
    late_start_s: float = 0.0
    path_playing: bool = False
    scrubbing: bool = False

    @property
    def gave_way(self) -> dict[str, int]:
        """The clicks that gave way, by how: late, shortened, dropped (in that order)."""
        return {
            "late": self.auditions_late,
            "shortened": self.auditions_shortened,
            "dropped": self.auditions_dropped,
        }


def collect_stats(
    state: SharedState | None,
    streaming_voice_id: int,
    *,
    running: bool,
    device: str,
    device_latency_s: float,
    status_reason: str,
    sample_rate_hz: int,
    block_frames: int,
    elapsed_s: float,
    decoder: str,
    decoder_note: str,
    path_voice_id: int = 0,
    scrub_voice_id: int = 0,
) -> AudioStats:
    """Read the counters in ``state`` (any thread); ``streaming_voice_id`` is the scrub or path
    voice whose queue counts towards the latency (0: none); ``path_voice_id`` and
    ``scrub_voice_id`` the ids of the path and scrub voices, if any (whether they play).

    Every figure in ms. The callback wait is half a block. The device's share is at least one
    block: a block is computed whole before any of it plays, however short the latency
    PortAudio reports (under JACK it reports the server's period, 21.3 ms, also for blocks of
    2048 frames, which alone take 42.7 ms at 48 kHz).
    """
    wait_ms = 0.0
    if sample_rate_hz > 0:
        device_latency_s = max(device_latency_s, block_frames / sample_rate_hz)
        wait_ms = 500.0 * block_frames / sample_rate_hz
    if state is None:
        device_ms = 1000.0 * device_latency_s
        return AudioStats(
            running, device, status_reason, sample_rate_hz, block_frames, 2,
            0, 0, 0, 0, 0, 0, 0.0, 0.0, device_ms, wait_ms + device_ms,
            None, 0.0, decoder, decoder_note, wait_ms,
        )  # fmt: skip
    ints, floats = state.ints, state.floats
    queued = voices = 0
    path_playing = scrubbing = False
    for slot in range(state.layout.slots):
        si = state.slot_ints(slot)
        active = si[S_STATE] not in (FREE, FINISHED)
        voices += active
        path_playing |= bool(active and path_voice_id and si[S_VOICE_ID] == path_voice_id)
        scrubbing |= bool(active and scrub_voice_id and si[S_VOICE_ID] == scrub_voice_id)
        if streaming_voice_id and si[S_VOICE_ID] == streaming_voice_id:
            queued = state.rings[slot].queued_frames()
    queued_ms = 1000.0 * queued / sample_rate_hz
    model_ms = 1000.0 * float(floats[MODEL_LATENCY_S])
    device_ms = 1000.0 * device_latency_s
    decode_s = float(floats[DECODE_S])
    return AudioStats(
        running=running,
        device=device,
        status_reason=status_reason,
        sample_rate_hz=sample_rate_hz,
        block_frames=block_frames,
        channels=state.layout.channels,
        callbacks=int(ints[CALLBACKS]),
        underruns=int(ints[UNDERRUNS]),
        device_xruns=int(ints[DEVICE_XRUNS]),
        late_decodes=int(ints[LATE_DECODES]),
        clipped_blocks=int(ints[CLIPPED_BLOCKS]),
        voices=int(voices),
        queued_ms=queued_ms,
        model_latency_ms=model_ms,
        device_latency_ms=device_ms,
        latency_ms=model_ms + queued_ms + wait_ms + device_ms,
        decode_rtf=float(floats[DECODED_FRAMES]) / sample_rate_hz / decode_s if decode_s else None,
        decode_cpu_share=float(floats[DECODE_CPU_S]) / elapsed_s if elapsed_s > 0 else 0.0,
        decoder=decoder,
        decoder_note=decoder_note,
        callback_wait_ms=wait_ms,
        auditions_late=int(ints[AUDITIONS_LATE]),
        auditions_shortened=int(ints[AUDITIONS_SHORTENED]),
        auditions_dropped=int(ints[AUDITIONS_DROPPED]),
        late_start_s=float(floats[LATE_START_S]),
        path_playing=path_playing,
        scrubbing=scrubbing,
    )
