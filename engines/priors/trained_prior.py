"""The base of the trainable priors: shapes, frame-rate conversion, training state, bytes.

A trained prior's network works on normalised windows ``[n, latent, prior_frames]`` at the
prior's frame rate; this class converts to and from what callers see, windows
``[window_frames, latent]`` in the model's latent units and frame rate
(``window_frames = prior_frames * time_stride``; see :class:`~.windows.LatentWindows`).
Going up, frames are linearly interpolated; going down, averaged.

Threads: ``train`` runs on a worker thread and swaps the trained state in with one assignment
at its end; sampling reads the state once per call, so it may run on another thread meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .base import (
    CancelCheck,
    PriorError,
    ProgressCallback,
    TrainReport,
    check_window,
)
from .trained import load_prefixed, pack, state_with_prefix, unpack
from .windows import LatentWindows, pool_frames


@dataclass(frozen=True)
class NetState:
    """A trained network (eval mode, no grad) and the statistics of its training windows."""

    net: nn.Module
    mean: torch.Tensor  # [latent]
    std: torch.Tensor  # [latent]


class TrainedPrior:
    """Common part of :class:`~.gan.GanPrior` and :class:`~.diffusion.DiffusionPrior`."""

    kind: ClassVar[str] = ""
    net_name: ClassVar[str] = "net"

    def __init__(
        self, latent_size: int, prior_frames: int, time_stride: int, **config: Any
    ) -> None:
        if latent_size < 1 or prior_frames < 4 or prior_frames % 4 or time_stride < 1:
            raise PriorError(
                f"a {self.kind} prior needs latent size ≥ 1, a window that is a multiple of 4 "
                f"frames and a time stride ≥ 1, got {latent_size}, {prior_frames}, {time_stride}"
            )
        self._config: dict[str, Any] = {
            "latent_size": int(latent_size),
            "prior_frames": int(prior_frames),
            "time_stride": int(time_stride),
            **config,
        }
        self._state: NetState | None = None
        self.report: TrainReport | None = None

    # -- shape ------------------------------------------------------------------------------
    @property
    def latent_size(self) -> int:
        return self._config["latent_size"]

    @property
    def prior_frames(self) -> int:
        """Frames per window at the prior's own rate."""
        return self._config["prior_frames"]

    @property
    def time_stride(self) -> int:
        """Model frames per prior frame."""
        return self._config["time_stride"]

    @property
    def window_frames(self) -> int:
        """Frames per window at the model's rate (what :meth:`sample` returns)."""
        return self.prior_frames * self.time_stride

    @property
    def trainable(self) -> bool:
        return True

    @property
    def is_trained(self) -> bool:
        return self._state is not None

    @property
    def config(self) -> dict[str, Any]:
        return dict(self._config)

    # -- subclass hooks ---------------------------------------------------------------------
    def _new_net(self) -> nn.Module:
        raise NotImplementedError

    def _fit(
        self,
        data: torch.Tensor,
        steps: int | None,
        seconds: float | None,
        progress_cb: ProgressCallback | None,
        cancel_check: CancelCheck | None,
        seed: int,
    ) -> tuple[TrainReport, nn.Module]:
        """Train on ``data`` ``[n, latent, prior_frames]`` (normalised); the sampling network."""
        raise NotImplementedError

    # -- training ---------------------------------------------------------------------------
    def train(
        self,
        windows: LatentWindows,
        steps: int | None = None,
        seconds: float | None = None,
        progress_cb: ProgressCallback | None = None,
        cancel_check: CancelCheck | None = None,
        seed: int = 0,
    ) -> TrainReport:
        """Train from scratch (see :meth:`~.base.LatentPrior.train`). Called on a worker thread."""
        ours = (self.prior_frames, self.latent_size, self.time_stride)
        theirs = (windows.prior_frames, windows.latent_size, windows.time_stride)
        if ours != theirs:
            raise PriorError(
                "windows are [{}, {}] at stride {} but this prior makes [{}, {}] at stride {}".format(
                    *theirs, *ours
                )
            )
        data = torch.from_numpy(np.ascontiguousarray(windows.normalized().transpose(0, 2, 1)))
        report, net = self._fit(data, steps, seconds, progress_cb, cancel_check, seed)
        if report.steps > 0:
            net = net.eval().requires_grad_(False)
            mean, std = torch.from_numpy(windows.mean), torch.from_numpy(windows.std)
            self._state = NetState(net, mean, std)
            self.report = report
        return report

    def _require(self) -> NetState:
        state = self._state
        if state is None:
            raise PriorError(
                f"the {self.kind} prior is not trained yet: train it on the corpus first"
            )
        return state

    # -- conversions ------------------------------------------------------------------------
    def _to_windows(self, state: NetState, x: torch.Tensor) -> np.ndarray:
        """Normalised ``[n, latent, prior_frames]`` → windows ``[n, window_frames, latent]``."""
        with torch.inference_mode():
            if self.time_stride > 1:
                x = F.interpolate(x, scale_factor=float(self.time_stride), mode="linear")
            out = x.transpose(1, 2) * state.std + state.mean
        return np.ascontiguousarray(out.numpy(), dtype=np.float32)

    def _from_window(self, state: NetState, window: np.ndarray) -> torch.Tensor:
        """A window ``[window_frames, latent]`` → normalised ``[1, latent, prior_frames]``."""
        source = check_window(window, self.window_frames, self.latent_size)
        pooled = torch.from_numpy(pool_frames(source, self.time_stride))
        return ((pooled - state.mean) / state.std).T[None].contiguous()

    # -- bytes ------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The trained prior (sampling weights and statistics) as ``torch.save`` bytes."""
        state = self._require()
        tensors = state_with_prefix(state.net, self.net_name)
        tensors["mean"], tensors["std"] = state.mean, state.std
        extra = {}
        if self.report is not None:
            extra = {"steps": self.report.steps, "seconds": self.report.seconds}
        return pack(self.kind, self._config, tensors, extra)

    @classmethod
    def from_bytes(cls, data: bytes) -> Any:
        """A prior saved by :meth:`to_bytes` (read with ``weights_only=True``)."""
        payload = unpack(data)
        if payload.get("kind") != cls.kind:
            raise PriorError(
                f"saved prior is a {payload.get('kind')} prior, not a {cls.kind} prior"
            )
        try:
            prior = cls(**payload["config"])
            tensors = payload["tensors"]
            mean, std = tensors["mean"].float(), tensors["std"].float()
        except (TypeError, KeyError, AttributeError):
            raise PriorError(f"saved {cls.kind} prior has an unknown configuration") from None
        net = prior._new_net().eval().requires_grad_(False)
        load_prefixed(net, tensors, cls.net_name)
        prior._state = NetState(net, mean, std)
        extra = payload.get("extra", {})
        if "steps" in extra:
            steps, seconds = int(extra["steps"]), float(extra["seconds"])
            prior.report = TrainReport(steps, seconds, float("nan"), False)
        return prior
