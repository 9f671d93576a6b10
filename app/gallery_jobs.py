"""The galleries' slow work, Qt-free: train priors, sample and render tiles, keep them in the project.

Everything here runs on a worker thread (``TaskRunner``) and shares nothing mutable with the GUI:
the functions take snapshots (arrays, a prior, the engine) and return plain values.

Tiles
-----
A tile is one generated sound: a latent window ``[frames, latent_size]`` float32 in the model's
units (what the decoder renders, what the map stores), the prior's code that made it (GAN input
noise; empty for the other sources), the seed its thumbnail was decoded with, and a spectrogram
thumbnail ``[T, F]`` float32 dB.

Project items
-------------
Trained priors: kind ``"prior"`` (``engines.priors.storage``). Galleries: kind ``"gallery"``, one
item per (prior kind, model content hash); ``meta`` = ``{"source", "model_hash", "next_id",
"tiles": [{"id", "label", "decode_seed"}]}``, ``payload`` = :func:`pack_arrays` of ``w<k>``
(window), ``c<k>`` (code) and ``t<k>`` (thumbnail) per tile ``k`` in display order. Reopening a
project shows its tiles without decoding anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from latentscape.engines.priors import (
    TRAINABLE_KINDS,
    LatentWindows,
    TrainReport,
    create_prior,
    load_prior,
    window_plan,
)
from latentscape.engines.sound_files import write_sound
from latentscape.engines.torch_runtime import call_seed
from latentscape.project_store import pack_arrays, unpack_arrays
from latentscape.widgets.spectrogram_math import magnitude_db, thumbnail

GALLERY_KIND = "gallery"
SOURCE_KINDS = {"GAN": "gan", "Diffusion": "diffusion", "Model prior": "model"}
"""Tab name -> prior kind."""


@dataclass
class Tile:
    """One generated sound in a gallery (see the module notes for the arrays)."""

    tile_id: int
    window: np.ndarray  # [frames, latent_size] float32
    code: np.ndarray  # [code_size] float32
    thumb: np.ndarray  # [T, F] float32 dB
    label: str
    decode_seed: int
    audio: np.ndarray | None = None  # [channels, samples] float32, when decoded this session


@dataclass(frozen=True)
class Rendered:
    """Windows decoded on a worker: what becomes tiles once the GUI gives them ids and labels."""

    windows: np.ndarray  # [n, frames, latent_size] float32
    codes: np.ndarray  # [n, code_size] float32
    thumbs: list[np.ndarray]  # n × [T, F] float32 dB
    audio: list[np.ndarray]  # n × [channels, samples] float32
    decode_seeds: list[int]
    seconds: float = 0.0


@dataclass
class ProjectPriors:
    """What a project holds for the galleries (for one model): trained priors and tiles."""

    priors: dict[str, object] = field(default_factory=dict)  # kind -> GanPrior | DiffusionPrior
    tiles: dict[str, list[Tile]] = field(default_factory=dict)  # kind -> tiles in order
    next_ids: dict[str, int] = field(default_factory=dict)  # kind -> next free tile id


# -- training ---------------------------------------------------------------------------------
def corpus_windows(
    trajectories: Sequence[np.ndarray], sample_rate_hz: float, hop_samples: int
) -> LatentWindows:
    """Windows of about 1.5 s (``window_plan``) cut from ``trajectories`` ``[frames, L]`` each.

    Raises :class:`~latentscape.engines.priors.PriorError` when no sound is long enough.
    """
    frames, stride = window_plan(sample_rate_hz, hop_samples)
    return LatentWindows.from_trajectories(list(trajectories), frames, stride)


def train_prior(
    kind: str,
    trajectories: Sequence[np.ndarray],
    sample_rate_hz: float,
    hop_samples: int,
    *,
    steps: int | None,
    seconds: float | None,
    seed: int,
    progress: Callable[[int, int, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[object, TrainReport]:
    """Train a new ``kind`` ("gan" | "diffusion") prior on the corpus (worker thread).

    Returns ``(prior, report)``; a cancelled run keeps what it learned (``report.steps`` may be
    0: then the prior is untrained and must not be used).
    """
    if kind not in TRAINABLE_KINDS:
        raise ValueError(f"cannot train a {kind!r} prior")
    windows = corpus_windows(trajectories, sample_rate_hz, hop_samples)
    prior = create_prior(kind, windows.latent_size, windows.prior_frames, windows.time_stride)
    report = prior.train(
        windows,
        steps=steps,
        seconds=seconds,
        progress_cb=progress,
        cancel_check=cancelled,
        seed=seed,
    )
    return prior, report


# -- rendering ----------------------------------------------------------------------------------
def tile_thumbnail(audio: np.ndarray) -> np.ndarray:
    """Spectrogram thumbnail ``[≤64, ≤48]`` float32 dB of decoded ``audio`` ``[channels, n]``."""
    mono = np.asarray(audio, np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=0)
    if len(mono) < 1024:
        mono = np.pad(mono, (0, 1024 - len(mono)))
    return thumbnail(magnitude_db(mono))


def render(engine, windows: np.ndarray, codes: np.ndarray, seed: int | None) -> Rendered:
    """Decode each window ``[frames, L]`` with the model and make its thumbnail (worker thread).

    Window ``i`` is decoded with seed ``call_seed(seed, i)`` (``seed`` None: 0), so the same
    windows always render the same audio.
    """
    import time

    t0 = time.perf_counter()
    base = 0 if seed is None else int(seed)
    seeds = [int(call_seed(base, i)) for i in range(len(windows))]
    audio = [np.asarray(engine.decode(w, seed=s), np.float32) for w, s in zip(windows, seeds)]
    thumbs = [tile_thumbnail(a) for a in audio]
    return Rendered(
        windows=np.asarray(windows, np.float32),
        codes=np.asarray(codes, np.float32).reshape(len(windows), -1),
        thumbs=thumbs,
        audio=audio,
        decode_seeds=seeds,
        seconds=time.perf_counter() - t0,
    )


def generate(
    prior, engine, count: int, temperature: float, seed: int | None
) -> tuple[Rendered, float]:
    """Sample ``count`` windows from ``prior`` and render them; ``(rendered, seconds)``."""
    import time

    t0 = time.perf_counter()
    samples = prior.sample(count, temperature=temperature, seed=seed)
    out = render(engine, samples.windows, samples.codes, seed)
    return out, time.perf_counter() - t0


def vary(prior, engine, tile: Tile, count: int, strength: float, seed: int) -> Rendered:
    """``count`` variations of ``tile`` (GAN: a small step in its code), rendered."""
    code = tile.code if getattr(prior, "code_size", 0) and tile.code.size else None
    samples = prior.variations(tile.window, count, strength=strength, seed=seed, code=code)
    return render(engine, samples.windows, samples.codes, seed)


def decode_tile(engine, tile: Tile) -> np.ndarray:
    """The tile's audio ``[channels, samples]`` float32 (decoded again when not kept)."""
    if tile.audio is not None:
        return tile.audio
    return np.asarray(engine.decode(tile.window, seed=tile.decode_seed), np.float32)


