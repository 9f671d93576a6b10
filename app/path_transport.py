"""``PathTransport``: each path's own Loop and Speed, applied live to the playing path, and the
list's playing marker and readout.

- Loop and Speed in the paths panel show the selected path's settings (its ``meta``:
  :mod:`latentscape.engines.paths.playback`), restored when it is selected. A change by the
  user is stored with that path, in every version of it (saved in the project at once; not
  an edit: Undo leaves it, and an undo of an edit keeps it) and, when that path is the one
  playing, reaches its voice at once: it goes on from where it is at the new speed; loop off
  ends it at the end of the cycle under way (QA s19 M2, L3).
- The playing path's row is marked ▶ and reads "position / length", following the player's
  cursor (QA s19 L4).

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from latentscape.engines.paths.playback import playback_of, with_playback
from latentscape.paths_library import PathLibrary
from latentscape.paths_player import PathPlayer
from latentscape.widgets.paths_panel import PathsPanel


class PathTransport(QObject):
    """Keeps ``panel``'s Loop and Speed, ``player`` and the paths' stored settings in step.

    ``guard(fn)`` runs a library change and turns its errors into a message (returns None on
    one).
    """

    def __init__(
        self,
        panel: PathsPanel,
        player: PathPlayer,
        library: PathLibrary,
        guard: Callable,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel, self.player, self.library = panel, player, library
        self._guard = guard
        panel.playbackChanged.connect(self._on_playback_edited)
        panel.selectionChanged.connect(lambda _id: self.show_selected())
        player.started.connect(lambda path_id: panel.set_playing(True, path_id))
        player.stopped.connect(lambda _id: panel.set_playing(False))
        player.moved.connect(panel.set_position)

    def settings(self, path_id: str) -> tuple[bool, float]:
        """``(loop, speed)`` path ``path_id`` plays with."""
        return playback_of(self.library.path(path_id))

    def show_selected(self) -> None:
        """Loop and Speed show the selected path's settings (kept as they are with none)."""
        path_id = self.panel.selected_path()
        if path_id in self.library:
            self.panel.set_playback(*self.settings(path_id))

    def _on_playback_edited(self, loop: bool, speed: float) -> None:
        """The user changed Loop or Speed: for the selected path (or, with none selected,
        the playing one)."""
        path_id = self.panel.selected_path() or self.player.path_id
        if path_id not in self.library:
            return
        if path_id == self.player.path_id:
            self.player.set_playback(loop, speed)  # heard first, then saved
        if with_playback(self.library.path(path_id), loop, speed) is not self.library.path(path_id):
            self._guard(
                lambda: self.library.restyle(path_id, lambda p: with_playback(p, loop, speed))
            )
