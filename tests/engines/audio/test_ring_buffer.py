"""The SPSC ring: wrap-around, capacity limits, and order under a concurrent producer."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from latentscape.engines.audio.ring_buffer import RingBuffer


def make_ring(capacity: int, channels: int = 2) -> RingBuffer:
    return RingBuffer(np.zeros((capacity, channels), np.float32), np.zeros(2, np.int64))


def ramp(start: int, n: int, channels: int = 2) -> np.ndarray:
    values = np.arange(start, start + n, dtype=np.float32)
    return np.repeat(values[:, None], channels, axis=1)


def test_write_stops_at_capacity_and_read_returns_in_order() -> None:
    ring = make_ring(8)
    assert ring.write(ramp(0, 5)) == 5
    assert ring.write(ramp(5, 5)) == 3  # only 3 frames free
    out = np.zeros((8, 2), np.float32)
    assert ring.read_into(out, 6) == 6
    np.testing.assert_array_equal(out[:6], ramp(0, 6))
    assert ring.queued_frames() == 2


def test_wraps_around_many_times_without_losing_or_reordering() -> None:
    ring = make_ring(7)
    out = np.zeros((7, 2), np.float32)
    written = read = 0
    for step in range(200):
        n = ring.write(ramp(written, 1 + step % 5))
        written += n
        got = ring.read_into(out, 1 + (step * 3) % 6)
        np.testing.assert_array_equal(out[:got], ramp(read, got))
        read += got
    assert ring.queued_frames() == written - read


def test_short_read_reports_what_was_there() -> None:
    ring = make_ring(16)
    ring.write(ramp(0, 3))
    out = np.full((10, 2), -1.0, np.float32)
    assert ring.read_into(out, 10) == 3
    np.testing.assert_array_equal(out[3:], -1.0)  # the caller zero-fills, not the ring


def test_rejects_wrong_storage() -> None:
    with pytest.raises(ValueError):
        RingBuffer(np.zeros((4, 2), np.float64), np.zeros(2, np.int64))
    with pytest.raises(ValueError):
        RingBuffer(np.zeros((4, 2), np.float32), np.zeros(3, np.int64))


def test_concurrent_producer_and_consumer_see_one_ordered_stream() -> None:
    ring = make_ring(256, channels=1)
    total = 20_000
    received = np.zeros(total, np.float32)

    def produce() -> None:
        sent = 0
        while sent < total:
            sent += ring.write(ramp(sent, min(97, total - sent), channels=1))

    producer = threading.Thread(target=produce)
    producer.start()
    out = np.zeros((64, 1), np.float32)
    got = 0
    while got < total:
        n = ring.read_into(out, 64)
        received[got : got + n] = out[:n, 0]
        got += n
    producer.join()
    np.testing.assert_array_equal(received, np.arange(total, dtype=np.float32))
