"""What the trainable priors share: the training loop, weight averaging, normalisation, bytes.

Training is a plain loop of small optimiser steps, so it suits a worker thread: each step takes
10–200 ms on a busy 2-core CPU, ``cancel_check`` is asked before every step, and ``progress_cb`` is called
every few steps with ``(step, total, loss)``. Under a time budget ``total`` is re-estimated from
the measured step rate.

Determinism: the network's initial weights come from torch's global generator, which is seeded
inside :func:`torch.random.fork_rng` under the process-wide RNG lock for just that moment;
batches and noise come from a private generator. On one torch thread, the same seed and
windows give the same weights.
"""

from __future__ import annotations

import copy
import io
import math
import pickle
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..torch_runtime import TORCH_RNG_LOCK
from .base import (
    FORMAT,
    FORMAT_VERSION,
    CancelCheck,
    PriorError,
    ProgressCallback,
    TrainReport,
)

DEFAULT_STEPS = 2000
PROGRESS_EVERY_S = 0.2


class WeightAverage:
    """Exponential moving average of a module's weights (the copy used for sampling)."""

    def __init__(self, module: nn.Module, decay: float) -> None:
        self.decay = decay
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module, step: int) -> None:
        decay = min(self.decay, (1 + step) / (10 + step))  # follow closely while weights move fast
        for avg, cur in zip(self.module.parameters(), module.parameters(), strict=True):
            avg.lerp_(cur.detach(), 1.0 - decay)
        for avg, cur in zip(self.module.buffers(), module.buffers(), strict=True):
            avg.copy_(cur)


def build_seeded(seed: int, build: Callable[[], Any]) -> Any:
    """Run ``build()`` (which creates modules) with torch's global RNG seeded, then restore it."""
    with TORCH_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)
        return build()


def run_steps(
    step_fn: Callable[[int], float],
    steps: int | None,
    seconds: float | None,
    progress_cb: ProgressCallback | None,
    cancel_check: CancelCheck | None,
) -> TrainReport:
    """Call ``step_fn(step) -> loss`` until the step or time budget is spent, or cancelled."""
    if steps is None and seconds is None:
        steps = DEFAULT_STEPS
    if steps is not None and steps < 1:
        raise PriorError(f"training needs at least one step, got {steps}")
    if seconds is not None and not seconds > 0:
        raise PriorError(f"training time must be positive, got {seconds} s")
    limit = steps if steps is not None else 10**9
    t0 = time.perf_counter()
    last_report = t0
    smoothed = math.nan
    done = 0
    cancelled = False
    total = limit if steps is not None else 0
    while done < limit:
        if cancel_check is not None and cancel_check():
            cancelled = True
            break
        loss = float(step_fn(done))
        if not math.isfinite(loss):
            raise PriorError(f"training diverged at step {done + 1} (loss {loss})")
        smoothed = loss if math.isnan(smoothed) else 0.95 * smoothed + 0.05 * loss
        done += 1
        now = time.perf_counter()
        elapsed = now - t0
        if seconds is not None:
            by_time = max(done, round(seconds * done / max(elapsed, 1e-9)))
            total = min(limit, by_time)
            if elapsed >= seconds:
                break
        if progress_cb is not None and now - last_report >= PROGRESS_EVERY_S:
            last_report = now
            progress_cb(done, max(total, done), smoothed)
    if progress_cb is not None:
        progress_cb(done, max(total, done) if cancelled else done, smoothed)
    return TrainReport(done, time.perf_counter() - t0, smoothed, cancelled)


def batch_sampler(
    data: torch.Tensor, batch_size: int, gen: torch.Generator
) -> Callable[[], torch.Tensor]:
    """Random batches ``[batch, latent, frames]`` of ``data`` ``[n, latent, frames]``, drawn
    with replacement from the private generator ``gen``."""

    def draw() -> torch.Tensor:
        index = torch.randint(0, data.shape[0], (batch_size,), generator=gen)
        return data[index]

    return draw


def pack(kind: str, config: dict[str, Any], tensors: dict[str, torch.Tensor], extra: dict) -> bytes:
    """Serialise a prior: only tensors and plain values, loadable with ``weights_only=True``."""
    payload = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "kind": kind,
        "config": dict(config),
        "tensors": {k: v.detach().cpu().contiguous() for k, v in tensors.items()},
        "extra": dict(extra),
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    return buf.getvalue()


def unpack(data: bytes) -> dict[str, Any]:
    """The dict :func:`pack` wrote, or a :class:`PriorError` for anything else."""
    try:
        payload = torch.load(io.BytesIO(bytes(data)), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, TypeError, OSError):
        raise PriorError("saved prior is damaged or not a latentscape prior") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PriorError("saved data is not a latentscape prior")
    if int(payload.get("version", 0)) > FORMAT_VERSION:
        raise PriorError(
            f"saved prior has format version {payload.get('version')}; "
            f"this latentscape reads up to {FORMAT_VERSION}: update latentscape"
        )
    return payload


def state_with_prefix(module: nn.Module, prefix: str) -> dict[str, torch.Tensor]:
    return {f"{prefix}.{k}": v for k, v in module.state_dict().items()}


def load_prefixed(module: nn.Module, tensors: dict[str, torch.Tensor], prefix: str) -> None:
    start = f"{prefix}."
    state = {k[len(start) :]: v for k, v in tensors.items() if k.startswith(start)}
    try:
        module.load_state_dict(state)
    except RuntimeError:
        raise PriorError(f"saved prior's {prefix} weights do not fit its network") from None
