"""How a path plays back by default: looped or once, and at what speed, kept in its ``meta``.

``meta["loop"]`` (bool) and ``meta["speed"]`` (playback speed, 2.0: twice as fast) travel with
the path (project item, JSON file). A path that says nothing plays once at 1 ×; the defaults
are left out of ``meta``, so a path played as recorded keeps ``"meta": {}``.
"""

from __future__ import annotations

import math

from .path import LatentPath

LOOP_KEY = "loop"
SPEED_KEY = "speed"
DEFAULT_LOOP = False
DEFAULT_SPEED = 1.0
SPEED_RANGE = (0.25, 4.0)  # what the paths panel offers


def playback_of(path: LatentPath) -> tuple[bool, float]:
    """``(loop, speed)`` stored in ``path.meta``; a value that is missing or unusable (a
    hand-edited file) gives the default, a speed outside :data:`SPEED_RANGE` is clipped."""
    loop = path.meta.get(LOOP_KEY, DEFAULT_LOOP)
    speed = path.meta.get(SPEED_KEY, DEFAULT_SPEED)
    if not isinstance(loop, bool):
        loop = DEFAULT_LOOP
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not math.isfinite(speed):
        speed = DEFAULT_SPEED
    low, high = SPEED_RANGE
    return loop, float(min(max(speed, low), high))


def with_playback(path: LatentPath, loop: bool, speed: float) -> LatentPath:
    """``path`` with ``loop`` and ``speed`` in its meta (defaults left out); ``path`` itself
    when its meta already says exactly that."""
    meta = {k: v for k, v in path.meta.items() if k not in (LOOP_KEY, SPEED_KEY)}
    if bool(loop) != DEFAULT_LOOP:
        meta[LOOP_KEY] = bool(loop)
    if float(speed) != DEFAULT_SPEED:
        meta[SPEED_KEY] = float(speed)
    return path if meta == path.meta else path.replace(meta=meta)
