"""Checkpoint files of our VAE: plain dicts of tensors and values, safe for ``weights_only``.

Model file (what ``latentscape train -o MODEL`` writes and the app loads)::

    {"format": "latentscape-vae", "version": 1,
     "config": {VaeConfig fields}, "state_dict": {name: tensor},
     "pca_mean": [L] float32, "pca_components": [L, L] float32 (rows: components, most
     important first), "pca_variance": [L] float32,
     "training": {"step", "seconds", "seed", "files", "command", ...},
     "metrics": {"mrstft", ...}}

Resume file (``MODEL.resume``): the same plus ``"optimizer"`` (its state dict); random
streams restart from ``(seed, rank, step)``, so a resumed run is reproducible too.
Files are written atomically (temporary file, then rename), so an interrupted write never
destroys the previous checkpoint.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from ..atomic_write import write_bytes_atomic
from ..errors import ModelLoadError

FORMAT = "latentscape-vae"
VERSION = 1


def resume_path(model_path: str | Path) -> Path:
    return Path(str(model_path) + ".resume")


def save_atomic(data: dict[str, Any], path: str | Path) -> None:
    """``torch.save`` ``data`` to ``path`` whole or not at all (:mod:`..atomic_write`).
    Serialised in memory first: torch reports a full disk as a RuntimeError of its own, the
    atomic write as one line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(data, buffer)
    write_bytes_atomic(path, buffer.getbuffer())


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load and check a model or resume file (``weights_only=True``: no code runs)."""
    path = Path(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelLoadError(f"{path}: no such file") from None
    except Exception as exc:
        raise ModelLoadError(f"{path.name}: not a readable checkpoint ({exc})") from None
    check_format(data, path.name)
    return data


def check_format(data: Any, name: str) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelLoadError(f"{name}: not a latentscape VAE checkpoint")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ModelLoadError(
            f"{name}: checkpoint version {version} is newer than this latentscape supports "
            f"({VERSION}); update latentscape"
        )
    for key in ("config", "state_dict", "pca_mean", "pca_components"):
        if key not in data:
            raise ModelLoadError(f"{name}: damaged latentscape checkpoint (no '{key}')")
