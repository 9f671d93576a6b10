"""Paths as project items (``kind == "path"`` in the project store's generic items).

The payload is the path's version-1 JSON (:mod:`.json_format`) as UTF-8 bytes: exact,
self-describing and versioned, so a project keeps paths even across format changes. ``meta``
holds cheap fields the path list shows without decoding the payload.

App side::

    name, payload, meta = path_to_item(path)
    item_id = store.put_item(ITEM_KIND, name, payload, meta)
    store.update_item(item_id, name=name, payload=payload, meta=meta)   # after an edit
    path = path_from_item(store.get_item(item_id))     # any object with .name/.payload
"""

from __future__ import annotations

from typing import Any, Protocol

from .json_format import from_json, to_json
from .path import LatentPath

ITEM_KIND = "path"


class _ItemLike(Protocol):
    name: str
    payload: bytes


def path_to_item(path: LatentPath) -> tuple[str, bytes, dict[str, Any]]:
    """``(name, payload, meta)`` for ``store.put_item(ITEM_KIND, name, payload, meta)``."""
    meta = {
        "duration_s": path.duration_s,
        "point_count": path.point_count,
        "latent_size": path.latent_size,
        "model_hash": path.model_hash,
    }
    return path.name, to_json(path).encode("utf-8"), meta


def path_from_item(item: _ItemLike) -> LatentPath:
    """The path stored in a project item; the item's name wins (renames touch only it).

    Raises :class:`~.path.PathError` for a damaged or newer-version payload.
    """
    path = from_json(bytes(item.payload), source=f"project path '{item.name}'")
    return path if path.name == item.name else path.replace(name=item.name)
