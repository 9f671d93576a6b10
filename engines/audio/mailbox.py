"""Newest-value-wins hand-off from the GUI thread to a decode thread, without locks."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    """Holds only the newest value put into it; older unread values are dropped.

    :meth:`put` may be called from any thread; :meth:`peek` from any thread. The value and its
    version are stored as one tuple, so a reader never sees a value paired with another's
    version (a single attribute store is atomic in CPython).
    """

    def __init__(self) -> None:
        self._box: tuple[int, T | None] = (0, None)

    def put(self, value: T) -> int:
        """Store ``value``; returns its version (1, 2, …)."""
        version = self._box[0] + 1
        self._box = (version, value)
        return version

    def peek(self) -> tuple[int, T | None]:
        """``(version, value)`` of the newest value; ``(0, None)`` before the first put."""
        return self._box
