"""Training corpus: read a folder of sounds once, precompute features, serve random crops.

Every readable file is kept: stereo is mixed to mono, other rates are resampled (soxr), files
shorter than one training crop are padded with silence (RAVE silently drops them), long files
are kept whole and sampled in proportion to their length. Unreadable files are listed, not
fatal. Features (log-mel + YIN pitch, :mod:`.features`) are computed once here, and, when the
trainer asks for them, the synthesizer controls measured from each file (:mod:`.analysis`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import LatentscapeError
from .features import FeatureExtractor

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3", ".opus", ".w64"}
MAX_FILE_S = 600.0


class CorpusError(LatentscapeError):
    """The training folder holds no usable sound."""


def scan_audio_files(folder: str | Path) -> list[Path]:
    """Audio files under ``folder`` (recursive), sorted for a reproducible order."""
    root = Path(folder)
    if not root.exists():
        raise CorpusError(f"{root}: no such folder")
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())


def read_mono(path: Path, sample_rate_hz: int) -> np.ndarray:
    """``path`` as mono float32 at ``sample_rate_hz`` (at most :data:`MAX_FILE_S` seconds).

    A file that is not audio raises the import's :class:`~..corpus.reader.BadAudioError`, with
    its reasons ("empty file (0 bytes)", "a text file, not audio", …)."""
    import soundfile as sf

    from ..corpus.reader import check_file
    from ..corpus.rules import ImportRules

    check_file(Path(path), ImportRules(max_file_s=math.inf))  # long files are cropped below
    with sf.SoundFile(str(path)) as f:
        rate = f.samplerate
        frames = min(f.frames, int(MAX_FILE_S * rate)) if f.frames > 0 else -1
        audio = f.read(frames, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if rate != sample_rate_hz:
        import soxr

        mono = soxr.resample(mono, rate, sample_rate_hz).astype(np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32)


def split_holdout(files: list[Path], fraction: float, seed: int) -> tuple[list[Path], list[Path]]:
    """Deterministic ``(train, validation)`` split by a hash of each file name and ``seed``."""
    if len(files) < 2 or fraction <= 0.0:
        return list(files), []
    keyed = sorted(files, key=lambda p: hashlib.sha1(f"{seed}:{p.name}".encode()).hexdigest())
    n_val = min(len(files) - 1, max(1, round(fraction * len(files))))
    val = set(keyed[:n_val])
    return [f for f in files if f not in val], [f for f in files if f in val]


@dataclass
class Corpus:
    """Precomputed training material; ``audio[i]`` has exactly ``frames[i] * hop`` samples."""

    hop: int
    sample_rate_hz: int
    lead_frames: int = 0  # hops of silence put before every file (build_corpus)
    names: list[str] = field(default_factory=list)
    audio: list[torch.Tensor] = field(default_factory=list)
    feats: list[torch.Tensor] = field(default_factory=list)  # [T, F]
    controls: list[torch.Tensor] = field(default_factory=list)  # [T, C], or none at all
    skipped: list[str] = field(default_factory=list)  # "name: reason"

    def __len__(self) -> int:
        return len(self.audio)

    @property
    def total_seconds(self) -> float:
        return sum(a.numel() for a in self.audio) / self.sample_rate_hz

    def sample_batch(
        self, rng: np.random.Generator, batch: int, frames: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Random crops: audio ``[B, frames * hop]``, features ``[B, frames, F]`` and controls
        ``[B, frames, C]`` (None when the corpus was built without an analyser)."""
        lengths = np.array([f.shape[0] for f in self.feats], np.float64)
        picks = rng.choice(len(self.feats), size=batch, p=lengths / lengths.sum())
        audio, feats, controls = [], [], []
        for i in picks:
            start = int(rng.integers(0, self.feats[i].shape[0] - frames + 1))
            audio.append(self.audio[i][start * self.hop : (start + frames) * self.hop])
            feats.append(self.feats[i][start : start + frames])
            if self.controls:
                controls.append(self.controls[i][start : start + frames])
        return torch.stack(audio), torch.stack(feats), torch.stack(controls) if controls else None


def prepare_audio(
    audio: np.ndarray, hop: int, min_frames: int, lead_frames: int = 0
) -> torch.Tensor:
    """Pad with silence to a whole number of hops, and to at least ``min_frames`` hops, after
    ``lead_frames`` hops of leading silence."""
    lead = lead_frames * hop
    frames = max(min_frames, lead_frames + -(-audio.shape[0] // hop))
    out = np.zeros(frames * hop, np.float32)
    out[lead : lead + audio.shape[0]] = audio
    return torch.from_numpy(out)


def pitch_shifted(audio: np.ndarray, semitones: float, sample_rate_hz: int) -> np.ndarray:
    """``audio`` resampled to play ``semitones`` higher (and shorter by as much), float32."""
    if semitones == 0.0:
        return audio
    import soxr

    ratio = 2.0 ** (semitones / 12.0)
    out = soxr.resample(audio, sample_rate_hz * ratio, sample_rate_hz)
    return np.ascontiguousarray(out, np.float32)


@torch.no_grad()
def build_corpus(
    files: list[Path],
    extractor: FeatureExtractor,
    sample_rate_hz: int,
    min_frames: int,
    progress=None,
    lead_frames: int = 0,
    analyser: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    shifts: tuple[float, ...] = (),
) -> Corpus:
    """Read and analyse ``files``; ``progress(i, n)`` is called after each file.

    ``lead_frames``: hops of silence put before every file. Training crops skip their first
    context frames in the loss, so without a lead-in a sound's onset at the very start of its
    file (most one-shots) never counts in training, while a whole-file decode starts there
    from a silent decoder state. The features of the file's own frames are unchanged (the
    extractor zero-pads anyway).

    ``analyser(audio [N], feats [T, F]) -> controls [T, C]``: when given, its result is kept
    per file (``Corpus.controls``) and served with every crop.

    ``shifts``: semitones; every file is also kept resampled by each (pitch and duration
    change together, as a sampler plays a note on other keys), as a sound of its own.
    """
    corpus = Corpus(hop=extractor.hop, sample_rate_hz=sample_rate_hz, lead_frames=lead_frames)
    for i, path in enumerate(files):
        try:
            mono = read_mono(path, sample_rate_hz)
        except Exception as exc:  # a bad file is reported, never fatal
            corpus.skipped.append(f"{path.name}: {str(exc).splitlines()[0] if str(exc) else exc}")
            continue
        if mono.size == 0 or not np.isfinite(mono).all():
            corpus.skipped.append(f"{path.name}: empty or not finite")
            continue
        for semitones in (0.0, *shifts):
            shifted = pitch_shifted(mono, semitones, sample_rate_hz)
            audio = prepare_audio(shifted, extractor.hop, min_frames, lead_frames)
            feats = extractor(audio[None])[0]
            corpus.names.append(path.name)
            corpus.audio.append(audio)
            corpus.feats.append(feats)
            if analyser is not None:
                corpus.controls.append(analyser(audio, feats))
        if progress is not None:
            progress(i + 1, len(files))
    return corpus
