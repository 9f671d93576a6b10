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
- ``length``: how far a drag travels in latent space — its latent path length in standard
  deviations of the real latents, median over drags. Not a goal in itself, but it tells an
  even drag from a jittery one: jitter everywhere lowers ``jump`` (it raises the mean step)
  and ``off`` (it wanders through real latents), and shows up here and in ``jitter``;
- ``jitter``: the share of that path length that is back-and-forth at short range — 1 minus
  the length of the drag latent after a 9-step moving average ÷ its raw length, median over
  drags. A jump keeps its length under the average (a step becomes a ramp), a zigzag does
  not: 0 is a drag without flutter;
- ``query_us``: one single-point query from Python.

:func:`off_lower_bound` is an oracle: the least ``off`` *any* inverse map can reach on the
same drags when every drag must stay under a given jump, for data made of well-separated
clusters (see its docstring for the argument and its assumptions).

Imported by bench/atlas.py; run that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import pairwise

import numpy as np
from scipy.spatial import cKDTree

from latentscape.engines.atlas import InverseMap, InverseMapConfig


class BatchMap:
    """A bench map that answers batches: ``frames(q [m, 2]) -> [m, L]``; one point is a row."""

    def frames(self, q: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def frame(self, x: float, y: float) -> np.ndarray:
        return self.frames(np.array([[x, y]]))[0]


class Idw(BatchMap):
    def __init__(self, xy: np.ndarray, anchors: np.ndarray, k: int = 16) -> None:
        self.tree, self.anchors, self.k = cKDTree(xy), anchors, min(k, len(xy))

    def frames(self, q: np.ndarray) -> np.ndarray:
        d, idx = self.tree.query(q, k=self.k)
        w = 1.0 / (d + 1e-9) ** 2
        w /= w.sum(axis=1, keepdims=True)
        return np.einsum("mk,mkl->ml", w, self.anchors[idx]).astype(np.float32)


def grid_nodes(g: int) -> np.ndarray:
    """Centres of a ``g × g`` grid over the unit square, row = y: ``[g * g, 2]``."""
    axis = (np.arange(g) + 0.5) / g
    gx, gy = np.meshgrid(axis, axis)
    return np.column_stack([gx.ravel(), gy.ravel()])


class IdwGrid:
    def __init__(self, xy: np.ndarray, anchors: np.ndarray, g: int = 256) -> None:
        self.grid = Idw(xy, anchors).frames(grid_nodes(g)).reshape(g, g, -1)
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


class Mlp(BatchMap):
    """Two hidden layers of 64 (tanh), trained with sklearn to convergence; numpy forward.

    Inputs and outputs are standardised. Without that (map positions in 0..1), Adam stopped
    after a few epochs on real corpora at a near-plane (held-out NMSE 0.73, a jump of 1.02):
    a failed fit, not the smooth small MLP this baseline stands for.
    """

    def __init__(self, xy: np.ndarray, anchors: np.ndarray) -> None:
        from sklearn.neural_network import MLPRegressor

        self.xm, self.xs = xy.mean(0), xy.std(0) + 1e-9
        self.mu, self.sd = anchors.mean(0), anchors.std(0) + 1e-9
        net = MLPRegressor(
            hidden_layer_sizes=(64, 64), activation="tanh", max_iter=2000, random_state=0
        )
        net.fit((xy - self.xm) / self.xs, (anchors - self.mu) / self.sd)
        self.w = [
            (w.astype(np.float32), b.astype(np.float32))
            for w, b in zip(net.coefs_, net.intercepts_)
        ]

    def frames(self, q: np.ndarray) -> np.ndarray:
        h = ((np.asarray(q) - self.xm) / self.xs).astype(np.float32)
        for i, (w, b) in enumerate(self.w):
            h = h @ w + b
            if i < len(self.w) - 1:
                h = np.tanh(h)
        return (h * self.sd + self.mu).astype(np.float32)


class Ours:
    def __init__(self, xy: np.ndarray, anchors: np.ndarray, cfg: InverseMapConfig) -> None:
        self.inv = InverseMap.build(xy, anchors, cfg)

    def frames(self, q: np.ndarray) -> np.ndarray:
        return self.inv.frames(q)

    def frame(self, x: float, y: float) -> np.ndarray:
        return self.inv.frame(x, y)


class SmoothingSpline(Ours):
    """A thin-plate smoothing spline of the latents over the map (scipy's RBFInterpolator,
    ``smoothing`` s), tabulated on a 256² grid; ``settled``: then our gap settling
    (grid_field.settle_gaps, default settings); with snap discs, as :class:`Ours` has them.

    Not a baseline of the issue: a probe of the frontier (bench/atlas.py frontier). Ramps
    between sounds instead of kernel regression's plateaus and cliffs: a lower jump, but a
    single smoothing for the whole map gives up held-out error where sounds are dense.
    O(n³) to fit: fine for a few thousand sounds, not for 10,000.
    """

    def __init__(self, xy: np.ndarray, anchors: np.ndarray, smoothing: float, settled: bool):
        from scipy.interpolate import RBFInterpolator

        from latentscape.engines.atlas.grid_fit import settled as settle

        cfg = InverseMapConfig(grid_size=256)
        spline = RBFInterpolator(xy, anchors.astype(np.float64), smoothing=smoothing)
        grid = spline(grid_nodes(256)).reshape(256, 256, -1).astype(np.float32)
        if settled:
            grid = settle(grid, xy, anchors, cfg)
        self.inv = InverseMap.from_grid(grid, xy, anchors, cfg)


def latent_sd(anchors: np.ndarray) -> float:
    """The real latents' spread ``[n, L]`` → RMS distance to their mean (latent units)."""
    return float(np.sqrt(((anchors - anchors.mean(0)) ** 2).sum(1).mean()))


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
    length = float(np.median(steps.sum(axis=1)) / latent_sd(anchors[train]))
    kernel = np.ones(9) / 9
    smooth = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="valid"), 1, z)
    smooth_len = np.linalg.norm(np.diff(smooth, axis=1), axis=2).sum(axis=1)
    inner = np.linalg.norm(np.diff(z[:, 4:-4], axis=1), axis=2).sum(axis=1)
    jitter = float(np.median(1.0 - smooth_len / (inner + 1e-12)))
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
        "length": length,
        "jitter": jitter,
        "query_us": query_us,
        "build_s": build_s,
    }


