"""JSON files of a :class:`~.path.LatentPath`: ``{"format": "latentscape-path", "version": 1}``.

Schema, version 1 (docs/path_formats.md has the full description)::

    {
      "format": "latentscape-path",   # exactly this string
      "version": 1,                   # integer; readers refuse versions newer than theirs
      "name": "swoosh",
      "seed": 0,                      # integer or null (fresh noise)
      "model_hash": "9f2c…",          # SHA-256 hex of the model file (an export: its checkpoint's)
      "latent_size": 8,
      "point_count": 3,
      "duration_s": 1.5,              # informative; equals times_s[-1]
      "times_s": [0.0, 0.75, 1.5],    # seconds, starts at 0, never decreases
      "xy": [[0.1, 0.2], …],          # point_count × 2, map unit square
      "latents": [[…8 values…], …],   # point_count × latent_size
      "meta": {},                     # free JSON object, kept as is
      "controls": {                   # optional: the latent controls' lane (absent: none)
        "times_s": [0.0, 0.8],        # k seconds on the path's axis, from 0, within duration
        "offset": [[…8 values…], …],  # k × 8, added to latent dims z0-z7
        "scale": [[…8 values…], …],   # k × 8, multiplying z0-z7 (before the offset)
        "temperature": [1.0, 1.5]     # k; 1 = as trained, above 1 adds noise of std t - 1
      }
    }

Numbers round-trip exactly: float32 values are written in the shortest form that reads back
to the same float32, times as float64 ``repr``. Unknown extra keys are ignored (a minor
addition within version 1 does not break older readers); a newer ``version`` is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .controls import CONTROL_DIMS, ControlLane, control_values
from .files import read_bytes, write_text_atomic
from .path import LatentPath, PathError

FORMAT_NAME = "latentscape-path"
FORMAT_VERSION = 1


def float32_list(values: np.ndarray) -> list[Any]:
    """Nested lists of Python floats that read back to exactly these float32 values, each
    the float64 nearest to the shortest decimal (at most 9 significant digits) that does, so
    that json writes it short.

    Found with whole-array passes, one per digit count: formatting each value as text (the
    way this was done first) took 230 ms for a 12,000-point path at the end of a take, on the
    GUI thread (QA s19 H2).
    """
    arr = np.asarray(values, dtype=np.float32)
    exact = arr.astype(np.float64)
    out = exact.copy()
    todo = np.isfinite(exact) & (exact != 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(np.abs(np.where(todo, exact, 1.0))))
        for digits in range(1, 10):
            if not todo.any():
                break
            shift = digits - 1 - exponent  # decimal places kept
            # an exact power of ten and one rounding: the float64 nearest the decimal
            up = np.where(shift >= 0, 10.0 ** np.abs(shift), 1.0)
            down = np.where(shift < 0, 10.0 ** np.abs(shift), 1.0)
            decimal = np.round(exact * up / down) * down / up
            found = todo & (decimal.astype(np.float32) == arr)
            out[found] = decimal[found]
            todo &= ~found
    return out.tolist()


def to_json_dict(path: LatentPath) -> dict[str, Any]:
    """The version-1 JSON object of ``path``."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": path.name,
        "seed": path.seed,
        "model_hash": path.model_hash,
        "latent_size": path.latent_size,
        "point_count": path.point_count,
        "duration_s": path.duration_s,
        "times_s": [float(t) for t in path.times_s],
        "xy": float32_list(path.xy),
        "latents": float32_list(path.latents),
        "meta": path.meta,
        **({} if path.controls is None else {"controls": _controls_dict(path.controls)}),
    }


def _controls_dict(lane: ControlLane) -> dict[str, Any]:
    return {
        "times_s": [float(t) for t in lane.times_s],
        "offset": float32_list(lane.offset),
        "scale": float32_list(lane.scale),
        "temperature": float32_list(lane.temperature),
    }


def _controls_of(data: Any, source: str) -> ControlLane | None:
    """The lane of a path file's ``controls`` object (None when absent or null)."""
    if data is None:
        return None
    bad = f"{source}: corrupt path file, 'controls'"
    if not isinstance(data, dict):
        raise PathError(f"{bad} is not an object")
    if "times_s" not in data:
        raise PathError(f"{bad} has no 'times_s'")
    times = _number_array(data["times_s"], 1, "controls.times_s", source)
    k = times.shape[0]
    if k == 0:
        raise PathError(f"{bad} has no events (leave 'controls' out for a path without any)")
    offset = _number_array(data.get("offset", [[]] * k), 2, "controls.offset", source)
    scale = _number_array(data.get("scale", [[]] * k), 2, "controls.scale", source)
    temperature = _number_array(
        data.get("temperature", [1.0] * k), 1, "controls.temperature", source
    )
    if offset.shape[0] != k or scale.shape[0] != k or temperature.shape != (k,):
        raise PathError(f"{bad} arrays have different lengths")
    if offset.shape[1] > CONTROL_DIMS or scale.shape[1] > CONTROL_DIMS:
        raise PathError(f"{bad} has more than {CONTROL_DIMS} dims")
    try:
        values = [control_values(o, s, t) for o, s, t in zip(offset, scale, temperature)]
        return ControlLane(times, np.array(values, np.float32).reshape(k, -1))
    except ValueError as exc:
        raise PathError(f"{source}: corrupt path file, {exc}") from None


