"""Where the sounds in a recording start: onsets (hits, notes) for the "cut at onsets" rule.

The detector, for one mono signal (any rate; window sizes scale with it):

1. **Onset strength.** A short-time spectrum (Hann window of ~23 ms: 1024 samples at
   44.1 kHz, the nearest power of two at other rates; hop a quarter of it, ~5.8 ms) of the
   signal scaled to its peak, summed in triangular bands a quarter tone apart (40 Hz to
   16 kHz), each summing to 1, so that a note's partials count as much as a burst of noise;
   log-compressed, ``log(1 + 1000 level)``, so that a quiet hit rises as much as a loud one
   and what lies 60 dB under the peak barely counts. The strength of frame ``t`` is the mean
   over bands of how far each rose above the largest of its three neighbours two frames
   (~12 ms) before: SuperFlux's maximum filter, so that a vibrato or a glide that moves a
   partial into the next band is no onset.
2. **Peak picking.** A frame is an onset when it is the strongest within ±25 ms, above the
   median of the frames around it (0.2 s before, 0.1 s after) times a ratio plus an offset,
   both set by the sensitivity, and at least ``min_gap_s`` (50 ms) after the onset before it.
   An onset in the last 50 ms of the signal is dropped when the signal still sounds at its
   very end (its last ~3 ms within 20 dB of the loudest since the onset): the click of a
   file cut off mid-sound. A short hit that has died away by the end is kept.
3. **Backtracking.** From the steepest rise of the energy around the peak (RMS in windows of
   an eighth of the spectrum's, ~2.9 ms), back to the last window within 3 dB of the level
   before the attack (the median of the 50 ms before it): on through a ragged attack, not
   into the tail of the sound before; never later than half a hop before the peak frame's
   centre (a quiet hit under a louder tail, where the energy cannot tell). The sound starts
   there, just before its attack (2 to 5.5 ms before it on synthetic hits at 44.1 kHz).

Every step scales with the file's peak, so the same material is cut alike at any gain; the
cut's trailing silence too (:func:`silence_under_peak_db`). Everything runs in blocks of ~1 M
samples (float32 spectra, float64 levels): besides the signal, a 10-minute file needs a few
tens of MB.

The figures (time per minute of audio; precision and recall on synthetic hits and on
FluidSynth drums, piano, guitar and marimba, at full scale and 26 dB down; the memory a
10-minute file takes) are printed by ``bench/corpus_import.py --onsets``. Thread: any (numpy
and scipy only, no state).
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage

from .rules import ImportRules

MIN_GAP_S = 0.05  # two onsets closer than this are one sound (a flam, a ragged attack)
DEFAULT_SENSITIVITY = 0.5
_N_FFT_44K = 1024  # spectrum window at 44.1 kHz (~23 ms); scaled with the rate
_LAG_FRAMES = 2  # compare with the spectrum ~12 ms before: a whole attack inside one step
_PEAK_S = 0.025  # an onset is the strongest frame within ± this
_MEDIAN_BEFORE_S = 0.2  # the moving median runs over this much before a frame …
_MEDIAN_AFTER_S = 0.1  # … and this much after it
_CHUNK_FRAMES = 2048  # spectra computed at once: ~8 MB at 44.1 kHz, whatever the length
_CHUNK_SAMPLES = 1 << 20  # levels computed over this many samples at once (8 MB of float64)
_BANDS_PER_OCTAVE = 24  # the spectrum is summed in bands this narrow …
_BOTTOM_HZ = 40.0  # … from here …
_TOP_HZ = 16000.0  # … to here (or the Nyquist frequency)
_LOG_GAIN = 1000.0  # band levels (1 = a full-scale sine) under 1/_LOG_GAIN are compressed away
_VALLEY_S = 0.05  # the energy minimum before an attack is sought this far back …
_VALLEY_DB = 3.0  # … and the sound starts at the last window this near it
_LEVEL_WINDOW_S = 0.01  # silence and background are judged in windows this long
_BACKGROUND_DB = 10.0  # a lead-in is background when no window of it is this far above the
_BACKGROUND_SHARE = 0.1  # … level of the file's quietest tenth of windows,
_BACKGROUND_UNDER_PEAK_DB = 30.0  # … nor this near the file's loudest window
_END_FADE_DB = 20.0  # a late onset is kept when the signal has fallen this far by its end


def frame_sizes(rate_hz: int) -> tuple[int, int]:
    """(window, hop) of the onset spectrum in samples at ``rate_hz``: 1024 and 256 at 44.1 kHz,
    the same duration (to the nearest power of two) at other rates."""
    n_fft = int(2 ** round(np.log2(_N_FFT_44K * rate_hz / 44100.0)))
    n_fft = max(64, n_fft)
    return n_fft, n_fft // 4


def _bands(n_fft: int, rate_hz: int) -> np.ndarray:
    """Triangular filters ``[n_fft // 2 + 1, bands]`` float32 a quarter tone apart (40 Hz to
    16 kHz or the Nyquist frequency; those that fall on one bin merged), each summing to 1:
    a note's partial weighs as much as a band of noise."""
    bin_hz = rate_hz / n_fft
    top_hz = min(_TOP_HZ, rate_hz / 2.0)
    steps = np.arange(0.0, _BANDS_PER_OCTAVE * np.log2(top_hz / _BOTTOM_HZ) + 1.0)
    centres_hz = _BOTTOM_HZ * 2.0 ** (steps / _BANDS_PER_OCTAVE)
    centres = np.unique(np.round(centres_hz[centres_hz <= top_hz] / bin_hz).astype(int))
    bank = np.zeros((n_fft // 2 + 1, max(1, len(centres) - 2)), np.float32)
    for k, (lo, mid, hi) in enumerate(zip(centres, centres[1:], centres[2:], strict=False)):
        bank[lo : mid + 1, k] = (np.arange(lo, mid + 1) - lo + 1) / (mid - lo + 1)
        bank[mid : hi + 1, k] = (hi + 1 - np.arange(mid, hi + 1)) / (hi - mid + 1)
        bank[:, k] /= bank[:, k].sum()
    return bank


def peak_of(mono: np.ndarray) -> float:
    """The largest ``|sample|`` of ``mono`` ``[samples]`` (0.0 when empty), without a copy."""
    if mono.size == 0:
        return 0.0
    return float(max(np.max(mono), -np.min(mono)))


def silence_under_peak_db(mono: np.ndarray, rules: ImportRules) -> float:
    """The level (dB RMS over 10 ms) under which a cut at onsets calls ``mono`` ``[samples]``
    (a file's mix) silent: ``rules.silence_db`` (-60 dB) under its peak. -60 dBFS for a file
    that peaks at full scale, as when cutting by length; -87 dBFS for one that peaks at -27:
    the same material keeps the same sounds, tails and quiet notes at any gain."""
    peak = peak_of(mono)
    return rules.silence_db + (20.0 * float(np.log10(peak)) if peak > 0.0 else 0.0)


def onset_strength(mono: np.ndarray, rate_hz: int) -> np.ndarray:
    """Spectral flux of ``mono`` ``[samples]`` (float) at ``rate_hz``: ``[frames]`` float32,
    frame ``t`` centred on sample ``t * hop`` (:func:`frame_sizes`), ``1 + samples // hop``
    frames. Zeros before the signal: a sound that starts at once rises at frame 0. Computed
    in blocks of 2048 frames (~0.5 M samples, scaled to the peak as they are copied): no copy
    of the whole signal."""
    n_fft, hop = frame_sizes(rate_hz)
    peak = peak_of(mono)
    frames = 1 + mono.shape[0] // hop
    if peak == 0.0:
        return np.zeros(frames, np.float32)
    half = n_fft // 2
    hann = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    hann *= 2.0 / hann.sum()  # a full-scale sine's bin reads 1
    bank = _bands(n_fft, rate_hz)
    before = np.zeros((_LAG_FRAMES, bank.shape[1]), np.float32)  # silence before the start
    out = np.empty(frames, np.float32)
    for a in range(0, frames, _CHUNK_FRAMES):
        b = min(frames, a + _CHUNK_FRAMES)
        # frame t sees mono[t * hop - half : t * hop + half], silence outside the signal
        lo, hi = a * hop - half, (b - 1) * hop + half
        block = np.zeros(hi - lo, np.float32)
        src_lo, src_hi = max(0, lo), min(mono.shape[0], hi)
        if src_hi > src_lo:
            block[src_lo - lo : src_hi - lo] = mono[src_lo:src_hi] / peak
        windows = sliding_window_view(block, n_fft)[::hop]
        spectrum = scipy.fft.rfft(windows * hann, axis=1, workers=1)
        level = np.log1p(_LOG_GAIN * (np.abs(spectrum) @ bank))
        both = np.concatenate([before, level])
        reference = ndimage.maximum_filter1d(both[:-_LAG_FRAMES], 3, axis=1)
        out[a : a + level.shape[0]] = np.maximum(level - reference, 0.0).mean(axis=1)
        before = both[-_LAG_FRAMES:]
    return out


def _threshold(median: np.ndarray, sensitivity: float) -> np.ndarray:
    """The strength an onset must pass, over the moving ``median`` of the frames around it:
    ``median * ratio + offset``: ratio 4, 2.5 and 1.75 and offset (mean log rise per band)
    0.2, 0.05 and 0.0125 at sensitivity 0, 0.5 (the default) and 1. The ratio keeps a
    steady noise (rain, a fan, a cymbal's decay) from passing on its own ripple."""
    k = 2.0 ** (1.0 - 2.0 * float(np.clip(sensitivity, 0.0, 1.0)))
    return median * (1.0 + 1.5 * k) + 0.05 * k * k


def pick_peaks(
    strength: np.ndarray,
    frames_per_s: float,
    sensitivity: float = DEFAULT_SENSITIVITY,
    min_gap_s: float = MIN_GAP_S,
) -> np.ndarray:
    """Frames of ``strength`` ``[frames]`` (``frames_per_s`` of them a second) that are onsets
    (int64, ascending): local maxima over ±25 ms above :func:`_threshold`, ``min_gap_s``
    apart (the earlier one kept)."""
    if strength.size == 0:
        return np.zeros(0, np.int64)
    reach = max(1, round(_PEAK_S * frames_per_s))
    before = max(1, round(_MEDIAN_BEFORE_S * frames_per_s))
    after = max(1, round(_MEDIAN_AFTER_S * frames_per_s))
    local_max = ndimage.maximum_filter1d(strength, 2 * reach + 1, mode="constant")
    # a median over [t - before, t + after]: the window centred on t + (after - before) / 2
    median = ndimage.median_filter(
        strength, size=before + after + 1, mode="constant", origin=(before - after) // 2
    )
    candidates = np.flatnonzero(
        (strength >= local_max) & (strength > _threshold(median, sensitivity))
    )
    gap = max(1, round(min_gap_s * frames_per_s))
    kept: list[int] = []
    for t in candidates:
        if not kept or t - kept[-1] >= gap:
            kept.append(int(t))
    return np.asarray(kept, np.int64)


def levels_db(mono: np.ndarray, window: int) -> np.ndarray:
    """RMS level (dB) of ``mono``'s consecutive ``window``-sample pieces, the last one padded
    with silence: ``[ceil(samples / window)]`` float64. Squared in float64 ~1 M samples at a
    time (8 MB), whatever the length."""
    pieces = -(-mono.shape[0] // window)
    power = np.empty(pieces)
    step = max(1, _CHUNK_SAMPLES // window)
    for a in range(0, pieces, step):
        b = min(pieces, a + step)
        part = mono[a * window : b * window]
        whole = part.shape[0] // window
        if whole:
            squares = np.square(part[: whole * window], dtype=np.float64)
            power[a : a + whole] = np.mean(squares.reshape(whole, window), axis=1)
        if whole < b - a:  # the last piece, short: as if padded with silence
            power[b - 1] = np.sum(np.square(part[whole * window :], dtype=np.float64)) / window
    return 10.0 * np.log10(power + 1e-20)


def backtrack(mono: np.ndarray, rate_hz: int, peaks: np.ndarray) -> np.ndarray:
    """Start samples (int64, ascending) for onset frames ``peaks`` of :func:`onset_strength`
    of ``mono`` ``[samples]``: each moved back from its attack to the energy minimum before it
    (module docstring), never to the peak before it."""
    n_fft, hop = frame_sizes(rate_hz)
    window = max(1, hop // 2)
    level = levels_db(mono, window)
    if level.size == 0:
        return np.zeros(len(peaks), np.int64)
    rise = np.diff(level, prepend=level[0])
    look = max(2, round(_VALLEY_S * rate_hz / window))
    starts = np.empty(len(peaks), np.int64)
    for i, frame in enumerate(peaks):
        centre = int(frame) * hop
        bound = int(peaks[i - 1]) * hop // window + 1 if i else 0
        lo = max(bound, (centre - n_fft // 2) // window)
        hi = min(level.size, (centre + n_fft // 2) // window + 1)
        if hi <= lo:
            starts[i] = max(0, centre - hop // 2)
            continue
        at = lo + int(np.argmax(rise[lo:hi]))  # inside the attack
        before = level[max(bound, at - look) : at]
        floor = float(np.median(before)) if before.size else float(level[at])
        while at > bound and level[at] > floor + _VALLEY_DB:
            at -= 1
        # where the spectrum put the onset, when the energy cannot tell (a quiet hit under
        # a louder sound's tail): the attack lies at most a few ms after the frame's centre
        starts[i] = min(at * window, max(0, centre - hop // 2))
    return starts


def detect_onsets(
    mono: np.ndarray,
    rate_hz: int,
    sensitivity: float = DEFAULT_SENSITIVITY,
    min_gap_s: float = MIN_GAP_S,
) -> np.ndarray:
    """Where the sounds in ``mono`` ``[samples]`` (float, ``rate_hz``) start: sample offsets
    (int64, ascending, each before its attack; see the module docstring). ``sensitivity``
    0..1: higher finds quieter and denser onsets. Empty when none is found."""
    n_fft, hop = frame_sizes(rate_hz)
    peaks = pick_peaks(onset_strength(mono, rate_hz), rate_hz / hop, sensitivity, min_gap_s)
    late = peaks * hop >= mono.shape[0] - min_gap_s * rate_hz
    if late.any() and _sounds_at_end(mono, rate_hz, int(peaks[late][0]) * hop - n_fft // 2):
        peaks = peaks[~late]  # the click of a file cut off mid-sound, no new sound
    return np.unique(backtrack(mono, rate_hz, peaks))


def _sounds_at_end(mono: np.ndarray, rate_hz: int, since: int) -> bool:
    """Whether ``mono`` ``[samples]`` still sounds at its very end: its last ~3 ms within
    20 dB of its loudest ~3 ms from sample ``since`` on (a file cut off mid-sound), rather
    than a hit that has died away (a trimmed file keeps ``pad_s`` of silence after it)."""
    window = max(1, frame_sizes(rate_hz)[1] // 2)
    after = levels_db(mono[max(0, since) :], window)
    if after.size == 0:
        return False
    end = mono[-window:]
    end_db = 10.0 * np.log10(float(np.mean(np.square(end, dtype=np.float64))) + 1e-20)
    return end_db > float(np.max(after)) - _END_FADE_DB


def _only_background(lead: np.ndarray, mono: np.ndarray, rate_hz: int) -> bool:
    """Whether ``lead`` (the start of ``mono``, before its first onset) holds no sound: no
    10 ms of it 10 dB above the quietest tenth of ``mono``, nor within 30 dB of its loudest."""
    window = max(1, round(_LEVEL_WINDOW_S * rate_hz))
    levels = levels_db(mono, window)
    loudest_lead = float(np.max(levels_db(lead, window)))
    floor = float(np.quantile(levels, _BACKGROUND_SHARE))
    return (
        loudest_lead <= floor + _BACKGROUND_DB
        and loudest_lead <= float(np.max(levels)) - _BACKGROUND_UNDER_PEAK_DB
    )


def _sounding(piece: np.ndarray, rate_hz: int, rules: ImportRules, quiet_db: float) -> int:
    """How many samples of ``piece`` ``[samples]`` (one onset to the next) to keep once its
    trailing silence is cut: to the end of its last 10 ms window above ``quiet_db``
    (:func:`silence_under_peak_db`), plus ``rules.pad_s``. A piece quieter than that
    throughout keeps up to its loudest window: an onset found is never dropped. At least 1
    sample."""
    window = max(1, round(_LEVEL_WINDOW_S * rate_hz))
    levels = levels_db(piece, window)
    loud = np.flatnonzero(levels > quiet_db)
    last = int(loud[-1]) if loud.size else int(np.argmax(levels))
    return min(piece.shape[0], (last + 1) * window + round(rules.pad_s * rate_hz))


def cut_at_onsets(mono: np.ndarray, rate_hz: int, rules: ImportRules) -> list[tuple[int, int]]:
    """The sounds of ``mono`` ``[samples]`` (a file's mix at ``rate_hz``, its leading and
    trailing silence already trimmed when ``rules.trim_silence``) cut at its onsets:
    ``[(start, end)]`` sample ranges, ascending, one a sound each (the rule in
    :mod:`.rules`). The whole of ``mono`` when no onset is found after its start. Silence is
    judged against ``mono``'s peak (:func:`silence_under_peak_db`): the same cuts at any gain."""
    total = mono.shape[0]
    quiet_db = silence_under_peak_db(mono, rules)
    gap = MIN_GAP_S * rate_hz  # an onset closer to the start starts the first sound
    starts = [int(s) for s in detect_onsets(mono, rate_hz, rules.onset_sensitivity) if s >= gap]
    if not starts or not _only_background(mono[: starts[0]], mono, rate_hz):
        starts = [0, *starts]
    elif not rules.trim_silence:
        starts = [0, *starts[1:]]  # background, kept as silence is: in the first sound
    bounds = []
    for start, end in itertools.pairwise([*starts, total]):
        if rules.trim_silence and end < total:  # (the file's own end is trimmed already)
            end = start + _sounding(mono[start:end], rate_hz, rules, quiet_db)
        if end > start:
            bounds.append((start, end))
    return bounds or [(0, total)]
