"""Sound files written by the app and the CLI: the format a file name asks for, a write that is
whole or nothing (:mod:`.atomic_write`), and the mark that tells a sound written here from a
user's own. Any thread."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

from .atomic_write import write_bytes_atomic
from .errors import LatentscapeError

# Output suffix -> (libsndfile format, subtype). Float WAV keeps the decoder's output as it is;
# FLAC and Ogg cannot hold floats.
SOUND_FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "FLOAT"),
    ".flac": ("FLAC", "PCM_24"),
    ".ogg": ("OGG", "VORBIS"),
}

WRITER = "latentscape"
"""Written into every sound file's software tag (WAV ``LIST/ISFT``, FLAC and Ogg comments, all
formats above hold it), so that a command replaces only a sound written here
(:func:`written_here`): a user's own file of the same name and kind is kept."""


def with_suffix(path: str | Path, suffix: str) -> str:
    """``path`` as typed in a save dialog, with ``suffix`` (".wav") added when it has no
    suffix of its own ("kick" -> "kick.wav"; "kick.flac" stays)."""
    path = str(path)
    return path if Path(path).suffix else path + suffix


def sound_format(path: Path) -> tuple[str, str]:
    """``(format, subtype)`` for a sound file named ``path``; LatentscapeError when there is
    none (an unknown suffix, or a folder)."""
    import soundfile as sf

    if path.is_dir():
        raise LatentscapeError(f"{path}: is a folder; give a file name such as out.wav")
    if path.exists() and not path.is_file():
        raise LatentscapeError(f"{path}: not a regular file; give a file name such as out.wav")
    usable = {
        suffix: (fmt, subtype)
        for suffix, (fmt, subtype) in SOUND_FORMATS.items()
        if sf.check_format(fmt, subtype)
    }
    found = usable.get(path.suffix.lower())
    if found is None:
        *rest, last = usable
        names = f"{', '.join(rest)} or {last}" if rest else last
        what = f"'{path.suffix}' files" if path.suffix else "a file without a suffix"
        raise LatentscapeError(f"{path}: cannot write {what}; use {names}")
    return found


def check_replaceable(path: Path) -> None:
    """Refuse to overwrite an existing ``path`` that is not a sound file (a project, a model,
    a document): LatentscapeError. Whether a sound file may be replaced is the caller's to
    decide (the commands replace only one :func:`written_here`)."""
    import soundfile as sf

    if not path.exists():
        return
    try:
        sf.info(str(path))
    except Exception:
        raise LatentscapeError(
            f"{path}: exists and is not a sound file; not replacing it (give another name)"
        ) from None


def write_sound(
    path: Path, audio: np.ndarray, rate_hz: int, fmt: str | None = None, subtype: str = ""
) -> Path:
    """Write ``audio`` (``[samples, channels]`` or ``[samples]``) to ``path`` whole, or not at
    all: encoded in memory, then written atomically, in ``fmt``/``subtype`` or, by default,
    the format the name asks for (:func:`sound_format`). Raises LatentscapeError with one
    line."""
    import soundfile as sf

    if fmt is None:
        fmt, subtype = sound_format(path)
    if subtype != "FLOAT":  # integer and lossy formats clip outside [-1, 1] anyway
        audio = np.clip(audio, -1.0, 1.0)
    buffer = io.BytesIO()
    try:
        encode_marked(buffer, audio, rate_hz, fmt, subtype)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as exc:
        raise LatentscapeError(f"{path}: cannot encode the sound as {fmt} ({exc})") from None
    return write_bytes_atomic(path, buffer.getbuffer())


def encode_marked(target, audio: np.ndarray, rate_hz: int, fmt: str, subtype: str) -> None:
    """``sf.write`` of ``audio`` (``[samples, channels]`` or ``[samples]``) to ``target`` (a
    file name or a binary buffer), with :data:`WRITER`'s mark; soundfile's errors as they
    come."""
    import soundfile as sf

    audio = np.asarray(audio)
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    with sf.SoundFile(target, "w", int(rate_hz), channels, subtype or None, format=fmt) as f:
        with contextlib.suppress(RuntimeError):  # a format without tags is written unmarked
            f.software = WRITER
        f.write(audio)


def written_here(path: Path) -> bool:
    """True when ``path`` is a sound file that bears :data:`WRITER`'s mark (libsndfile reads
    the tag back with its own name appended: "latentscape (libsndfile-1.2.2)")."""
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            return f.software.startswith(WRITER)
    except Exception:  # not a sound file, unreadable: not ours to replace
        return False
