"""The take item: a take under way as kept in the project, and its recovery (Qt-free).

A take item (kind :data:`TAKE_KIND`) holds the take so far as arrays in an ``.npz`` payload
(``times_s`` [n], ``xy`` [n, 2], ``latents`` [n, L], and the lane of latent controls when the
take has one: ``controls_times_s`` [k], ``controls`` [k, 17]); its ``meta`` says which process wrote it
(``host``, ``pid``, and ``take``: a token of that one take, so that a process replaces or
removes only its own take, never another copy's take under way nor a damaged one left for a
later version), and on which map layout ``xy`` lies (``meta["layout"]``: always the layout of
the map the project held when it was written, see :mod:`latentscape.stored_layout`). Written
while the window showed a newer layout not stored yet, it also holds the positions on that
one (``xy_ahead``, layout ``meta["ahead"]``): whichever map the project ends up with, the take
has positions on it (:func:`move_take`, :func:`recover_takes`).

Thread: any one thread (the store's lock guards each call).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import time

import numpy as np

from latentscape.engines.paths import ITEM_KIND, LatentPath, path_to_item
from latentscape.engines.paths.controls import ControlLane
from latentscape.map_paths import LAYOUT_KEY, layout_meta, on_layout
from latentscape.paths_library import next_path_number
from latentscape.project_maps import CURRENT_MAP
from latentscape.project_records import pack_arrays, unpack_arrays

TAKE_KIND = "path-take"  # project item: a take in progress (one per recording process)
OWNER_KEY = "take"
AHEAD_KEY = "ahead"
LIVE_ELSEWHERE_S = 60.0  # a take written this recently by a live process is still recorded
RECOVERED = " (recovered)"
LANE_ARRAYS = ("controls_times_s", "controls")  # the take's lane of latent controls
_tokens = itertools.count(1)


def new_owner() -> str:
    """A token naming one take of this process (unique on this machine over time)."""
    return f"{socket.gethostname()}:{os.getpid()}:{time.time_ns()}:{next(_tokens)}"


def take_item(
    path: LatentPath,
    layout: int | None,
    owner: str = "",
    ahead: tuple[int, np.ndarray] | None = None,
) -> tuple[bytes, dict]:
    """``(payload, meta)`` of a take item holding ``path``, drawn on map layout ``layout``,
    written by take ``owner``; ``ahead``: ``(layout id, xy [n, 2])``, the same positions on
    the layout shown, not stored yet."""
    arrays = {"times_s": path.times_s, "xy": path.xy, "latents": path.latents}
    if path.controls is not None:
        arrays.update(_lane_arrays(path.controls))
    if ahead is not None:
        arrays["xy_ahead"] = np.asarray(ahead[1], np.float32)
    meta = {
        "seed": path.seed,
        "model_hash": path.model_hash,
        "point_count": path.point_count,
        "duration_s": path.duration_s,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "written_at": time.time(),
        OWNER_KEY: owner,
    }
    if ahead is not None:
        meta[AHEAD_KEY] = int(ahead[0])
    return pack_arrays(arrays), layout_meta(meta, layout)


def clear_takes(store, owner: str | None = None) -> None:
    """Remove the take items of take ``owner`` (None: every take item) from ``store`` (call
    inside its transaction)."""
    for item in store.items(TAKE_KIND, with_payload=False):
        if owner is None or item.meta.get(OWNER_KEY) == owner:
            store.delete_item(item.id)


def move_take(store, item_id: int, old_layout: int, new_layout: int, move) -> bool:
    """The map of layout ``old_layout`` is being replaced by ``new_layout`` (inside that
    transaction): put take ``item_id`` on it, by its positions there when it has them
    (``xy_ahead``), else by ``move()`` (a ``LayoutMove``, built on first use) when it lies
    on the old map. False when it was left (another layout, or damaged)."""
    item = store.get_item(item_id)
    ahead = item.meta.get(AHEAD_KEY)
    try:
        arrays = unpack_arrays(item.payload)
        if ahead == new_layout and "xy_ahead" in arrays:
            xy = np.asarray(arrays["xy_ahead"], np.float32)
        elif on_layout(item.meta, old_layout):
            xy = np.asarray(move()(arrays["xy"]), np.float32)
        else:
            return False
        kept = {"times_s": arrays["times_s"], "xy": xy, "latents": arrays["latents"]}
        kept.update({k: v for k, v in arrays.items() if k in LANE_ARRAYS})
    except Exception:  # a damaged take is recovery's to report, not the map's
        return False
    meta = {k: v for k, v in item.meta.items() if k != AHEAD_KEY}
    store.update_item(item_id, payload=pack_arrays(kept), meta={**meta, LAYOUT_KEY: new_layout})
    return True


def recover_takes(store) -> tuple[list[str], list[str]]:
    """Turn the takes ``store`` holds (the app died while recording them) into paths, in one
    transaction; returns ``(names of the paths made, one line per take that could not be
    read)``. A take unreadable is left in the project; one still recorded elsewhere is left."""
    if not store.items(TAKE_KIND, with_payload=False):
        return [], []  # the usual case: a read, no write (a read-only project opens)
    names: list[str] = []
    errors: list[str] = []
    with store.transaction():
        number = next_path_number(i.name for i in store.items(ITEM_KIND, with_payload=False))
        for item in store.items(TAKE_KIND):
            if _live_elsewhere(item.meta, item.updated_at):
                continue
            name = f"Path {number}{RECOVERED}"
            try:
                path, layout = _path_of(store, item, name)
            except Exception as exc:  # any damage (a bad zip, a missing array): never fatal
                errors.append(f"an autosaved take could not be recovered: {exc or repr(exc)}")
                continue
            path_name, payload, meta = path_to_item(path)
            store.put_item(ITEM_KIND, path_name, payload, layout_meta(meta, layout))
            store.delete_item(item.id)
            number += 1
            names.append(name)
    return names, errors


def _path_of(store, item, name: str) -> tuple[LatentPath, int | None]:
    """The path a take item holds, and the layout its positions lie on."""
    arrays = unpack_arrays(item.payload)
    seed = item.meta.get("seed", 0)
    layout, xy = item.meta.get(LAYOUT_KEY), arrays["xy"]
    ahead = item.meta.get(AHEAD_KEY)
    if isinstance(ahead, int) and "xy_ahead" in arrays and ahead == _map_layout(store):
        layout, xy = ahead, arrays["xy_ahead"]  # that map was stored after the take's write
    lane = None
    if all(k in arrays for k in LANE_ARRAYS):
        with contextlib.suppress(ValueError):  # a damaged lane: the take keeps its points
            lane = ControlLane(arrays["controls_times_s"], arrays["controls"])
    path = LatentPath(
        arrays["times_s"],
        xy,
        arrays["latents"],
        name=name,
        seed=seed if isinstance(seed, int) and seed >= 0 else 0,
        model_hash=str(item.meta.get("model_hash", "")),
        controls=lane,
    )
    return path, layout if isinstance(layout, int) else None


def _lane_arrays(lane: ControlLane) -> dict[str, np.ndarray]:
    return {"controls_times_s": lane.times_s, "controls": lane.values}


def _map_layout(store) -> int | None:
    saved = store.get_map(CURRENT_MAP)
    return None if saved is None else int(saved[0].get(LAYOUT_KEY, 0))


def _live_elsewhere(meta: dict, updated_at: float) -> bool:
    """The take is being recorded by another copy of the app now: on this machine, by a
    process that is alive, written recently."""
    pid = meta.get("pid")
    if meta.get("host") != socket.gethostname() or not isinstance(pid, int) or pid == os.getpid():
        return False
    if time.time() - updated_at > LIVE_ELSEWHERE_S:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True
