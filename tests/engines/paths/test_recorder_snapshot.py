"""``PathRecorder.snapshot``: the take so far, as :meth:`stop` would give it at that moment,
without disturbing the recording (what the take's autosave writes, QA s19 M4)."""

from __future__ import annotations

import threading

import numpy as np

from latentscape.engines.paths import LatentPath, PathRecorder


class Clock:
    def __init__(self, now: float = 10.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _stopped_copy(events, now: float, relocate=None) -> LatentPath:
    """What a second recorder fed the same events gives when stopped at ``now``."""
    clock = Clock()
    rec = PathRecorder(clock=clock)
    rec.start()
    for at, step in events:
        clock.now = at
        step(rec)
        if relocate is not None and at == relocate[0]:
            rec.relocate(relocate[1])
    clock.now = now
    return rec.stop(seed=3, model_hash="m")


def test_a_snapshot_is_what_stop_would_give_and_recording_goes_on():
    rng = np.random.default_rng(0)
    frames = rng.standard_normal((6, 3)).astype(np.float32)
    silence = np.zeros(3, np.float32)
    events = [
        (
            10.0 + 0.05 * k,
            lambda r, k=k: r.add([k / 40, 0.5], rng_row(k), "click" if k % 5 == 0 else "drag"),
        )
        for k in range(40)
    ]
    # a click that plays a sound of 6 frames (0.1 s each) from 12.0 s: 12.25 s cuts it
    events.append((12.0, lambda r: r.add_sound([0.9, 0.9], frames, 0.1, silence)))
    events.append((12.25, lambda r: r.add([0.3, 0.3], rng_row(99))))
    events.append((12.3, lambda r: r.add_sound([0.7, 0.1], frames, 0.1, silence)))
    clock = Clock()
    rec = PathRecorder(clock=clock)
    rec.start()
    checked = 0
    for i, (at, step) in enumerate(events):
        clock.now = at
        step(rec)
        if i % 7 == 3 or i == len(events) - 1:  # between events, and with frames still ahead
            clock.now = at + 0.02 if i < len(events) - 1 else 12.45
            snap = rec.snapshot(seed=3, model_hash="m")
            assert snap.equals(_stopped_copy(events[: i + 1], clock.now))
            checked += 1
    assert checked >= 5 and rec.is_recording
    clock.now = 12.9  # the sound's frames due by now come in; the take is whole at stop
    assert rec.snapshot(seed=3, model_hash="m").equals(_stopped_copy(events, 12.9))
    assert rec.stop(seed=3, model_hash="m").equals(_stopped_copy(events, 12.9))
    assert rec.snapshot() is None  # stopped


def rng_row(k: int) -> np.ndarray:
    return np.array([np.sin(k), np.cos(k), k / 100], np.float32)


def test_a_snapshot_follows_a_relayout_and_a_new_take():
    clock = Clock()
    rec = PathRecorder(clock=clock)
    rec.start()
    events = [(10.0 + 0.1 * k, lambda r, k=k: r.add([k / 10, 0.2], rng_row(k))) for k in range(8)]
    for at, step in events[:4]:
        clock.now = at
        step(rec)
    clock.now = 10.35
    rec.snapshot()  # points stacked and kept for the next snapshot ...
    mirror = lambda xy: np.asarray(xy)[:, ::-1]  # noqa: E731
    rec.relocate(mirror)  # ... until the map is laid out again
    for at, step in events[4:]:
        clock.now = at
        step(rec)
    clock.now = 11.0
    want = _stopped_copy(events, 11.0, relocate=(events[3][0], mirror))
    assert rec.snapshot(seed=3, model_hash="m").equals(want)
    rec.start()  # a new take: nothing of the last one
    assert rec.snapshot() is None
    clock.now = 12.0
    rec.add([0.5, 0.5], rng_row(0))
    clock.now = 12.5
    snap = rec.snapshot()
    np.testing.assert_allclose(snap.times_s, [0.0, 0.5])
    np.testing.assert_allclose(snap.xy, [[0.5, 0.5], [0.5, 0.5]])


def test_snapshots_on_another_thread_while_events_come_in():
    """The autosave's worker takes snapshots while the GUI thread records: each is a prefix
    of the final take (the same points, in order), never a mix."""
    rec = PathRecorder()
    rec.start()
    snaps: list[LatentPath] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            snap = rec.snapshot()
            if snap is not None:
                snaps.append(snap)

    thread = threading.Thread(target=worker)
    thread.start()
    for k in range(3000):
        rec.add([k / 3000, 0.5], [k, -k])
    stop.set()
    thread.join()
    final = rec.stop(hold_to_stop=False)
    assert len(snaps) > 2
    for snap in snaps:
        n = snap.point_count - 1  # the last point is the hold to the snapshot's time
        np.testing.assert_array_equal(snap.latents[:n], final.latents[:n])
        np.testing.assert_array_equal(snap.xy[:n], final.xy[:n])
