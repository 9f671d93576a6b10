"""Settling the inverse map's empty regions: a thin-plate field drawn toward the data.

The scale-space grid (:mod:`.inverse_map`) fits the sounds well but fills the space between
clusters with wide-kernel blends of *many* clusters, which lie far from any real latent. This
step re-solves the grid ``F`` (``[G, G, L]``) as the minimiser of

    Σ_nodes μ_n |F_n − F0_n|²  +  λ_s Σ_nodes |ΔF_n|²  +  λ_d Σ_nodes |F_n − T_n(F)|²

- ``F0`` is the scale-space grid and ``μ_n`` the number of sounds near node ``n`` times
  ``fit_weight``: where sounds are, the grid keeps its fit (held-out error unchanged);
- ``ΔF`` is the discrete Laplacian (thin-plate energy): it spreads a change of latent evenly
  across a gap, so straight drags see steps of even size;
- ``T_n(F)`` is a soft projection of the node's latent on the data (a softmax blend of the
  real latents, temperature ``softness`` × their median neighbour spacing): it draws empty
  regions onto real latents.

``T`` depends on ``F``, so the solve alternates: targets from the current field, then a
linear solve by preconditioned conjugate gradients, ``passes`` times per level, coarse to fine
from 32² up to 128² (each level starts from the one below, so low frequencies cost few
iterations; finer grids get the 128² change upsampled).

The data term trades against the thin-plate term: more pull toward the data means shorter
crossings between clusters, so fewer latents off the data but larger steps there
(bench/atlas.py shows both ends; no setting beats every baseline on every count there, and
``off_lower_bound`` in bench/atlas_inverse.py shows how little room any map would have).

Weights are given per unit of map area so one setting means the same at any grid size:
``λ_s = thin_plate · (G / 128)²`` and ``λ_d = data_weight · (128 / G)²`` per node.

Numpy only (plus scipy's k-d tree for the spacing), any worker thread; measured on the
2-core dev machine under load: +1 s for 10,000 sounds × 16 dims, +1.6 s × 64 dims.
"""

from __future__ import annotations

import numpy as np

from .grid_ops import latent_spacing, splat_mass, upsample

_REF = 128  # grid size at which the weights are given per node


def laplacian(f: np.ndarray) -> np.ndarray:
    """Graph Laplacian of the grid (4 neighbours, edges reflect) over the first two axes.

    Symmetric, so ``laplacian(laplacian(f))`` is the thin-plate operator ``LᵀL``.
    """
    out = -4.0 * f
    out[1:] += f[:-1]
    out[:-1] += f[1:]
    out[0] += f[0]
    out[-1] += f[-1]
    out[:, 1:] += f[:, :-1]
    out[:, :-1] += f[:, 1:]
    out[:, 0] += f[:, 0]
    out[:, -1] += f[:, -1]
    return out


