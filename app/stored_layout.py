"""Which layout the project's saved map is, while the window shows a newer one (Qt-free).

The map is laid out again in memory first (a UMAP refine, an import's preview) and stored a
moment later on a worker, or never (the app dies, the save fails). Paths and takes written in
between must not name a layout the project does not hold: the project would hold paths
drawn on a map it never got, and no later re-layout would move them
(:func:`~latentscape.map_paths.on_layout` never matches that layout). So
:class:`StoredLayout` keeps the moves made since the last stored map, and anything written
meanwhile is written on the stored layout: its positions moved back along those moves
(:meth:`LayoutView.back`) and stamped with the stored layout's id. Once that map is stored,
the store moves them forward with it (:mod:`latentscape.map_paths`) and the window saves its
own exact positions (``PathLibrary.save_moved``).

Thread: :class:`StoredLayout` is updated on the GUI thread; a :class:`LayoutView` is frozen
and may be used on any thread (the take autosave's worker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from latentscape.engines.paths.relayout import LayoutMove


@dataclass
class _Move:
    """One re-layout, onto layout ``from_id``, to be undone."""

    from_id: int | None
    old_xy: np.ndarray  # [N, 2] the sounds' positions before
    new_xy: np.ndarray  # [N, 2] and after
    _back: LayoutMove | None = field(default=None, repr=False)

    def back(self, xy: np.ndarray) -> np.ndarray:
        """Positions ``[P, 2]`` on the new layout -> on the old one (float32)."""
        if self._back is None:  # built once, when first needed (~30 ms at 100k sounds)
            self._back = LayoutMove(self.new_xy, self.old_xy)
        return self._back(xy)


@dataclass(frozen=True)
class LayoutView:
    """The state of :class:`StoredLayout` at one moment (frozen; any thread)."""

    stored_id: int | None
    shown_id: int | None
    moves: tuple[_Move, ...]
    generation: int

    def back(self, layout_id: int | None) -> Callable[[np.ndarray], np.ndarray] | None:
        """``xy -> xy`` taking positions drawn on ``layout_id`` to the stored layout, or None
        when they need no move (``layout_id`` is the stored one, or not the one shown)."""
        if not self.moves or layout_id is None or layout_id != self.shown_id:
            return None
        moves = self.moves[::-1]  # the newest first

        def back(xy: np.ndarray) -> np.ndarray:
            for move in moves:
                xy = move.back(xy)
            return np.asarray(xy, np.float32)

        return back

    def on_disk(
        self, layout_id: int | None
    ) -> tuple[Callable[[np.ndarray], np.ndarray] | None, int | None]:
        """How positions drawn on ``layout_id`` are written: ``(move, layout to stamp)``,
        ``move`` None when they are written as they are. With no map stored yet, they are
        written unstamped: "on the saved map", whichever the project gets first (the window
        moves them onto each new layout until then, and saves them once it is stored)."""
        back = self.back(layout_id)
        if back is not None:
            return (None, None) if self.stored_id is None else (back, self.stored_id)
        if self.stored_id is None and layout_id == self.shown_id:
            return None, None
        return None, layout_id


class StoredLayout:
    """The project's stored map layout against the shown one (``shown()``: the
    ``Atlas.layout_id`` in memory), and the moves between them (GUI thread)."""

    def __init__(self, shown: Callable[[], int | None]) -> None:
        self.shown = shown
        self.stored_id: int | None = None
        self._moves: list[_Move] = []  # the oldest first
        self.generation = 0  # bumped on every change (a worker checks its view is current)

    def reset(self) -> None:
        """A project was opened: the map shown is the one it holds."""
        self.stored_id = self.shown()
        self._moves.clear()
        self.generation += 1

    def moved(self, old_xy: np.ndarray, new_xy: np.ndarray) -> None:
        """The map shown was laid out again (``layoutChanged``: the sounds' positions
        ``[N, 2]`` before and after; the new layout is ``shown()`` already). Call it before
        anything is moved, so a worker that read the positions moved sees the change."""
        old = np.array(old_xy, np.float32).reshape(-1, 2)
        new = np.array(new_xy, np.float32).reshape(-1, 2)
        self.generation += 1
        self._moves.append(_Move(self.shown(), old, new))

    def stored(self, layout_id: int) -> None:
        """The project's map is layout ``layout_id`` now: only the moves made after it are
        left to undo (none when it is the one shown; none either for a layout this window
        never showed, whose positions it cannot know: then writes are stamped as shown)."""
        self.generation += 1
        self.stored_id = layout_id
        newer = [m.from_id for m in self._moves]
        if layout_id in newer and layout_id != self.shown():
            last = len(newer) - 1 - newer[::-1].index(layout_id)
            del self._moves[: last + 1]
        else:
            self._moves.clear()

    def view(self) -> LayoutView:
        """The state now, frozen (taken on the GUI thread, used anywhere)."""
        return LayoutView(self.stored_id, self.shown(), tuple(self._moves), self.generation)
