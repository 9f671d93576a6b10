"""Read one audio file into model-ready sounds, or say precisely why it cannot be used.

Every failure is a :class:`BadAudioError` with a one-line reason; the import lists it and goes
on. The file is checked (type, size, permissions, header, length) *before* its samples are read,
so a FIFO never blocks and a 2-hour file is refused from its header alone.

MP3: libsndfile reads MP3 from version 1.1 (soundfile >= 0.12 ships it). With an older
libsndfile an ``.mp3`` is refused with that reason rather than a cryptic decode error.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from ..errors import LatentscapeError
from .onsets import cut_at_onsets, levels_db, silence_under_peak_db
from .rules import MIN_AUDIBLE_S, ImportRules

_WINDOW_S = 0.01
_CHUNK_SAMPLES = 1 << 20  # sums over the whole file in float64 this many samples at a time
_CUT_SHORT_SHARE = 0.99  # fewer samples than the header promised: a truncated file
_CUT_SHORT_ESTIMATE_SHARE = 0.9  # … by a decoder's count (an MP3's VBR header, Ogg, …)
# A data size this large means "unknown" (streamed): sox writes 0x7ffff000, arecord
# 0x7fffffff, others 0xffffffff. (A WAV that long is far past the longest file imported.)
_UNKNOWN_DATA_SIZE = 0x7FFF0000
_MP3_LENGTH_HEADERS = (b"Xing", b"Info", b"VBRI")
# libsndfile's note on a WAV's "data" or an AIFF's "SSND" chunk longer than the file holds
_DATA_SHOULD_BE = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.M)
# … on a W64's "riff" size (its "data" line does not say it)
_W64_SHOULD_BE = re.compile(r"^\s*riff\s*:\s*(\d+)\s*\(should be (\d+)\)", re.M)
# … on an RF64 (a broadcast recorder's WAV over 4 GB): the frame count its ds64 chunk promised
_RF64_COUNT = re.compile(
    r"Calculated frame count (\d+) does not match value from 'ds64' chunk of (\d+)"
)
# … on an Ogg (Vorbis, Opus) that may be cut (see _ogg_cut)
_OGG_NO_END = "lacks an end-of-stream bit"
_OGG_JUNK = "Junk after the last page"
_OGG_MAX_PAGE = 27 + 255 + 255 * 255  # header, segment table, body (bytes)


class BadAudioError(LatentscapeError):
    """A file that cannot become a sound; ``str(exc)`` is the reason (one line)."""


@dataclass(frozen=True)
class Segment:
    """One sound cut from a file: ``audio`` ``[channels, samples]`` float32 at the model's rate."""

    index: int
    start_s: float
    audio: np.ndarray

    @property
    def samples(self) -> int:
        return int(self.audio.shape[1])


@dataclass(frozen=True)
class FileSounds:
    """What :func:`read_segments` makes of one file: its sounds, the file's duration (s),
    and ``note``: "" or a one-line remark on a file imported anyway (cut short)."""

    segments: list[Segment]
    duration_s: float
    note: str = ""