def _down(a: np.ndarray) -> np.ndarray:
    """Halve a ``[G, G, ...]`` grid by averaging 2 × 2 blocks."""
    g = a.shape[0]
    return a.reshape(g // 2, 2, g // 2, 2, *a.shape[2:]).mean(axis=(1, 3))


def _up(a: np.ndarray) -> np.ndarray:
    """Double a cell-centred ``[h, h, ...]`` grid bilinearly."""
    return upsample(a, 2 * a.shape[0])


def projection_width(anchors: np.ndarray, softness: float) -> float:
    """Width (latent units) of the soft projection on ``anchors`` ``[n, L]``: ``softness``
    times their median nearest-neighbour spacing."""
    return softness * float(np.median(latent_spacing(anchors)))


def data_targets(f: np.ndarray, anchors: np.ndarray, tau: float, block: int = 4096) -> np.ndarray:
    """Soft projection of each node's latent on ``anchors`` ``[m, L]``: ``[G, G, L]`` float32.

    A softmax over all anchors of ``-|z - a|² / (2 tau²)`` (``tau`` in latent units), in
    blocks of nodes: matrix products only, no neighbour search (a k-d tree is slow for
    latents far from the data in 8+ dimensions).
    """
    g, _, dims = f.shape
    z = f.reshape(-1, dims)
    sq = (anchors * anchors).sum(axis=1)
    out = np.empty_like(z)
    for a in range(0, len(z), block):
        d2 = sq[None, :] - 2.0 * (z[a : a + block] @ anchors.T)  # + |z|², constant per row
        d2 -= d2.min(axis=1, keepdims=True)
        w = np.exp(d2 * np.float32(-0.5 / (tau * tau)))
        w /= w.sum(axis=1, keepdims=True)
        out[a : a + block] = w @ anchors
    return out.reshape(g, g, dims)


def _solve(
    f: np.ndarray,
    rhs: np.ndarray,
    mu: np.ndarray,
    lam_s: float,
    lam_d: float,
    iterations: int,
) -> np.ndarray:
    """Jacobi-preconditioned CG on ``(diag(μ) + λ_s L² + λ_d I) F = rhs`` from ``f``."""
    diag = (mu + lam_s * 20.0 + lam_d)[..., None]

    def apply(x: np.ndarray) -> np.ndarray:
        return mu[..., None] * x + lam_s * laplacian(laplacian(x)) + lam_d * x

    x = f
    r = rhs - apply(x)
    zr = r / diag
    p = zr.copy()
    rz = float((r * zr).sum())
    scale = float((rhs * rhs).sum()) + 1e-30
    for _ in range(iterations):
        ap = apply(p)
        alpha = rz / max(float((p * ap).sum()), 1e-30)
        x = x + alpha * p
        r = r - alpha * ap
        if float((r * r).sum()) < 1e-10 * scale:
            break
        zr = r / diag
        rz_new = float((r * zr).sum())
        p = zr + (rz_new / max(rz, 1e-30)) * p
        rz = rz_new
    return x


def settle_gaps(
    grid: np.ndarray,
    points: np.ndarray,
    anchors: np.ndarray,
    *,
    thin_plate: float,
    data_weight: float,
    fit_weight: float,
    softness: float,
    passes: int,
    iterations: int,
    coarsest: int = 32,
    finest: int = 128,
    max_targets: int = 2048,
    finest_passes: int = 1,
) -> np.ndarray:
    """Re-solve ``grid`` ``[G, G, L]`` (module docstring); returns ``[G, G, L]`` float32.

    ``points`` ``[n, 2]`` are the sounds' map positions (unit square), ``anchors`` ``[n, L]``
    their latents; ``softness`` is the soft projection's temperature in median latent
    neighbour spacings. Grids finer than ``finest`` are settled at ``finest`` and the change
    is upsampled (it is smooth; the fine detail at the sounds is kept). Beyond
    ``max_targets`` sounds the data term uses a fixed random sample of them (cost).
    """
    g = grid.shape[0]
    if g > finest and g % 2 == 0:
        coarse = _down(np.asarray(grid, np.float32))
        settled = settle_gaps(
            coarse,
            points,
            anchors,
            thin_plate=thin_plate,
            data_weight=data_weight,
            fit_weight=fit_weight,
            softness=softness,
            passes=passes,
            iterations=iterations,
            coarsest=coarsest,
            finest=finest,
            max_targets=max_targets,
            finest_passes=finest_passes,
        )
        return np.ascontiguousarray(grid + _up(settled - coarse), np.float32)
    anchors = np.asarray(anchors, np.float32)
    tau = projection_width(anchors, softness)
    if len(anchors) > max_targets:  # targets from a fixed sample of the real latents
        keep = np.random.default_rng(0).choice(len(anchors), max_targets, replace=False)
        anchors = anchors[np.sort(keep)]
    levels = [g]
    while levels[-1] % 2 == 0 and levels[-1] // 2 >= coarsest:
        levels.append(levels[-1] // 2)
    f0s = [np.asarray(grid, np.float32)]
    for _ in levels[1:]:
        f0s.append(_down(f0s[-1]))
    f = f0s[-1].copy()
    for level in range(len(levels) - 1, -1, -1):
        size, f0 = levels[level], f0s[level]
        if f.shape[0] != size:
            f = _up(f)
        mu = (fit_weight * splat_mass(points, size)).astype(np.float32)
        lam_s = thin_plate * (size / _REF) ** 2
        lam_d = data_weight * (_REF / size) ** 2
        for _ in range(passes if level > 0 else min(passes, finest_passes)):
            target = data_targets(f, anchors, tau)
            rhs = mu[..., None] * f0 + lam_d * target
            f = _solve(f, rhs, mu, lam_s, lam_d, iterations)
    return np.ascontiguousarray(f, np.float32)
