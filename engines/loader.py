"""Open any model file the app understands, or say precisely why it cannot.

Accepted: TorchScript files that follow the nn~ convention (RAVE exports and others) and
checkpoints of our own VAE. Everything else gets a one-line :class:`~.errors.ModelLoadError`.
Untrusted pickles are never unpickled: checkpoints load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

from .contract import ModelEngine
from .errors import ModelLoadError
from .hashing import file_sha256

RAVE_EXPORT_HINT = (
    "if it is a RAVE training checkpoint, export it to TorchScript first "
    "(rave export --run RUN --streaming) and load the .ts file"
)


def _archive_kind(path: Path) -> str:
    """'torchscript', 'checkpoint' or 'unknown' for a zip archive written by torch."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if any("/code/" in n or n.endswith("/constants.pkl") for n in names):
        return "torchscript"
    if any(n.endswith("/data.pkl") for n in names):
        return "checkpoint"
    return "unknown"


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise ModelLoadError(f"{path}: no such file")
    if path.is_dir():
        raise ModelLoadError(f"{path}: is a directory, not a model file")
    try:
        with open(path, "rb") as f:
            head = f.read(1)
    except PermissionError:
        raise ModelLoadError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ModelLoadError(f"{path}: cannot read ({exc.strerror})") from None
    if not head:
        raise ModelLoadError(f"{path}: empty file")


def _load_checkpoint(path: Path, content_hash: str, options: dict[str, Any]) -> ModelEngine:
    import torch

    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError, ValueError):
        raise ModelLoadError(
            f"{path.name}: a pickled checkpoint that is not TorchScript and holds more than "
            f"plain weights (not unpickled, for safety); {RAVE_EXPORT_HINT}"
        ) from None
    if isinstance(data, dict) and data.get("format") == "latentscape-vae":
        from .vae.engine import VaeEngine

        return VaeEngine.from_checkpoint(path, data, content_hash=content_hash, **options)
    keys = list(data.get("state_dict", data)) if isinstance(data, dict) else []
    if any(("pqmf" in str(k) or str(k).startswith("encoder.")) for k in keys):
        raise ModelLoadError(f"{path.name}: a training checkpoint, not a model; {RAVE_EXPORT_HINT}")
    raise ModelLoadError(
        f"{path.name}: a pickled state dict or weights file, not a model "
        "(expected an nn~ TorchScript export or a latentscape checkpoint)"
    )


def load_model(path: str | Path, **options: Any) -> ModelEngine:
    """Load ``path`` into the matching engine; ``options`` go to the engine's constructor.

    ``device`` (TorchScript models): cpu, cuda, cuda:N or auto; by default
    :func:`.torch_runtime.default_device`. Our own VAE checkpoints run on the CPU.
    """
    path = Path(path)
    _check_readable(path)
    content_hash = file_sha256(path)
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(2)
        if head[:1] == b"\x80":
            raise ModelLoadError(
                f"{path.name}: a legacy pickle file, not TorchScript (not unpickled, for safety)"
            )
        raise ModelLoadError(
            f"{path.name}: not a model file (neither TorchScript nor a latentscape checkpoint)"
        )
    try:
        kind = _archive_kind(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelLoadError(f"{path.name}: damaged or truncated archive ({exc})") from None
    if kind == "torchscript":
        from .torch_runtime import default_device
        from .torchscript_engine import TorchScriptEngine

        options.setdefault("device", default_device())
        return TorchScriptEngine(path, content_hash=content_hash, **options)
    if kind == "checkpoint":
        return _load_checkpoint(path, content_hash, options)
    raise ModelLoadError(f"{path.name}: a zip archive, but not one written by torch")