def _clock(seconds: float) -> str:
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _starts_as_audio(head: bytes) -> bool:
    """Whether ``head`` begins as a WAV, AIFF, FLAC, Ogg or tagged MP3 file does: such a file is
    audio cut short or damaged even when its bytes happen to be printable ("RIFF1234WAVEfmt ",
    a download cut at 16 bytes); a text that merely begins with "RIFF" is not."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64"):
        return head[8:12] == b"WAVE"
    if head[:4] == b"FORM":
        return head[8:12] in (b"AIFF", b"AIFC")
    tagged_mp3 = head[:3] == b"ID3" and len(head) > 3 and head[3] in (2, 3, 4)
    return head[:4] in (b"fLaC", b"OggS") or tagged_mp3


def _looks_like_text(head: bytes) -> bool:
    if not head or _starts_as_audio(head):
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


def check_file(path: Path, rules: ImportRules) -> sf._SoundFileInfo:
    """Header-level checks; returns soundfile's info or raises :class:`BadAudioError`."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # bytes from another encoding (Latin-1 names in an old zip)
        raise BadAudioError("its name is not valid UTF-8: rename the file") from None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            target = os.readlink(path)
            raise BadAudioError(f"a link to a missing file ({target})") from None
        raise BadAudioError("no such file") from None
    except PermissionError:
        raise BadAudioError("permission denied (cannot reach the file)") from None
    except OSError as exc:
        raise BadAudioError(f"cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        try:
            os.scandir(path).close()
        except PermissionError:
            raise BadAudioError(
                "a folder that cannot be read (permission denied): none of its files were imported"
            ) from None
        except OSError as exc:
            raise BadAudioError(
                f"a folder that cannot be read ({exc.strerror}): none of its files were imported"
            ) from None
        raise BadAudioError("a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise BadAudioError(f"not a regular file ({kind})")
    if st.st_size == 0:
        raise BadAudioError("empty file (0 bytes)")
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except PermissionError:
        raise BadAudioError("permission denied") from None
    except OSError as exc:
        raise BadAudioError(f"cannot read ({exc.strerror})") from None
    if path.suffix.lower() == ".mp3" and "MP3" not in sf.available_formats():
        raise BadAudioError(
            f"MP3 needs libsndfile >= 1.1 (this one is {sf.__libsndfile_version__}); "
            "convert it to WAV or FLAC"
        )
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        if _looks_like_text(head):
            raise BadAudioError("a text file, not audio") from None
        detail = str(exc).split(":")[-1].strip() or "unknown format"
        if _starts_as_audio(head) and len(head) < 64:
            detail = "its header is cut short: a truncated file"
        if "not exist" in detail:  # libsndfile's words for a decoder that gave up (e.g. MP3)
            detail = f"damaged, or not really {path.suffix.lstrip('.').upper() or 'audio'} data"
        raise BadAudioError(f"not a readable audio file ({detail})") from None
    if info.frames <= 0 or info.samplerate <= 0:
        if info.format == "OGG" and _ogg_cut(info, path):
            raise BadAudioError(
                "cut short (a truncated file?): none of it can be read without its end"
            )
        raise BadAudioError("no audio in it (zero-length)")
    if info.duration > rules.max_file_s:
        raise BadAudioError(
            f"too long: {_clock(info.duration)} (limit {_clock(rules.max_file_s)}); "
            "split it first, or raise the limit (File → Import Options…; on the command "
            "line, import --max-file-s)"
        )
    return info


def _to_channels(audio: np.ndarray, channels: int) -> np.ndarray:
    """``[samples, file_channels]`` → ``[channels, samples]`` float32 (keep, or mix to mono
    and repeat). One channel kept is a view of ``audio``, not a copy."""
    if audio.shape[1] == channels:
        return np.ascontiguousarray(audio.T)  # (one channel: contiguous already)
    mono = audio.mean(axis=1, dtype=np.float32)
    if channels == 1:
        return mono[None, :]
    return np.ascontiguousarray(np.repeat(mono[None, :], channels, axis=0))


def _spread(mix: np.ndarray) -> tuple[float, float]:
    """(standard deviation, RMS) of ``mix`` ``[samples]``, summed in float64 ~1 M samples at
    a time (no float64 copy of a whole file)."""
    n = mix.shape[0]
    mean = float(np.mean(mix, dtype=np.float64))
    squares = deviations = 0.0
    for a in range(0, n, _CHUNK_SAMPLES):
        part = mix[a : a + _CHUNK_SAMPLES].astype(np.float64)
        squares += float(np.dot(part, part))
        part -= mean
        deviations += float(np.dot(part, part))
    return float(np.sqrt(deviations / n)), float(np.sqrt(squares / n))


def _trim(mix: np.ndarray, rate_hz: int, rules: ImportRules, quiet_db: float) -> tuple[int, int]:
    """Where the sound in ``mix`` ``[samples]`` (a file's mix) begins and ends once leading
    and trailing silence is cut: ``(first, last)`` samples, ``pad_s`` kept around it. Silence
    is every 10 ms window at or under ``quiet_db`` dB RMS: ``rules.silence_db``, or for a cut
    at onsets that far under the file's peak (:func:`.onsets.silence_under_peak_db`). A file
    under ``rules.silence_db`` dBFS throughout is refused as silent either way.

    A file whose only content is a constant offset (DC, inaudible) is silent too. An offset
    under a sound is left in, and its level counts: estimating it per file fails on real
    sounds (a one-sided click in silence moves the mean, a 25 % pulse wave the median).
    """
    window = max(1, round(_WINDOW_S * rate_hz))
    total = mix.shape[0]
    n = total // window * window
    if n == 0:
        return 0, total
    quiet = 10.0 ** (rules.silence_db / 20.0)
    std, rms = _spread(mix)
    if std <= quiet and rms > quiet:
        raise BadAudioError("silent: a constant offset (DC) and no sound")
    levels = levels_db(mix[:n], window)
    if not np.any(levels > rules.silence_db):
        if rms > quiet:
            return 0, total
        raise BadAudioError(f"silent (below {rules.silence_db:.0f} dBFS throughout)")
    loud = np.flatnonzero(levels > quiet_db)
    if loud.size == 0:
        return 0, total
    pad = round(rules.pad_s * rate_hz)
    first = max(0, int(loud[0]) * window - pad)
    last = min(total, (int(loud[-1]) + 1) * window + pad)
    if loud[-1] == len(levels) - 1:
        last = total  # the sound runs to the end: keep the partial window too
    return first, last


def _mp3_has_length_header(path: Path) -> bool:
    """Whether the MP3's first frame carries its length (a Xing, Info or VBRI header).
    Without one the decoder estimates the length from the file's size, which a cover-art
    tag inflates: a whole file would look cut short."""
    with open(path, "rb") as f:
        head = f.read(10)
        start = 0
        if len(head) == 10 and head[:3] == b"ID3":  # skip an ID3v2 tag (syncsafe size)
            size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14
            size |= (head[8] & 0x7F) << 7 | head[9] & 0x7F
            start = 10 + size + (10 if head[5] & 0x10 else 0)  # and its footer
        f.seek(start)
        first = f.read(2048)
    return any(mark in first for mark in _MP3_LENGTH_HEADERS)


def _ogg_cut(info: sf._SoundFileInfo, path: Path) -> bool:
    """Whether an Ogg stream stops unfinished: the file ends inside a page, or its last page
    does not end a stream. libsndfile's notes only say where to look: it also says "lacks an
    end-of-stream bit" and "Junk after the last page" of a whole file with a tag or padding
    appended."""
    extra = info.extra_info or ""
    if _OGG_NO_END not in extra and _OGG_JUNK not in extra:
        return False
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - _OGG_MAX_PAGE - 27))
        tail = f.read()
    at = tail.rfind(b"OggS")
    while at >= 0:  # the last page header that is one (version 0, known flags)
        header = tail[at : at + 27]
        if len(header) < 27:
            return True  # the file ends inside a page header
        if header[4] == 0 and header[5] <= 7:
            segments = tail[at + 27 : at + 27 + header[26]]
            end = at + 27 + len(segments) + sum(segments)
            return len(segments) < header[26] or end > len(tail) or not header[5] & 4
        at = tail.rfind(b"OggS", 0, at)
    return False


