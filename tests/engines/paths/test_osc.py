"""OSC streaming: a real UDP server on 127.0.0.1 receives every message, in order.

The server is python-osc's BlockingOSCUDPServer: it handles datagrams one by one in arrival
order. (ThreadingOSCUDPServer starts one thread per datagram, so the order its handlers run
in is not the order of arrival: it cannot check ordering.)
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from latentscape.engines.paths import LatentPath, PathError
from latentscape.engines.paths.osc_stream import OscError, OscStreamer
from support.osc_listener import osc_listener


class Received:
    def __init__(self) -> None:
        self.messages: list[tuple] = []
        self.lock = threading.Lock()

    def __call__(self, address: str, *args) -> None:
        with self.lock:
            self.messages.append((address, *args))

    def snapshot(self) -> list[tuple]:
        with self.lock:
            return list(self.messages)


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for OSC messages"
        pause.wait(0.005)  # polling interval, not a timed assertion


@pytest.fixture
def server() -> Iterator[tuple[int, Received]]:
    received = Received()
    with osc_listener(received) as port:
        yield port, received


def test_a_playing_path_streams_every_frame_in_order(server):
    port, received = server
    rng = np.random.default_rng(2)
    t = np.array([0.0, 0.05, 0.05, 0.2])
    path = LatentPath(t, rng.uniform(0, 1, (4, 2)), rng.normal(0, 1, (4, 3)), name="demo")
    frames = path.frames_at_rate(50.0)
    want = [("/ls/path", "demo"), ("/ls/play", 1)]
    for pt, xy, z in zip(frames.path_times_s, frames.xy, frames.latents):
        want.append(("/ls/time", float(np.float32(pt))))
        want.append(("/ls/xy", *xy.tolist()))
        want.append(("/ls/z", *z.tolist()))
        want.extend((f"/ls/z/{i}", v) for i, v in enumerate(z.tolist()))
    want.append(("/ls/play", 0))

    with OscStreamer("127.0.0.1", port, prefix="/ls") as osc:
        osc.play(path, rate_hz=50.0, catch_up=False)
        assert osc.wait(timeout_s=10.0)
        wait_until(lambda: len(received.snapshot()) >= len(want))
        assert osc.errors == 0 and osc.frames_sent == len(frames) == 11
    assert received.snapshot() == want


def test_drag_frames_and_a_stopped_loop(server):
    port, received = server
    path = LatentPath([0.0, 0.1], [[0, 0], [1, 1]], [[0.0] * 4, [1.0] * 4])
    with OscStreamer("localhost", port, per_dim_count=2) as osc:
        osc.send_frame([0.25, 0.75], [1.0, 2.0, 3.0, 4.0])
        wait_until(lambda: len(received.snapshot()) == 4)
        assert received.snapshot() == [
            ("/latentscape/xy", 0.25, 0.75),
            ("/latentscape/z", 1.0, 2.0, 3.0, 4.0),
            ("/latentscape/z/0", 1.0),
            ("/latentscape/z/1", 2.0),
        ]
        osc.play(path, loop=True, rate_hz=100.0)
        wait_until(lambda: osc.frames_sent > 25)  # past the end: it looped
        osc.stop()
        assert not osc.is_playing
    wait_until(lambda: received.snapshot()[-1] == ("/latentscape/play", 0))
    times = [m[1] for m in received.snapshot() if m[0] == "/latentscape/time"]
    assert max(times) <= 0.1 and any(b < a for a, b in itertools.pairwise(times))  # wrapped


@pytest.mark.parametrize(
    ("host", "port", "prefix", "message"),
    [
        ("127.0.0.1", 0, "/x", "port"),
        ("127.0.0.1", 70000, "/x", "port"),
        ("bad..host", 9000, "/x", "resolve"),  # refused before any DNS query
        ("127.0.0.1", 9000, "x", "prefix"),
        ("127.0.0.1", 9000, "/x/", "prefix"),
    ],
)
def test_bad_destinations_are_refused(host, port, prefix, message):
    with pytest.raises(OscError, match=message):
        OscStreamer(host, port, prefix=prefix)


def _times(messages: list[tuple], prefix: str = "/latentscape") -> np.ndarray:
    return np.array([m[1] for m in messages if m[0] == f"{prefix}/time"], dtype=np.float64)


def _whole(steps: np.ndarray, unit: float) -> np.ndarray:
    """Which ``steps`` are whole numbers (>= 1) of ``unit``: one frame, or a few the sender
    skipped when it was late. /time is float32: 1e-3 of a unit is far above its rounding."""
    units = steps / unit
    return (np.abs(units - np.round(units)) < 1e-3) & (np.round(units) >= 1)


def _latest(received: Received) -> float:
    times = _times(received.snapshot())
    return float(times[-1]) if len(times) else -1.0


@pytest.mark.parametrize("delay_s", [0.0, 0.25])
def test_a_live_speed_change_goes_on_from_where_the_stream_is(server, delay_s):
    """Review R7: a speed change halfway through a loop runs /time at the new rate from where
    the stream had got to (after ``delay_s``, when the audio takes it up), not from 0."""
    port, received = server
    rate_hz, speed = 100.0, 0.3  # steps of 0.01 s before, 0.003 s after: no step is both
    path = LatentPath([0.0, 4.0], [[0, 0], [1, 1]], [[0.0] * 3, [1.0] * 3])
    with OscStreamer("127.0.0.1", port) as osc:
        osc.play(path, loop=True, rate_hz=rate_hz)
        wait_until(lambda: _latest(received) >= 0.5)
        before = len(_times(received.snapshot()))  # sent before the change was asked
        seen = _latest(received)
        osc.set_playback(loop=True, speed=speed, delay_s=delay_s)
        wait_until(lambda: _latest(received) >= seen + delay_s + 0.3)
        osc.stop()
    times = _times(received.snapshot())
    steps = np.diff(times)
    assert np.all(steps > 0)  # on from where it was: never back to the start
    # the frame the change falls in: every step after it is whole frames at 0.3 ×
    fast, slow = _whole(steps, 1.0 / rate_hz), _whole(steps, speed / rate_hz)
    j = len(steps) - int(np.argmin(slow[::-1])) - 1 if not slow.all() else 0
    assert slow[j + 1 :].sum() >= 60  # 0.3 path s at 0.3 ×: 100 frames, a few skipped
    assert np.all(fast[:j])  # 1 × up to it
    assert j >= before - 1
    # the step across the change is part old rate, part new: no jump (a frame, or a few a
    # late sender skipped)
    assert speed / rate_hz - 1e-6 <= steps[j] <= 5.0 / rate_hz
    # it came where the stream was when asked, or ``delay_s`` later (ten frames' leeway for
    # the threads' wake-ups on a busy machine), so the stream went on from there
    assert seen + delay_s <= times[j + 1] <= seen + delay_s + 0.1


def test_loop_off_ends_the_stream_at_the_end_of_the_cycle_under_way(server):
    """Review R7: loop off mid-cycle (here after a speed change to 2 ×) plays to the path's
    end and sends /play 0 there, by itself: no second cycle."""
    port, received = server
    rate_hz, duration = 100.0, 0.8
    path = LatentPath([0.0, duration], [[0, 0], [1, 1]], [[0.0] * 3, [1.0] * 3])
    with OscStreamer("127.0.0.1", port) as osc:
        osc.play(path, loop=True, rate_hz=rate_hz, start_s=0.6)  # where the audio is
        wait_until(lambda: 0.1 <= _latest(received) < 0.3)  # the second cycle, 1 ×
        osc.set_playback(loop=True, speed=2.0)
        osc.set_playback(loop=False, speed=2.0)
        assert osc.wait(timeout_s=10.0)  # it ended by itself
    wait_until(lambda: received.snapshot()[-1] == ("/latentscape/play", 0))
    times = _times(received.snapshot())
    assert times[0] == pytest.approx(0.6, abs=1e-6)
    wraps = np.flatnonzero(np.diff(times) < 0)
    assert len(wraps) == 1  # the one at the end of the first cycle, none after loop off
    tail = times[wraps[0] + 1 :]
    assert np.all(_whole(np.diff(tail[-10:]), 2.0 / rate_hz))  # at 2 × to the end
    # the last frame is the last on the grid within the path: the end of the cycle
    assert duration - 2.0 / rate_hz - 1e-6 <= tail[-1] <= duration + 1e-6
    assert received.snapshot().count(("/latentscape/play", 0)) == 1


def test_playing_from_a_start_time(server):
    port, received = server
    path = LatentPath([0.0, 0.1], [[0, 0], [1, 1]], [[0.0] * 2, [1.0] * 2])
    with OscStreamer("127.0.0.1", port) as osc:
        osc.play(path, rate_hz=100.0, start_s=0.05, catch_up=False)
        assert osc.wait(timeout_s=10.0)
        with pytest.raises(PathError, match="speed"):
            osc.play(path, speed=0.0)
        assert not osc.is_playing
    wait_until(lambda: received.snapshot()[-1] == ("/latentscape/play", 0))
    times = _times(received.snapshot())
    np.testing.assert_allclose(times, 0.05 + np.arange(6) * 0.01, atol=1e-6)
    xy = [m[1:] for m in received.snapshot() if m[0] == "/latentscape/xy"]
    np.testing.assert_allclose(xy[0], [0.5, 0.5], atol=1e-6)  # where the path is then
