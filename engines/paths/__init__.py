"""Latent paths: recorded gestures, their edits, and their exports (audio, MIDI, CSV/JSON, OSC).

Core names are importable from here; MIDI (:mod:`.midi_export`, needs mido), OSC
(:mod:`.osc_stream`, needs python-osc) and audio render (:mod:`.render`) load on demand.
"""

from .edits import change_speed, delete_span, reverse, smooth, trim
from .export import EXPORT_FORMATS, export_path, import_path
from .history import PathEditHistory
from .json_format import from_json, read_json, to_json, write_json
from .path import LatentPath, PathError, PathFrames
from .recorder import PathRecorder
from .storage import ITEM_KIND, path_from_item, path_to_item

__all__ = [
    "EXPORT_FORMATS",
    "ITEM_KIND",
    "LatentPath",
    "PathEditHistory",
    "PathError",
    "PathFrames",
    "PathRecorder",
    "change_speed",
    "delete_span",
    "export_path",
    "from_json",
    "import_path",
    "path_from_item",
    "path_to_item",
    "read_json",
    "reverse",
    "smooth",
    "to_json",
    "trim",
    "write_json",
]
