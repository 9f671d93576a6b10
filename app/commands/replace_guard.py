"""What a command's output file may replace: "no command replaces a file it did not write
itself" (README). ``render`` and ``prior sample`` write sound files (a sound written here may
be replaced, not the project's sounds nor other files) and ``prior sample`` a latents
``.npy``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePath

from latentscape.engines.errors import LatentscapeError
from latentscape.engines.sound_files import check_replaceable, written_here


def refuse_project_sounds(store, outs: Sequence[Path]) -> None:
    """LatentscapeError when one of ``outs`` (existing files) is the file of one of the
    project's sounds. One pass over the project's paths, whatever the number of ``outs``."""
    by_name: dict[str, list[Path]] = {}
    for out in outs:
        by_name.setdefault(out.name, []).append(out)
    if not by_name:
        return
    for stored in store.sound_paths():
        for out in by_name.get(PurePath(stored).name, ()):  # resolved only when names match
            path = store.resolve(stored)
            if path.exists() and os.path.samefile(path, out):
                raise LatentscapeError(
                    f"{out}: is one of the project's sounds; not replacing it (give another name)"
                )


def check_sound_outputs(store, outs: Sequence[Path], hint: str = "give another name") -> None:
    """Sound files ``outs`` may be written: each is new, or a sound written here (it bears
    :data:`~latentscape.engines.sound_files.WRITER`'s mark: an earlier render, sample or
    export) that is not one of the project's sounds. A user's own sound of the same name is
    kept, whatever its format. LatentscapeError naming the file otherwise, ``hint`` saying
    what to do instead."""
    existing = [out for out in outs if out.exists()]
    for out in existing:
        check_replaceable(out)
    refuse_project_sounds(store, existing)  # the more telling reason comes first
    for out in existing:
        if not written_here(out):
            raise LatentscapeError(
                f"{out}: exists and has no latentscape mark (a sound of yours, or one written before "
                f"latentscape marked its sounds); not replacing it ({hint})"
            )


def check_latents_output(out: Path) -> None:
    """A latents file ``out`` (``np.save`` of float32 ``[count, frames, dims]``) may be
    written: it is new, or an earlier one. LatentscapeError otherwise."""
    import numpy as np

    if not out.exists():
        return
    try:
        old = np.load(out, mmap_mode="r", allow_pickle=False)
        earlier = old.ndim == 3 and old.dtype == np.float32
    except Exception:  # not an .npy at all: empty (EOFError), text (ValueError), unreadable
        earlier = False
    if not earlier:
        raise LatentscapeError(
            f"{out}: exists and is not latents written by 'prior sample'; not replacing it "
            "(give another folder or --seed)"
        )
