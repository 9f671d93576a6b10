"""The density overlay's image: soft edges and smooth pixels (QA s22).

The corpus support (``engines/atlas/density.py``) is a coarse grid over the map's unit
square. Drawn as it is, its cells showed as stair steps, and where the grid ended beside
sounds the overlay stopped at a hard straight edge. Here it fades out past its extent, as a
kernel density does with distance, and is drawn at a finer, linearly interpolated grid.

Pure function; any thread (the GUI thread calls it: ~10 ms for a 128² grid here).
"""

from __future__ import annotations

import numpy as np

PAD_FRACTION = 0.125  # of the grid's size, on each side: the fade past the extent
UPSAMPLE = 4  # display cells per grid cell


def soft_density_image(
    image: np.ndarray, extent: tuple[float, float, float, float]
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """``image`` ``[H, W]`` float32 over ``extent`` ``(x0, x1, y0, y1)`` → a larger, finer image
    ``[(H + 2p) * UPSAMPLE, (W + 2p) * UPSAMPLE]`` and its wider extent: the edge values carried
    ``p`` cells further out under a Gaussian fade (to ~1 % at the end), then interpolated."""
    from scipy.ndimage import zoom

    img = np.asarray(image, np.float32)
    h, w = img.shape
    if h < 2 or w < 2:
        return img, extent
    pad = max(2, round(PAD_FRACTION * max(h, w)))
    padded = np.pad(img, pad, mode="edge")
    dy = np.maximum(
        0, np.maximum(pad - np.arange(h + 2 * pad), np.arange(h + 2 * pad) - (h + pad - 1))
    )
    dx = np.maximum(
        0, np.maximum(pad - np.arange(w + 2 * pad), np.arange(w + 2 * pad) - (w + pad - 1))
    )
    dist = np.hypot(dy[:, None], dx[None, :])
    padded *= np.exp(-0.5 * (dist / (pad / 3.0)) ** 2).astype(np.float32)
    fine = zoom(padded, UPSAMPLE, order=1, grid_mode=True, mode="nearest")
    x0, x1, y0, y1 = extent
    cx, cy = (x1 - x0) / w * pad, (y1 - y0) / h * pad
    return fine.astype(np.float32), (x0 - cx, x1 + cx, y0 - cy, y1 + cy)