def write_wav(audio: np.ndarray, sample_rate_hz: int, path) -> None:
    """Write ``audio`` ``[channels, samples]`` (clipped to ±1 first), whole or not at all, in
    the format its name asks for (.wav float, .flac, .ogg)."""
    write_sound(Path(path), np.clip(audio, -1.0, 1.0).T, sample_rate_hz)


# -- the project ---------------------------------------------------------------------------------
def _gallery_items(store, kind: str, model_hash: str) -> list:
    return [
        item
        for item in store.items(GALLERY_KIND, with_payload=False)
        if (item.meta or {}).get("source") == kind
        and (item.meta or {}).get("model_hash", "") == model_hash
    ]


def save_gallery(store, kind: str, model_hash: str, tiles: Sequence[Tile], next_id: int) -> int:
    """Store ``kind``'s tiles (replacing its previous gallery for this model); the item id."""
    arrays: dict[str, np.ndarray] = {}
    for k, tile in enumerate(tiles):
        arrays[f"w{k}"] = np.ascontiguousarray(tile.window, np.float32)
        arrays[f"c{k}"] = np.ascontiguousarray(tile.code, np.float32)
        arrays[f"t{k}"] = np.ascontiguousarray(tile.thumb, np.float32)
    meta = {
        "source": kind,
        "model_hash": model_hash,
        "next_id": int(next_id),
        "tiles": [
            {"id": int(t.tile_id), "label": t.label, "decode_seed": int(t.decode_seed)}
            for t in tiles
        ],
    }
    payload = pack_arrays(arrays) if arrays else b""
    existing = _gallery_items(store, kind, model_hash)
    if existing:
        store.update_item(existing[-1].id, name=kind, payload=payload, meta=meta)
        return int(existing[-1].id)
    return int(store.put_item(GALLERY_KIND, kind, payload, meta))


def load_gallery(store, kind: str, model_hash: str) -> tuple[list[Tile], int]:
    """``(tiles, next_id)`` of ``kind``'s stored gallery for this model (``([], 1)`` if none)."""
    found = _gallery_items(store, kind, model_hash)
    if not found:
        return [], 1
    item = store.get_item(found[-1].id)
    arrays = unpack_arrays(item.payload) if item.payload else {}
    tiles = []
    for k, t in enumerate(item.meta.get("tiles", [])):
        if f"w{k}" not in arrays:
            break
        tiles.append(
            Tile(
                tile_id=int(t["id"]),
                window=arrays[f"w{k}"],
                code=arrays[f"c{k}"],
                thumb=arrays[f"t{k}"],
                label=str(t.get("label", "")),
                decode_seed=int(t.get("decode_seed", 0)),
            )
        )
    next_id = max([int(item.meta.get("next_id", 1))] + [t.tile_id + 1 for t in tiles])
    return tiles, next_id


def load_project_priors(store, model_hash: str) -> ProjectPriors:
    """Every trained prior and gallery the project keeps for ``model_hash`` (worker thread)."""
    out = ProjectPriors()
    for kind in TRAINABLE_KINDS:
        prior = load_prior(store, kind, model_hash)
        if prior is not None:
            out.priors[kind] = prior
    for kind in SOURCE_KINDS.values():
        tiles, next_id = load_gallery(store, kind, model_hash)
        out.tiles[kind] = tiles
        out.next_ids[kind] = next_id
    return out
