"""What a command's output file may replace: "no command replaces a file it did not write
itself" (README). ``render`` and ``prior sample`` write sound files (an earlier render or
sample may be replaced, nothing else) and ``prior sample`` a latents ``.npy``."""

from __future__ import annotations

import os
from pathlib import Path

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.sound_files import check_replaceable


def refuse_project_sound(store, out: Path) -> None:
    """LatentscapeError when ``out`` is the file of one of the project's sounds."""
    if not out.exists():
        return
    for stored in store.sound_paths():
        path = store.resolve(stored)
        if path.name == out.name and path.exists() and os.path.samefile(path, out):
            raise LatentscapeError(
                f"{out}: is one of the project's sounds; not replacing it (give another name)"
            )


def check_sound_output(store, out: Path) -> None:
    """A sound file ``out`` may be written: it is new, or a sound file that is not one of the
    project's sounds (an earlier render or sample). LatentscapeError otherwise."""
    check_replaceable(out)
    refuse_project_sound(store, out)


def check_latents_output(out: Path) -> None:
    """A latents file ``out`` (``np.save`` of ``[count, frames, dims]``) may be written: it is
    new, or an earlier one (a float array of 3 dimensions). LatentscapeError otherwise."""
    import numpy as np

    if not out.exists():
        return
    try:
        old = np.load(out, mmap_mode="r", allow_pickle=False)
        earlier = old.ndim == 3 and old.dtype.kind == "f"
    except (OSError, ValueError):
        earlier = False
    if not earlier:
        raise LatentscapeError(
            f"{out}: exists and is not latents written by 'prior sample'; not replacing it "
            "(give another folder or --seed)"
        )
