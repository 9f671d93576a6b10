"""Cutting files at their onsets: one sound per hit or note, each from just before its attack
(``ImportRules(split="onsets")``, engines/corpus/onsets.py)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from latentscape.engines.corpus import ImportRules, read_segments
from latentscape.engines.corpus.onsets import detect_onsets
from support.onset_hits import LEVELS_DB, hit_train

ONSETS = ImportRules(split="onsets")
FILE_RATE = 44100


def _starts(segments) -> np.ndarray:
    return np.array([s.start_s for s in segments])


def test_rules_that_cut_by_length_keep_the_keys_of_earlier_projects():
    """Cached latents are keyed by the rules' signature: adding the onset rule must not
    change it for rules that cut by length (values from before the onset fields existed)."""
    assert ImportRules().signature() == "b820adde6092"
    earlier = ImportRules(segment_s=0.5, trim_silence=False, max_file_s=60)
    assert earlier.signature() == "dff9841e8407"
    assert ImportRules(onset_sensitivity=0.9).signature() == "b820adde6092"  # not cutting
    assert ONSETS.signature() not in (
        "b820adde6092",
        ImportRules(split="onsets", onset_sensitivity=0.9).signature(),
    )
    with pytest.raises(ValueError, match="split"):
        ImportRules(split="beats")
    with pytest.raises(ValueError, match="onset_sensitivity"):
        ImportRules(onset_sensitivity=float("nan"))


@pytest.mark.parametrize("model_rate", [44100, 16000])
def test_hits_become_one_sound_each_starting_just_before_the_attack(tmp_path, model_rate):
    """Noise bursts and tones, some 27 dB under the others, on a -55 dBFS noise floor that
    also runs 0.4 s before the first hit: one sound per hit, none for the floor."""
    x, onsets = hit_train(count=12, seed=0)
    path = tmp_path / "hits.wav"
    sf.write(path, x, FILE_RATE, subtype="FLOAT")
    segments = read_segments(path, model_rate, 1, ONSETS).segments
    assert [s.index for s in segments] == list(range(len(onsets)))
    early = onsets - _starts(segments)
    assert np.all(early >= 0.0) and np.all(early <= 0.010), early
    for seg, onset, nxt in zip(segments, onsets, [*onsets[1:], np.inf], strict=True):
        end_s = seg.start_s + seg.samples / model_rate
        assert end_s <= nxt  # each stops before the next one's attack
        loudest_s = seg.start_s + np.argmax(np.abs(seg.audio[0])) / model_rate
        assert onset <= loudest_s < onset + 0.03  # and holds its own attack
    quiet = [i for i, _ in enumerate(onsets) if LEVELS_DB[i % len(LEVELS_DB)] <= -28]
    assert quiet  # the quiet hits were among them
    same = read_segments(path, model_rate, 1, ImportRules()).segments
    assert len(same) == 1  # the default rule: the file as one sound


def test_a_quiet_recording_is_cut_as_a_loud_one():
    x, _ = hit_train(count=8, seed=1)
    np.testing.assert_array_equal(detect_onsets(x, FILE_RATE), detect_onsets(x / 300, FILE_RATE))


def test_sensitivity_sets_how_quiet_a_hit_may_be():
    x, onsets = hit_train(count=12, seed=0)
    found = {s: len(detect_onsets(x, FILE_RATE, s)) for s in (0.0, 0.5)}
    assert found[0.5] == len(onsets) + 1  # and the start of the noise floor
    assert found[0.0] < found[0.5]  # only the clear hits


def test_the_noise_before_the_first_hit_stays_when_silence_is_kept(tmp_path):
    x, onsets = hit_train(count=6, seed=2)
    path = tmp_path / "hits.flac"
    sf.write(path, x, FILE_RATE)
    kept = ImportRules(split="onsets", trim_silence=False)
    segments = read_segments(path, FILE_RATE, 1, kept).segments
    assert len(segments) == len(onsets) and segments[0].start_s == 0.0
    np.testing.assert_allclose(_starts(segments)[1:], onsets[1:], atol=0.010)
    assert sum(s.samples for s in segments) == len(x)  # nothing trimmed between the hits


def _sustained(seconds: float, rate: int) -> np.ndarray:
    """A 220 Hz tone of five harmonics with a 5 Hz vibrato (±1 %) and a slow tremolo, faded
    in over 50 ms."""
    t = np.arange(round(seconds * rate)) / rate
    phase = 2 * np.pi * np.cumsum(220.0 * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) / rate
    tone = sum(np.sin(k * phase) / k for k in range(1, 6))
    return 0.3 * tone * (1 + 0.3 * np.sin(2 * np.pi * 0.7 * t)) * np.minimum(1, t / 0.05)


@pytest.mark.parametrize("kind", ["tone", "noise"])
def test_a_sustained_sound_is_one_sound(tmp_path, kind):
    rate = FILE_RATE
    if kind == "tone":
        x = _sustained(3.0, rate)
    else:  # a steady hiss: its ripple is no onset
        x = 0.2 * np.random.default_rng(5).standard_normal(5 * rate)
    path = tmp_path / f"{kind}.wav"
    sf.write(path, x.astype(np.float32), rate, subtype="FLOAT")
    (seg,) = read_segments(path, rate, 1, ONSETS).segments
    assert seg.start_s == 0.0 and seg.samples == len(x)


def test_a_long_note_after_a_click_is_split_and_the_click_padded(tmp_path):
    """A 20 ms click, silence, then a 2.5 s tone: the click (its silence cut) is padded to
    ``min_sound_s``, the tone split into equal pieces of at most ``segment_s``, the indexes
    counted through the file."""
    rate = 16000
    click = np.random.default_rng(0).standard_normal(round(0.02 * rate)) * 0.5
    gap = np.zeros(round(0.4 * rate))
    x = np.concatenate([gap, click, gap, _sustained(2.5, rate)])
    tone_at = (len(gap) * 2 + len(click)) / rate
    path = tmp_path / "click_then_tone.wav"
    sf.write(path, x.astype(np.float32), rate, subtype="FLOAT")
    rules = ImportRules(split="onsets", segment_s=1.0)
    segments = read_segments(path, rate, 1, rules).segments
    assert [s.index for s in segments] == [0, 1, 2, 3]
    assert segments[0].samples == round(rules.min_sound_s * rate)  # 20 ms + pad, padded
    assert segments[0].start_s == pytest.approx(len(gap) / rate - rules.pad_s, abs=0.003)
    assert segments[1].start_s == pytest.approx(tone_at, abs=0.01)
    assert segments[1].start_s <= tone_at
    pieces = [s.samples for s in segments[1:]]
    assert max(pieces) - min(pieces) <= 1 and max(pieces) <= rate * rules.segment_s
    np.testing.assert_allclose(np.diff(_starts(segments[1:])), pieces[0] / rate, atol=1e-3)
