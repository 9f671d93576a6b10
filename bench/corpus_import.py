"""Import throughput: N one-second sounds read, resampled, encoded and stored; then mapped.

    .venv/bin/python bench/corpus_import.py [--n 1000] [--model M.ts|ckpt] [--umap]

The corpus is rendered with FluidSynth from the FluidR3 GM SoundFont (MIT; Debian
fluid-soundfont-gm): one-second notes over all 128 programs, many pitches and velocities, at
44.1 kHz stereo FLAC, so the import also resamples and downmixes. Without --model, a tiny
nn~-convention TorchScript model is built (tests/support/nn_models.py); ``--model vae`` is our
VAE at its default size, and ``bench/out/rave_sized_streaming.ts`` (built by
``bench/rave_sized_model.py``) a RAVE v2-sized encoder and decoder. Prints ``name = value unit``
lines.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"


def render_notes(folder: Path, n: int, rate_hz: int = 44100, seconds: float = 1.0) -> list[Path]:
    """Write ``n`` one-second GM notes as stereo FLAC into ``folder``; returns their paths."""
    import fluidsynth

    folder.mkdir(parents=True, exist_ok=True)
    synth = fluidsynth.Synth(samplerate=float(rate_hz))
    sfid = synth.sfload(SOUNDFONT)
    rng = np.random.default_rng(0)
    on = int(rate_hz * seconds * 0.8)
    off = int(rate_hz * seconds) - on
    paths = []
    for i in range(n):
        program = i % 128
        pitch = int(rng.integers(36, 85))
        velocity = int(rng.integers(40, 128))
        synth.program_select(0, sfid, 0, program)
        synth.noteon(0, pitch, velocity)
        a = synth.get_samples(on)
        synth.noteoff(0, pitch)
        b = synth.get_samples(off)
        synth.all_notes_off(0) if hasattr(synth, "all_notes_off") else None
        x = np.concatenate([a, b]).astype(np.float32).reshape(-1, 2) / 32768.0
        path = folder / f"p{program:03d}_n{pitch}_v{velocity}_{i:05d}.flac"
        sf.write(path, x, rate_hz)
        paths.append(path)
        synth.get_samples(rate_hz // 2)  # let the tail die before the next note
    synth.delete()
    return paths


def first_notes(folder: Path, n: int) -> list[Path]:
    """The first ``n`` notes of :func:`render_notes` in ``folder`` (rendered when missing), by
    render order: the same ``n`` notes whether the folder holds ``n`` or more (sorted by
    name, the first 1,000 of 3,000 were programs 0-42 only, another corpus)."""
    existing = sorted(folder.glob("*.flac"), key=lambda p: p.stem[-5:])
    if len(existing) < n:
        render_notes(folder, n)
        existing = sorted(folder.glob("*.flac"), key=lambda p: p.stem[-5:])
    return existing[:n]


def tiny_model(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.nn_models import build_nn_model

    return build_nn_model(folder / "tiny.ts", latent=8, hop=512, sr=44100)


def random_vae(folder: Path) -> Path:
    """Our VAE at its default size with random weights: same speed as the trained demo model."""
    sys.path.insert(0, str(ROOT / "tests"))
    import support.vae_models as vm
    from latentscape.engines.vae.model import VaeConfig

    defaults = VaeConfig().to_dict()
    saved = dict(vm.TINY)
    vm.TINY.clear()
    vm.TINY.update({k: defaults[k] for k in saved})
    try:
        return vm.write_tiny_checkpoint(folder / "vae_default.ckpt")
    finally:
        vm.TINY.clear()
        vm.TINY.update(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument(
        "--model",
        help="model file, or 'vae' for our VAE at default size with random weights "
        "(default: a tiny nn~ TorchScript model)",
    )
    parser.add_argument("--umap", action="store_true", help="also time the UMAP refinement")
    parser.add_argument("--keep", help="folder to keep the rendered corpus in (and reuse)")
    args = parser.parse_args()

    from latentscape.engines.atlas import Atlas
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport
    from latentscape.project_store import ProjectStore

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        corpus = Path(args.keep) if args.keep else tmp_path / "corpus"
        t0 = time.perf_counter()
        files = first_notes(corpus, args.n)
        print(f"corpus.render_s = {time.perf_counter() - t0:.1f} s")
        if args.model == "vae":
            model_path, name = random_vae(tmp_path), "vae_default"
        elif args.model:
            model_path, name = Path(args.model), Path(args.model).stem
        else:
            model_path, name = tiny_model(tmp_path), "tiny"
        engine = load_model(model_path)
        with ProjectStore.create(tmp_path / "bench.lsc") as store:
            t0 = time.perf_counter()
            importer = ProjectImport(store, engine, files)
            report = importer.run_to_end()
            import_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            latents = store.all_latents()
            ids = list(latents)
            trajectories = [latents[i] for i in ids]
            atlas = Atlas.build(trajectories, ids, method="pca")
            store.put_atlas(atlas)
            pca_s = time.perf_counter() - t0
            umap_s = 0.0
            if args.umap:
                t0 = time.perf_counter()
                store.put_atlas(Atlas.build(trajectories, ids, method="umap"))
                umap_s = time.perf_counter() - t0
        n = report.sounds
        print(f"import.{name}.sounds = {n}")
        print(f"import.{name}.bad_files = {len(report.bad)}")
        print(f"import.{name}.seconds = {import_s:.2f} s")
        print(f"import.{name}.throughput = {n / import_s:.1f} sounds/s")
        print(f"import.{name}.realtime_factor = {report.audio_s / import_s:.1f} x")
        print(f"import.{name}.frames_per_sound = {np.mean([len(t) for t in trajectories]):.1f}")
        print(f"map.{name}.pca_s = {pca_s:.2f} s")
        if args.umap:
            print(f"map.{name}.umap_s = {umap_s:.1f} s")
        total = import_s + pca_s + umap_s
        print(f"import_and_map.{name}.n{n}.total_s = {total:.1f} s")
        print(f"import_and_map.{name}.per_10k_sounds_s = {total * 10000 / max(n, 1):.0f} s")


if __name__ == "__main__":
    main()
