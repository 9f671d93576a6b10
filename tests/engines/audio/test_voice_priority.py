"""Decode priority: a looping path keeps playing when clicks over it overload the model.

QA s19 M6: with a model that can carry one voice but not two, each audition was a second
decoder, and the looping path ran dry as often as the clicks. Here a model whose every call
holds one shared "core" for a set share of the audio it makes (:class:`SharedCore`: a model
that needs the whole machine) stands in for it, on the real JACK stream.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from latentscape.engines.audio.decode_priority import (
    GRANTED,
    STOPPED,
    YIELDED,
    DecodePriority,
    DecodeScheduler,
    start_decision,
)
from latentscape.engines.audio.output_setup import make_state, resolve_output
from latentscape.engines.audio.shared_state import (
    FADE_MS,
    S_UNDERRUNS,
    S_VOICE_ID,
    UNDERRUNS,
    SharedState,
)
from latentscape.engines.audio.sinks import open_sink
from latentscape.engines.audio.voice_handle import VoiceHandle
from latentscape.engines.audio.voice_host import VoiceHost
from latentscape.engines.audio.voices import OutputFormat
from support.audio_waits import BLOCK, wait_until
from support.slow_decoders import BUSY_LOAD, SharedCore, latents

RATE = 48000
ON, OFF = DecodePriority(), DecodePriority(enabled=False)


@contextlib.contextmanager
def voices(model: Any, priority: DecodePriority) -> Iterator[tuple[SharedState, VoiceHost]]:
    """A voice host decoding ``model`` in this process into the JACK stream (player process)."""
    _, channels, label = resolve_output("process", "JACK", RATE)
    state, path = make_state(8, channels, RATE, BLOCK, FADE_MS, shared=True)
    host = VoiceHost(state, OutputFormat(RATE, channels, BLOCK), model, priority=priority)
    sink, _, failure = open_sink("process", state, path, label, RATE, BLOCK)
    if path is not None:
        path.unlink(missing_ok=True)
    try:
        assert not failure, failure
        yield state, host
    finally:
        host.close()
        sink.stop()


def slot_underruns(state: SharedState, voice_id: int) -> int:
    """Underruns of the voice ``voice_id`` while it holds its slot."""
    for slot in range(state.layout.slots):
        si = state.slot_ints(slot)
        if si[S_VOICE_ID] == voice_id:
            return int(si[S_UNDERRUNS])
    raise AssertionError(f"voice {voice_id} holds no slot")


def loop_with_clicks(model: Any, priority: DecodePriority, clicks: int) -> dict[str, Any]:
    """A 0.5 s path loops; ``clicks`` 1 s auditions are clicked over it 0.6 s apart; the path
    plays 1 s more. Returns the path's underruns, the give-way counts, the underruns of all
    voices and how long each audition played."""
    path = latents(model, 0.5, 0.0)
    times = np.arange(len(path)) * model.hop_samples / model.sample_rate_hz
    played = [0.0] * clicks

    def path_past(voice: VoiceHandle, seconds: float) -> bool:
        for k, audition in enumerate(auditions):  # (its slot may go to the next one after)
            played[k] = max(played[k], audition.played_s)
        return voice.played_s > seconds

    with voices(model, priority) as (state, host):
        host.play_path(1, path, times, True, 1.0, 0)
        path_voice = VoiceHandle(1, "path", state, RATE)
        auditions: list[VoiceHandle] = []
        wait_until(lambda: path_past(path_voice, 0.5))
        for k in range(clicks):
            auditions.append(VoiceHandle(2 + k, "audition", state, RATE))
            host.audition_trajectory(2 + k, latents(model, 1.0, 0.3 * k - 0.3), 0)
            until = path_voice.played_s + 0.6
            wait_until(lambda u=until: path_past(path_voice, u))
        until = path_voice.played_s + 1.0
        wait_until(lambda: path_past(path_voice, until))
        return {
            "path_underruns": slot_underruns(state, 1),
            "path_finished": path_voice.finished,
            "gave_way": host.give_way_counts(),
            "underruns": int(state.ints[UNDERRUNS]),
            "played_s": played,
        }


@pytest.mark.audio
def test_the_looping_path_keeps_playing_and_the_clicks_give_way(
    jack_server: str, streaming_model
) -> None:
    """Path and click each need 60 % of the machine: the path never runs dry; the clicks
    start late, are shortened or dropped, and none stutters."""
    got = loop_with_clicks(SharedCore(streaming_model, load=BUSY_LOAD), ON, clicks=3)
    assert got["path_underruns"] == 0
    assert not got["path_finished"]
    assert sum(got["gave_way"].values()) >= 1, got["gave_way"]
    # a click that gave way fades out where it would run dry (it does not stutter): the few
    # underruns left are a busy machine's, not one per click and block
    assert got["underruns"] <= 2


@pytest.mark.audio
def test_without_priority_the_same_clicks_starve_the_path(
    jack_server: str, streaming_model
) -> None:
    """The premise of the test above (and M6 as QA found it): without the scheduler, the path
    waits behind each click's decoding and runs dry."""
    got = loop_with_clicks(SharedCore(streaming_model, load=BUSY_LOAD), OFF, clicks=2)
    assert got["path_underruns"] >= 3
    assert got["gave_way"] == {"late": 0, "shortened": 0, "dropped": 0}


