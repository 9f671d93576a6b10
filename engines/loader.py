"""Open any model file the app understands, or say precisely why it cannot.

Accepted: TorchScript files that follow the nn~ convention (RAVE exports and others) and
checkpoints of our own VAE. Everything else gets a one-line :class:`~.errors.ModelLoadError`.
Untrusted pickles are never unpickled: checkpoints load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
import zipfile
from pathlib import Path
from typing import Any

from .contract import ModelEngine
from .errors import ModelLoadError, one_line
from .hashing import file_sha256

RAVE_EXPORT_HINT = (
    "if it is a RAVE training checkpoint, export it to TorchScript first "
    "(rave export --run RUN --streaming) and load the .ts file"
)


def archive_kind(path: Path) -> str:
    """'torchscript', 'checkpoint' or 'unknown' for a zip archive written by torch."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if any("/code/" in n or n.endswith("/constants.pkl") for n in names):
        return "torchscript"
    if any(n.endswith("/data.pkl") for n in names):
        return "checkpoint"
    return "unknown"


def is_checkpoint_archive(path: Path) -> bool:
    """True when ``path`` is a torch checkpoint archive (``torch.save``), not TorchScript."""
    try:
        return zipfile.is_zipfile(path) and archive_kind(path) == "checkpoint"
    except (zipfile.BadZipFile, OSError):
        return False


SQLITE_MAGIC = b"SQLite format 3\x00"  # the first bytes of every SQLite file (a .lsc project)
# In a TorchScript export of our VAE (``torch.jit.save`` extra file): the content hash of the
# checkpoint it was made from, whose latent space it shares (ModelInfo.latent_space).
LATENT_SPACE_FILE = "latentscape.json"


def exported_latent_space(path: Path) -> str:
    """The checkpoint hash an export names in :data:`LATENT_SPACE_FILE`, or "" (other files)."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = next(
                (n for n in archive.namelist() if n.endswith(f"/extra/{LATENT_SPACE_FILE}")), None
            )
            if name is None:
                return ""
            value = json.loads(archive.read(name)).get("latent_space", "")
    except (zipfile.BadZipFile, OSError, ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def check_model_file(path: Path) -> None:
    """Raise :class:`ModelLoadError` unless ``path`` is a regular, readable, non-empty file
    that is not a project (an SQLite file: its stored blobs can look like a zip archive).

    The type is checked before the file is opened: opening a FIFO blocks until someone
    writes to it.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ModelLoadError(f"{path}: no such file") from None
    except PermissionError:
        raise ModelLoadError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ModelLoadError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise ModelLoadError(f"{path}: is a directory, not a model file")
    if not stat.S_ISREG(mode):
        raise ModelLoadError(f"{path}: not a regular file (a pipe, socket or device), not a model")
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except PermissionError:
        raise ModelLoadError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ModelLoadError(f"{path}: cannot read ({exc.strerror})") from None
    if not head:
        raise ModelLoadError(f"{path}: empty file")
    if head == SQLITE_MAGIC:
        raise ModelLoadError(
            f"{path.name}: a project (an SQLite database), not a model file; open it as a "
            "project (File → Open Project; -p on the command line)"
        )


def check_archive_intact(path: Path) -> None:
    """Raise :class:`ModelLoadError` when a member of the zip archive ``path`` fails its CRC.

    torch reads the archive without checking them: a model with flipped bytes loaded and
    encoded latents off by up to 1388. Reading every member costs ~30 ms for our 4 MB VAE
    (zlib's CRC lets other threads run).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except Exception as exc:  # any damage: a bad header, a flipped byte in a member's name
        # (UnicodeDecodeError), a broken stream (zlib.error), a cut file (EOFError), ...
        raise ModelLoadError(
            f"{path.name}: damaged or truncated archive ({one_line(exc)})"
        ) from None
    if bad is not None:
        raise ModelLoadError(f"{path.name}: the model file is damaged (checksum mismatch in {bad})")


def check_vae_checkpoint(data: Any, name: str) -> None:
    """Raise :class:`ModelLoadError` unless ``data`` is a complete latentscape VAE checkpoint."""
    from .vae.checkpoint import FORMAT, check_format

    if isinstance(data, dict) and data.get("format") == FORMAT:
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            # Written by an interrupted or foreign tool, not by a newer latentscape.
            raise ModelLoadError(f"{name}: damaged or incomplete latentscape checkpoint")
    check_format(data, name)


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

        check_vae_checkpoint(data, path.name)
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
    check_model_file(path)
    content_hash = file_sha256(path)
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(4)
        if head == b"PK\x03\x04":  # a zip archive's start without its end
            raise ModelLoadError(
                f"{path.name}: damaged or incomplete model file (the archive ends early: an "
                "interrupted download or copy?)"
            )
        if head[:1] == b"\x80":
            raise ModelLoadError(
                f"{path.name}: a legacy pickle file, not TorchScript (not unpickled, for safety)"
            )
        raise ModelLoadError(
            f"{path.name}: not a model file (neither TorchScript nor a latentscape checkpoint)"
        )
    try:
        kind = archive_kind(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelLoadError(f"{path.name}: damaged or truncated archive ({exc})") from None
    check_archive_intact(path)
    if kind == "torchscript":
        from .torch_runtime import default_device
        from .torchscript_engine import TorchScriptEngine

        options.setdefault("device", default_device())
        return TorchScriptEngine(path, content_hash=content_hash, **options)
    if kind == "checkpoint":
        return _load_checkpoint(path, content_hash, options)
    raise ModelLoadError(f"{path.name}: a zip archive, but not one written by torch")
