"""Tiny sound folders and mapped projects for the app tests (issue 6), built with the real store."""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE_HZ = 16000


def write_sounds(
    folder: Path, count: int = 4, seed: int = 0, duration_s: float = 0.4
) -> list[Path]:
    """``count`` short WAV files in ``folder``: decaying tones of different pitch and loudness."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * RATE_HZ)) / RATE_HZ
    paths = []
    for i in range(count):
        hz = rng.uniform(100, 2000)
        amp = rng.uniform(0.1, 0.9)
        x = amp * np.sin(2 * np.pi * hz * t) * np.exp(-t * rng.uniform(2, 12))
        path = folder / f"tone{i:02d}.wav"
        sf.write(str(path), x.astype(np.float32), RATE_HZ)
        paths.append(path)
    return paths


def make_project(
    tmp_path: Path, model_path: Path, folders: tuple[str, ...] = ("kicks", "bells"), per: int = 4
) -> Path:
    """A mapped project (PCA atlas) of ``per`` sounds in each folder, encoded with the model."""
    import soundfile as sf

    from latentscape.engines.atlas.atlas import Atlas
    from latentscape.engines.loader import load_model
    from latentscape.project_store import NewSound, ProjectStore

    engine = load_model(model_path)
    path = tmp_path / "tiny.lsc"
    new = []
    for k, name in enumerate(folders):
        for wav in write_sounds(tmp_path / "sounds" / name, per, seed=k):
            x, sr = sf.read(str(wav), dtype="float32")
            z = engine.encode(x[None, :], seed=0)
            new.append(
                NewSound(
                    path=str(wav),
                    content_hash=f"{name}/{wav.name}",
                    duration_s=len(x) / sr,
                    latents=z,
                    folder=str(wav.parent),
                    name=wav.name,
                )
            )
    with ProjectStore.create(path) as store:
        store.set_model(str(model_path), engine.info.content_hash, engine.info.to_dict())
        ids = store.add_sounds(new)
        lat = store.all_latents()
        store.put_atlas(Atlas.build([lat[i] for i in ids], ids, method="pca"))
    return path
