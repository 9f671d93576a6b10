"""Import throughput: N one-second sounds read, resampled, encoded and stored; then mapped.

    .venv/bin/python bench/corpus_import.py [--n 1000] [--model M.ts|ckpt] [--umap]
    .venv/bin/python bench/corpus_import.py --onsets

``--onsets`` measures the "cut at onsets" rule instead (engines/corpus/onsets.py): the time to
find the onsets in a minute of 44.1 kHz audio, and how well the sounds it cuts match the hits
(precision, recall: a sound starting within 25 ms of a hit, one sound per hit; the start's
error in ms) on synthetic hits (noise bursts and tones at -3 to -30 dBFS, 0.12 to 0.6 s apart,
on a noise floor) and on FluidSynth notes (drums, piano, guitar, marimba; velocities 30-127,
0.1 to 0.5 s apart, most notes released early, some ringing on). Seeds other than the tests'.
Each set is also imported as files (read_segments: trimmed, then cut) normalised to -1 dBFS
and at -27 dBFS peak (an unmastered take): precision and recall at -27, and the share of
recordings cut the same at both gains (as many sounds, starts within 3 ms, ends within 11 ms).
Last, the peak memory (RSS over the interpreter's, in a fresh process) and time of reading and
cutting a 10-minute 44.1 kHz stereo FLAC for a mono model.

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


ONSET_TOLERANCE_S = 0.025
PROGRAMS = {"drums": None, "piano": 0, "guitar": 24, "marimba": 12}


def random_hits(seed: int, floor_db: float, rate_hz: int = 44100) -> tuple[np.ndarray, np.ndarray]:
    """20 hits at random levels (-3 to -30 dBFS), gaps (0.12 to 0.6 s) and decays (8 to 40
    per s; a quiet hit may come under a loud one's tail): mono float32 and onset times (s)."""
    rng = np.random.default_rng(seed)
    onsets = 0.3 + np.cumsum(rng.uniform(0.12, 0.6, 20))
    total = round((onsets[-1] + 1.0) * rate_hz)
    x = rng.standard_normal(total) * 10.0 ** (floor_db / 20.0)
    for i, onset in enumerate(onsets):
        level = 10.0 ** (rng.uniform(-30.0, -3.0) / 20.0)
        length = round(rng.uniform(0.08, 0.5) * rate_hz)
        t = np.arange(length) / rate_hz
        envelope = np.exp(-t * rng.uniform(8.0, 40.0)) * np.minimum(1.0, t / 0.002)
        if i % 2 == 0:
            body = rng.standard_normal(length)
        else:
            hz = rng.uniform(80.0, 2000.0)
            body = sum(np.sin(2 * np.pi * hz * k * t) / k for k in (1, 2, 3))
        at = round(onset * rate_hz)
        end = min(total, at + length)
        x[at:end] += (level * envelope * body / np.max(np.abs(body)))[: end - at]
    return x.astype(np.float32), onsets


def fluid_notes(kind: str, seed: int, rate_hz: int = 44100) -> tuple[np.ndarray, np.ndarray]:
    """40 FluidSynth notes of ``kind`` (see :data:`PROGRAMS`): mono float32, note-on times (s)."""
    import fluidsynth

    rng = np.random.default_rng(seed)
    synth = fluidsynth.Synth(samplerate=float(rate_hz))
    sfid = synth.sfload(SOUNDFONT)
    channel = 9 if PROGRAMS[kind] is None else 0
    synth.program_select(channel, sfid, 128 if channel == 9 else 0, PROGRAMS[kind] or 0)
    blocks, onsets, now = [synth.get_samples(round(0.3 * rate_hz))], [], 0.3
    for _ in range(40):
        if channel == 9:
            note = int(rng.choice([35, 36, 38, 40, 42, 45, 46, 48, 49, 51]))
        else:
            note = int(rng.integers(40, 84))
        synth.noteon(channel, note, int(rng.integers(30, 128)))
        onsets.append(now)
        frames = round(rng.uniform(0.1, 0.5) * rate_hz)
        blocks.append(synth.get_samples(frames))
        now += frames / rate_hz
        if channel != 9 and rng.random() < 0.7:
            synth.noteoff(channel, note)
    blocks.append(synth.get_samples(rate_hz))
    synth.delete()
    x = np.concatenate(blocks).astype(np.float32).reshape(-1, 2).mean(axis=1) / 32768.0
    return x, np.asarray(onsets)


def match_onsets(cuts, rate_hz: int, onsets: np.ndarray) -> tuple[int, int, int, list[float]]:
    """(hits found, sounds that start no hit, hits missed, start - onset in s of those found):
    each hit takes the nearest unused sound starting within :data:`ONSET_TOLERANCE_S`."""
    starts = np.array([a for a, _ in cuts]) / rate_hz
    used: set[int] = set()
    errors = []
    for onset in onsets:
        near = [k for k in np.flatnonzero(np.abs(starts - onset) <= ONSET_TOLERANCE_S)]
        near = [k for k in near if k not in used]
        if near:
            k = min(near, key=lambda k: abs(starts[k] - onset))
            used.add(k)
            errors.append(starts[k] - onset)
    return len(used), len(starts) - len(used), len(onsets) - len(used), errors


def _cuts_at_peak(x: np.ndarray, rate_hz: int, peak_db: float, folder: Path, rules) -> list:
    """``x`` written as a float WAV at ``peak_db`` dBFS peak and imported: [(start, end)]."""
    from latentscape.engines.corpus import read_segments

    path = folder / f"take{-peak_db:.0f}.wav"
    scaled = x * (10.0 ** (peak_db / 20.0) / np.max(np.abs(x)))
    sf.write(path, scaled.astype(np.float32), rate_hz, subtype="FLOAT")
    segments = read_segments(path, rate_hz, 1, rules).segments
    firsts = [round(s.start_s * rate_hz) for s in segments]
    return [(a, a + s.samples) for a, s in zip(firsts, segments, strict=True)]


def _same_cuts(a: list, b: list, rate_hz: int) -> bool:
    """Whether two cuts of one recording match: as many sounds, starts within 3 ms, ends
    within 11 ms (a 10 ms level window)."""
    if len(a) != len(b):
        return False
    d = np.abs(np.asarray(a, float) - np.asarray(b, float)) / rate_hz
    return bool(np.all(d[:, 0] <= 0.003) and np.all(d[:, 1] <= 0.011))


# (VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's, this bench's, peak)
_READ_AND_CUT = """
import re, sys, time
from latentscape.engines.corpus import ImportRules, read_segments
def peak_kb():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
base = peak_kb()
t0 = time.perf_counter()
n = len(read_segments(sys.argv[1], 44100, 1, ImportRules(split="onsets")).segments)
seconds = time.perf_counter() - t0
print(n, seconds, (peak_kb() - base) / 1024)
"""


def bench_long_file_memory(rate_hz: int = 44100) -> None:
    """Peak memory and time of reading and cutting a 10-minute stereo FLAC (a fresh process)."""
    import subprocess

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ten_minutes.flac"
        with sf.SoundFile(path, "w", rate_hz, 2, "PCM_16") as f:
            for i in range(60):  # ten seconds at a time
                x, _ = random_hits(400 + i, -50.0, rate_hz)
                x = np.resize(x, 10 * rate_hz)
                f.write(np.stack([x, 0.8 * x + 0.001 * rng.standard_normal(x.size)], axis=1))
        out = subprocess.run(
            [sys.executable, "-c", _READ_AND_CUT, str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    sounds, seconds, megabytes = int(out[0]), float(out[1]), float(out[2])
    print(f"onsets.read_and_cut_10min_stereo.sounds = {sounds} sounds")
    print(f"onsets.read_and_cut_10min_stereo.seconds = {seconds:.2f} s")
    print(f"onsets.read_and_cut_10min_stereo.peak_rss_over_interpreter = {megabytes:.0f} MB")


def bench_onsets() -> None:
    from latentscape.engines.corpus import ImportRules
    from latentscape.engines.corpus.onsets import cut_at_onsets, detect_onsets

    rate = 44100
    minute = np.concatenate([random_hits(100 + i, -50.0)[0] for i in range(8)])[: 60 * rate]
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        detect_onsets(minute, rate)
        times.append(time.perf_counter() - t0)
    per_min = float(np.median(times))
    print(f"onsets.detect_s_per_audio_min = {per_min:.3f} s")
    print(f"onsets.realtime_factor = {60.0 / per_min:.0f} x")
    rules = ImportRules(split="onsets")
    sets = {
        "synthetic_floor50": [random_hits(200 + i, -50.0) for i in range(10)],
        "synthetic_floor40": [random_hits(300 + i, -40.0) for i in range(10)],
    }
    if Path(SOUNDFONT).exists():
        sets |= {f"gm_{k}": [fluid_notes(k, 10 + i) for i in range(4)] for k in PROGRAMS}
    for name, recordings in sets.items():
        found = extra = missed = 0
        errors: list[float] = []
        for x, onsets in recordings:
            f, e, m, err = match_onsets(cut_at_onsets(x, rate, rules), rate, onsets)
            found, extra, missed = found + f, extra + e, missed + m
            errors += err
        ms = 1000.0 * np.asarray(errors)
        print(f"onsets.{name}.hits = {found + missed} hits")
        print(f"onsets.{name}.precision = {found / max(1, found + extra):.3f}")
        print(f"onsets.{name}.recall = {found / max(1, found + missed):.3f}")
        print(f"onsets.{name}.start_error_median = {np.median(ms):.1f} ms")
        lo, hi = np.percentile(ms, [5, 95])
        print(f"onsets.{name}.start_error_p5 = {lo:.1f} ms")
        print(f"onsets.{name}.start_error_p95 = {hi:.1f} ms")
        found = extra = missed = same = 0
        with tempfile.TemporaryDirectory() as tmp:
            for x, onsets in recordings:
                quiet = _cuts_at_peak(x, rate, -27.0, Path(tmp), rules)
                loud = _cuts_at_peak(x, rate, -1.0, Path(tmp), rules)
                f, e, m, _ = match_onsets(quiet, rate, onsets)
                found, extra, missed = found + f, extra + e, missed + m
                same += _same_cuts(quiet, loud, rate)
        print(f"onsets.{name}.at_minus27dbfs.precision = {found / max(1, found + extra):.3f}")
        print(f"onsets.{name}.at_minus27dbfs.recall = {found / max(1, found + missed):.3f}")
        print(f"onsets.{name}.same_cuts_at_minus1_and_minus27 = {same / len(recordings):.2f}")
    bench_long_file_memory(rate)


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
    parser.add_argument("--onsets", action="store_true", help="bench the cut at onsets instead")
    args = parser.parse_args()
    if args.onsets:
        bench_onsets()
        return

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
