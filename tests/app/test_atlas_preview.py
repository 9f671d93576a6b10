"""The PCA previews an import keeps outgrowing get a quick inverse map; the map that stays
(the UMAP refinement, or ``latentscape map``'s final one) chooses its fit by held-out folds."""

from __future__ import annotations

import numpy as np

from latentscape.atlas_updater import consolidate_job, place_job
from latentscape.engines.atlas import Atlas, InverseMapConfig, preview_config


def _sounds(n: int = 120, dims: int = 6) -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((4, dims)) * 4.0
    return [
        (centres[i % 4] + rng.standard_normal(dims) + 0.2 * rng.standard_normal((8, dims))).astype(
            np.float32
        )
        for i in range(n)
    ]


def test_an_import_preview_skips_the_folds_and_the_final_map_makes_them():
    trajs = _sounds()
    ids = list(range(len(trajs)))
    built, xy = place_job(None, trajs[:60], ids[:60], trajs[:60], ids[:60])
    assert built is not None and built.method == "pca" and xy.shape == (60, 2)
    assert built.inverse.fit_choice == (1, 60, 0)  # one residual pass, no cap, no folds
    assert built.inverse.config == preview_config(InverseMapConfig(grid_size=256))
    grown = consolidate_job(built, trajs[:70], ids[:70])  # a fold-in keeps the preview's fit
    assert grown is not None and grown.inverse.fit_choice == (1, 70, 0)
    final = Atlas.build(trajs, ids, method="pca")
    assert final.inverse.config.residual_select == 1 and final.inverse.fit_choice[1] == len(ids)
