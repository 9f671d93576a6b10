"""Export a latentscape VAE checkpoint as an nn~-convention TorchScript file (``.ts``).

The file holds :class:`~.scripted.NnVae` compiled with ``torch.jit.script``: ``encode``,
``decode``, ``forward``, their ``*_params`` buffers, ``get_methods()``, ``sr``, and streaming
state in ``*_cache`` buffers (zeroed before saving). It runs in Max/Pd nn~ and any host that
follows the convention, and :class:`~..torchscript_engine.TorchScriptEngine` loads it back with
output identical to :class:`~.engine.VaeEngine` (same compiled code, same state at start).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..errors import LatentscapeError
from .checkpoint import load_checkpoint
from .scripted import build_nn_vae


class ExportError(LatentscapeError):
    """The export could not be written or does not load back."""


def export_torchscript(model_path: str | Path, output: str | Path) -> Path:
    """Compile ``model_path`` (a latentscape checkpoint) into ``output``; returns the path."""
    data = load_checkpoint(model_path)
    model = build_nn_vae(data)
    scripted = torch.jit.script(model)
    for name, buf in scripted.named_buffers():
        if name.endswith("_cache"):
            buf.zero_()
    output = Path(output)
    if output.is_dir():
        raise ExportError(f"{output}: is a directory; give a file name such as model.ts")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp{os.getpid()}")
    try:
        scripted.save(str(tmp))
        _check_loads(tmp, scripted)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    return output


def _check_loads(path: Path, reference: torch.jit.ScriptModule) -> None:
    """Reload the file and compare one decode with the in-memory module."""
    loaded = torch.jit.load(str(path), map_location="cpu")
    z = torch.randn(1, int(reference.latent_size), 4, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        state = reference.initial_state(1, 0)
        expected, _ = reference.decode_stateful(z.transpose(1, 2), state)
        got = loaded.decode(z)[0]
        for name, buf in loaded.named_buffers():
            if name.endswith("_cache"):
                buf.zero_()
    if not torch.equal(expected, got):
        raise ExportError(f"{path.name}: the exported model does not reproduce the checkpoint")
