"""Opening projects and models off the GUI thread: plain functions that return snapshots.

Everything here is Qt-free and runs on a worker thread (``TaskRunner``); the GUI thread applies
the returned snapshot. Nothing is shared with the GUI while the work runs.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from latentscape.colour_groups import (
    COLOURS_KEY,
    DEFAULT_MODE,
    SETTING_KEY,
    colouring_of,
    mode_or_default,
)
from latentscape.engines.atlas.atlas import Atlas
from latentscape.engines.errors import LatentscapeError
from latentscape.engines.hashing import file_sha256
from latentscape.map_state import MapPoints, MapState
from latentscape.project_records import ModelRef
from latentscape.project_store import ProjectError, ProjectStore

DEMO_PROJECT = "demo.lsc"
UNTITLED = "untitled.lsc"  # a new project's name until it is saved (in a private temp folder)
UNTITLED_FOLDER_PREFIX = "latentscape-untitled-"


def is_untitled(path: str | Path) -> bool:
    """True for a project made by :func:`new_project` without a path (in its private temp
    folder); a project the user saved as "untitled.lsc" somewhere is theirs."""
    p = Path(path)
    return p.name == UNTITLED and p.parent.name.startswith(UNTITLED_FOLDER_PREFIX)


def project_file_name(typed: str | Path) -> str:
    """A Save As name as typed, ending in ``.lsc`` ("kit v1.2" -> "kit v1.2.lsc", "tone01.wav"
    -> "tone01.wav.lsc", "kit.LSC" stays): Open Project lists only ``.lsc`` files."""
    typed = str(typed).rstrip(".")  # "kit." -> "kit.lsc", not "kit..lsc"
    return typed if Path(typed).suffix.lower() == ".lsc" else typed + ".lsc"


def folder_label(path: str | Path) -> str:
    """The folder ``path`` lies in, as a user reads it: "~/sounds/kits" under the home folder,
    else the absolute path (tells apart two projects of one name)."""
    folder, home = Path(path).absolute().parent, Path.home()
    if folder == home:
        return "~"
    if folder.is_relative_to(home):
        return f"~/{folder.relative_to(home)}"
    return str(folder)


def discard_untitled(path: str | Path) -> None:
    """Remove an untitled project and its private temp folder once it is closed and left
    (saved elsewhere or let go): each New Project left one behind, latents and all (MBs
    each). Files the user saved into that folder stay, and with them the folder."""
    p = Path(path)
    if not (is_untitled(p) and p.parent.parent == Path(tempfile.gettempdir())):
        return
    for leftover in (p, *(p.with_name(p.name + end) for end in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(OSError):
            leftover.unlink()
    with contextlib.suppress(OSError):  # anything else the user saved there stays
        p.parent.rmdir()


@dataclass(frozen=True)
class ProjectSnapshot:
    """What the GUI needs to show an opened project.

    ``map`` and ``points`` are what the map shows, prepared on the worker for the GUI thread
    to adopt; ``map.atlas`` is the saved map (with the encoded sounds it lacked placed on
    it), or a fresh PCA preview when the project had none. ``atlas_was_saved``: it is stored
    as shown (else the GUI saves it).
    """

    store: ProjectStore
    atlas_was_saved: bool
    model_path: str | None
    load_s: float
    map: MapState  # the encoded sounds (current model only), in map order
    points: MapPoints
    unencoded: int = 0  # imported sounds without latents for the project's model: off the map
    model: ModelRef | None = None  # the project's model, read with the rest

    @property
    def space(self) -> str | None:
        """The latent space of the project's latents (``ModelRef.space``), or None."""
        return self.model.space if self.model is not None else None


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model and its measured ``ModelInfo`` (``info.realtime_factor`` etc. filled)."""

    engine: object  # ModelEngine
    info: object  # ModelInfo
    path: str
    silence: np.ndarray | None = None  # [latent_size] float32: the model's latent of silence


def shipped_demo_path() -> Path | None:
    """``resources/demo/demo.lsc`` from the installed package, or None when it is not built yet."""
    try:
        path = Path(str(importlib.resources.files("latentscape.resources") / "demo" / DEMO_PROJECT))
    except (ModuleNotFoundError, TypeError):
        return None
    return path if path.is_file() else None


def user_data_dir() -> Path:
    """Per-user data folder: ``$LATENTSCAPE_DATA_DIR``, else ``$XDG_DATA_HOME/latentscape``."""
    explicit = os.environ.get("LATENTSCAPE_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "latentscape"


def demo_project_path() -> Path | None:
    """The user's own copy of the demo project, made from the shipped one on first use.

    The app saves into the project it opens (refined maps, paths, priors), and the shipped file
    may sit in a read-only install: the user works on a copy in :func:`user_data_dir`. The copy's
    stored paths are rewritten to point back at the shipped model and sounds. When a new
    release ships a different demo, the old copy is kept as ``demo.lsc.bak`` and replaced.
    Falls back to the shipped file when the copy cannot be written.
    """
    shipped = shipped_demo_path()
    if shipped is None:
        return None
    folder = user_data_dir() / "demo"
    copy = folder / DEMO_PROJECT
    stamp = folder / "shipped.sha256"
    shipped_hash = file_sha256(shipped)
    try:
        if copy.is_file() and stamp.is_file() and stamp.read_text().strip() == shipped_hash:
            return copy
        folder.mkdir(parents=True, exist_ok=True)
        if copy.is_file():
            copy.replace(copy.with_name(DEMO_PROJECT + ".bak"))
        with ProjectStore.open(shipped) as store:
            store.save_as(copy)
        stamp.write_text(shipped_hash + "\n")
        return copy
    except (OSError, LatentscapeError):
        return shipped


def resolve_model_path(model_path: str, project_path: Path, recorded: str = "") -> str:
    """Find the project's model (worker thread): as stored when absolute, else relative to
    the project (never to the working directory), else beside the project by name, else at
    ``recorded`` (the absolute path its ModelInfo kept). When none exists, the path relative
    to the project, so that the error names a real place."""
    p = Path(model_path)
    folder = project_path.absolute().parent
    stored = p if p.is_absolute() else folder / p
    candidates = [stored, folder / p.name]
    if recorded:
        candidates.append(Path(recorded))
    for candidate in candidates:
        if candidate.is_absolute() and candidate.is_file():
            return str(candidate.resolve())
    return str(stored)


def open_project(path: str | Path) -> ProjectSnapshot:
    """Open ``path`` and read its sounds, latents and map (worker thread).

    Raises :class:`~latentscape.project_store.ProjectError` for a missing, foreign or damaged
    file.
    """
    t0 = time.perf_counter()
    path = Path(path)
    store = ProjectStore.open(path)
    try:
        return _snapshot(store, t0)
    except sqlite3.OperationalError as exc:  # locked by another program, unreadable
        store.close()
        raise ProjectError(f"{path.name}: cannot read the project ({exc})") from None
    except sqlite3.DatabaseError as exc:  # damage SQLite finds only when a page is read
        store.close()
        raise ProjectError(f"{path.name}: the project file is damaged ({exc})") from None
    except BaseException:
        store.close()
        raise


def new_project(path: str | Path | None = None) -> ProjectSnapshot:
    """Create an empty project (in a private temp folder when ``path`` is None: "untitled")."""
    t0 = time.perf_counter()
    if path is None:
        path = Path(tempfile.mkdtemp(prefix=UNTITLED_FOLDER_PREFIX)) / UNTITLED
    store = ProjectStore.create(path, overwrite=True)
    return _snapshot(store, t0)


def snapshot_of(store: ProjectStore) -> ProjectSnapshot:
    """What an open ``store`` shows now (worker thread): after its model changed, the sounds
    encoded with the new model and that model's saved map."""
    return _snapshot(store, time.perf_counter())


