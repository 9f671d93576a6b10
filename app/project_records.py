"""Plain records the project store reads and writes, its error, and array packing for item
payloads."""

from __future__ import annotations

import contextlib
import io
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from latentscape.engines.atomic_write import NAME_MAX
from latentscape.engines.errors import LatentscapeError

# SQLite keeps its journal beside a project (NAME-journal), and Save As writes NAME.partial
# first: the project's own name must leave room for both.
PROJECT_NAME_MAX = NAME_MAX - len(".partial-journal")


class StorePart:
    """What a part of :class:`~latentscape.project_store.ProjectStore` (its sounds, maps and
    items mixins) uses of the store, which defines all of it: the connection, its lock, the
    file, and the methods below."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    _path: Path

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _model_hash(self) -> str:
        raise NotImplementedError

    def model(self) -> ModelRef | None:
        raise NotImplementedError


class ProjectError(LatentscapeError):
    """A project file is missing, not a project, from a newer version, or asked for what it lacks."""


@dataclass(frozen=True)
class ModelRef:
    path: str
    content_hash: str
    info: dict[str, Any]

    @property
    def space(self) -> str:
        """The latent space of the project's latents (``ModelInfo.space``): the hash of the
        checkpoint an export was made from, else the model's own."""
        return self.info.get("latent_space") or self.content_hash


@dataclass(frozen=True)
class NewSound:
    """A sound to add. ``latents`` ``[frames, latent_size]`` float32 are for the current model."""

    path: str | None
    content_hash: str
    duration_s: float
    latents: np.ndarray | None = None
    folder: str = ""
    name: str = ""
    tags: tuple[str, ...] = ()
    generated: bool = False
    segment_index: int = 0
    start_s: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sound:
    """A sound of the project (without its latents). ``frames`` is None when not encoded."""

    id: int
    path: str | None
    content_hash: str
    duration_s: float
    folder: str
    name: str
    tags: tuple[str, ...]
    generated: bool
    segment_index: int
    start_s: float
    meta: dict[str, Any]
    frames: int | None


@dataclass(frozen=True)
class Item:
    """A generic stored object (kinds: "path", "prior", "gallery", …). Times are unix seconds."""

    id: int
    kind: str
    name: str
    payload: bytes
    meta: dict[str, Any]
    created_at: float
    updated_at: float


def pack_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """Arrays to ``.npz`` bytes (no pickle), for item payloads."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()


def unpack_arrays(payload: bytes) -> dict[str, np.ndarray]:
    """Inverse of :func:`pack_arrays`."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _latent_blob(latents: np.ndarray) -> tuple[int, int, bytes]:
    z = np.ascontiguousarray(latents, dtype=np.float32)
    if z.ndim != 2:
        raise ValueError(f"latents must be [frames, latent_size], got shape {z.shape}")
    return z.shape[0], z.shape[1], z.tobytes()


def _blob_latents(frames: int, dims: int, data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32).reshape(frames, dims).copy()


def rebase_paths(conn: sqlite3.Connection, old_dir: Path, new_dir: Path) -> None:
    """Rewrite a project copy's relative paths (sounds, model) from ``old_dir`` to ``new_dir``.

    A path inside ``new_dir`` stays relative to it; any other becomes absolute.
    """
    if old_dir == new_dir:
        return

    def moved(stored: str | None) -> str | None:
        if not stored or Path(stored).is_absolute():
            return stored
        full = old_dir / stored
        try:
            return full.relative_to(new_dir).as_posix()
        except ValueError:
            return str(full)

    conn.execute("BEGIN")
    rows = conn.execute("SELECT id, path, folder FROM sounds").fetchall()
    conn.executemany(
        "UPDATE sounds SET path = ?, folder = ? WHERE id = ?",
        [(moved(path), moved(folder), i) for i, path, folder in rows],
    )
    for (path,) in conn.execute("SELECT path FROM model").fetchall():
        conn.execute("UPDATE model SET path = ?", (moved(path),))
    conn.execute("COMMIT")


def check_project_name(path: Path) -> None:
    """ProjectError when ``path``'s name is too long for a project (``PROJECT_NAME_MAX``)."""
    if len(path.name.encode()) > PROJECT_NAME_MAX:
        raise ProjectError(
            f"{path.name[:32]}…: a project's name may have at most {PROJECT_NAME_MAX} bytes "
            "(SQLite keeps a journal file beside it, named after it); choose a shorter name"
        )
