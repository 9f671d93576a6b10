"""The inverse map: any point of the 2D map → a latent frame, in microseconds.

Method (chosen by measurement against IDW-16, an IDW grid and a small MLP; bench/atlas.py):

1. **Scale-space kernel regression on a grid.** Every sound's anchor latent (its pooled mean)
   is splatted bilinearly onto a ``G × G`` grid over the unit square, as mass and as
   mass-weighted latent sums. Both are blurred with Gaussians of widths 1, 2, 4, … cells; at
   each width the ratio is the Nadaraya–Watson estimate with that bandwidth over *all* sounds
   (no neighbour set to switch, so no seams).
2. **Bandwidth that adapts to density.** Widths are combined from coarse to fine: at each node
   a width takes over in proportion to its confidence ``1 - exp(-n / confidence_points)``,
   ``n`` the number of sounds under its kernel. Where sounds are dense the finest widths win
   (detail, low held-out error); across an empty gap only wide kernels have support, so the
   latent changes gradually over the whole gap instead of jumping at its middle.
   ``confidence_points`` is the smoothness knob: larger is smoother and further from the data.
3. **Residual passes** ("twicing"): what the blend still misses at the sounds is itself
   blended with narrow kernels only (background 0) and added back, ``residual_passes`` times.
   This removes most of the smoothing bias in dense regions (held-out error below IDW's) and
   leaves the gaps smooth. With ``residual_select`` the number of passes is chosen by the
   error on 10% of the sounds left out (passes recover real detail but can fit noise).
4. **Settling the gaps** (:mod:`.grid_field`, ``settle_passes`` > 0): the grid is re-solved
   as a thin-plate field that keeps its values where sounds are and is drawn toward a soft
   projection on the real latents everywhere else. The wide blends of many clusters that fill
   empty regions (far from every real latent) give way to short paths between neighbouring
   clusters, spread evenly across the gap. ``data_weight`` ÷ ``thin_plate`` is the knob
   between staying on the data and even steps.
5. **Optional pull toward the data** (``pull`` > 0): each node moves a fraction toward the
   same soft projection on the real latents. Measured: it brings latents closer to
   real ones only by bringing back jumps across gaps, so it is off by default.
6. **Cliffs to ramps, where it costs little** (``step_cap``; :func:`.grid_fit.capped_grid`):
   no step between neighbouring nodes steeper than ``step_cap`` × the grid's mean step.
   Drags then take even steps (the jump halves on GM notes), but where close sounds really
   differ the cap blurs what tells them apart, so the held-out folds of step 3 decide: the
   cap is kept when it costs at most ``step_cap_cost`` of the held-out error, else the map
   is built without it.
7. **Exact snap.** Within a small radius of a sound (at most ``snap_fraction`` of the distance
   to its nearest neighbour, so discs never overlap) the answer glides to that sound's own
   anchor with a smoothstep and reaches it exactly at the centre.

Steps 1-6 make the grid (:mod:`.grid_fit`); this module holds the settings, the map and
its queries. Queries are a bilinear grid lookup plus a disc check through a per-cell
candidate list: ~10 µs in Python, any thread (the object is read-only after build).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from .grid_fit import (
    capped_grid,
    chosen_fit,
    pull_toward_data,
    residual_passes,
    scale_space_grid,
    settled,
)
from .grid_ops import bilinear


@dataclass(frozen=True)
class InverseMapConfig:
    grid_size: int = 256  # 0: 128 below 2,000 sounds (a smaller project file), else 256
    finest_width: float = 1.0 / 512  # narrowest kernel, in map units
    confidence_points: float = 10.0
    residual_passes: int = 3
    residual_max_width: float = 8.0 / 256
    residual_confidence_points: float = 2.0
    pull: float = 0.0
    # Width of the soft projection on the real latents that gap settling draws toward, in
    # median latent neighbour spacings. 0.4 (nearly the nearest real latent) rather than 2.0:
    # at 2.0 the targets were blends of several latents, themselves off the data, and drags
    # strayed further from the data than IDW-16's on every real corpus of bench/atlas.py.
    # Held-out error / drag jump / distance to the data, 2.0 -> 0.4 (IDW-16):
    # 1,000 GM notes 0.305/3.69/0.977 -> 0.300/3.48/0.761 (0.309/5.80/0.973); the demo's 108
    # sounds, mean of 10 held-out splits, 0.817/4.03/0.812 -> 0.587/2.90/0.438 (0.560/4.67/
    # 0.741); 3,000 notes at 0.4: 0.256/3.71/0.944 (0.273/10.95/1.321).
    softness: float = 0.4
    snap_fraction: float = 0.45
    # Disc radius cap, in map units (0.0004: under half a pixel of a 1000-px map), so the map
    # is exact at a sound's own position and smooth around it. Each disc is a steep glide that
    # a passing drag hears as a tick: on the demo VAE's GM notes a cap of 0.006 made the
    # median drag jump 5.2, 0.0015 4.4, 0.0004 3.7 (3.6 without discs), and on 3,000 notes
    # it cost held-out error (0.120 at 0.0015, 0.115 at 0.0004). What a user hears on a sound
    # comes from the app: a click on a dot plays its trajectory, and a drag that rests on a
    # dot moves the scrub voice to that sound's own latent (explorer_controller).
    snap_max: float = 0.0004
    # neighbour weights for trajectory blending (kernel over the k nearest sounds)
    k_bandwidth: int = 6
    bandwidth_scale: float = 0.8
    k_support: int = 24
    # gap settling (grid_field.settle_gaps)
    settle_passes: int = 3  # 0: off
    settle_iterations: int = 40
    # Pull toward the data vs. even steps across gaps (data_weight ÷ thin_plate). 1.0 rather
    # than 10 (with softness 0.4): 10 lowers the drag jump (1,000 GM notes 3.18 -> 2.93, 3,000
    # notes 4.30 -> 4.35, demo 2.96 -> 2.14) but drags stray further from the data (0.79 ->
    # 0.90, 0.93 -> 1.10; on notes through the tests' random nn~ model 11.5 -> 15.8 spacings,
    # beyond IDW-16's 13.3).
    thin_plate: float = 1.0
    data_weight: float = 0.1
    fit_weight: float = 100.0
    # 1: residual_passes is a maximum, the count is chosen by held-out error, and so is
    # whether the step cap is kept (chosen_fit)
    residual_select: int = 1
    # The steepest grid step allowed (capped_grid), in multiples of the grid's mean step; 0:
    # off. Means over held-out splits (error / drag jump / distance to the data), uncapped ->
    # 3 -> 2.5 (IDW grid; MLP): 989 GM notes through the demo VAE, 5 splits, 0.307/3.44/0.791
    # -> 0.312/1.77/0.833 -> 0.314/1.64/0.844 (0.308/4.60/0.984; 0.409/1.88/1.149); the demo's
    # 108 sounds, 10 splits, 0.588/2.90/0.438 -> 0.579/1.97/0.503 -> 0.572/1.81/0.518 (0.560/
    # 3.29/0.741; 0.770/2.15/1.337); all at grid 256. 3 rather than 2.5: held-out error
    # within 1.5 % of the IDW grid's on the notes. Notes through the tests' random nn~ model,
    # where close sounds really differ, lose 1.8x in held-out error at 3 (0.084 -> 0.148):
    # there the folds turn it down. It costs build time: 10,000 sounds of 16 dims 1.1 -> 2.7 s
    # (128 dims 5.6 -> 10 s), mostly the folds, which a fold-in reuses.
    step_cap: float = 3.0
    # With residual_select, the cap is kept when it raises the held-out error of the folds by
    # at most this fraction (inf: always). The folds' cost of a cap of 3: demo 108 sounds
    # -1 %, 989 GM notes +3 %, the bench's synthetic clusters +6 %, random-model notes +190 %.
    step_cap_cost: float = 0.05


def preview_config(cfg: InverseMapConfig | None = None) -> InverseMapConfig:
    """``cfg`` (default: the defaults) for an inverse map soon replaced, such as the PCA
    previews an import keeps outgrowing and the PCA map shown until UMAP's is ready: no
    held-out folds (one residual pass, no step cap). 300 sounds at grid 256: ~0.5 s instead
    of ~6 s, most of it the folds."""
    return replace(cfg or InverseMapConfig(), residual_select=0, residual_passes=1, step_cap=0.0)


def _kernel_weights(d: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Gaussian weights ``[m, k]`` shifted to zero at the last column (seamless truncation)."""
    w = np.exp(-0.5 * (d / h[:, None]) ** 2)
    w = np.maximum(w - w[:, -1:], 0.0)
    w[:, 0] += 1e-12  # a node far from everything still gets its nearest anchor
    return w / w.sum(axis=1, keepdims=True)


