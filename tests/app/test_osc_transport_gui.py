"""The OSC stream follows the path transport (review R7): a live Speed change and Loop off
reach the stream as they reach the audio, from where it is, so a Max/Pd patch listening stays
in step with what is heard.

Everything is real: the window, the paths controller and player, the AudioEngine with the
silent clock-paced player, and a python-osc server on 127.0.0.1 receiving every datagram.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from support.osc_listener import osc_listener
from support.paths_gui import record_drag

RATE_HZ = 60.0  # the player's OSC frame rate (OscStreamer.play's default)


class Receiver:
    """Every OSC message in arrival order, with the monotonic second it arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[float, str, tuple]] = []

    def __call__(self, address: str, *args) -> None:
        with self.lock:
            self.messages.append((time.monotonic(), address, args))

    def times(self) -> tuple[np.ndarray, np.ndarray]:
        """``(arrived_s, path_s)`` of every ``/time`` so far, float64 ``[n]`` each."""
        with self.lock:
            rows = [(t, args[0]) for t, a, args in self.messages if a == "/latentscape/time"]
        return np.array(rows, dtype=np.float64).reshape(-1, 2).T

    def latest(self) -> float:
        _, path_s = self.times()
        return float(path_s[-1]) if len(path_s) else -1.0

    def arrived(self, address: str, *args) -> float | None:
        """When ``address args`` first arrived (None: not yet)."""
        with self.lock:
            return next((t for t, a, v in self.messages if (a, v) == (address, args)), None)


@pytest.fixture
def receiver(paths) -> Iterator[Receiver]:
    """A UDP server the paths panel streams to (typed into its OSC field, ticked on)."""
    received = Receiver()
    with osc_listener(received) as port:  # handles them in order
        try:
            paths.panel.osc_target.setText(f"127.0.0.1:{port}")
            paths.panel.osc_target.editingFinished.emit()
            paths.panel.osc_check.setChecked(True)
            assert paths.player.osc is not None
            yield received
        finally:
            paths.set_osc_enabled(False)


def whole_frames(steps: np.ndarray, speed: float) -> np.ndarray:
    """Which steps of /time are a whole number (>= 1) of frames at ``speed`` (the sender skips
    frames when it is late; /time is float32, far finer than 1e-3 of a frame)."""
    frames = steps * RATE_HZ / speed
    return (np.abs(frames - np.round(frames)) < 1e-3) & (np.round(frames) >= 1)


def test_speed_and_loop_changes_reach_the_osc_stream_from_where_it_is(
    paths, opened, qtbot, receiver
):
    c, panel, player = opened.controller, paths.panel, paths.player
    pid, *_ = record_drag(qtbot, paths, opened)
    duration = paths.library.path(pid).duration_s
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)  # the recording's scrub
    panel.select_path(pid)
    panel.loop_check.setChecked(True)
    panel.play_button.click()
    voice = player.handle
    assert player.is_playing and player.loop

    # -- Speed 0.3 × halfway through the first cycle
    qtbot.waitUntil(lambda: voice.played_s > 0.5 * duration, timeout=5000)
    panel.speed.setValue(0.3)
    qtbot.waitUntil(lambda: voice.path_segment[2] == pytest.approx(0.3), timeout=5000)
    voice_s, path_s, _, _ = voice.path_segment
    qtbot.waitUntil(lambda: voice.played_s > voice_s + 0.6, timeout=5000)
    _, times = receiver.times()
    steps = np.mod(np.diff(times), duration)  # a wrap at the cycle's end is a step on
    slow = whole_frames(steps, 0.3)
    j = len(steps) - int(np.argmin(slow[::-1])) - 1  # the step the change fell in
    assert np.all(whole_frames(steps[:j], 1.0))  # 1 × before it
    assert slow[j + 1 :].sum() >= 10  # 0.3 × after it (0.6 s: 36 frames, some skipped)
    # it went on from where the stream was, with no jump (a frame, or a few a late sender
    # skipped): not from the path's start ...
    assert 0.3 / RATE_HZ - 1e-6 <= steps[j] <= 0.05
    # ... when the voice took the change up, where the audio was then: the stream runs a
    # little ahead of the audio (what the device holds), as it did before the change
    lead = np.mod(times[j + 1] - path_s + duration / 2, duration) - duration / 2
    assert -0.05 <= lead <= 0.15

    # -- Loop off: the stream ends with the audio, at the end of the cycle under way. Turned
    # off mid-cycle: within the decode lead of a cycle's end (tens of ms; more on a loaded
    # machine) the voice has already decoded into the next cycle, which then plays out too
    # (a CI run hit it: loop off 14 ms of path before the end).
    def heard_at() -> float:  # where in the path the audio is now (s)
        voice_s, path_s, speed, _ = voice.path_segment
        return (path_s + (voice.played_s - voice_s) * speed) % duration

    qtbot.waitUntil(lambda: 0.2 * duration < heard_at() < 0.6 * duration, timeout=10_000)
    panel.loop_check.click()
    qtbot.waitUntil(lambda: not voice.path_segment[3], timeout=5000)
    asked = len(receiver.times()[1])
    qtbot.waitUntil(lambda: not player.is_playing, timeout=10_000)
    stopped_at = time.monotonic()
    qtbot.waitUntil(lambda: receiver.arrived("/latentscape/play", 0) is not None, timeout=5000)
    arrived, times = receiver.times()
    tail = times[asked - 1 :]
    assert np.all(np.diff(tail) > 0)  # no new cycle after loop off
    assert duration - 0.05 <= tail[-1] <= duration + 1e-6  # to its end (its last frame)
    # /play 0 came after the last frame, about when the voice ended (the stream runs a
    # little ahead; the player polls the voice 30 times a second), not a cycle (1.5 s) later
    ended = receiver.arrived("/latentscape/play", 0)
    assert ended >= arrived[-1] and stopped_at - 0.5 <= ended <= stopped_at + 0.5
    assert not player.is_playing and player.osc is not None and not player.osc.is_playing


