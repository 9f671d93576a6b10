"""Voice sources' timing: path interpolation and looping, scrub glide, newest-wins mailbox.

The decoder here returns latent dim 0 as its "audio" (hop 1 at the device rate:
support/latent_echo.py), so the output is the latent trajectory the voice fed the model, sample
for sample.
"""

from __future__ import annotations

import numpy as np

from latentscape.engines.audio.mailbox import Mailbox
from latentscape.engines.audio.sources import PathSource, ScrubSource
from support.latent_echo import RATE, drain, echo_pipe


def test_path_interpolates_and_holds_recorded_jumps() -> None:
    frames = np.array([[0.0], [1.0], [1.0], [3.0]], np.float32)
    times = np.array([0.0, 0.1, 0.2, 0.2])  # a ramp, a hold, then a jump at 0.2 s
    src = PathSource(echo_pipe(), frames, times, 1 / RATE, chunk_frames=4, tail_frames=0)
    out = drain(src)
    np.testing.assert_allclose(out[:11], np.linspace(0.0, 1.0, 11), atol=1e-6)
    np.testing.assert_allclose(out[11:20], 1.0)
    assert out[20] == 3.0  # at 0.2 s the later of the two points wins


def test_looping_path_repeats_with_its_duration_over_speed() -> None:
    frames = np.array([[0.0], [1.0]], np.float32)
    src = PathSource(echo_pipe(), frames, np.array([0.0, 0.5]), 1 / RATE, 7, loop=True, speed=2.0)
    out = drain(src, limit=20)
    cycle = 25  # 0.5 s at double speed, at 100 frames/s
    np.testing.assert_allclose(out[:cycle], np.arange(cycle) / cycle, atol=1e-6)
    np.testing.assert_allclose(out[cycle : 3 * cycle], np.tile(out[:cycle], 2), atol=1e-6)


def test_scrub_glides_towards_the_newest_target() -> None:
    box: Mailbox[np.ndarray] = Mailbox()
    box.put(np.zeros(1, np.float32))
    src = ScrubSource(echo_pipe(), box, chunk_frames=10, glide_frames=5.0)
    np.testing.assert_array_equal(drain(src, limit=1), 0.0)
    box.put(np.full(1, 9.0, np.float32))  # stale: overwritten before the voice reads it
    box.put(np.ones(1, np.float32))
    out = drain(src, limit=3)
    alpha = 1 - np.exp(-1 / 5.0)
    expected = 1 - (1 - alpha) ** np.arange(1, 31)
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    assert np.all(np.diff(out) > 0) and out.max() < 1.0


def test_mailbox_keeps_only_the_newest_value() -> None:
    box: Mailbox[int] = Mailbox()
    assert box.peek() == (0, None)
    box.put(1)
    box.put(2)
    assert box.peek() == (2, 2)
