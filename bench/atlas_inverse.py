"""Inverse map, side by side: ours vs IDW-16, a precomputed IDW grid and a small MLP.

Counts (all on the same map, fit on 90% of the sounds):
- ``nmse``: held-out error — the other 10% mapped back from their 2D positions, NMSE of the
  latent against their true pooled latent (lower is better);
- ``jump``: smoothness along 200 straight drags of 256 steps across the map — largest step ÷
  mean step per drag, median over drags (1 is perfectly even; lower is better); ``jump_p90``
  the 90th percentile over drags;
- ``off``: staying on the data — distance from each drag latent to the nearest real latent,
  in units of the median neighbour spacing of the real latents, mean over all drag points
  (lower is better);
- ``query_us``: one single-point query from Python.

Imported by bench/atlas.py; run that.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

from latentscape.engines.atlas import InverseMap, InverseMapConfig


class Idw:
    def __init__(self, xy: np.ndarray, anchors: np.ndarray, k: int = 16) -> None:
        self.tree, self.anchors, self.k = cKDTree(xy), anchors, min(k, len(xy))

    def frames(self, q: np.ndarray) -> np.ndarray:
        d, idx = self.tree.query(q, k=self.k)
        w = 1.0 / (d + 1e-9) ** 2
        w /= w.sum(axis=1, keepdims=True)
        return np.einsum("mk,mkl->ml", w, self.anchors[idx]).astype(np.float32)

    def frame(self, x: float, y: float) -> np.ndarray:
        return self.frames(np.array([[x, y]]))[0]


class IdwGrid:
    def __init__(self, xy: np.ndarray, anchors: np.ndarray, g: int = 256) -> None:
        axis = (np.arange(g) + 0.5) / g
        gx, gy = np.meshgrid(axis, axis)
        nodes = np.column_stack([gx.ravel(), gy.ravel()])
        self.grid = Idw(xy, anchors).frames(nodes).reshape(g, g, -1)
        self.g = g

    def frames(self, q: np.ndarray) -> np.ndarray:
        g = self.g
        f = np.clip(q * g - 0.5, 0, g - 1.0)
        i0 = np.minimum(f.astype(int), g - 2)
        t = (f - i0)[:, :, None]
        gr = self.grid
        top = gr[i0[:, 1], i0[:, 0]] * (1 - t[:, 0]) + gr[i0[:, 1], i0[:, 0] + 1] * t[:, 0]
        bot = gr[i0[:, 1] + 1, i0[:, 0]] * (1 - t[:, 0]) + gr[i0[:, 1] + 1, i0[:, 0] + 1] * t[:, 0]
        return (top * (1 - t[:, 1]) + bot * t[:, 1]).astype(np.float32)

    def frame(self, x: float, y: float) -> np.ndarray:
        g = self.g
        fx, fy = min(max(x * g - 0.5, 0), g - 1.0), min(max(y * g - 0.5, 0), g - 1.0)
        i, j = min(int(fx), g - 2), min(int(fy), g - 2)
        tx, ty = fx - i, fy - j
        r0, r1 = self.grid[j], self.grid[j + 1]
        top = r0[i] + tx * (r0[i + 1] - r0[i])
        bot = r1[i] + tx * (r1[i + 1] - r1[i])
        return top + ty * (bot - top)


class Mlp:
    """Two hidden layers of 64 (tanh), trained with sklearn; queried with a numpy forward."""

    def __init__(self, xy: np.ndarray, anchors: np.ndarray) -> None:
        from sklearn.neural_network import MLPRegressor

        self.mu, self.sd = anchors.mean(0), anchors.std(0) + 1e-9
        net = MLPRegressor(
            hidden_layer_sizes=(64, 64), activation="tanh", max_iter=400, random_state=0
        )
        net.fit(xy, (anchors - self.mu) / self.sd)
        self.w = [
            (w.astype(np.float32), b.astype(np.float32))
            for w, b in zip(net.coefs_, net.intercepts_)
        ]

    def frames(self, q: np.ndarray) -> np.ndarray:
        h = np.asarray(q, np.float32)
        for i, (w, b) in enumerate(self.w):
            h = h @ w + b
            if i < len(self.w) - 1:
                h = np.tanh(h)
        return (h * self.sd + self.mu).astype(np.float32)

    def frame(self, x: float, y: float) -> np.ndarray:
        return self.frames(np.array([[x, y]], np.float32))[0]


class Ours:
    def __init__(self, xy: np.ndarray, anchors: np.ndarray, cfg: InverseMapConfig) -> None:
        self.inv = InverseMap.build(xy, anchors, cfg)

    def frames(self, q: np.ndarray) -> np.ndarray:
        return self.inv.frames(q)

    def frame(self, x: float, y: float) -> np.ndarray:
        return self.inv.frame(x, y)


def drags(rng: np.random.Generator, n: int = 200, steps: int = 256) -> np.ndarray:
    """``[n, steps, 2]`` straight lines between random points of the map's extent."""
    a = rng.uniform(0.05, 0.95, (n, 2))
    b = rng.uniform(0.05, 0.95, (n, 2))
    t = np.linspace(0, 1, steps)[None, :, None]
    return a[:, None] * (1 - t) + b[:, None] * t


