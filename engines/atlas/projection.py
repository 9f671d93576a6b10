"""2D projections of pooled features: PCA at once, UMAP to refine; both into the unit square."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

MARGIN = 0.05


def pca_basis(z: np.ndarray) -> np.ndarray:
    """The two leading principal axes ``[d, 2]`` of standardised features ``z`` ``[n, d]``."""
    z = np.asarray(z, np.float64)
    d = z.shape[1]
    if len(z) < 2:
        return np.eye(d, 2)
    centred = z - z.mean(axis=0)
    # eigenvectors of the d × d covariance: cheaper than an SVD of the n × d data
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(values)[::-1][:2]
    basis = np.zeros((d, 2))
    basis[:, : len(order)] = vectors[:, order]
    for k in range(basis.shape[1]):  # deterministic sign: largest loading positive
        if basis[np.argmax(np.abs(basis[:, k])), k] < 0:
            basis[:, k] *= -1
    return basis


def fit_unit_square(xy: np.ndarray) -> tuple[np.ndarray, float]:
    """``(offset [2], scale)`` that map ``xy`` into [MARGIN, 1 - MARGIN], aspect kept, centred."""
    xy = np.asarray(xy, np.float64)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = float((hi - lo).max())
    scale = (1.0 - 2 * MARGIN) / span if span > 1e-12 else 1.0
    centre = (lo + hi) / 2.0
    return 0.5 - centre * scale, scale


def place_by_neighbours(
    features: np.ndarray, xy: np.ndarray, new_features: np.ndarray, k: int = 8
) -> np.ndarray:
    """Positions for new sounds: inverse-distance blend of their ``k`` nearest sounds' positions
    in feature space (the existing map does not move). ``[m, 2]`` float32."""
    from scipy.spatial import cKDTree

    k = min(k, len(features))
    d, idx = cKDTree(features).query(new_features, k=k)
    d = d.reshape(len(new_features), k)
    idx = idx.reshape(len(new_features), k)
    w = 1.0 / (d + 1e-9) ** 2
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("mk,mkc->mc", w, xy[idx]).astype(np.float32)


def umap_2d(
    z: np.ndarray,
    *,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> np.ndarray | None:
    """UMAP of standardised features ``[n, d]`` → ``[n, 2]``; None when cancelled.

    Exact neighbours come from a brute-force search (passed as ``precomputed_knn``), which removes
    pynndescent's uncachable compile time. ``progress(fraction)`` is called on the calling
    thread during the layout epochs. Deterministic for a given ``seed``.
    """
    from .umap_runtime import epoch_hook, import_umap

    umap = import_umap()
    n = len(z)
    k = max(2, min(n_neighbors, n - 1))
    from sklearn.neighbors import NearestNeighbors

    # brute force: in 2L >= 16 dimensions trees are slower than one blocked matrix product
    # (measured: 10x at 100k points)
    dist, idx = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(z).kneighbors(z)
    reducer = umap.UMAP(
        n_neighbors=k,
        min_dist=min_dist,
        random_state=seed,
        precomputed_knn=(idx, dist.astype(np.float32)),
        init="spectral" if n < 20_000 else "pca",
        # umap's default is 500 epochs up to 10k points: 200 lays out as well and is 2.5x faster
        n_epochs=None if n <= 2000 else 200,
        n_jobs=1,
        verbose=False,
    )
    with epoch_hook(progress, cancel) as hook:
        try:
            xy = reducer.fit_transform(z)
        except hook.Cancelled:
            return None
    return np.asarray(xy, np.float64)
