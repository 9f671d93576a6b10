"""The callback body, called directly with preallocated arrays (STYLE.md: audio tests)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from latentscape.engines.audio import shared_state as ss
from latentscape.engines.audio.mixer import Mixer
from latentscape.engines.audio.shared_state import Layout, SharedState
from latentscape.engines.audio.tap import OutputTap

BLOCK = 64
FADE = 32


def make_state(slots: int = 2) -> SharedState:
    state = SharedState(Layout(slots=slots, channels=2, ring_frames=4096, tap_frames=8192))
    state.init_controls(fade_frames=FADE)
    return state


def start_voice(state: SharedState, slot: int, audio: np.ndarray, ended: bool = True) -> None:
    state.rings[slot].write(audio)
    si = state.slot_ints(slot)
    si[ss.S_ENDED] = int(ended)
    si[ss.S_STATE] = ss.PRIMING


def const(n: int, value: float = 0.5) -> np.ndarray:
    return np.full((n, 2), value, np.float32)


def render(mixer: Mixer, blocks: int) -> np.ndarray:
    out = np.zeros((BLOCK, 2), np.float32)
    chunks = []
    for _ in range(blocks):
        mixer.render(out)
        chunks.append(out.copy())
    return np.concatenate(chunks)


def test_voice_fades_in_plays_everything_and_finishes() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(300))
    out = render(mixer, 6)
    expected = np.full(300, 0.5, np.float32)
    expected[:FADE] *= np.arange(1, FADE + 1) / FADE
    np.testing.assert_allclose(out[:300, 0], expected, rtol=1e-6)
    assert not out[300:].any()
    assert state.slot_ints(0)[ss.S_STATE] == ss.FINISHED
    assert state.ints[ss.UNDERRUNS] == 0  # an ended voice running out is not an underrun


def test_voice_waits_until_a_block_is_queued_then_counts_shortfalls_as_underruns() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(BLOCK // 2), ended=False)
    out = render(mixer, 1)
    assert not out.any() and state.slot_ints(0)[ss.S_STATE] == ss.PRIMING
    state.rings[0].write(const(BLOCK))  # 1.5 blocks queued: starts, then runs dry
    render(mixer, 2)
    assert state.slot_ints(0)[ss.S_STATE] == ss.PLAYING
    assert state.ints[ss.UNDERRUNS] == 1
    assert state.slot_ints(0)[ss.S_UNDERRUNS] == 1


def test_a_voice_that_runs_dry_fades_out_waits_and_fades_back_in() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(BLOCK + FADE + 40), ended=False)  # 40 frames short of 2 blocks
    out = render(mixer, 3)[:, 0]
    up = 0.5 * np.arange(1, FADE + 1) / FADE
    down = 0.5 * (1 - np.arange(1, FADE + 1) / FADE)
    np.testing.assert_allclose(out[:FADE], up, atol=1e-6)  # the start's fade-in
    np.testing.assert_allclose(out[FADE : 2 * BLOCK - FADE], 0.5, atol=1e-6)
    # too little for a block and a fade: the second block ends in a fade to silence ...
    np.testing.assert_allclose(out[2 * BLOCK - FADE : 2 * BLOCK], down, atol=1e-6)
    assert not out[2 * BLOCK :].any()  # ... and the voice waits instead of playing 40 frames
    assert state.slot_ints(0)[ss.S_UNDERRUNS] == 2 and state.ints[ss.UNDERRUNS] == 2
    state.rings[0].write(const(BLOCK + FADE))
    resumed = render(mixer, 1)[:, 0]
    np.testing.assert_allclose(resumed[:FADE], up, atol=1e-6)  # fades back in
    np.testing.assert_allclose(resumed[FADE:], 0.5, atol=1e-6)
    assert state.slot_ints(0)[ss.S_PLAYED] == 3 * BLOCK  # no frame was dropped


def test_a_voice_with_less_than_a_fade_left_still_fades_to_silence() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(BLOCK + FADE), ended=False)
    render(mixer, 1)
    state.rings[0].skip_all()  # (not possible in use: the look-ahead keeps a fade queued)
    state.rings[0].write(const(10))
    out = render(mixer, 1)[:, 0]
    np.testing.assert_allclose(out[:10], 0.5 * (1 - np.arange(1, 11) / 10), atol=1e-6)
    assert not out[10:].any()


def test_a_starved_voice_that_is_stopped_finishes_without_playing_on() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(BLOCK + FADE), ended=False)
    render(mixer, 2)  # played a block, then faded out over the fade it kept
    state.rings[0].write(const(4 * BLOCK))
    state.slot_ints(0)[ss.S_STOP] = 1
    assert not render(mixer, 1).any()
    assert state.slot_ints(0)[ss.S_STATE] == ss.FINISHED


def test_stop_fades_out_and_drops_the_rest() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(4000), ended=True)
    render(mixer, 2)
    state.slot_ints(0)[ss.S_STOP] = 1
    out = render(mixer, 2)
    np.testing.assert_allclose(out[:FADE, 0], 0.5 * (1 - np.arange(1, FADE + 1) / FADE), atol=1e-6)
    assert not out[FADE:].any()
    assert state.slot_ints(0)[ss.S_STATE] == ss.FINISHED
    assert state.rings[0].queued_frames() == 0


def retrigger(state: SharedState, old: list[int], slot: int, voice_id: int) -> None:
    """What the voice host does on a click: the ``old`` slots are replaced, and the new voice
    in ``slot`` (nothing queued yet) will cut them when it starts."""
    for o in old:
        state.slot_ints(o)[ss.S_REPLACED] = 1
    si = state.slot_ints(slot)
    si[ss.S_VOICE_ID] = voice_id
    si[ss.S_RETRIGGER] = 1
    si[ss.S_STATE] = ss.PRIMING


def playing(state: SharedState, slot: int, voice_id: int, frames: int, value: float) -> None:
    start_voice(state, slot, const(frames, value), ended=False)
    state.slot_ints(slot)[ss.S_VOICE_ID] = voice_id


def test_a_retriggered_voice_fades_in_in_the_block_in_which_the_old_one_fades_out() -> None:
    # QA s18 L3: the old voice used to fade out at the click, and the new one to start in the
    # first block after its first chunk: a callback in between left a block of silence
    state = make_state()
    mixer = Mixer(state)
    playing(state, 0, voice_id=1, frames=2000, value=0.5)
    render(mixer, 2)
    retrigger(state, old=[0], slot=1, voice_id=2)
    before = render(mixer, 1)[:, 0]  # a callback before the new voice's first chunk
    np.testing.assert_allclose(before, 0.5, atol=1e-6)  # the old voice plays on, unfaded
    state.rings[1].write(const(4 * BLOCK, -0.25))  # its first chunk, just in time
    out = render(mixer, 2)[:, 0]
    ramp = np.arange(1, FADE + 1) / FADE
    np.testing.assert_allclose(out[:FADE], 0.5 * (1 - ramp) - 0.25 * ramp, atol=1e-6)
    np.testing.assert_allclose(out[FADE:BLOCK], -0.25, atol=1e-6)  # a crossfade, no hole
    assert state.slot_ints(0)[ss.S_STATE] == ss.FINISHED
    assert state.slot_ints(1)[ss.S_STATE] == ss.PLAYING
    assert state.ints[ss.UNDERRUNS] == 0


def test_a_replaced_voice_that_runs_dry_fades_out_and_is_no_underrun() -> None:
    # it stopped decoding when it was replaced; its replacement comes late
    state = make_state()
    mixer = Mixer(state)
    playing(state, 0, voice_id=1, frames=BLOCK + FADE + 40, value=0.5)
    render(mixer, 1)
    retrigger(state, old=[0], slot=1, voice_id=2)
    out = render(mixer, 2)[:, 0]  # short of a block and a fade: a block that fades out
    down = 0.5 * (1 - np.arange(1, FADE + 1) / FADE)
    np.testing.assert_allclose(out[: BLOCK - FADE], 0.5, atol=1e-6)
    np.testing.assert_allclose(out[BLOCK - FADE : BLOCK], down, atol=1e-6)
    assert not out[BLOCK:].any()
    assert state.ints[ss.UNDERRUNS] == 0 and state.slot_ints(0)[ss.S_UNDERRUNS] == 0
    state.rings[1].write(const(BLOCK + FADE, 0.25))
    out = render(mixer, 1)[:, 0]
    np.testing.assert_allclose(out[:FADE], 0.25 * np.arange(1, FADE + 1) / FADE, atol=1e-6)
    assert state.slot_ints(0)[ss.S_STATE] == ss.FINISHED


def test_voices_replaced_before_they_start_never_sound() -> None:
    # clicks faster than the decoder: the middle one is dropped before it began (its slot
    # is free again at once), the first one plays until the newest starts
    state = make_state(slots=3)
    mixer = Mixer(state)
    playing(state, 0, voice_id=1, frames=4000, value=0.5)
    render(mixer, 1)
    retrigger(state, old=[0], slot=1, voice_id=2)
    retrigger(state, old=[0, 1], slot=2, voice_id=3)
    state.rings[1].write(const(BLOCK + FADE, 0.9))  # the middle one's chunk comes first
    np.testing.assert_allclose(render(mixer, 1)[:, 0], 0.5, atol=1e-6)
    assert state.slot_ints(1)[ss.S_STATE] == ss.FINISHED
    state.rings[2].write(const(BLOCK + FADE, -0.25))
    out = render(mixer, 1)[:, 0]
    ramp = np.arange(1, FADE + 1) / FADE
    np.testing.assert_allclose(out[:FADE], 0.5 * (1 - ramp) - 0.25 * ramp, atol=1e-6)
    assert [state.slot_ints(s)[ss.S_STATE] for s in range(3)] == [
        ss.FINISHED,
        ss.FINISHED,
        ss.PLAYING,
    ]
    assert state.slot_ints(1)[ss.S_PLAYED] == 0


def test_a_retrigger_cuts_only_the_voices_it_replaced() -> None:
    state = make_state()
    mixer = Mixer(state)
    playing(state, 0, voice_id=1, frames=4000, value=0.25)  # a scrub, say: not replaced
    render(mixer, 1)
    retrigger(state, old=[], slot=1, voice_id=2)
    state.rings[1].write(const(4 * BLOCK, 0.5))
    out = render(mixer, 2)[:, 0]
    np.testing.assert_allclose(out[BLOCK:], 0.75, atol=1e-6)
    assert state.slot_ints(0)[ss.S_STATE] == ss.PLAYING


def test_voices_sum_and_the_clip_guard_limits_the_mix() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(1000, 0.7))
    start_voice(state, 1, const(1000, 0.6))
    out = render(mixer, 4)
    assert out.max() == 1.0
    np.testing.assert_allclose(out[FADE:40, 0], 1.0)
    assert state.ints[ss.CLIPPED_BLOCKS] >= 1


def test_master_gain_ramps_instead_of_jumping() -> None:
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(2000))
    render(mixer, 2)
    state.floats[ss.MASTER_GAIN] = 0.0
    out = render(mixer, 2)
    np.testing.assert_allclose(out[:FADE, 0], 0.5 * (1 - np.arange(1, FADE + 1) / FADE), atol=1e-6)
    assert not out[FADE:].any()


def test_output_independent_of_block_boundaries() -> None:
    results = []
    for block in (64, 100):
        state = make_state()
        mixer = Mixer(state)
        signal = np.sin(np.arange(1000, dtype=np.float32) * 0.05)[:, None].repeat(2, 1)
        start_voice(state, 0, signal)
        out = np.zeros((block, 2), np.float32)
        chunks = []
        for _ in range(20):
            mixer.render(out)
            chunks.append(out.copy())
        results.append(np.concatenate(chunks)[:1000])
    np.testing.assert_array_equal(results[0], results[1])


def test_tap_holds_what_was_handed_out() -> None:
    state = make_state()
    mixer = Mixer(state)
    tap = OutputTap(state)
    start_voice(state, 0, const(500))
    out = render(mixer, 10)
    got, pos = tap.read_since(0)
    np.testing.assert_array_equal(got, out)
    assert pos == 10 * BLOCK
    np.testing.assert_array_equal(tap.latest(100), out[-100:])


def test_a_voice_is_finished_only_once_its_last_block_is_in_the_tap() -> None:
    # Another thread that sees FINISHED reads the tap next: all of the voice must be there
    # (a test on the JACK stream read the tap between the two and missed the last block).
    state = make_state()
    mixer = Mixer(state)
    start_voice(state, 0, const(100))  # ends in the second block
    state_at_tap_write = []
    write_tap = mixer._write_tap

    def spy(out: np.ndarray) -> None:
        state_at_tap_write.append(int(state.slot_ints(0)[ss.S_STATE]))
        write_tap(out)

    mixer._write_tap = spy
    render(mixer, 3)
    assert state_at_tap_write[:2] == [ss.PLAYING, ss.PLAYING]
    assert state.slot_ints(0)[ss.S_STATE] == ss.FINISHED


def test_render_allocates_no_sample_memory() -> None:
    """tracemalloc counts every thread's allocations: a thread an earlier test left running
    once pushed one measurement over (2,220 bytes). A block-sized buffer would be in every
    measurement; the least of five is the mixer's own."""
    state = make_state(slots=2)
    mixer = Mixer(state)
    out = np.zeros((1024, 2), np.float32)
    start_voice(state, 0, const(12_000), ended=False)
    start_voice(state, 1, const(12_000), ended=False)
    state.floats[ss.MASTER_GAIN] = 0.5  # exercise the ramp path too
    mixer.render(out)
    peaks = []
    for _ in range(5):
        tracemalloc.start()
        for _ in range(2):
            mixer.render(out)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert min(peaks) < out.nbytes // 4  # views and scalars only, never a block-sized buffer
