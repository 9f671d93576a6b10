"""What the app remembers between runs (``QSettings``): recent files, audio device, import
options, window layout.

Tests point ``AppSettings`` at a private INI file (``AppSettings(path=tmp_path / "s.ini")``) so
they never read or write the user's real settings. GUI thread only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from latentscape.engines.corpus.rules import ImportRules

ORGANISATION = "latentscape"
APPLICATION = "latentscape"
MAX_RECENT = 8
DEFAULT_BLOCK_FRAMES = 1024


def _as_list(value: Any) -> list[str]:
    # QSettings (INI) hands back a str for a 1-element list and None for an empty one.
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def _as_bool(value: Any) -> bool:
    # QSettings (INI) hands back "true"/"false" strings for booleans it wrote.
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


class AppSettings:
    """Typed access to the app's ``QSettings``.

    Parameters
    ----------
    path : str or Path, optional
        An INI file to use instead of the per-user native store (tests, portable installs).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._qs = QSettings(ORGANISATION, APPLICATION)
        else:
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def qsettings(self) -> QSettings:
        return self._qs

    def sync(self) -> None:
        self._qs.sync()

    # -- recent files -------------------------------------------------------------------
    def recent_files(self, kind: str = "projects") -> list[str]:
        """Most recent first; ``kind`` is "projects" or "models"."""
        return _as_list(self._qs.value(f"recent/{kind}"))

    def add_recent_file(self, path: str | Path, kind: str = "projects") -> list[str]:
        """Put ``path`` first in the list (no duplicates, at most 8) and return the list."""
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files(kind) if f != path]
        files = files[:MAX_RECENT]
        self._qs.setValue(f"recent/{kind}", files)
        return files

    def clear_recent_files(self, kind: str = "projects") -> None:
        self._qs.remove(f"recent/{kind}")

    # -- last session -------------------------------------------------------------------
    @property
    def last_project(self) -> str | None:
        value = self._qs.value("session/last_project")
        return str(value) if value else None

    @last_project.setter
    def last_project(self, path: str | Path | None) -> None:
        self._qs.setValue("session/last_project", "" if path is None else str(path))

    # -- audio --------------------------------------------------------------------------
    @property
    def audio_device(self) -> str | None:
        """Saved output device spec ("JACK", "HostAPI: name"); None = the system default."""
        value = self._qs.value("audio/device")
        return str(value) if value else None

    @audio_device.setter
    def audio_device(self, spec: str | None) -> None:
        self._qs.setValue("audio/device", spec or "")

    @property
    def block_frames(self) -> int:
        value = self._qs.value("audio/block_frames", DEFAULT_BLOCK_FRAMES)
        try:
            frames = int(value)
        except (TypeError, ValueError):
            return DEFAULT_BLOCK_FRAMES
        return frames if 64 <= frames <= 8192 else DEFAULT_BLOCK_FRAMES

    @block_frames.setter
    def block_frames(self, frames: int) -> None:
        self._qs.setValue("audio/block_frames", int(frames))

    # -- import -------------------------------------------------------------------------
    @property
    def import_rules(self) -> ImportRules:
        """How imports cut files into sounds (File → Import Options…); defaults where unset
        or unreadable."""
        default = ImportRules()
        try:
            segment_s = float(self._qs.value("import/segment_s", default.segment_s))
            max_file_s = float(self._qs.value("import/max_file_s", default.max_file_s))
        except (TypeError, ValueError):
            return default
        trim = _as_bool(self._qs.value("import/trim_silence", default.trim_silence))
        if not (0 < segment_s <= 3600 and 0 < max_file_s <= 24 * 3600):
            return default
        rules = replace(default, segment_s=segment_s, max_file_s=max_file_s, trim_silence=trim)
        split = str(self._qs.value("import/split", default.split))
        try:  # a split or sensitivity this version does not know: cut by length
            sensitivity = float(
                self._qs.value("import/onset_sensitivity", default.onset_sensitivity)
            )
            return replace(rules, split=split, onset_sensitivity=sensitivity)
        except (TypeError, ValueError):
            return rules

    @import_rules.setter
    def import_rules(self, rules: ImportRules) -> None:
        self._qs.setValue("import/segment_s", float(rules.segment_s))
        self._qs.setValue("import/max_file_s", float(rules.max_file_s))
        self._qs.setValue("import/trim_silence", bool(rules.trim_silence))
        self._qs.setValue("import/split", rules.split)
        self._qs.setValue("import/onset_sensitivity", float(rules.onset_sensitivity))

    # -- view ---------------------------------------------------------------------------
    def flag(self, key: str, default: bool = False) -> bool:
        return _as_bool(self._qs.value(f"view/{key}", default))

    def set_flag(self, key: str, value: bool) -> None:
        self._qs.setValue(f"view/{key}", bool(value))

    # -- window -------------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """(geometry, dock/toolbar state) as saved by the main window, or None if never saved."""
        geometry = self._qs.value("window/geometry")
        state = self._qs.value("window/state")
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