def to_json(path: LatentPath, indent: int | None = None) -> str:
    """``path`` as JSON text (schema version 1)."""
    try:
        return json.dumps(to_json_dict(path), indent=indent, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise PathError(f"path '{path.name}': meta is not JSON-able ({exc})") from None


def _field(data: dict[str, Any], key: str, source: str) -> Any:
    if key not in data:
        raise PathError(f"{source}: corrupt path file, the '{key}' field is missing")
    return data[key]


def _number_array(value: Any, ndim: int, key: str, source: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise PathError(
            f"{source}: corrupt path file, '{key}' is not an array of numbers"
        ) from None
    if arr.ndim != ndim and not (arr.size == 0 and ndim == 2):
        raise PathError(
            f"{source}: corrupt path file, '{key}' has {arr.ndim} dimension(s), expected {ndim}"
        )
    return arr


def from_json_dict(data: Any, source: str = "path") -> LatentPath:
    """Build a path from a decoded JSON object; ``source`` names it in error messages.

    Raises
    ------
    PathError
        Not a path file, a newer format version, or corrupt content (one-line message).
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise PathError(f'{source}: not a latentscape path file (no "format": "{FORMAT_NAME}")')
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PathError(f"{source}: corrupt path file, bad format version {version!r}")
    if version > FORMAT_VERSION:
        raise PathError(
            f"{source}: written by a newer latentscape (path format version {version}; this "
            f"version reads up to {FORMAT_VERSION}): update latentscape to open it"
        )
    times = _number_array(_field(data, "times_s", source), 1, "times_s", source)
    xy = _number_array(_field(data, "xy", source), 2, "xy", source)
    latents = _number_array(_field(data, "latents", source), 2, "latents", source)
    n = times.shape[0]
    declared = data.get("point_count", n)
    if declared != n:
        raise PathError(
            f"{source}: corrupt path file, point_count is {declared} but "
            f"times_s has {n} values (truncated?)"
        )
    declared_l = data.get("latent_size", latents.shape[1] if latents.ndim == 2 else 0)
    if latents.ndim == 2 and declared_l != latents.shape[1]:
        raise PathError(
            f"{source}: corrupt path file, latent_size is {declared_l} but rows "
            f"have {latents.shape[1]} values"
        )
    seed = data.get("seed", 0)
    name = data.get("name", "path")
    model_hash = data.get("model_hash", "")
    meta = data.get("meta", {})
    if not isinstance(name, str) or not isinstance(model_hash, str) or not isinstance(meta, dict):
        raise PathError(f"{source}: corrupt path file, name/model_hash/meta have wrong types")
    if not (np.all(np.isfinite(xy)) and np.all(np.isfinite(latents))):
        raise PathError(f"{source}: corrupt path file, NaN or infinite values")
    for arr, key in ((xy, "xy"), (latents, "latents")):
        too_big = np.abs(arr) > np.finfo(np.float32).max
        if np.any(too_big):
            raise PathError(f"{source}: corrupt path file, '{key}' has values beyond float32")
    controls = _controls_of(data.get("controls"), source)
    try:
        return LatentPath(
            times,
            xy,
            latents,
            name=name,
            seed=seed,
            model_hash=model_hash,
            meta=meta,
            controls=controls,
        )
    except PathError as exc:
        raise PathError(f"{source}: corrupt path file, {exc}") from None


def from_json(text: str | bytes, source: str = "path") -> LatentPath:
    """Parse JSON text written by :func:`to_json` (or by hand, following the schema)."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise PathError(f"{source}: not a path file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise PathError(
            f"{source}: damaged path file, invalid JSON at line {exc.lineno} column {exc.colno} "
            f"({exc.msg})"
        ) from None
    except ValueError as exc:
        raise PathError(f"{source}: corrupt path file, {exc}") from None
    return from_json_dict(data, source)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"'{name}' is not a number")


def write_json(path: LatentPath, out: str | Path, indent: int | None = None) -> Path:
    """Write ``path`` to ``out`` atomically (a temporary file renamed over it)."""
    return write_text_atomic(Path(out), to_json(path, indent=indent) + "\n")


def read_json(file: str | Path) -> LatentPath:
    """Read a path file, with a one-line :class:`PathError` for anything unusable."""
    file = Path(file)
    raw = read_bytes(file, "a path file")
    if not raw.strip():
        raise PathError(f"{file.name}: empty file, not a path")
    return from_json(raw, source=file.name)


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "from_json",
    "from_json_dict",
    "read_json",
    "to_json",
    "to_json_dict",
    "write_json",
]
