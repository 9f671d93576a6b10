"""Corpus import: read any folder of sounds, cut and resample them, encode them in the background."""

from .job import (
    BadFile,
    ImportedSound,
    ImportJob,
    ImportProgress,
    ImportReport,
    JobState,
    run_import,
    sound_key,
)
from .reader import BadAudioError, FileSounds, Segment, check_file, read_segments
from .rules import AUDIO_EXTENSIONS, ImportRules, scan_paths

__all__ = [
    "AUDIO_EXTENSIONS",
    "BadAudioError",
    "BadFile",
    "FileSounds",
    "ImportJob",
    "ImportProgress",
    "ImportReport",
    "ImportRules",
    "ImportedSound",
    "JobState",
    "Segment",
    "check_file",
    "read_segments",
    "run_import",
    "scan_paths",
    "sound_key",
]