def nearest_points(points: np.ndarray, x: float, y: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(distances ``[k]``, indices ``[k]``) of the ``k`` map points nearest (x, y), nearest first.

    Brute force in numpy (~1 ms for 100k points): no index to build, no scipy import.
    """
    d2 = (points[:, 0] - x) ** 2 + (points[:, 1] - y) ** 2
    k = min(k, len(points))
    idx = np.argpartition(d2, k - 1)[:k] if k < len(points) else np.arange(len(points))
    idx = idx[np.argsort(d2[idx], kind="stable")]
    return np.sqrt(d2[idx]), idx


def kernel_neighbours(
    points: np.ndarray, x: float, y: float, cfg: InverseMapConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(indices ``[k]``, weights ``[k]``) of the sounds blended at map point (x, y).

    Gaussian weights over the ``k_support`` nearest map points with a bandwidth of
    ``bandwidth_scale`` × the distance to the ``k_bandwidth``-th nearest.
    """
    d, idx = nearest_points(points, x, y, cfg.k_support)
    k = len(idx)
    d, idx = d[None], idx[None]
    if k == 1:
        return idx[0], np.ones(1)
    h = np.maximum(cfg.bandwidth_scale * d[:, min(cfg.k_bandwidth, k) - 1], 1e-6)
    return idx[0], _kernel_weights(d, h)[0]


# A map that grew by at most this factor since its fit was chosen (chosen_fit) keeps it:
# choosing it (held-out folds) takes ~85% of a rebuild, 6.0 of 6.7 s on the demo's 108
# sounds at grid 256 (1.2 of 1.9 s at its grid of 128), and an import folds sounds in every
# 2 s (bench/atlas.py projection: fold lines).
REUSE_PASSES_GROWTH = 1.5


class InverseMap:
    """Map positions (unit square) → latent frames. Read-only after :meth:`build`; any thread.

    ``fit_choice``: (residual passes in the grid, number of sounds the fit was chosen on,
    1 when the grid is step-capped else 0) (:func:`.grid_fit.chosen_fit`), or (-1, 0, 0)
    when not known (a map saved before it was kept).
    """

    def __init__(
        self,
        grid: np.ndarray,
        points: np.ndarray,
        anchors: np.ndarray,
        snap_radius: np.ndarray,
        cell_start: np.ndarray,
        cell_points: np.ndarray,
        config: InverseMapConfig,
        fit_choice: tuple[int, int, int] = (-1, 0, 0),
    ) -> None:
        self.grid = np.ascontiguousarray(grid, np.float32)  # [G, G, L], row = y
        self.points = np.ascontiguousarray(points, np.float64)  # [n, 2]
        self.anchors = np.ascontiguousarray(anchors, np.float32)  # [n, L]
        self.snap_radius = np.ascontiguousarray(snap_radius, np.float64)  # [n]
        self.cell_start = cell_start  # [G*G + 1] CSR over cells (snap discs touching a cell)
        self.cell_points = cell_points
        self.config = config
        self.fit_choice = (int(fit_choice[0]), int(fit_choice[1]), int(fit_choice[2]))
        self._g = self.grid.shape[0]
        self._pts = self.points.tolist()
        self._radius = self.snap_radius.tolist()
        self._start = cell_start.tolist()
        self._cells = cell_points.tolist()

    @property
    def latent_size(self) -> int:
        return int(self.grid.shape[2])

    @classmethod
    def build(
        cls,
        points: np.ndarray,
        anchors: np.ndarray,
        config: InverseMapConfig | None = None,
        *,
        reuse: tuple[int, int, int] | None = None,
    ) -> InverseMap:
        """From map positions ``[n, 2]`` (unit square) and anchors ``[n, L]`` float32.

        ``reuse``: the ``fit_choice`` of the map these sounds extend (sounds folded into it);
        its pass count and cap are kept while the map is at most ``REUSE_PASSES_GROWTH`` times
        the size they were chosen on, else chosen again.
        """
        cfg = config or InverseMapConfig()
        points = np.asarray(points, np.float64)
        anchors = np.asarray(anchors, np.float32)
        n = len(points)
        if cfg.grid_size <= 0:
            cfg = replace(cfg, grid_size=128 if n < 2000 else 256)
        if not cfg.residual_select:
            capped = cfg.step_cap > 0  # its own refit pass stands for the passes
            choice = (0 if capped else cfg.residual_passes, n, int(capped))
        elif reuse is not None and reuse[0] >= 0 and n <= REUSE_PASSES_GROWTH * reuse[1]:
            choice = (reuse[0], reuse[1], int(reuse[2] and cfg.step_cap > 0))
        else:
            passes, capped = chosen_fit(points, anchors, cfg)
            choice = (passes, n, int(capped))
        grid = scale_space_grid(points, anchors, cfg)
        grid = residual_passes(grid, points, anchors, cfg, choice[0])
        if cfg.settle_passes > 0 and n > 1:
            grid = settled(grid, points, anchors, cfg)
        if cfg.pull > 0:
            grid = pull_toward_data(grid, anchors, cfg)
        if choice[2]:
            grid = capped_grid(grid, points, anchors, cfg)
        return cls.from_grid(grid, points, anchors, cfg, choice)

    @classmethod
    def from_grid(
        cls,
        grid: np.ndarray,
        points: np.ndarray,
        anchors: np.ndarray,
        cfg: InverseMapConfig,
        fit_choice: tuple[int, int, int] = (-1, 0, 0),
    ) -> InverseMap:
        """Over a finished ``grid`` ``[G, G, L]`` (``cfg.grid_size`` = G), with the snap discs
        of the sounds at ``points`` ``[n, 2]`` (unit square) with anchors ``[n, L]``."""
        from scipy.spatial import cKDTree

        points = np.asarray(points, np.float64)
        n = len(points)
        if n > 1:
            nn_d = cKDTree(points).query(points, k=2)[0][:, 1]
        else:
            nn_d = np.full(n, np.inf)
        radius = np.minimum(cfg.snap_fraction * nn_d, cfg.snap_max)
        start, members = _disc_cells(points, radius, grid.shape[0])
        return cls(grid, points, anchors, radius, start, members, cfg, fit_choice)

    # -- queries ---------------------------------------------------------------------------------
    def _grid_at(self, x: float, y: float) -> np.ndarray:
        g = self._g
        fx = min(max(x * g - 0.5, 0.0), g - 1.0)
        fy = min(max(y * g - 0.5, 0.0), g - 1.0)
        i0 = min(int(fx), g - 2) if g > 1 else 0
        j0 = min(int(fy), g - 2) if g > 1 else 0
        tx, ty = fx - i0, fy - j0
        row0 = self.grid[j0]
        row1 = self.grid[j0 + 1] if g > 1 else row0
        top = row0[i0] + tx * (row0[i0 + 1] - row0[i0]) if g > 1 else row0[0]
        bot = row1[i0] + tx * (row1[i0 + 1] - row1[i0]) if g > 1 else row1[0]
        return top + ty * (bot - top)

    def snap(self, x: float, y: float) -> tuple[int, float]:
        """``(index, t)``: the sound whose snap disc holds (x, y) and the smoothstep weight
        (1 at its centre), or ``(-1, 0.0)``."""
        g = self._g
        cx = min(max(int(x * g), 0), g - 1)
        cy = min(max(int(y * g), 0), g - 1)
        c = cy * g + cx
        for i in self._cells[self._start[c] : self._start[c + 1]]:
            px, py = self._pts[i]
            r = self._radius[i]
            d2 = (x - px) ** 2 + (y - py) ** 2
            if d2 < r * r:
                u = 1.0 - d2**0.5 / r
                return i, u * u * (3.0 - 2.0 * u)
        return -1, 0.0

    def frame(self, x: float, y: float) -> np.ndarray:
        """Latent ``[L]`` float32 at map position (x, y) in the unit square. Any thread."""
        z = self._grid_at(x, y)
        i, t = self.snap(x, y)
        if i >= 0:
            if t >= 1.0:
                return self.anchors[i].copy()
            z = z + t * (self.anchors[i] - z)
        return z

    def frames(self, xy: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`frame`: ``xy`` ``[m, 2]`` → ``[m, L]`` float32."""
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        z = bilinear(self.grid, xy)
        for m, (x, y) in enumerate(xy):
            i, s = self.snap(float(x), float(y))
            if i >= 0:
                z[m] += s * (self.anchors[i] - z[m])
        return z.astype(np.float32)

    # -- persistence -----------------------------------------------------------------------------
    def to_arrays(self, prefix: str = "inv_") -> dict[str, np.ndarray]:
        """Arrays for a project file; the config is stored by field name (``config_names``)."""
        fields = asdict(self.config)
        return {
            f"{prefix}grid": self.grid,
            f"{prefix}points": self.points,
            f"{prefix}anchors": self.anchors,
            f"{prefix}snap_radius": self.snap_radius,
            f"{prefix}cell_start": self.cell_start,
            f"{prefix}cell_points": self.cell_points,
            f"{prefix}config": np.array(list(fields.values()), np.float64),
            f"{prefix}config_names": np.array(list(fields), np.str_),
            f"{prefix}residual_choice": np.array(self.fit_choice, np.int64),  # the old name
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "inv_") -> InverseMap:
        values = arrays[f"{prefix}config"].tolist()
        if f"{prefix}config_names" in arrays:
            names = [str(n) for n in arrays[f"{prefix}config_names"]]
        else:  # saved before names were stored: the fields of that time, in their order
            names = list(InverseMapConfig.__dataclass_fields__)
        kinds = {k: type(v) for k, v in asdict(InverseMapConfig()).items()}
        # Fields unknown to this version are dropped; new ones keep their defaults.
        cfg = InverseMapConfig(**{k: kinds[k](v) for k, v in zip(names, values) if k in kinds})
        return cls(
            arrays[f"{prefix}grid"],
            arrays[f"{prefix}points"],
            arrays[f"{prefix}anchors"],
            arrays[f"{prefix}snap_radius"],
            arrays[f"{prefix}cell_start"],
            arrays[f"{prefix}cell_points"],
            cfg,
            _saved_fit_choice(arrays.get(f"{prefix}residual_choice")),
        )


def _saved_fit_choice(saved: np.ndarray | None) -> tuple[int, int, int]:
    """A stored ``fit_choice``: none (-1, 0, 0) when not kept; (passes, n) from before caps."""
    if saved is None:
        return (-1, 0, 0)
    values = [int(v) for v in saved]
    return (values[0], values[1], values[2] if len(values) > 2 else 0)


def _disc_cells(points: np.ndarray, radius: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR list of the snap discs that touch each grid cell: (start ``[G*G+1]``, members)."""
    ok = np.isfinite(radius) & (radius > 0)
    idx = np.flatnonzero(ok)
    p, r = points[idx], radius[idx]
    lo = np.clip(((p - r[:, None]) * g).astype(np.int64), 0, g - 1)
    hi = np.clip(((p + r[:, None]) * g).astype(np.int64), 0, g - 1)
    span = int((hi - lo).max(initial=0)) + 1
    pairs_cell, pairs_point = [], []
    for oy in range(span):
        for ox in range(span):
            cx, cy = lo[:, 0] + ox, lo[:, 1] + oy
            keep = (cx <= hi[:, 0]) & (cy <= hi[:, 1])
            pairs_cell.append(cy[keep] * g + cx[keep])
            pairs_point.append(idx[keep])
    cell = np.concatenate(pairs_cell) if pairs_cell else np.zeros(0, np.int64)
    point = np.concatenate(pairs_point) if pairs_point else np.zeros(0, np.int64)
    order = np.lexsort((point, cell))
    counts = np.bincount(cell, minlength=g * g)
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return start, point[order].astype(np.int64)
