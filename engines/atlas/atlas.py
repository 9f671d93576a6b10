"""The atlas: every sound's place on the 2D map, and the way back from any point to latents.

An :class:`Atlas` is plain numpy: it saves to and loads from a dict of arrays (the project
stores it), so reopening a project needs no re-encoding, no projection and no UMAP import.
Positions live in the unit square (x right, y up, 0..1).

Threads: building (PCA ~ms, UMAP seconds) runs on any worker thread; a built atlas is read-only
and its queries (:meth:`frame_at` ~10 µs) may run on any thread, the audio thread included.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .density import density_grid
from .features import anchor_latents, pooled_features, standardise
from .inverse_map import InverseMap, InverseMapConfig, kernel_neighbours, nearest_points
from .projection import fit_unit_square, pca_basis, place_by_neighbours, umap_2d
from .trajectory_blend import blend_trajectories

METHODS = ("pca", "umap")
TRAJECTORY_NEIGHBOURS = 6
# Share of a UMAP build's progress that the layout takes; the inverse map and the density
# grid take the rest (2,000 sounds on the 2-core machine: 4.0 s of layout, 2.4 s after it,
# when the bar stood at 100% for those 2.4 s).
UMAP_SHARE = 0.65

Trajectories = Sequence[np.ndarray] | Mapping[int, np.ndarray]


def new_layout_id() -> int:
    """A random id (1..2^63-1) for a freshly computed layout of the sounds."""
    return secrets.randbits(63) or 1


class Atlas:
    """A built map. Create with :meth:`build` or :meth:`from_arrays`."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self._a = arrays
        self.sound_ids = np.asarray(arrays["sound_ids"], np.int64)
        self.xy = np.asarray(arrays["xy"], np.float32)
        self.method = METHODS[int(arrays["method"])]
        self.features = np.asarray(arrays["features"], np.float32)
        self.inverse = InverseMap.from_arrays(arrays)
        self.density_grid = np.asarray(arrays["density"], np.float32)
        # Which layout ``xy`` is: a build makes a new one, :meth:`with_added` keeps it (the
        # sounds already there do not move). 0: an atlas saved before layouts had ids.
        self.layout_id = int(arrays.get("layout", 0))

    # -- building --------------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        trajectories: Sequence[np.ndarray],
        sound_ids: Sequence[int] | None = None,
        *,
        method: str = "pca",
        progress: Callable[[float], None] | None = None,
        cancel: threading.Event | None = None,
        config: InverseMapConfig | None = None,
        seed: int = 0,
    ) -> Atlas | None:
        """Map ``trajectories`` (each ``[frames, L]`` float32). None when ``cancel`` was set.

        ``progress(fraction)`` (UMAP only) reaches 1.0 when the whole atlas is built."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if len(trajectories) == 0:
            raise ValueError("an atlas needs at least one sound")
        ids = np.arange(len(trajectories)) if sound_ids is None else np.asarray(sound_ids)
        features = pooled_features(trajectories)
        zf, mean, scale = standardise(features)
        basis = pca_basis(zf)
        if method == "pca" or len(trajectories) < 4:
            raw = zf @ basis
            method = "pca" if len(trajectories) < 4 else method
        else:
            share = None if progress is None else (lambda f: progress(UMAP_SHARE * f))
            raw = umap_2d(zf, seed=seed, progress=share, cancel=cancel)
            if raw is None:
                return None
        offset, unit = fit_unit_square(raw)
        xy = (raw * unit + offset).astype(np.float32)
        arrays = {
            "sound_ids": ids.astype(np.int64),
            "xy": xy,
            "method": np.array(METHODS.index(method)),
            "features": zf,
            "feature_mean": mean,
            "feature_scale": scale,
            "pca_basis": basis,
            "unit_offset": offset,
            "unit_scale": np.array(unit),
            "layout": np.array(new_layout_id(), np.int64),
        }
        atlas = cls._finish(arrays, anchor_latents(trajectories), config)
        if progress is not None:
            progress(1.0)
        return atlas

    @classmethod
    def _finish(
        cls,
        arrays: dict[str, np.ndarray],
        anchors: np.ndarray,
        config: InverseMapConfig | None,
        reuse: tuple[int, int, int] | None = None,
    ) -> Atlas:
        inverse = InverseMap.build(arrays["xy"], anchors, config, reuse=reuse)
        arrays.update(inverse.to_arrays())
        arrays["density"] = density_grid(arrays["xy"])
        return cls(arrays)

    def place(self, trajectories: Sequence[np.ndarray]) -> np.ndarray:
        """Map positions ``[m, 2]`` float32 for new sounds; the existing ones do not move."""
        zf, _, _ = standardise(
            pooled_features(trajectories), self._a["feature_mean"], self._a["feature_scale"]
        )
        if self.method == "pca":
            raw = zf.astype(np.float64) @ self._a["pca_basis"]
            return (raw * float(self._a["unit_scale"]) + self._a["unit_offset"]).astype(np.float32)
        return place_by_neighbours(self.features, self.xy, zf)

    def with_added(self, trajectories: Sequence[np.ndarray], sound_ids: Sequence[int]) -> Atlas:
        """A new atlas with ``trajectories`` placed (:meth:`place`) and everything else kept."""
        xy_new = self.place(trajectories)
        zf, _, _ = standardise(
            pooled_features(trajectories), self._a["feature_mean"], self._a["feature_scale"]
        )
        arrays = dict(self._a)
        arrays["sound_ids"] = np.concatenate([self.sound_ids, np.asarray(sound_ids, np.int64)])
        arrays["xy"] = np.clip(np.concatenate([self.xy, xy_new]), 0.0, 1.0).astype(np.float32)
        arrays["features"] = np.concatenate([self.features, zf])
        anchors = np.concatenate([self.inverse.anchors, anchor_latents(trajectories)])
        return self._finish(arrays, anchors, self.inverse.config, self.inverse.fit_choice)

    # -- queries (any thread) --------------------------------------------------------------------
    def frame_at(self, x: float, y: float) -> np.ndarray:
        """Latent frame ``[L]`` float32 for the scrub voice at map position (x, y)."""
        return self.inverse.frame(x, y)

    def frames_at(self, xy: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`frame_at`: ``[m, 2]`` → ``[m, L]`` float32."""
        return self.inverse.frames(xy)

    def nearest(self, x: float, y: float) -> tuple[int, float]:
        """(index into :attr:`sound_ids`, map distance) of the sound nearest (x, y)."""
        d, i = nearest_points(self.inverse.points, x, y, 1)
        return int(i[0]), float(d[0])

    def neighbour_weights(self, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        """(indices, weights summing to 1) of the sounds that make up what lies at (x, y)."""
        inv = self.inverse
        idx, w = kernel_neighbours(inv.points, x, y, inv.config)
        keep = np.argsort(-w)[:TRAJECTORY_NEIGHBOURS]
        idx, w = idx[keep], w[keep] / w[keep].sum()
        i, t = inv.snap(x, y)
        if t >= 1.0:
            return np.array([i]), np.array([1.0])
        if i >= 0:
            w = (1.0 - t) * w
            if i in idx:
                w[list(idx).index(i)] += t
            else:
                idx, w = np.append(idx, i), np.append(w, t)
        return idx, w

    def trajectory_at(
        self, x: float, y: float, trajectories: Trajectories, frames: int | None = None
    ) -> np.ndarray:
        """ "Play what lies here": a time-aligned blend of nearby sounds' trajectories,
        shifted so its mean is :meth:`frame_at` (x, y). On a sound: that sound's trajectory.

        ``trajectories`` is indexed like :attr:`sound_ids` (a sequence) or by sound id (a mapping).
        """
        idx, w = self.neighbour_weights(x, y)
        keyed = isinstance(trajectories, Mapping)
        chosen = [trajectories[int(self.sound_ids[i])] if keyed else trajectories[i] for i in idx]
        if w.max() >= 1.0 and frames is None:
            return np.asarray(chosen[int(np.argmax(w))], np.float32).copy()
        out = blend_trajectories(chosen, w, frames)
        return out + (self.frame_at(x, y) - out.mean(axis=0))

    def density_at(self, x: float, y: float) -> float:
        """Corpus support at (x, y), 0..1 (see :func:`.density.density_grid`)."""
        g = self.density_grid.shape[0]
        cx = min(max(int(x * g), 0), g - 1)
        cy = min(max(int(y * g), 0), g - 1)
        return float(self.density_grid[cy, cx])

    # -- persistence -----------------------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        return dict(self._a)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Atlas:
        return cls(dict(arrays))

    def __len__(self) -> int:
        return len(self.sound_ids)
