"""Keep trained priors in a project through its generic items API (item kind ``"prior"``).

The project store lives in the app layer; this module only needs an object with its item
methods (:class:`ItemStore`), so engines stay below the app. One item per (prior kind, model):
a prior is tied to the latent space it was trained in, named by the model's content hash.

Item layout: ``name`` = the prior kind, ``payload`` = :meth:`to_bytes`, ``meta`` = JSON with
``kind, latent_size, window_frames, prior_frames, time_stride, model_hash, steps, seconds``
(+ any ``extra_meta``).
"""

from __future__ import annotations

from typing import Any, Protocol

from .base import PriorError
from .diffusion import DiffusionPrior
from .gan import GanPrior
from .saved import prior_from_bytes

ITEM_KIND = "prior"


class StoredItem(Protocol):
    id: int
    kind: str
    name: str
    payload: bytes
    meta: dict[str, Any]


class ItemStore(Protocol):
    """The part of ``latentscape.project_store.ProjectStore`` this module uses."""

    def put_item(
        self, kind: str, name: str, payload: bytes = b"", meta: dict[str, Any] | None = None
    ) -> int: ...

    def update_item(
        self,
        item_id: int,
        *,
        name: str | None = None,
        payload: bytes | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None: ...

    def items(self, kind: str | None = None, *, with_payload: bool = True) -> list[Any]: ...

    def get_item(self, item_id: int) -> Any: ...


def prior_items(store: ItemStore, kind: str | None = None, model_hash: str | None = None) -> list:
    """Stored prior items (without payload), oldest first, filtered by kind and model."""
    found = []
    for item in store.items(ITEM_KIND, with_payload=False):
        meta = item.meta or {}
        if kind is not None and meta.get("kind") != kind:
            continue
        if model_hash is not None and meta.get("model_hash", "") != model_hash:
            continue
        found.append(item)
    return found


def save_prior(
    store: ItemStore,
    prior: GanPrior | DiffusionPrior,
    model_hash: str = "",
    extra_meta: dict[str, Any] | None = None,
) -> int:
    """Store ``prior`` (replacing the one of the same kind for the same model); its item id."""
    meta: dict[str, Any] = {
        "kind": prior.kind,
        "latent_size": prior.latent_size,
        "window_frames": prior.window_frames,
        "prior_frames": prior.prior_frames,
        "time_stride": prior.time_stride,
        "model_hash": model_hash,
    }
    if prior.report is not None:
        meta["steps"] = prior.report.steps
        meta["seconds"] = round(prior.report.seconds, 3)
    meta.update(extra_meta or {})
    payload = prior.to_bytes()
    existing = prior_items(store, prior.kind, model_hash)
    if existing:
        item_id = int(existing[-1].id)
        store.update_item(item_id, name=prior.kind, payload=payload, meta=meta)
        return item_id
    return int(store.put_item(ITEM_KIND, prior.kind, payload, meta))


def load_prior(
    store: ItemStore, kind: str, model_hash: str | None = None
) -> GanPrior | DiffusionPrior | None:
    """The newest stored prior of ``kind`` (for ``model_hash`` when given), or None."""
    found = prior_items(store, kind, model_hash)
    if not found:
        return None
    item = store.get_item(found[-1].id)
    prior = prior_from_bytes(item.payload)
    if prior.kind != kind:
        raise PriorError(f"project item {item.id} says '{kind}' but holds a {prior.kind} prior")
    return prior
