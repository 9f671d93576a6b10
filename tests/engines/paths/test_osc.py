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
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

from latentscape.engines.paths import LatentPath
from latentscape.engines.paths.osc_stream import OscError, OscStreamer


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
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(received)
    srv = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield srv.server_address[1], received
    srv.shutdown()
    thread.join()
    srv.server_close()


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
