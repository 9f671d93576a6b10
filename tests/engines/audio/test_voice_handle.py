"""A voice handle follows its voice through the shared state, even after its slot moves on."""

from __future__ import annotations

from latentscape.engines.audio import shared_state as ss
from latentscape.engines.audio.shared_state import Layout, SharedState
from latentscape.engines.audio.voice_handle import VoiceHandle


def make_state() -> SharedState:
    return SharedState(Layout(slots=2, channels=1, ring_frames=64, tap_frames=64))


def take(state: SharedState, slot: int, voice_id: int, status: int) -> None:
    si = state.slot_ints(slot)
    si[ss.S_VOICE_ID] = voice_id
    si[ss.S_STATE] = status


def test_follows_its_slot_then_sees_it_finish_and_move_on() -> None:
    state = make_state()
    handle = VoiceHandle(3, "audition", state, rate_hz=100)
    assert not handle.finished  # not taken on yet
    take(state, 1, 3, ss.PLAYING)
    state.slot_ints(1)[ss.S_PLAYED] = 50
    assert handle.played_s == 0.5 and not handle.finished
    take(state, 1, 3, ss.FINISHED)
    assert handle.finished
    take(state, 1, 4, ss.PRIMING)  # the slot now plays the next voice
    assert handle.finished and handle.played_s == 0.0


def test_a_voice_never_seen_is_finished_once_a_later_voice_was_taken() -> None:
    state = make_state()
    early, late = VoiceHandle(5, "audition", state, 100), VoiceHandle(9, "scrub", state, 100)
    take(state, 0, 7, ss.PLAYING)
    assert early.finished  # 7 was taken after 5: 5 came and went unseen
    assert not late.finished
