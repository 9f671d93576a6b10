"""CSV files of a :class:`~.path.LatentPath`: one row per point, for spreadsheets and scripts.

Layout (docs/path_formats.md)::

    time_s,x,y,z0,z1,…,z{L-1}
    0.0,0.25,0.5,0.1,-1.2,…
    …

Comma-separated, ``.`` as decimal point, ``\\n`` line ends, UTF-8, one header line and no
other metadata (name, seed and model hash live in the JSON format only). Times are seconds
from the start (float64, written exactly); x, y and the latents are float32 in their shortest
exact form, so :func:`read_csv` gives back exactly the numbers that were written.

The latents are those heard: a path's lane of latent controls (:mod:`.controls`) has its
offset and scale applied (a step row pair at each change of the controls); the temperature's
noise is not a latent and is left out. Read back, such a file is a path without a lane that
decodes as the original did (noise aside).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from .controls import heard
from .files import read_bytes, write_text_atomic
from .json_format import float32_list
from .path import LatentPath, PathError


def header(latent_size: int) -> list[str]:
    """Column names: ``time_s, x, y, z0 … z{latent_size-1}``."""
    return ["time_s", "x", "y", *(f"z{i}" for i in range(latent_size))]


def to_csv(path: LatentPath) -> str:
    """``path`` as CSV text with a header line: the latents as heard (see the module)."""
    path = heard(path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header(path.latent_size))
    xy = float32_list(path.xy)
    latents = float32_list(path.latents)
    for t, p, z in zip(path.times_s.tolist(), xy, latents):
        writer.writerow([repr(t), *map(repr, p), *map(repr, z)])
    return buf.getvalue()


def from_csv(text: str, source: str = "path.csv", name: str | None = None) -> LatentPath:
    """Parse CSV text written by :func:`to_csv` (columns found by their header names).

    Times are shifted so the first row is at 0 s. ``name`` defaults to ``source`` without its
    extension; the seed is 0 and the model hash unknown ("").
    """
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if r and any(cell.strip() for cell in r)]
    if not rows:
        raise PathError(f"{source}: empty CSV, not a path")
    head = [h.strip() for h in rows[0]]
    if head[:3] != ["time_s", "x", "y"]:
        raise PathError(f"{source}: not a path CSV (the header must start with time_s,x,y)")
    latent_size = len(head) - 3
    if latent_size == 0 or head != header(latent_size):
        raise PathError(f"{source}: not a path CSV (expected columns z0..zN after time_s,x,y)")
    body = rows[1:]
    if not body:
        raise PathError(f"{source}: path CSV has a header but no points")
    for line, row in enumerate(body, start=2):
        if len(row) != len(head):
            raise PathError(
                f"{source}: line {line} has {len(row)} values, the header has {len(head)}"
            )
    try:
        table = np.array(body, dtype=np.float64)
    except ValueError as exc:
        raise PathError(f"{source}: a value is not a number ({exc})") from None
    times = table[:, 0] - table[0, 0]
    try:
        return LatentPath(
            times,
            table[:, 1:3],
            table[:, 3:],
            name=name if name is not None else Path(source).stem,
            seed=0,
            model_hash="",
        )
    except PathError as exc:
        raise PathError(f"{source}: {exc}") from None


def write_csv(path: LatentPath, out: str | Path) -> Path:
    """Write ``path`` as CSV to ``out`` atomically."""
    return write_text_atomic(Path(out), to_csv(path))


def read_csv(file: str | Path) -> LatentPath:
    """Read a path CSV, with a one-line :class:`PathError` for anything unusable."""
    file = Path(file)
    try:
        text = read_bytes(file, "a path CSV").decode("utf-8")
    except UnicodeDecodeError:
        raise PathError(f"{file.name}: not a path CSV (not UTF-8 text)") from None
    return from_csv(text, source=file.name)