def _snapshot(store: ProjectStore, t0: float) -> ProjectSnapshot:
    with store.read_transaction():  # one state, while another program may be writing
        ref = store.model()
        trajectories = store.all_latents()
        every = store.sounds()
        atlas = store.atlas()
        colour_by = mode_or_default(store.setting(SETTING_KEY, DEFAULT_MODE))
        try:  # colours kept by a later version, or damaged, are not worth failing over
            colours = store.setting(COLOURS_KEY, {})
        except ValueError:
            colours = {}
    model_path = (
        resolve_model_path(ref.path, store.path, str(ref.info.get("path", "")))
        if ref is not None
        else None
    )
    sounds = [s for s in every if s.id in trajectories]
    saved = atlas is not None
    if atlas is not None:
        known = set(int(i) for i in atlas.sound_ids)
        missing = [s for s in sounds if s.id not in known]
        if missing:  # placed on it now, and saved so (the CLI's render sees them too)
            atlas = atlas.with_added([trajectories[s.id] for s in missing], [s.id for s in missing])
            saved = False
    elif sounds:
        atlas = Atlas.build([trajectories[s.id] for s in sounds], [s.id for s in sounds])
    state = MapState()
    state.reset(sounds, trajectories)
    state.atlas = atlas
    base = str(store.path.absolute().parent)
    colouring = colouring_of(colour_by, sounds, trajectories, base)
    if isinstance(colours, dict):  # as written by ColourBy; anything else is left alone
        kept = {
            str(mode): {str(k): v for k, v in slots.items() if type(v) is int}  # (not True)
            for mode, slots in colours.items()
            if isinstance(slots, dict)
        }
        colouring = replace(colouring, kept=kept)
    state.set_colouring(colouring, state.revision)
    return ProjectSnapshot(
        map=state,
        points=state.points(),
        store=store,
        atlas_was_saved=saved,
        model_path=model_path,
        load_s=time.perf_counter() - t0,
        unencoded=sum(1 for s in every if s.id not in trajectories and not s.generated),
        model=ref,
    )


def load_and_measure(path: str | Path, measure_s: float = 0.5) -> LoadedModel:
    """Load any model (``load_model``) and measure its real-time factor here (worker thread).

    Raises :class:`~latentscape.engines.errors.ModelLoadError` with a one-line reason.
    """
    from latentscape.engines.loader import load_model
    from latentscape.engines.speed import measure_engine

    engine = load_model(path)
    try:
        info = measure_engine(engine, duration_s=measure_s)
    except LatentscapeError:
        raise
    except Exception as exc:  # a model that loads but cannot decode is not usable
        raise LatentscapeError(f"{Path(path).name}: decoding failed ({exc})") from None
    return LoadedModel(engine=engine, info=info, path=str(path), silence=silence_latent(engine))


def silence_latent(engine, seconds: float = 0.5) -> np.ndarray | None:
    """``[latent_size]`` float32: the mean latent of ``seconds`` of digital silence, what a
    recorded path steps to where the live sound fell silent (worker thread, before the
    engine plays); None when the model cannot encode."""
    try:
        frames = engine.encode(np.zeros(int(engine.sample_rate_hz * seconds), np.float32))
    except Exception:  # a decoder-only export: paths hold their last frame instead
        return None
    frames = np.asarray(frames, np.float32)
    return frames.mean(axis=0) if frames.ndim == 2 and len(frames) else None
