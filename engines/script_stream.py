"""Stream decoder of a streaming TorchScript export: one private state slot, one voice.

The engine (:class:`~.torchscript_engine.TorchScriptEngine`) swaps the slot's buffers into the
model for each call (:mod:`.script_state`), so voices, and an offline decode in pieces, never
share state. Thread: the voice's own (the engine serialises calls into the model).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
import torch

from .contract import as_trajectory
from .torch_runtime import call_seed, decode_scope

if TYPE_CHECKING:
    from .script_state import StateSlot
    from .torchscript_engine import TorchScriptEngine


class ScriptStreamDecoder:
    """Decodes frames ``[n, latent_size]`` → audio ``[channels, n · hop]`` with state kept
    from call to call; :meth:`close` gives the slot back."""

    def __init__(self, engine: TorchScriptEngine, seed: int | None) -> None:
        self._engine = engine
        self._slot: StateSlot | None = engine._new_slot()
        self._seed = seed
        self._calls = 0

    @property
    def latency_samples(self) -> int:
        return 0  # the model's own lag is inside its weights and not declared in the file

    def decode(self, frames: np.ndarray) -> np.ndarray:
        if self._slot is None:
            raise RuntimeError("stream decoder is closed")
        engine = self._engine
        z = as_trajectory(frames, engine._latent)
        if z.shape[0] == 0:
            return np.zeros((engine.channels, 0), np.float32)
        x = torch.from_numpy(np.ascontiguousarray(z.T)).unsqueeze(0)
        y = engine._call("decode", x, self._slot, call_seed(self._seed, self._calls))
        self._calls += 1
        return y[0].numpy()

    def reset(self, seed: int | None = 0) -> None:
        if self._slot is not None:
            self._slot.zero()
        self._seed = seed
        self._calls = 0

    def close(self) -> None:
        if self._slot is not None:
            self._engine._release_slot(self._slot)
            self._slot = None

    def decode_scope(self) -> contextlib.AbstractContextManager[None]:
        return decode_scope()
