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


QUIET_BETWEEN_LOUD = (-1.0, -40.0, -3.0, -42.0, -6.0, -38.0)  # every other note ~40 dB down
EARLY_S = ONSETS.pad_s + 1e-4  # a take trimmed of silence starts pad_s before its first hit


def _at_peak(tmp_path, name: str, x: np.ndarray, peak_db: float):
    """``x`` written as a float WAV scaled to ``peak_db`` dBFS peak: its path."""
    path = tmp_path / name
    sf.write(path, x * (10.0 ** (peak_db / 20.0) / np.max(np.abs(x))), FILE_RATE, subtype="FLOAT")
    return path


def _ends(segments) -> np.ndarray:
    return np.array([s.start_s + s.samples / FILE_RATE for s in segments])


def test_the_same_hits_are_cut_alike_at_any_gain(tmp_path):
    """One take normalised to -1 dBFS and left at -27 dBFS peak (an unmastered take, a field
    recorder): the same sounds, starts and ends, although at -27 the quiet notes lie under
    -60 dBFS and the loud ones' tails cross it 26 dB earlier."""
    x, onsets = hit_train(count=12, seed=4, floor_db=-100.0, levels_db=QUIET_BETWEEN_LOUD)
    cuts = {}
    for peak_db in (-1.0, -27.0):
        path = _at_peak(tmp_path, f"take{-peak_db:.0f}.wav", x, peak_db)
        segments = read_segments(path, FILE_RATE, 1, ONSETS).segments
        cuts[peak_db] = _starts(segments), _ends(segments)
    (loud_starts, loud_ends), (quiet_starts, quiet_ends) = cuts[-1.0], cuts[-27.0]
    assert len(quiet_starts) == len(loud_starts) == len(onsets)
    early = onsets - quiet_starts
    assert np.all(early >= 0.0) and np.all(early <= EARLY_S), early  # (the first: pad_s)
    np.testing.assert_allclose(quiet_starts, loud_starts, atol=0.003)
    np.testing.assert_allclose(quiet_ends, loud_ends, atol=0.011)  # a 10 ms window
    assert np.all(quiet_ends[:-1] <= onsets[1:])


def test_a_quiet_note_between_loud_ones_in_a_quiet_take_is_a_sound_of_its_own(tmp_path):
    """Three notes 1.5 s apart ringing on as in a reverberant room, the middle one 40 dB down,
    the take at -27 dBFS peak (the middle note under -60 dBFS throughout): three sounds, and
    nothing between them dropped that is within 60 dB of the take's peak."""
    x, onsets = hit_train(
        count=3,
        seed=5,
        floor_db=-100.0,
        gap_s=(1.5, 1.5),
        levels_db=(-1.0, -40.0, -1.0),
        decay_per_s=(6.0, 6.0),
        length_s=(1.45, 1.45),
    )
    path = _at_peak(tmp_path, "room.wav", x, -27.0)
    segments = read_segments(path, FILE_RATE, 1, ONSETS).segments
    assert len(segments) == 3
    early = onsets - _starts(segments)
    assert np.all(early >= 0.0) and np.all(early <= EARLY_S), early  # (the first: pad_s)
    audio, _ = sf.read(path, dtype="float32")
    peak_db = 20.0 * np.log10(np.max(np.abs(audio)))
    window = FILE_RATE // 100
    kept = np.zeros(len(audio), bool)
    for seg in segments:
        kept[round(seg.start_s * FILE_RATE) : round(seg.start_s * FILE_RATE) + seg.samples] = True
    dropped = audio[: len(audio) // window * window].reshape(-1, window)[
        ~kept[: len(audio) // window * window].reshape(-1, window).all(axis=1)
    ]
    levels = 10.0 * np.log10(np.mean(np.square(dropped, dtype=np.float64), axis=1) + 1e-30)
    assert np.all(levels < peak_db - 60.0 + 0.5), np.max(levels) - peak_db


@pytest.mark.parametrize("peak_db", [-1.0, -20.0])
def test_a_short_last_hit_is_a_sound_of_its_own(tmp_path, peak_db):
    """A take ending on a 20 ms tick (a woodblock, a ghost note) and silence: the trimmed file
    ends ~40 ms after it, yet it is its own sound, not folded into the one before."""
    x, onsets = hit_train(count=4, seed=6, floor_db=-100.0)
    tick_at = onsets[-1] + 0.4
    t = np.arange(round(0.05 * FILE_RATE)) / FILE_RATE
    tick = 0.5 * np.sin(2 * np.pi * 1800.0 * t) * np.minimum(1.0, t / 0.001) * np.exp(-t * 300.0)
    x = np.concatenate([x, np.zeros(FILE_RATE, np.float32)])
    at = round(tick_at * FILE_RATE)
    x[at : at + tick.size] += tick.astype(np.float32)
    path = _at_peak(tmp_path, "ends_on_a_tick.wav", x, peak_db)
    segments = read_segments(path, FILE_RATE, 1, ONSETS).segments
    assert len(segments) == len(onsets) + 1
    assert 0.0 <= tick_at - segments[-1].start_s <= 0.010
    assert _ends(segments)[-2] <= tick_at
    assert segments[-1].samples == round(ONSETS.min_sound_s * FILE_RATE)  # ~40 ms, padded