def _cut_short(info: sf._SoundFileInfo, frames_read: int, path: Path) -> str:
    """A note when the file holds less audio than its header promises (a copy or download
    that stopped early): libsndfile reads what is there without complaint. "" otherwise.

    WAV/AIFF/W64: the header's data size against the file's (libsndfile's "… (should be …)"
    in ``extra_info``; a streamed file's "unknown" size is no promise). RF64: the frames read
    against its ds64 chunk's count (libsndfile prints counts past 2**31 wrapped: no note
    then). Ogg: no length is stated, but a whole stream ends with a marked last page. MP3:
    the frames decoded against the count in its Xing/Info/VBRI header; without one, no
    judgement. Others: the frames decoded against the header's count.
    """
    extra = info.extra_info or ""
    got_s = frames_read / info.samplerate
    if info.format == "OGG":
        if not _ogg_cut(info, path):
            return ""
        return f"cut short (a truncated file?): the stream stops after {got_s:.2f} s, unfinished"
    promised_s = info.frames / info.samplerate
    share = _CUT_SHORT_ESTIMATE_SHARE
    found = _DATA_SHOULD_BE.search(extra) or (
        _W64_SHOULD_BE.search(extra) if info.format == "W64" else None
    )
    counted = _RF64_COUNT.search(extra)
    if found is not None:
        declared, present = int(found.group(1)), int(found.group(2))
        unknown = _UNKNOWN_DATA_SIZE if info.format != "W64" else float("inf")  # 64-bit sizes
        if not 0 < present < declared < unknown:
            return ""
        promised_s *= declared / present
        share = _CUT_SHORT_SHARE
    elif counted is not None:
        promised_s, share = int(counted.group(2)) / info.samplerate, _CUT_SHORT_SHARE
    elif info.format == "MP3" and not _mp3_has_length_header(path):
        return ""
    if got_s >= share * promised_s:
        return ""
    return f"cut short (a truncated file?): only {got_s:.2f} s of {promised_s:.2f} s are there"


