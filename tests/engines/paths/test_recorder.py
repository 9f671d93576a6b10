"""PathRecorder: events with an injected clock become a path that sounds as it was played."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from latentscape.engines.paths import PathError, PathRecorder


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_drag_recording_keeps_times_points_and_lasts_until_stop():
    clock = FakeClock(100.0)
    rec = PathRecorder(clock=clock)
    assert rec.add([0, 0], [0.0, 0.0]) is False  # not recording yet
    rec.start()
    moves = [(100.5, 0.1), (100.6, 0.2), (100.8, 0.4), (101.0, 0.5)]
    for t, x in moves:
        clock.now = t
        rec.add([x, 1 - x], [x, -x], kind="click" if t == 100.5 else "drag")
    clock.now = 101.5
    path = rec.stop(name="gesture", seed=7, model_hash="abc")
    assert not rec.is_recording
    # the path starts at the first event and holds the last point until stop
    np.testing.assert_allclose(path.times_s, [0.0, 0.1, 0.3, 0.5, 1.0])
    assert path.duration_s == pytest.approx(101.5 - 100.5)
    np.testing.assert_allclose(path.xy[:, 0], [0.1, 0.2, 0.4, 0.5, 0.5], atol=1e-7)
    np.testing.assert_allclose(path.latents[:, 1], [-0.1, -0.2, -0.4, -0.5, -0.5], atol=1e-7)
    assert (path.name, path.seed, path.model_hash) == ("gesture", 7, "abc")


def test_a_click_holds_the_previous_value_then_steps():
    clock = FakeClock(0.0)
    rec = PathRecorder(clock=clock)
    rec.start(initial=([0.2, 0.2], [1.0]))  # what plays when record is pressed
    clock.now = 2.0
    rec.add([0.8, 0.8], [3.0], kind="click")
    path = rec.stop(hold_to_stop=False)
    np.testing.assert_allclose(path.times_s, [0.0, 2.0, 2.0])
    np.testing.assert_allclose(path.latents[:, 0], [1.0, 1.0, 3.0])
    _, z = path.sample(np.array([1.0, 1.99, 2.0]))
    np.testing.assert_allclose(z[:, 0], [1.0, 1.0, 3.0])


def test_stop_without_events_gives_none_and_cancel_drops_points():
    rec = PathRecorder(clock=FakeClock())
    rec.start()
    assert rec.stop() is None
    rec.start()
    rec.add([0, 0], [0.0])
    rec.cancel()
    assert rec.point_count == 0 and rec.stop() is None


def test_mixed_latent_sizes_and_bad_positions_are_refused():
    rec = PathRecorder(clock=FakeClock())
    rec.start()
    rec.add([0, 0], [0.0, 1.0])
    with pytest.raises(PathError, match="dims"):
        rec.add([0, 0], [0.0])
    with pytest.raises(PathError, match="2 values"):
        rec.add([0, 0, 0], [0.0, 1.0])
    with pytest.raises(PathError, match="NaN"):
        rec.add([0, 0], [np.nan, 1.0])
    assert rec.stop(hold_to_stop=False).point_count == 1  # the good event survives


def test_events_from_several_threads_are_all_kept_in_time_order():
    rec = PathRecorder()
    rec.start()
    per_thread = 500

    def feed(offset: float) -> None:
        for i in range(per_thread):
            rec.add([offset, i / per_thread], [offset, float(i)])

    threads = [threading.Thread(target=feed, args=(k / 4,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    path = rec.stop(hold_to_stop=False)
    assert path.point_count == 4 * per_thread
    assert np.all(np.diff(path.times_s) >= 0)
    for k in range(4):  # each thread's own points stay in its order
        mine = path.latents[path.latents[:, 0] == k / 4, 1]
        np.testing.assert_array_equal(mine, np.arange(per_thread))


def test_a_relayout_during_a_recording_moves_what_was_recorded_so_far():
    """The map laid out again mid-recording: the points so far go to the new layout, the
    next ones are recorded on it, and the path is of one layout, not half of each."""
    clock = FakeClock(10.0)
    rec = PathRecorder(clock=clock)
    rec.relocate(lambda xy: xy + 1.0)  # not recording: nothing to move
    rec.start()
    for k in range(3):
        clock.now = 10.0 + 0.1 * k
        rec.add([0.1 * k, 0.0], [float(k)])
    rec.relocate(lambda xy: xy + np.float32(0.5))
    clock.now = 10.5
    rec.add([0.9, 0.5], [3.0])
    path = rec.stop()
    np.testing.assert_allclose(path.xy[:4], [[0.5, 0.5], [0.6, 0.5], [0.7, 0.5], [0.9, 0.5]])


def test_a_clicked_sound_is_stored_as_it_played_then_silence_and_the_next_click_cuts_it():
    """QA s19 H1: a click stored one pooled frame, so clicks on drum sounds played back as a
    drone. Now the sound's frames come one per frame time, then the latent of silence; a
    click before a sound has ended cuts it there, with what played at that moment."""
    clock = FakeClock(10.0)
    rec = PathRecorder(clock=clock)
    rec.start()
    hit = np.array([[1.0, 0.0], [0.5, 0.0], [0.25, 0.0]], np.float32)  # 3 frames of 0.1 s
    silence = np.array([0.0, -1.0], np.float32)
    assert rec.add_sound([0.2, 0.2], hit, 0.1, then=silence)
    clock.now = 10.5  # the hit has ended (0.3 s) and fell silent
    assert rec.add_sound([0.8, 0.8], hit, 0.1, then=silence)
    clock.now = 10.65  # half way between its second and third frames: cut there
    assert rec.add([0.5, 0.5], [9.0, 9.0], kind="click")
    clock.now = 11.0
    path = rec.stop()
    np.testing.assert_allclose(
        path.times_s, [0, 0.1, 0.2, 0.3, 0.3, 0.5, 0.5, 0.6, 0.65, 0.65, 1.0], atol=1e-9
    )
    z = path.latents
    np.testing.assert_allclose(z[:4], hit[[0, 1, 2, 2]])  # as it played, its last frame held
    np.testing.assert_allclose(z[4:6], [silence, silence])  # then silence up to the next click
    np.testing.assert_allclose(z[6:8], hit[:2])
    np.testing.assert_allclose(z[8], [0.375, 0.0])  # what played when it was cut
    np.testing.assert_allclose(z[9:], [[9, 9], [9, 9]])
    np.testing.assert_allclose(path.xy[8], [0.8, 0.8])


def test_a_release_steps_to_silence_and_a_stop_cuts_a_sound_still_playing():
    clock = FakeClock(0.0)
    rec = PathRecorder(clock=clock)
    rec.start()
    assert not rec.release([0.0, 0.0])  # nothing recorded yet: nothing to release
    rec.add([0.1, 0.1], [1.0, 1.0], kind="click")
    clock.now = 0.2
    rec.add([0.3, 0.3], [2.0, 2.0])
    clock.now = 0.4
    assert rec.release([0.0, 0.0])
    clock.now = 0.5
    rec.add_sound([0.6, 0.6], np.ones((10, 2), np.float32), 0.1, then=[0.0, 0.0])
    clock.now = 0.75
    path = rec.stop()
    np.testing.assert_allclose(path.times_s, [0, 0.2, 0.4, 0.4, 0.5, 0.5, 0.6, 0.7, 0.75])
    np.testing.assert_allclose(path.latents[:, 0], [1, 2, 2, 0, 0, 1, 1, 1, 1])
    np.testing.assert_allclose(path.xy[3], [0.3, 0.3])  # released where the drag ended
    assert rec.xy_so_far().shape == (0, 2)