def test_turning_osc_on_while_a_path_plays_streams_from_where_the_audio_is(paths, opened, qtbot):
    """The stream starts at the voice's place and speed, not at the path's start."""
    c, panel, player = opened.controller, paths.panel, paths.player
    pid, *_ = record_drag(qtbot, paths, opened)
    duration = paths.library.path(pid).duration_s
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)
    panel.select_path(pid)
    panel.loop_check.setChecked(True)
    panel.speed.setValue(0.5)
    panel.play_button.click()
    voice = player.handle
    qtbot.waitUntil(lambda: voice.played_s > 0.8 * duration, timeout=5000)  # 0.4 of the path
    received = Receiver()
    with osc_listener(received) as port:
        try:
            panel.osc_target.setText(f"127.0.0.1:{port}")
            panel.osc_target.editingFinished.emit()
            where = player.path_time_at(voice.played_s)
            panel.osc_check.setChecked(True)
            qtbot.waitUntil(lambda: len(received.times()[1]) >= 10, timeout=5000)
        finally:
            paths.set_osc_enabled(False)
    _, times = received.times()
    assert times[0] == pytest.approx(where, abs=0.05)  # where the audio was, not 0
    assert np.all(whole_frames(np.mod(np.diff(times), duration), 0.5))  # at its speed


def test_a_path_with_recorded_controls_streams_its_latents_as_heard(paths, opened, qtbot, receiver):
    """/z carries what the audio decodes (the lane's offset applied), as the CSV and MIDI
    exports do: a Max patch feeding /z to nn~ hears the path's recorded controls."""
    from latentscape.engines.paths.controls import ControlLane, control_values
    from latentscape.engines.paths.path import interpolate_rows

    c, panel, player = opened.controller, paths.panel, paths.player
    pid, *_ = record_drag(qtbot, paths, opened)
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)
    lane = ControlLane(np.zeros(1), control_values((1.5,))[None])  # z0 + 1.5 throughout
    raw = paths.library.path(pid)
    paths.library.edit(pid, raw.replace(controls=lane))
    panel.select_path(pid)
    panel.play_button.click()
    qtbot.waitUntil(lambda: not player.is_playing, timeout=10_000)
    qtbot.waitUntil(lambda: receiver.arrived("/latentscape/play", 0) is not None, timeout=5000)
    with receiver.lock:
        messages = list(receiver.messages)
    pairs, at = [], None
    for _, address, args in messages:
        if address == "/latentscape/time":
            at = float(args[0])
        elif address == "/latentscape/z" and at is not None:
            pairs.append((at, np.asarray(args, np.float64)))
    assert len(pairs) >= 10
    times = np.array([t for t, _ in pairs])
    sent = np.stack([z for _, z in pairs])
    expected = interpolate_rows(raw.times_s, raw.latents.astype(np.float64), times)
    assert np.allclose(sent[:, 0], expected[:, 0] + 1.5, atol=1e-3)
    assert np.allclose(sent[:, 1:], expected[:, 1:], atol=1e-3)
