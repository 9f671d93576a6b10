"""Spectrogram maths (numpy) and the two spectrogram views."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.widgets.spectrogram_math import (
    StreamingSpectrogram,
    log_frequency_rows,
    magnitude_db,
    thumbnail,
    to_log_frequency,
)
from latentscape.widgets.spectrogram_view import LiveSpectrogramView, SpectrogramPairView

SR = 16_000


def sine(freq_hz: float, amp: float, n: int) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq_hz * np.arange(n) / SR)).astype(np.float32)


def test_a_sine_peaks_at_its_bin_at_its_level():
    n_fft, hop = 512, 128
    freq = 31 * SR / n_fft  # exactly on bin 31
    spec = magnitude_db(sine(freq, 0.5, SR), n_fft=n_fft, hop=hop)
    assert spec.dtype == np.float32 and spec.flags.c_contiguous
    assert spec.shape == (1 + (SR - n_fft) // hop, n_fft // 2 + 1)
    assert np.all(spec.argmax(axis=1) == 31)
    assert spec[:, 31] == pytest.approx(20 * np.log10(0.5), abs=0.05)


def test_silence_reads_the_floor_and_short_input_gives_one_frame():
    spec = magnitude_db(np.zeros(100, np.float32), n_fft=256, hop=64, floor_db=-90)
    assert spec.shape == (1, 129)
    assert np.all(spec == -90)
    with pytest.raises(ValueError, match="mono"):
        magnitude_db(np.zeros((2, 100), np.float32))


def test_streaming_frames_equal_offline_frames_whatever_the_block_size():
    x = sine(1000.0, 0.3, 5000) + sine(3000.0, 0.1, 5000)
    offline = magnitude_db(x, n_fft=256, hop=64)
    stream = StreamingSpectrogram(n_fft=256, hop=64)
    rng = np.random.default_rng(0)
    parts, start = [], 0
    while start < len(x):
        size = int(rng.integers(1, 700))
        parts.append(stream.push(x[start : start + size]))
        start += size
    online = np.concatenate(parts)
    np.testing.assert_allclose(online, offline, atol=1e-3)


def test_thumbnail_keeps_the_loudest_values():
    spec = np.full((200, 513), -80.0, np.float32)
    spec[150, 400] = -3.0
    thumb = thumbnail(spec, frames=64, bins=48)
    assert thumb.shape[0] == 64 and thumb.shape[1] <= 48
    assert thumb.max() == -3.0


def test_live_view_scrolls_newest_frames_to_the_right(qtbot):
    view = LiveSpectrogramView()
    qtbot.addWidget(view)
    view.configure(
        n_bins=9, frame_rate_hz=10.0, nyquist_hz=8000.0, history_s=1.0, log_frequency=False
    )
    assert view.history_frames == 10
    for k in range(13):  # more than the history: the oldest frames fall off the left
        view.push_frames(np.full((1, 9), -k, np.float32))
    shown = view.visible_frames()
    assert shown.flags.c_contiguous and shown.shape == (10, 9)
    np.testing.assert_array_equal(shown[:, 0], -np.arange(3, 13, dtype=np.float32))
    view.push_frames(np.full((25, 9), 1.0, np.float32))  # a burst longer than the history
    assert np.all(view.visible_frames() == 1.0)


def test_live_view_adapts_to_a_new_bin_count(qtbot):
    view = LiveSpectrogramView()
    qtbot.addWidget(view)
    view.push_frames(np.zeros((3, 129), np.float32))
    assert view.n_bins == 129


def test_live_view_grab(qtbot):
    view = LiveSpectrogramView()
    qtbot.addWidget(view)
    view.resize(500, 200)
    spec = magnitude_db(sine(2000.0, 0.5, SR * 2), n_fft=1024, hop=256)
    view.configure(513, SR / 256, SR / 2, history_s=4.0)
    view.push_frames(spec)
    assert not view.grab().toImage().isNull()


def test_pair_view_shows_both_with_one_scale_and_play_buttons(qtbot):
    view = SpectrogramPairView()
    qtbot.addWidget(view)
    assert not view.play_original_button.isEnabled()
    orig = magnitude_db(sine(1000.0, 0.8, SR), n_fft=512, hop=128)
    recon = magnitude_db(sine(1000.0, 0.2, SR // 2), n_fft=512, hop=128)
    view.set_pair(orig, recon, "kick_01.wav", frame_rate_hz=SR / 128, nyquist_hz=SR / 2)
    assert view.title() == "kick_01.wav"
    a, b = view.images()
    assert len(a) == len(orig) and len(b) == len(recon)  # log-frequency rows by default
    assert view.levels_db[1] == pytest.approx(float(orig.max()))
    with qtbot.waitSignal(view.playOriginal):
        view.play_original_button.click()
    with qtbot.waitSignal(view.playReconstruction):
        view.play_reconstruction_button.click()
    with pytest.raises(ValueError, match="equal F"):
        view.set_pair(orig, recon[:, :10], "x")
    view.clear_pair()
    assert not view.play_reconstruction_button.isEnabled()
    view.resize(600, 260)
    assert not view.grab().toImage().isNull()


def test_log_frequency_rows_put_a_tone_in_the_row_that_holds_its_frequency():
    n_fft = 1024
    spec = magnitude_db(sine(1000.0, 0.5, SR), n_fft=n_fft, hop=256)
    starts, edges = log_frequency_rows(n_fft // 2 + 1, SR / 2, n_rows=192, f_min_hz=30.0)
    assert np.all(np.diff(starts) >= 0) and edges[0] == pytest.approx(30.0)
    rows = to_log_frequency(spec, starts)
    assert rows.shape == (len(spec), 192)
    peak = int(rows[3].argmax())
    bin_hz = SR / n_fft
    # The peak row's bins straddle 1 kHz (within one bin either side).
    assert edges[peak] - bin_hz <= 1000.0 <= edges[peak + 1] + bin_hz
    assert rows[3, peak] == pytest.approx(spec[3].max())


def test_live_view_shows_log_frequency_rows_by_default(qtbot):
    view = LiveSpectrogramView()
    qtbot.addWidget(view)
    view.configure(513, SR / 256, SR / 2, history_s=2.0)
    view.push_frames(magnitude_db(sine(1000.0, 0.5, SR), n_fft=1024, hop=256))
    assert view.n_bins == 513
    shown = view.visible_frames()
    assert shown.shape[1] == 192
    assert shown[-1].max() == pytest.approx(20 * np.log10(0.5), abs=1.0)
