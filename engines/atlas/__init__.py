"""The atlas: pooled features, 2D projections (PCA, UMAP), the inverse map and density."""

from .atlas import Atlas
from .density import density_grid
from .features import anchor_latents, pooled_features
from .inverse_map import InverseMap, InverseMapConfig, preview_config
from .trajectory_blend import blend_trajectories, resample_time
from .umap_runtime import configure_numba_cache, import_umap

__all__ = [
    "Atlas",
    "InverseMap",
    "InverseMapConfig",
    "anchor_latents",
    "blend_trajectories",
    "configure_numba_cache",
    "density_grid",
    "import_umap",
    "pooled_features",
    "preview_config",
    "resample_time",
]
