"""Saved paths follow their map when it is laid out again (Qt-free; any one thread).

A path's positions are drawn among the sounds of the layout it was recorded or last moved on;
its project item names that layout in ``meta["layout"]`` (an ``Atlas.layout_id``; no entry:
saved before layouts had ids, taken to be on the saved map). When a map with a new layout is
stored, :func:`move_saved_paths` moves every path item that lies on the map being replaced to
the new layout, in the same transaction as the map, so the project never holds a map and
paths drawn on another one: whoever stores the map (the window, ``latentscape map`` from a
shell, an import's consolidation) moves the paths with it. Items on any other layout are left:
the window has moved them itself and saves them on the new layout (a moved item moved again
would land twice as far).

Takes under way or left by a crash (:mod:`latentscape.take_items`) move the same way. The
window stamps nothing with a layout the project does not hold yet: what it writes while its
map is newer than the stored one is written on the stored one (:mod:`latentscape.stored_layout`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from latentscape.engines.paths import ITEM_KIND, PathError, path_from_item, path_to_item
from latentscape.engines.paths.relayout import LayoutMove
from latentscape.project_maps import CURRENT_MAP

if TYPE_CHECKING:
    from latentscape.engines.atlas import Atlas
    from latentscape.project_records import ModelRef

LAYOUT_KEY = "layout"


def on_layout(meta: dict, layout_id: int) -> bool:
    """True when an item's ``meta`` says it lies on layout ``layout_id`` (no entry: on the
    saved map's, ``layout_id`` being that one)."""
    return int(meta.get(LAYOUT_KEY) or 0) in (0, layout_id)


def move_saved_paths(store, atlas: Atlas, model: ModelRef) -> int:
    """Move the paths (and takes) of ``model``'s latent space saved on ``store``'s current
    map to ``atlas``'s layout and stamp them with it; returns how many paths moved. Call
    inside the transaction that stores ``atlas``, before it does. The saved map is read only
    when there are paths or takes of that space. An item that cannot be read is left as it
    is (the path list, or the take's recovery, reports it)."""
    from latentscape.take_items import TAKE_KIND, move_take

    mine = [i for i in store.items(ITEM_KIND, with_payload=False) if _of_space(i.meta, model)]
    takes = [i for i in store.items(TAKE_KIND, with_payload=False) if _of_space(i.meta, model)]
    saved = store.get_map(CURRENT_MAP) if mine or takes else None
    if saved is None:
        return 0
    old = saved[0]
    old_layout = int(old.get(LAYOUT_KEY, 0))
    if old_layout == atlas.layout_id:
        return 0  # the same layout with sounds added: nothing moved
    items = [item for item in mine if on_layout(item.meta, old_layout)]
    built: list[LayoutMove] = []

    def move_of() -> LayoutMove:  # the search tree is built once, if anything moves
        if not built:
            built.append(
                LayoutMove.of_sounds(old["sound_ids"], old["xy"], atlas.sound_ids, atlas.xy)
            )
        return built[0]

    for take in takes:
        move_take(store, take.id, old_layout, atlas.layout_id, move_of)
    moved = 0
    for bare in items:
        item = store.get_item(bare.id)
        try:
            path = path_from_item(item)
        except PathError:
            continue
        name, payload, meta = path_to_item(path.replace(xy=move_of()(path.xy)))
        meta = {**item.meta, **meta, LAYOUT_KEY: atlas.layout_id}
        store.update_item(item.id, name=name, payload=payload, meta=meta)
        moved += 1
    return moved


def _of_space(meta: dict, model: ModelRef) -> bool:
    """A path of this model's latent space (or of none: recorded before paths knew theirs)."""
    owner = meta.get("model_hash") or ""
    return not owner or owner in (model.space, model.content_hash)


def layout_meta(meta: dict, layout_id: int | None) -> dict:
    """``meta`` with the layout entry set (``layout_id`` None: left without one)."""
    return meta if layout_id is None else {**meta, LAYOUT_KEY: int(layout_id)}
