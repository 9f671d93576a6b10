"""``MapDrops``: files, folders and gallery tiles dropped on the map (mixed into ``MapView``).

Local files/folders emit ``filesDropped(paths)``; a gallery tile
(``application/x-latentscape-tile``) emits ``tileDropped(source, tile_id, x, y)``, at the map
position it was dropped on. While files are dragged over it, the map says "Release to import".
GUI thread only.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from . import theme
from .tile_mime import TILE_MIME, local_paths, read_tile

EMPTY_HINT = "Drop sound files or folders here"
DROP_HINT = "Release to import"


class MapDrops:
    """Drop handling for a ``MapView`` (its ``_hint`` label, ``data_pos``, signals)."""

    # QGraphicsView hands the viewport's drag events to these
    def _accepts(self, mime: QtCore.QMimeData) -> bool:
        return bool(local_paths(mime)) or mime.hasFormat(TILE_MIME)

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
            if local_paths(event.mimeData()):
                self._set_hint_style(dragging=True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QtGui.QDragLeaveEvent) -> None:
        self._set_hint_style(dragging=False)
        event.accept()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        self._set_hint_style(dragging=False)
        mime = event.mimeData()
        tile = read_tile(mime)
        if tile is not None:
            x, y = self.data_pos(event.position())
            event.acceptProposedAction()
            self.tileDropped.emit(tile[0], tile[1], x, y)
            return
        paths = local_paths(mime)
        if paths:
            event.acceptProposedAction()
            self.filesDropped.emit(paths)
        else:
            event.ignore()

    def _set_hint_style(self, dragging: bool) -> None:
        if dragging:
            self._hint.setText(DROP_HINT)
            self._hint.setStyleSheet(
                f"color: {theme.TEXT}; font-size: 16pt; background: rgba(86, 180, 233, 40);"
                f"border: 2px dashed {theme.ACCENT}; border-radius: 12px;"
            )
            self._hint.setVisible(True)
        else:
            self._hint.setText(EMPTY_HINT)
            self._hint.setStyleSheet(f"color: {theme.TEXT_DIM}; font-size: 15pt;")
            self._hint.setVisible(self.point_count() == 0)