def read_segments(path: str | Path, rate_hz: int, channels: int, rules: ImportRules) -> FileSounds:
    """Read ``path`` into sounds at ``rate_hz`` with ``channels``, cut as ``rules`` say (in
    equal pieces, or at onsets: :mod:`.rules`), with the file's duration and a note when it is
    cut short.

    Raises :class:`BadAudioError` with the reason when the file cannot be used.
    """
    path = Path(path)
    info = check_file(path, rules)
    try:
        data, file_rate = _read(path, channels)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise BadAudioError(f"damaged audio data ({str(exc).split(':')[-1].strip()})") from None
    except MemoryError:
        raise BadAudioError("too large to read into memory") from None
    if data.shape[0] == 0:
        raise BadAudioError("no audio in it (zero-length)")
    # a float64 sum of float32 samples cannot overflow: it is finite iff every sample is
    if not np.isfinite(data.sum(dtype=np.float64)):
        bad_rows = np.flatnonzero(~np.isfinite(data).all(axis=1))
        at = int(bad_rows[0]) / file_rate
        raise BadAudioError(f"contains NaN or infinite samples (first at {at:.3f} s)")
    note = _cut_short(info, data.shape[0], path)
    if file_rate != rate_hz:
        data = soxr.resample(data, file_rate, rate_hz, quality="HQ").astype(np.float32, copy=False)
    audio = _to_channels(data, channels)
    del data  # (a 10-minute stereo file is 200 MB of float32)
    mix = audio[0] if channels == 1 else audio.mean(axis=0)
    offset = 0
    if rules.trim_silence:
        onsets = rules.split == "onsets"
        offset, end = _trim(
            mix, rate_hz, rules, silence_under_peak_db(mix, rules) if onsets else rules.silence_db
        )
        audio, mix = audio[:, offset:end], mix[offset:end]
    total = audio.shape[1]
    if total < MIN_AUDIBLE_S * rate_hz:  # (trimming keeps pad_s around a sound: its own length)
        minimum = f"minimum {1000.0 * MIN_AUDIBLE_S:.0f} ms"
        raise BadAudioError(f"too short: {_ms(total, rate_hz)} ms ({minimum})")
    if rules.split == "onsets":
        sounds = cut_at_onsets(mix, rate_hz, rules)
    else:
        sounds = [(0, total)]
    segments: list[Segment] = []
    for first, last in sounds:
        for start, piece in _pieces(audio[:, first:last], rate_hz, rules):
            segments.append(Segment(len(segments), (offset + first + start) / rate_hz, piece))
    return FileSounds(segments, float(info.duration), note)


def _read(path: Path, channels: int) -> tuple[np.ndarray, int]:
    """The samples of ``path`` ``[frames, file_channels]`` float32 and its rate (Hz); for a
    mono model (``channels`` 1) mixed to ``[frames, 1]`` as they are read, 1 M frames at a
    time: a 10-minute stereo file takes its mix's 100 MB, never its channels' 200."""
    with sf.SoundFile(str(path)) as f:
        if channels != 1 or f.channels == 1:
            return f.read(dtype="float32", always_2d=True), f.samplerate
        # soundfile reads no further than f.frames (as sf.read does); a file cut short, less
        mix = np.empty(max(0, f.frames), np.float32)
        got = 0
        while (block := f.read(_CHUNK_SAMPLES, dtype="float32", always_2d=True)).shape[0]:
            mix[got : got + block.shape[0]] = block.mean(axis=1, dtype=np.float32)
            got += block.shape[0]
        return mix[:got, None], f.samplerate


def _pieces(audio: np.ndarray, rate_hz: int, rules: ImportRules) -> list[tuple[int, np.ndarray]]:
    """One sound ``audio`` ``[channels, samples]`` as model inputs: (offset in samples, piece
    ``[channels, samples]``) pairs, split into the fewest equal pieces no longer than
    ``segment_s``; padded with silence to ``min_sound_s``."""
    total = audio.shape[1]
    shortest = int(np.ceil(rules.min_sound_s * rate_hz))
    if total < shortest:  # a click, a tick: the model hears it followed by silence
        audio = np.pad(audio, ((0, 0), (0, shortest - total)))
        total = shortest
    pieces = max(1, int(np.ceil(total / (rules.segment_s * rate_hz) - 1e-9)))
    bounds = np.linspace(0, total, pieces + 1).round().astype(int)
    return [(a, np.ascontiguousarray(audio[:, a:b])) for a, b in itertools.pairwise(bounds)]


def _ms(samples: int, rate_hz: int) -> str:
    """A length in milliseconds as a user reads it: "0.02" below 1 ms, else whole."""
    ms = 1000.0 * samples / rate_hz
    return f"{ms:.2f}" if ms < 1.0 else f"{ms:.0f}"
