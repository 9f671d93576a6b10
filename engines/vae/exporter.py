"""Export a latentscape VAE checkpoint as an nn~-convention TorchScript file (``.ts``).

The file holds :class:`~.scripted.NnVae` compiled with ``torch.jit.script``: ``encode``,
``decode``, ``forward``, their ``*_params`` buffers, ``get_methods()``, ``sr``, and streaming
state in ``*_cache`` buffers (zeroed before saving). It runs in Max/Pd nn~ and any host that
follows the convention, and :class:`~..torchscript_engine.TorchScriptEngine` loads it back with
output identical to :class:`~.engine.VaeEngine` (same compiled code, same state at start; past
``DECODE_CHUNK_FRAMES`` the engine decodes in pieces and they differ by float rounding, ~1e-7).
The archive names the checkpoint it came from (:data:`..loader.LATENT_SPACE_FILE`): both read
and write the same latents.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import torch

from ..atomic_write import check_can_create, free_path, write_bytes_atomic
from ..errors import LatentscapeError
from ..hashing import file_sha256
from ..loader import (
    LATENT_SPACE_FILE,
    archive_kind,
    check_archive_intact,
    check_model_file,
    check_vae_checkpoint,
    is_checkpoint_archive,
)
from .scripted import build_nn_vae

# Room kept free beyond the file itself, so that an export never fills the disk to the brim.
FREE_MARGIN_BYTES = 1 << 20


class ExportError(LatentscapeError):
    """The export could not be written or does not load back."""


# Every export's archive holds the scripted code of our VAE under this path.
OUR_CODE = "/code/__torch__/latentscape/engines/vae/"


def export_torchscript(model_path: str | Path, output: str | Path) -> Path:
    """Compile ``model_path`` (a latentscape checkpoint) into ``output``; returns the path.

    The file is written whole or not at all: compiled and checked in memory, written to a
    temporary file next to ``output``, then renamed onto it. Raises :class:`ExportError` (or
    :class:`~..errors.ModelLoadError`) with one line for the user.
    """
    model_path, output = Path(model_path), Path(output)
    _check_output(model_path, output)
    data = read_checkpoint(model_path)
    model = build_nn_vae(data)
    scripted = torch.jit.script(model)
    for name, buf in scripted.named_buffers():
        if name.endswith("_cache"):
            buf.zero_()
    buffer = io.BytesIO()
    marker = json.dumps({"latent_space": file_sha256(model_path)})  # same latents as the .pt
    torch.jit.save(scripted, buffer, _extra_files={LATENT_SPACE_FILE: marker})
    payload = buffer.getvalue()
    _check_loads(payload, scripted, output.name)
    _write(payload, output)
    return output


def read_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint dict in ``path``, loaded with ``weights_only`` (no code runs)."""
    check_model_file(path)
    kind = archive_kind(path) if zipfile.is_zipfile(path) else "not a zip"
    if kind == "torchscript":
        raise ExportError(
            f"{path.name} is already TorchScript; export takes a latentscape checkpoint"
        )
    if kind != "checkpoint":
        raise ExportError(
            f"{path.name}: not a latentscape checkpoint (export takes a model file written by "
            "'latentscape train')"
        )
    check_archive_intact(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # torch raises many types here; none is meant for the user
        raise ExportError(
            f"{path.name}: damaged, or a checkpoint that is not latentscape's "
            "(it holds more than plain weights)"
        ) from None
    check_vae_checkpoint(data, path.name)
    return data


def _check_output(model_path: Path, output: Path) -> None:
    """Refuse an output that would destroy the input or cannot be written (before compiling)."""
    if output.is_dir():
        raise ExportError(f"{output}: is a directory; give a file name such as model.ts")
    if output.exists():
        try:
            same = os.path.samefile(model_path, output)
        except OSError:
            same = False
        if same:
            raise ExportError(
                f"{output}: is the checkpoint being exported; give another name such as "
                f"{free_name(model_path)}"
            )
        if not output.is_file():
            raise ExportError(f"{output}: not a regular file; give a file name such as model.ts")
        if is_checkpoint_archive(output):  # a model to train or export from: never replace it
            raise ExportError(
                f"{output}: is a checkpoint, not a TorchScript export; not replacing it "
                f"(give a name such as {free_name(output)})"
            )
        if not _is_our_export(output):  # a project, a sound, someone's RAVE model: keep it
            raise ExportError(
                f"{output}: exists and is not an export of a latentscape model; not replacing "
                f"it (give a new name such as {free_name(output)})"
            )
    check_can_create(output, ExportError)


def free_name(path: Path) -> str:
    """A ``.ts`` name beside ``path`` that no file has yet: ``model.ts``, else ``model-2.ts``…
    (what a refusal suggests; never the very name it refused)."""
    return free_path(path.with_suffix(".ts")).name


def _is_our_export(path: Path) -> bool:
    """True when ``path`` is a TorchScript file this exporter wrote (an earlier export, which
    may be replaced): its code holds our VAE's modules."""
    try:
        with zipfile.ZipFile(path) as archive:  # OUR_CODE is in TorchScript's code folder
            return any(OUR_CODE in name for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _write(payload: bytes, output: Path) -> None:
    """Write ``payload`` to ``output`` whole or not at all, leaving room on the disk."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(output.parent).free
    except OSError as exc:
        raise ExportError(f"{output}: cannot write ({exc.strerror or exc})") from None
    needed = len(payload) + FREE_MARGIN_BYTES
    if free < needed:
        raise ExportError(
            f"{output}: not enough free space ({free / 1e6:.1f} MB free, "
            f"{needed / 1e6:.1f} MB needed)"
        )
    write_bytes_atomic(output, payload, ExportError)


def _check_loads(payload: bytes, reference: torch.jit.ScriptModule, name: str) -> None:
    """Reload the saved bytes and compare one decode with the in-memory module."""
    loaded = torch.jit.load(io.BytesIO(payload), map_location="cpu")
    z = torch.randn(1, int(reference.latent_size), 4, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        state = reference.initial_state(1, 0)
        expected, _ = reference.decode_stateful(z.transpose(1, 2), state)
        got = loaded.decode(z)[0]
        for buffer_name, buf in loaded.named_buffers():
            if buffer_name.endswith("_cache"):
                buf.zero_()
    if not torch.equal(expected, got):
        raise ExportError(f"{name}: the exported model does not reproduce the checkpoint")
