"""The sounds marked on the map (else the selected one), their files' paths, and copies of
those files in a folder.

Qt-free. :func:`copy_files` runs on a worker (a hundred samples take a moment); the rest on
any thread.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from latentscape.engines.atomic_write import free_path
from latentscape.project_records import Sound


def marked_sounds(state, marked: Sequence[int], selected_id: int) -> list[Sound]:
    """The sounds of ``state`` (a MapState) at map indices ``marked`` (the map's marks), else
    the selected one (``selected_id``; -1: none), else none."""
    if not marked and selected_id >= 0:
        marked = [state.index_of(selected_id)]
    return [state.sound_at(i) for i in marked if 0 <= i < len(state)]


def files_of(sounds: Sequence[Sound], resolve: Callable[[str], Path]) -> list[Path]:
    """Each file of ``sounds`` once (pieces of one long file share it), in their order;
    generated sounds have none."""
    return list(dict.fromkeys(resolve(s.path) for s in sounds if s.path))


def copy_files(files: Sequence[Path], folder: Path) -> tuple[list[Path], list[Path]]:
    """Copy ``files`` into ``folder`` (made if needed), never over a file there: returns
    (the copies, the files that could not be read: moved, or a drive not mounted).
    Raises OSError when the folder cannot be written (full disk, no permission)."""
    folder.mkdir(parents=True, exist_ok=True)
    copies, missing = [], []
    for path in files:
        if not path.is_file():
            missing.append(path)
            continue
        target = free_path(folder / path.name)
        shutil.copy2(path, target)
        copies.append(target)
    return copies, missing