def evaluate(
    name: str,
    factory: Callable[[np.ndarray, np.ndarray], object],
    xy: np.ndarray,
    anchors: np.ndarray,
    seed: int = 0,
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    n = len(xy)
    held = rng.choice(n, size=max(1, n // 10), replace=False)
    train = np.setdiff1d(np.arange(n), held)
    t0 = time.perf_counter()
    model = factory(xy[train].astype(np.float64), anchors[train])
    build_s = time.perf_counter() - t0
    pred = model.frames(xy[held].astype(np.float64))
    truth = anchors[held]
    nmse = float(((pred - truth) ** 2).sum() / ((truth - anchors.mean(0)) ** 2).sum())
    lines = drags(rng)
    z = model.frames(lines.reshape(-1, 2)).reshape(lines.shape[0], lines.shape[1], -1)
    steps = np.linalg.norm(np.diff(z, axis=1), axis=2)
    ratio = steps.max(axis=1) / (steps.mean(axis=1) + 1e-12)
    tree = cKDTree(anchors[train]) if anchors.shape[1] <= 32 else None
    flat = z.reshape(-1, z.shape[2])
    if tree is not None:
        nearest = tree.query(flat)[0]
        spacing = np.median(tree.query(anchors[train], k=2)[0][:, 1])
    else:
        a = anchors[train]
        d2 = (flat**2).sum(1)[:, None] + (a**2).sum(1)[None] - 2 * flat @ a.T
        nearest = np.sqrt(np.maximum(d2.min(1), 0))
        aa = (a**2).sum(1)[:, None] + (a**2).sum(1)[None] - 2 * a @ a.T
        np.fill_diagonal(aa, np.inf)
        spacing = np.median(np.sqrt(np.maximum(aa.min(1), 0)))
    off = float(np.mean(nearest) / spacing)
    qs = rng.uniform(0.05, 0.95, (2000, 2)).tolist()
    t0 = time.perf_counter()
    for x, y in qs:
        model.frame(x, y)
    query_us = (time.perf_counter() - t0) / len(qs) * 1e6
    return {
        "name": name,
        "nmse": nmse,
        "jump": float(np.median(ratio)),
        "jump_p90": float(np.percentile(ratio, 90)),
        "off": off,
        "query_us": query_us,
        "build_s": build_s,
    }


def baselines() -> dict[str, Callable[[np.ndarray, np.ndarray], object]]:
    return {"idw16": Idw, "idw16_grid256": IdwGrid, "mlp64x2": Mlp}


def ours(cfg: InverseMapConfig | None = None) -> Callable[[np.ndarray, np.ndarray], object]:
    return lambda xy, anchors: Ours(xy, anchors, cfg or InverseMapConfig())


def print_table(rows: list[dict[str, float]], corpus: str) -> None:
    for r in rows:
        for key in ("nmse", "jump", "jump_p90", "off", "query_us", "build_s"):
            unit = {"query_us": " us", "build_s": " s"}.get(key, "")
            print(f"inverse.{corpus}.{r['name']}.{key} = {r[key]:.4g}{unit}")
