"""File → Export: the selected sound as audio, the map as a table. Qt-free."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from latentscape.engines.atomic_write import write_bytes_atomic
from latentscape.engines.sound_files import write_sound
from latentscape.map_state import MapState, display_name


def export_sound_wav(engine, trajectory: np.ndarray, path: str | Path, seed: int = 0) -> Path:
    """Decode ``trajectory`` ``[frames, latent_size]`` and write it, whole or not at all, in
    the format its name asks for (.wav float, .flac, .ogg; worker thread)."""
    audio = np.asarray(engine.decode(trajectory, seed=seed), np.float32)  # [channels, samples]
    return write_sound(Path(path), audio.T, engine.sample_rate_hz)


def export_map_csv(state: MapState, path: str | Path) -> Path:
    """One row per sound: id, name, category (its colour group, as View → Colour By makes
    them), x, y (unit square), source file; written whole or not at all (LatentscapeError
    with one line)."""
    xy = state.xy_in_map_order()
    text = io.StringIO(newline="")
    out = csv.writer(text)
    out.writerow(["sound_id", "name", "category", "x", "y", "path"])
    for (x, y), s, group in zip(xy, state.sounds, state.categories(), strict=True):
        out.writerow([s.id, display_name(s), group, f"{x:.6f}", f"{y:.6f}", s.path])
    return write_bytes_atomic(path, text.getvalue().encode("utf-8"))
