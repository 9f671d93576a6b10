"""Which files an import takes, and how it cuts them into sounds.

The rules (documented for users):

- A file longer than ``max_file_s`` (default 10 minutes) is refused without being read, with the
  reason "too long"; split it with an editor first, or raise the limit (Import Options in the
  app, ``import --max-file-s``).
- Leading and trailing silence (every 10 ms window below ``silence_db`` dBFS RMS) is trimmed,
  keeping ``pad_s`` around the sound. A file that is silence throughout is refused.
- With ``split="onsets"`` (``import --split onsets``; "Cut files: at onsets" in Import
  Options) what remains is first cut where its sounds start: at each onset found (a hit, a
  note; see :mod:`.onsets`, ``onset_sensitivity`` 0..1, default 0.5: higher finds quieter and
  closer onsets, at least 50 ms apart), just before the attack. Each sound runs to the next
  onset, less its trailing silence (keeping ``pad_s``). Cutting at onsets, silence (between
  sounds, and the file's leading and trailing silence above) is judged against the file's own
  peak: a 10 ms window ``silence_db`` (60 dB) under it, not under full scale, so that a take
  that peaks at -27 dBFS is cut as the same take normalised (a file under ``silence_db`` dBFS
  throughout is still refused as silent). Nothing louder is dropped between two onsets, and a
  sound found under that level keeps its attack. A short last hit is a sound of its own: an
  onset in the file's last 50 ms is dropped only while the file still sounds at its very end
  (a recording cut off mid-sound, whose click is no onset). What comes before the first onset
  joins the first sound when shorter than 50 ms; else it is a sound of its own, unless it is
  only background (no 10 ms of it 10 dB above the quietest tenth of the file, nor within 30 dB
  of its loudest), which is cut like silence (kept, in the first sound, when silence is not
  trimmed). A file with no onset after its start is one sound, as with the default
  ``split="length"``.

  What is not cut, at the default sensitivity: a new note without an attack of its own (a
  legato melody, a slur, a glide: a change of pitch alone is no onset; a repeated note is);
  hits closer than 50 ms (a fast roll, a flam: one sound); a quiet hit under a louder sound
  that rings on (closed hats under a crash, ghost notes); a soft swell that takes longer than
  ~50 ms to rise (a bird's chirp in wind, a bowed or breathed start) unless it stands clear of
  what sounds around it. A higher sensitivity finds more of these, and cuts also where nothing
  starts (a note's release, gusts of wind). A stretch longer than ``segment_s`` without an
  onset (a steady background) is split into equal pieces by the next rule.
- What remains (each sound, with onsets), if longer than ``segment_s`` (default 10 s), is split
  into the fewest equal pieces no longer than ``segment_s``; each piece is its own sound
  (``segment_index`` 0, 1, … through the file, ``start_s`` its offset in the file). A sound
  shorter than ``min_sound_s`` (a click, a hi-hat tick) is padded with silence to that length;
  one shorter than ``MIN_AUDIBLE_S`` is refused.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path

AUDIO_EXTENSIONS = frozenset(
    {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".aifc", ".mp3", ".w64"}
)

READABLE = "WAV, FLAC, OGG/Opus, AIFF, MP3 and W64"  # AUDIO_EXTENSIONS, for people
MIN_AUDIBLE_S = 0.001  # shorter sounds are refused: too short to be heard as anything
SPLITS = ("length", "onsets")  # how a file is cut: in equal pieces, or where its sounds start
_ONSET_FIELDS = ("split", "onset_sensitivity")
ONSET_CUT_VERSION = 2  # raised when the same rules cut files at onsets differently  # hashed only when they cut (signature)


@dataclass(frozen=True)
class ImportRules:
    """How files become sounds (see the module docstring). Times in seconds; ``split`` one of
    :data:`SPLITS`; ``onset_sensitivity`` 0..1 (used with ``split="onsets"``)."""

    max_file_s: float = 600.0
    segment_s: float = 10.0
    min_sound_s: float = 0.05
    trim_silence: bool = True
    silence_db: float = -60.0
    pad_s: float = 0.01
    split: str = "length"
    onset_sensitivity: float = 0.5

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {self.split!r}")
        if not 0.0 <= self.onset_sensitivity <= 1.0:
            raise ValueError(f"onset_sensitivity must be in 0..1, not {self.onset_sensitivity}")

    def signature(self) -> str:
        """Short hash of the rules that shape a sound: cached latents are reused only under
        the same ones. ``max_file_s`` only refuses files, so it is left out (hashed as its
        default, which keeps the keys of projects made before it was); the onset fields are
        hashed only with ``split="onsets"``, so that rules cutting by length keep the keys
        they had before there were onsets."""
        shaping = replace(self, max_file_s=ImportRules.max_file_s)
        values = tuple(
            value
            for field, value in zip(fields(self), astuple(shaping), strict=True)
            if field.name not in _ONSET_FIELDS
        )
        if self.split != "length":  # the version: latents of earlier onset cuts not reused
            values += (self.split, self.onset_sensitivity, ONSET_CUT_VERSION)
        return hashlib.sha256(repr(values).encode()).hexdigest()[:12]


def _walk(folder: Path, others: Counter[str] | None = None) -> Iterator[Path]:
    """Audio files under ``folder`` (audio extension, not hidden). A folder that cannot be
    listed is yielded itself, so that the import lists it as bad with the reason instead of
    passing over its files in silence. ``others`` counts the files passed over by their
    extension (lower case; "" for none).

    Links to folders are followed (favourites folders and packs on another drive are made of
    them), after the real folders, and each real folder is walked once: a link to a folder
    walked already (a loop, a pack linked twice, a folder that is also there for real) or to
    a folder that holds the dropped one (``up -> ..``, a link to the home folder or to ``/``)
    is passed over.
    """
    unlisted: list[Path] = []
    top = os.path.realpath(folder)
    walked = {top}
    pending = [Path(folder)]

    def note(exc: OSError) -> None:
        if not Path(exc.filename).name.startswith("."):  # hidden, like hidden files: skipped
            unlisted.append(Path(exc.filename))

    while pending:
        links: list[Path] = []
        for root, dirs, files in os.walk(pending.pop(0), onerror=note, followlinks=False):
            kept = []
            for name in sorted(dirs):
                path = os.path.join(root, name)
                real = os.path.realpath(path)
                if os.path.islink(path):
                    links.append(Path(path))  # once the real folders are walked
                elif real not in walked:
                    walked.add(real)
                    kept.append(name)
            dirs[:] = kept
            yield from unlisted
            unlisted.clear()
            for name in sorted(files):
                if name.startswith("."):
                    continue
                suffix = Path(name).suffix.lower()
                if suffix in AUDIO_EXTENSIONS:
                    yield Path(root) / name
                elif others is not None:
                    others[suffix] += 1
        for link in links:
            real = os.path.realpath(link)
            holds_top = os.path.commonpath([real, top]) == real
            if real not in walked and not holds_top:
                walked.add(real)
                pending.append(link)
    yield from unlisted


def _links_on_the_way(path: Path) -> int:
    """2 when ``path`` is a symbolic link, 1 when a folder on it is one, else 0."""
    if os.path.islink(path):
        return 2
    return int(os.path.realpath(path) != os.path.normpath(os.path.abspath(path)))


def scan_paths(paths: Sequence[str | Path], others: Counter[str] | None = None) -> list[Path]:
    """Audio files among ``paths``: files as given (any extension), folders searched recursively.

    Inside folders only files with an audio extension (:data:`AUDIO_EXTENSIONS`, any case) are
    taken, hidden files (``.name``) skipped; ``others`` counts the rest by extension. The order
    is stable: sorted within each folder, duplicates removed. A path that does not exist, and a
    folder that cannot be listed, are kept, so the import lists them as bad.
    """
    place: dict[str, int] = {}  # real path -> index in out
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = _walk(p, others)
        else:
            found = iter([p])
        for f in found:
            key = os.path.realpath(f)  # one file reached through links or ".." is taken once
            if key not in place:
                place[key] = len(out)
                out.append(f)
            elif _links_on_the_way(f) < _links_on_the_way(out[place[key]]):
                # the file's own path beats one through a link (to it, or to a folder above
                # it) that sorted first: deleting the link later must not orphan the sound
                out[place[key]] = f
    return out


def passed_over_text(others: Counter[str]) -> str:
    """ "3 .m4a, 2 .txt and 1 other files" for files ``scan_paths`` passed over (by extension),
    most first; "" for none."""
    if not others:
        return ""
    common = others.most_common(3)
    parts = [f"{n} {ext or 'extensionless'}" for ext, n in common]
    rest = sum(others.values()) - sum(n for _, n in common)
    if rest:
        parts.append(f"{rest} other")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{listed} files"
