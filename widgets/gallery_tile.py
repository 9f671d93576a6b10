"""One gallery tile: a spectrogram thumbnail and a label; click to hear it, drag it onto the map."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from . import theme
from .tile_mime import tile_mime_data

THUMB_SIZE = QtCore.QSize(124, 72)
THUMB_RANGE_DB = 70.0


def thumbnail_image(thumb_db: np.ndarray, size: QtCore.QSize = THUMB_SIZE) -> QtGui.QImage:
    """Render a spectrogram [T, F] float32 dB as an RGBA image, low frequencies at the bottom.

    Levels: the loudest value is the brightest colour and the scale spans 70 dB below it.
    """
    s = np.asarray(thumb_db, dtype=np.float32)
    if s.ndim != 2 or s.size == 0:
        raise ValueError(f"a tile thumbnail must be a non-empty [T, F] array, got {s.shape}")
    top = float(np.nanmax(s))
    norm = np.clip((s - (top - THUMB_RANGE_DB)) / THUMB_RANGE_DB, 0.0, 1.0)
    idx = np.nan_to_num(norm * 255.0).astype(np.uint8)
    # Rows of the image are frequencies, highest first; columns are time.
    rgba = np.ascontiguousarray(theme.spectrogram_lut()[idx.T[::-1]])
    h, w = rgba.shape[:2]
    image = QtGui.QImage(rgba.data, w, h, 4 * w, QtGui.QImage.Format.Format_RGBA8888).copy()
    return image.scaled(
        size,
        QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
        QtCore.Qt.TransformationMode.SmoothTransformation,
    )


class TileWidget(QtWidgets.QFrame):
    """A tile of the gallery: ``clicked()`` on a click; a drag (``dragStarted()``) carries the
    tile's mime data (`mime_data`), which `MapView` accepts.

    A drag starts once the pointer moves ``QApplication.startDragDistance()`` from the press.
    """

    clicked = QtCore.Signal()
    dragStarted = QtCore.Signal()

    def __init__(
        self,
        source: str,
        tile_id: int | str,
        thumb_db: np.ndarray,
        label: str,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.tile_id = tile_id
        self.setObjectName("tile")
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.setToolTip(
            f"{label}\nClick to hear it · drag it onto the map to add it among the sounds it resembles"
        )
        self._thumb = QtWidgets.QLabel()
        self._pixmap = QtGui.QPixmap.fromImage(thumbnail_image(thumb_db))
        self._thumb.setPixmap(self._pixmap)
        self._thumb.setFixedSize(THUMB_SIZE)
        self._label = QtWidgets.QLabel(label)
        self._label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._label.setProperty("role", "dim")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(5, 5, 5, 4)
        layout.setSpacing(3)
        layout.addWidget(self._thumb)
        layout.addWidget(self._label)
        self._press_pos: QtCore.QPoint | None = None
        self._selected = False
        self._apply_style()

    def label(self) -> str:
        return self._label.text()

    def is_selected(self) -> bool:
        return self._selected

    def set_selected(self, selected: bool) -> None:
        self._selected = bool(selected)
        self._apply_style()

    def mime_data(self) -> QtCore.QMimeData:
        return tile_mime_data(self.source, self.tile_id)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            self._press_pos = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._press_pos is None:
            return
        moved = (event.position().toPoint() - self._press_pos).manhattanLength()
        if moved >= QtWidgets.QApplication.startDragDistance():
            self._press_pos = None
            drag = QtGui.QDrag(self)
            drag.setMimeData(self.mime_data())
            drag.setPixmap(self._pixmap.scaledToWidth(90))
            drag.setHotSpot(QtCore.QPoint(45, 26))
            self.dragStarted.emit()
            drag.exec(QtCore.Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._press_pos is not None and event.button() == QtCore.Qt.MouseButton.LeftButton:
            self._press_pos = None
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def _apply_style(self) -> None:
        border = theme.ACCENT if self._selected else theme.BORDER
        bg = "#22384a" if self._selected else theme.SURFACE
        self.setStyleSheet(
            f"QFrame#tile {{ background: {bg}; border: 2px solid {border}; border-radius: 6px; }}"
            f" QFrame#tile:hover {{ border-color: {theme.TEXT_DIM}; }}"
        )