@pytest.mark.audio
def test_a_click_plays_whole_over_the_path_when_there_is_room(
    jack_server: str, streaming_model
) -> None:
    """Path and click each need 25 % of the machine: the click plays whole, on time."""
    got = loop_with_clicks(SharedCore(streaming_model, load=0.25), ON, clicks=1)
    assert got["gave_way"] == {"late": 0, "shortened": 0, "dropped": 0}
    assert got["underruns"] == 0
    assert got["played_s"][0] > 0.95  # 1 s of sound and its tail; cut by nothing


# -- the scheduler's rules, without audio ----------------------------------------------------


def test_a_click_waits_while_the_path_has_too_little_queued_and_goes_once_it_has() -> None:
    scheduler = DecodeScheduler(concurrent=1, guard_s=0.004)
    scheduler.learn(1, 0.02)  # every call: ~20 ms (and its deviation)
    path_slack = [0.01]
    path = scheduler.join("path", lambda: path_slack[0])
    click = scheduler.join("audition", lambda: -0.01)
    outcome: list[str] = []
    waiter = threading.Thread(target=lambda: outcome.append(scheduler.acquire(click, bool)))
    waiter.start()
    waiter.join(0.1)
    assert waiter.is_alive(), "the click went while the path had 10 ms queued"
    assert scheduler.acquire(path, bool) == GRANTED  # the path goes first
    path_slack[0] = 1.0  # it has decoded a lot
    scheduler.release(path, 0.02)
    waiter.join(5.0)
    assert outcome == [GRANTED]
    scheduler.release(click, 0.02)


def test_a_playing_click_that_cannot_get_a_turn_yields_and_a_stopped_one_returns() -> None:
    scheduler = DecodeScheduler()
    scheduler.learn(1, 0.02)
    scheduler.join("path", lambda: 0.01)
    click = scheduler.join("audition", lambda: 0.005)
    assert scheduler.acquire(click, bool, may_yield=True) == YIELDED
    assert scheduler.acquire(click, lambda: True) == STOPPED


def test_the_path_keeps_room_for_a_click_and_for_the_calls_of_other_voices() -> None:
    scheduler = DecodeScheduler(guard_s=0.004)
    scheduler.learn(2, 0.03)
    scheduler.learn(8, 0.1)
    scheduler.click_frames = 2
    path = scheduler.join("path", lambda: 1.0)
    scrub = scheduler.join("scrub", lambda: 1.0)
    assert scheduler.lead_extra_s(path) >= 0.03  # a click's first call, even with none
    click = scheduler.join("audition", lambda: 1.0)
    click.next_frames = 8
    assert scheduler.lead_extra_s(path) >= 0.1
    with_click = scheduler.lead_extra_s(scrub)
    assert with_click >= 0.1
    scheduler.leave(click)
    assert scheduler.lead_extra_s(scrub) < with_click


@pytest.mark.parametrize(
    ("elapsed_s", "held_s", "rate_x", "next_call_s", "done", "expected"),
    [
        (0.0, 0.05, 30.0, 0.001, False, "start"),  # a fast model: at once
        (0.0, 0.02, 30.0, 0.0, False, "wait"),  # less than a block and its look-ahead
        (0.0, 0.05, 30.0, 0.05, False, "wait"),  # its next chunk would come too late
        (0.0, 0.1, 30.0, 0.05, False, "start"),  # ... but not with this much held
        (0.05, 0.05, 0.5, 0.0, False, "hold"),  # half speed: it needs ~1.25 s held
        (0.05, 1.3, 0.5, 0.0, False, "start"),
        (0.3, 0.15, 0.5, 0.0, False, "start"),  # too long: it starts, and will be shortened
        (0.3, 0.05, 0.5, 0.0, False, "drop"),  # too long with too little: dropped
        (0.3, 0.05, 0.1, 0.0, True, "start"),  # all decoded
    ],
)
def test_when_a_click_that_cannot_keep_up_starts(
    elapsed_s: float,
    held_s: float,
    rate_x: float,
    next_call_s: float,
    done: bool,
    expected: str,
) -> None:
    """1 s of sound to decode; 20 ms blocks and a 5 ms look-ahead."""
    policy = DecodePriority(max_start_delay_s=0.25, min_start_s=0.1)
    lasts_s = (held_s - 0.005) // 0.02 * 0.02
    got = start_decision(elapsed_s, held_s, rate_x, 1.0, done, 0.025, policy, next_call_s, lasts_s)
    assert got == expected
