"""A minimal Adam optimizer (Kingma & Ba 2015).

Why not ``torch.optim.Adam``: constructing any torch optimizer imports ``torch._dynamo``
(and sympy), which took 3 s on an idle machine here and 20 s on a busy one, before the first
training step. This one has the same update rule and a plain, ``weights_only``-safe state.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch


class Adam:
    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        b1, b2 = self.betas
        bias1 = 1.0 - b1**self.steps
        bias2 = 1.0 - b2**self.steps
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
            if p.grad is None:
                continue
            g = p.grad
            m.mul_(b1).add_(g, alpha=1.0 - b1)
            v.mul_(b2).addcmul_(g, g, value=1.0 - b2)
            denom = (v / bias2).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-self.lr / bias1)

    def state_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "exp_avg": list(self.exp_avg),
            "exp_avg_sq": list(self.exp_avg_sq),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if len(state["exp_avg"]) != len(self.params):
            raise ValueError("optimizer state does not match the model")
        self.steps = int(state["steps"])
        for dst, src in zip(self.exp_avg + self.exp_avg_sq, state["exp_avg"] + state["exp_avg_sq"]):
            dst.copy_(src)


def clip_grad_norm(params, max_norm: float) -> float:
    """Scale gradients so that their global L2 norm is at most ``max_norm``; returns the norm."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    norm = torch.sqrt(sum(g.square().sum() for g in grads))
    scale = max_norm / (float(norm) + 1e-6)
    if scale < 1.0:
        for g in grads:
            g.mul_(scale)
    return float(norm)


class WeightAverage:
    """An exponential moving average of parameters (Polyak averaging), for the saved model.

    Why: a model's held-out score swings from step to step at the end of a short run (measured:
    validation spectral convergence 0.545 and 0.582 six steps apart in two runs of the same
    seed), so a snapshot of the raw weights is a draw from that swing; the average is not.
    The decay warms up as ``(1 + n) / (10 + n)`` so that early averages do not keep the
    random initialisation. Training thread only.
    """

    def __init__(self, params, decay: float) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.decay = decay
        self.updates = 0
        self.average = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        d = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        torch._foreach_mul_(self.average, d)
        torch._foreach_add_(self.average, [p.detach() for p in self.params], alpha=1.0 - d)

    @contextlib.contextmanager
    def swapped_in(self):
        """Within the block the parameters hold the average; the raw weights come back after."""
        raw = [p.detach().clone() for p in self.params]
        with torch.no_grad():
            for p, a in zip(self.params, self.average):
                p.copy_(a)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, r in zip(self.params, raw):
                    p.copy_(r)

    def state_dict(self) -> dict[str, Any]:
        return {"updates": self.updates, "average": list(self.average)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if len(state["average"]) != len(self.params):
            raise ValueError("weight average does not match the model")
        self.updates = int(state["updates"])
        for dst, src in zip(self.average, state["average"]):
            dst.copy_(src)
