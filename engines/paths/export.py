"""One entry point for every file export of a path, for the GUI's menus and the CLI.

``export_path(path, fmt, out, **options)`` with ``fmt`` one of :data:`EXPORT_FORMATS` (or None:
taken from ``out``'s extension). ``import_path(file)`` reads a path back (JSON or CSV).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .csv_format import read_csv, write_csv
from .json_format import read_json, write_json
from .path import LatentPath, PathError

EXPORT_FORMATS = ("json", "csv", "midi", "wav", "flac")
MIDI_OPTIONS = {
    "x_cc",
    "y_cc",
    "latent_ccs",
    "latent_range",
    "fourteen_bit",
    "rate_hz",
    "speed",
    "ticks_per_beat",
    "bpm",
    "dedupe",
    "channel",
}
AUDIO_OPTIONS = {
    "engine",
    "seed",
    "speed",
    "loops",
    "sample_rate_hz",
    "subtype",
    "backend",
    "fade_ms",
    "channels",
    "transform",
    "chunk_frames",
    "compensate_latency",
    "progress",
    "cancel",
    "exact_length",
}
_BY_SUFFIX = {
    ".json": "json",
    ".csv": "csv",
    ".mid": "midi",
    ".midi": "midi",
    ".wav": "wav",
    ".flac": "flac",
}


def format_for(out: str | Path, fmt: str | None = None) -> str:
    """The export format named by ``fmt`` or implied by ``out``'s extension."""
    if fmt is None:
        fmt = _BY_SUFFIX.get(Path(out).suffix.lower())
        if fmt is None:
            raise PathError(
                f"{Path(out).name}: cannot tell the format from the extension "
                f"(use .json, .csv, .mid, .wav or .flac)"
            )
    fmt = {"mid": "midi"}.get(fmt.lower(), fmt.lower())
    if fmt not in EXPORT_FORMATS:
        raise PathError(
            f"unknown path export format {fmt!r} (use one of {', '.join(EXPORT_FORMATS)})"
        )
    return fmt


def export_path(path: LatentPath, fmt: str | None, out: str | Path, **options: Any) -> Path:
    """Write ``path`` to ``out`` as ``fmt``; returns the file written (atomically).

    Options by format:

    - ``json``: ``indent`` (None: one line);
    - ``csv``: none;
    - ``midi``: ``x_cc``, ``y_cc``, ``latent_ccs``, ``latent_range``, ``fourteen_bit``,
      ``rate_hz``, ``speed``, ``bpm``, ``ticks_per_beat``, ``dedupe``, ``channel``
      (see :mod:`.midi_export`);
    - ``wav`` / ``flac``: ``engine`` (required: the loaded model), ``seed``, ``speed``,
      ``loops``, ``sample_rate_hz``, ``subtype``, ``chunk_frames``, ``progress``, ``cancel``,
      ``exact_length`` (see :mod:`.render`). By default the file is loop-ready: exactly
      ``loops * round(duration_s / speed * rate)`` samples, its end running on into its start
      (:mod:`.loop_render`), so it loops at the path's length in a DAW or sampler;
      ``exact_length=False`` renders the path played once, with its faded tail. A path with
      a lane of latent controls renders with it, not with ``transform`` (:mod:`.render`).
      Runs the model: call it from a worker thread.

    Raises :class:`~.path.PathError` (a :class:`~latentscape.engines.errors.LatentscapeError`)
    with a one-line message for bad options or unwritable files.
    """
    fmt = format_for(out, fmt)
    out = Path(out)
    if fmt == "json":
        _only(options, {"indent"}, fmt)
        return write_json(path, out, indent=options.get("indent"))
    if fmt == "csv":
        _only(options, set(), fmt)
        return write_csv(path, out)
    if fmt == "midi":
        from .midi_export import export_midi

        _only(options, MIDI_OPTIONS, fmt)
        return export_midi(path, out, **options)
    from .render import render_path_to_file

    _only(options, AUDIO_OPTIONS, fmt)

    options.setdefault("exact_length", True)
    engine = options.pop("engine", None)
    if engine is None:
        raise PathError(f"rendering '{path.name}' to {fmt.upper()} needs a loaded model")
    return render_path_to_file(engine, path, out, fmt=fmt, **options).file


def _only(options: dict[str, Any], allowed: set[str], fmt: str) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise PathError(f"{fmt} export does not take option(s) {', '.join(unknown)}")


def import_path(file: str | Path) -> LatentPath:
    """Read a path from a ``.json`` (full round trip) or ``.csv`` file (numbers only)."""
    if Path(file).suffix.lower() == ".csv":
        return read_csv(file)
    return read_json(file)
