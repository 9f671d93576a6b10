"""``PathEditHistory``: undo and redo for the edits of one path.

Paths are immutable, so the history is simply the list of versions; an edit pushes the new
version and drops anything that had been undone.
"""

from __future__ import annotations

from .path import LatentPath


class PathEditHistory:
    """Versions of one path with an undo/redo cursor.

    Parameters
    ----------
    initial : LatentPath
        The version before any edit.
    limit : int
        Most undo steps kept (older ones are forgotten first); at least 1.

    Not thread-safe: the GUI thread owns it.
    """

    def __init__(self, initial: LatentPath, limit: int = 100) -> None:
        self._versions: list[tuple[LatentPath, str]] = [(initial, "")]
        self._index = 0
        self._limit = max(1, int(limit))

    @property
    def current(self) -> LatentPath:
        return self._versions[self._index][0]

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._versions) - 1

    @property
    def undo_label(self) -> str:
        """Label of the edit :meth:`undo` would revert ("" when none), e.g. for "Undo trim"."""
        return self._versions[self._index][1] if self.can_undo else ""

    @property
    def redo_label(self) -> str:
        return self._versions[self._index + 1][1] if self.can_redo else ""

    def apply(self, path: LatentPath, label: str = "edit") -> LatentPath:
        """Make ``path`` the current version (the result of an edit called ``label``)."""
        del self._versions[self._index + 1 :]
        self._versions.append((path, label))
        if len(self._versions) > self._limit + 1:
            del self._versions[: len(self._versions) - self._limit - 1]
        self._index = len(self._versions) - 1
        return path

    def map_versions(self, change) -> None:
        """Apply ``change(path) -> path`` to every version, keeping the cursor and labels
        (the same path drawn on a map laid out again: no edit, nothing to undo)."""
        self._versions = [(change(path), label) for path, label in self._versions]

    def undo(self) -> LatentPath:
        """Step back one edit (no-op at the first version); returns the current version."""
        if self.can_undo:
            self._index -= 1
        return self.current

    def redo(self) -> LatentPath:
        """Step forward one undone edit (no-op when none); returns the current version."""
        if self.can_redo:
            self._index += 1
        return self.current
