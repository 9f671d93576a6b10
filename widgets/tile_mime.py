"""The drag-and-drop payload of a gallery tile: ``application/x-latentscape-tile``."""

from __future__ import annotations

import json

from PySide6 import QtCore

TILE_MIME = "application/x-latentscape-tile"


def tile_mime_data(source: str, tile_id: int | str) -> QtCore.QMimeData:
    """A ``QMimeData`` carrying ``{"source": ..., "tile_id": ...}`` as UTF-8 JSON."""
    mime = QtCore.QMimeData()
    payload = json.dumps({"source": str(source), "tile_id": tile_id}).encode("utf-8")
    mime.setData(TILE_MIME, QtCore.QByteArray(payload))
    return mime


def read_tile(mime: QtCore.QMimeData) -> tuple[str, int | str] | None:
    """``(source, tile_id)`` from ``mime``, or None when it carries no (valid) tile."""
    if not mime.hasFormat(TILE_MIME):
        return None
    try:
        data = json.loads(bytes(mime.data(TILE_MIME).data()).decode("utf-8"))
        return str(data["source"]), data["tile_id"]
    except (ValueError, KeyError, TypeError):
        return None


def local_paths(mime: QtCore.QMimeData) -> list[str]:
    """Local file and folder paths among ``mime``'s URLs (remote URLs are ignored)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]
