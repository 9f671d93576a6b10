"""The density overlay's image (widgets/density_image.py): it fades out past the map instead
of stopping at a hard edge, and is drawn without stair steps (QA s22)."""

from __future__ import annotations

import numpy as np

from latentscape.widgets.density_image import UPSAMPLE, soft_density_image


def test_the_overlay_fades_out_past_its_extent_and_keeps_its_values_inside():
    image = np.ones((64, 64), np.float32)  # support right up to the edge of the map
    fine, (x0, x1, y0, y1) = soft_density_image(image, (0.0, 1.0, 0.0, 1.0))
    assert x0 < 0.0 and x1 > 1.0 and y0 < 0.0 and y1 > 1.0 and np.isclose(x1 - 1.0, -x0)
    inside = fine.shape[0] * (0.5 - x0) / (x1 - x0)  # the map's middle, in display rows
    assert fine[int(inside), int(inside)] == 1.0
    assert fine[0, 0] < 0.01 and fine[0].max() < 0.02  # its outer border: nearly clear
    column = fine[:, fine.shape[1] // 2]
    ramp = column[: int(inside)]
    assert np.all(np.diff(ramp) >= -1e-6)  # rises steadily toward the map, no step


def test_cells_are_interpolated_not_drawn_as_blocks():
    image = np.zeros((16, 16), np.float32)
    image[8, 8] = 1.0
    fine, _ = soft_density_image(image, (0.0, 1.0, 0.0, 1.0))
    values = np.unique(np.round(fine, 4))
    assert fine.shape == ((16 + 2 * 2) * UPSAMPLE,) * 2
    assert len(values) > 4  # a gradient around the peak, not one block of 1.0