def baselines() -> dict[str, Callable[[np.ndarray, np.ndarray], object]]:
    return {"idw16": Idw, "idw16_grid256": IdwGrid, "mlp64x2": Mlp}


def ours(cfg: InverseMapConfig | None = None) -> Callable[[np.ndarray, np.ndarray], object]:
    return lambda xy, anchors: Ours(xy, anchors, cfg or InverseMapConfig())


def print_table(rows: list[dict[str, float]], corpus: str) -> None:
    for r in rows:
        for key in ("nmse", "jump", "jump_p90", "off", "length", "jitter", "query_us", "build_s"):
            unit = {"query_us": " us", "build_s": " s"}.get(key, "")
            print(f"inverse.{corpus}.{r['name']}.{key} = {r[key]:.4g}{unit}")


def _split_and_drags(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training indices and the drags of :func:`evaluate` (same random stream)."""
    rng = np.random.default_rng(seed)
    held = rng.choice(n, size=max(1, n // 10), replace=False)
    return np.setdiff1d(np.arange(n), held), drags(rng)


def off_lower_bound(
    xy: np.ndarray, anchors: np.ndarray, jump: float, seed: int = 0, max_clusters: int = 32
) -> dict[str, float]:
    """A lower bound on ``off`` over the drags of :func:`evaluate` for maps with jump ≤ ``jump``.

    Argument. Split the real latents into clusters (connected components of the graph that
    joins latents closer than 4 × the median neighbour spacing ``s``); ``D_ab`` is the
    distance between the closest members of clusters a and b. A drag that must go from
    cluster a to b spends, at every level ``ρ``, a latent path length of at least
    ``c_ρ(a, b)`` farther than ``ρ`` from every real latent, where ``c_ρ`` is the cheapest
    chain of hops ``Σ max(D − 2ρ, 0)`` (moving within ρ of a cluster is free). Steps are at
    most ``ℓ = jump × P / 255`` long (``P`` the drag's latent path length), so at least
    ``c_ρ / ℓ − 1`` per hop of its 256 points lie farther than ``ρ``, and the sum of their
    distances to the data (the integral of that count over ``ρ``) is at least
    ``∫_{ℓ/2}^∞ c_ρ dρ / ℓ``.

    Assumptions (each generous to the map): a drag visits, in order, the clusters of the
    sounds nearest it on the map (every map here does; near the sounds a low held-out error
    forces it, far from them it is an assumption); it spends no
    distance off the data inside a cluster; and it travels at most each cluster's latent
    diameter per visit plus ``D`` per hop (``P``; more travel would mean folding back and
    forth through a cluster to inflate the mean step).

    Returns ``every`` (every drag under ``jump``), ``median`` (only the 101 easiest drags under
    ``jump``, as the median in :func:`evaluate` allows) and ``clusters``; NaN bounds when the
    latents do not form at most ``max_clusters`` clusters.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    train, lines = _split_and_drags(len(xy), seed)
    a = anchors[train].astype(np.float64)
    tree = cKDTree(a)
    s = float(np.median(tree.query(a, k=2)[0][:, 1]))
    pairs = tree.query_pairs(4 * s, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(a),) * 2)
    k, label = connected_components(graph, directed=False)
    if k < 2 or k > max_clusters:
        return {"every": float("nan"), "median": float("nan"), "clusters": float(k)}
    gap, diam = np.zeros((k, k)), np.zeros(k)
    members = [a[label == c] for c in range(k)]
    for c, m in enumerate(members):
        if len(m) <= 2000:
            diam[c] = np.linalg.norm(m[:, None] - m[None], axis=2).max()
        else:  # an upper bound (more travel allowed: a weaker, still valid bound)
            diam[c] = 2 * np.linalg.norm(m - m.mean(0), axis=1).max()
        for b in range(c + 1, k):
            gap[c, b] = gap[b, c] = cKDTree(members[b]).query(m)[0].min()
    rhos = np.linspace(0.0, gap.max() / 2, 401)
    step = rhos[1] - rhos[0]
    chain = np.zeros((len(rhos), k, k))
    for i, rho in enumerate(rhos):  # c_ρ by Floyd–Warshall at each level
        w = np.maximum(gap - 2 * rho, 0.0)
        for m in range(k):
            w = np.minimum(w, w[:, m : m + 1] + w[m : m + 1, :])
        chain[i] = w
    # ∫_{ρ0}^∞ c_ρ dρ from each grid level ρ0 (right sums of a decreasing c: from below)
    tail = np.concatenate([np.cumsum(chain[:0:-1], axis=0)[::-1], np.zeros((1, k, k))]) * step
    visits = label[cKDTree(xy[train]).query(lines.reshape(-1, 2))[1]].reshape(lines.shape[:2])
    per_drag = []
    for row in visits:
        seq = [row[0]] + [c for p, c in pairwise(row) if c != p]
        hops = list(pairwise(seq))
        path = sum(diam[c] for c in seq) + sum(gap[p, c] for p, c in hops)
        longest = jump * path / (len(row) - 1)
        # a hop of length D between points ≤ ``longest`` apart leaves ≥ D/longest − 1 points
        # outside; that is c_ρ with every D shortened by ``longest``, i.e. c at ρ + longest/2
        start = min(int(np.ceil(longest / 2 / step)), len(rhos) - 1)
        cost = sum(tail[start, p, c] for p, c in hops)
        per_drag.append(cost / longest / (len(row) * s))
    per_drag = np.sort(np.array(per_drag))
    return {
        "every": float(per_drag.mean()),
        "median": float(per_drag[: len(per_drag) // 2 + 1].sum() / len(per_drag)),
        "clusters": float(k),
    }
