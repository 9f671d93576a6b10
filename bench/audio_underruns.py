"""Underruns while scrubbing continuously and the main thread does GUI work.

Usage: ``.venv/bin/python bench/audio_underruns.py --model vae|rave|PATH [--seconds 60]
[--blocks 1024,256] [--players process,thread] [--atlas-blas 0|1|2…] [--atlas-nice 0,10]
[--atlas-in process|thread]``

Each (block, player) runs in a fresh child process with its own JACK dummy server (period =
block, 48 kHz). The child's main thread redraws a 100k-point pyqtgraph scatter at 30 fps
(offscreen Qt: pan the view, render all points) and, like a mouse drag, moves the scrub target around a circle in latent space
at 60 Hz. Players: ``process`` = the callback in its own process (the engine's default);
``thread`` = the callback in the app's process, where it competes for the GIL.
``--atlas-blas N`` (N > 0) adds the app's heaviest background job: UMAP atlases of 5,000
random sounds built back to back (``atlas_builds`` and ``atlas_build_s`` report how fast), with
numpy's BLAS limited to N threads in the app's process, either ``--atlas-in process`` (as the
app refines maps: app/umap_process.py, whose child limits BLAS to one thread itself) or
``--atlas-in thread`` (a worker thread in the app's process), at the nice value of
``--atlas-nice`` (Linux). A niced child spares the audio; a niced worker thread does too, but it
holds the GIL while it waits for the CPU: bench/gil_inversion.py measures what that costs the
GUI thread when other programs load the CPU.

Prints, per configuration, ``name = value unit`` lines: underruns (blocks where the voice had
no audio ready), device xruns, late decodes, GUI frames achieved, decode thread CPU share, the
player process's CPU share, and the decode real-time factor inside the app vs the bare model.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

import numpy as np
from audio_bench_support import jack_server, model_path

RATE = 48000
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class AtlasLoad:
    """A worker thread building UMAP atlases of 5,000 random 20-frame sounds until stopped."""

    def __init__(self, latent_size: int, blas_threads: int, nice: int, where: str) -> None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=blas_threads, user_api="blas")
        rng = np.random.default_rng(1)
        centres = rng.standard_normal((12, latent_size)) * 3
        self.sounds = [
            (centres[i % 12] + rng.standard_normal((20, latent_size))).astype(np.float32)
            for i in range(5000)
        ]
        self.seconds: list[float] = []
        self.nice, self.where = nice, where
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from latentscape.engines.atlas import Atlas
        from latentscape.umap_process import build_umap_in_process

        ids = list(range(len(self.sounds)))
        if self.where == "thread" and self.nice:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        while not self._stop.is_set():
            t0 = time.perf_counter()
            if self.where == "thread":
                atlas = Atlas.build(self.sounds, method="umap", cancel=self._stop)
            else:
                atlas = build_umap_in_process(
                    self.sounds, ids, cancelled=self._stop.is_set, nice=self.nice
                )
            if atlas is not None:
                self.seconds.append(time.perf_counter() - t0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_one(
    model: str,
    block: int,
    player: str,
    decoder: str,
    seconds: float,
    atlas_blas: int,
    atlas_nice: int,
    atlas_in: str,
) -> None:
    import pyqtgraph as pg  # heavy imports before the stream starts (DESIGN.md §4)
    import torch  # noqa: F401
    from PySide6 import QtCore, QtWidgets

    from latentscape.engines.audio.engine import AudioEngine
    from latentscape.engines.loader import load_model
    from latentscape.engines.speed import measure_engine

    engine = load_model(model_path(model))
    chunk = max(1, -(-block * engine.sample_rate_hz // RATE) // engine.hop_samples)
    bare = measure_engine(engine, chunk_frames=chunk, duration_s=2.0).realtime_factor
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    rng = np.random.default_rng(0)
    xy = rng.standard_normal((100_000, 2)).astype(np.float32)
    plot = pg.PlotWidget()
    scatter = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(80, 160, 255, 120))
    plot.addItem(scatter)
    plot.resize(1200, 800)
    plot.show()
    frames_drawn = 0

    scatter.setData(x=xy[:, 0], y=xy[:, 1])

    def redraw() -> None:  # pan the view a little and render every point again
        nonlocal frames_drawn
        shift = 0.02 * (frames_drawn % 50)
        plot.setXRange(-3 + shift, 3 + shift, padding=0)
        plot.grab()
        frames_drawn += 1

    tag = config_tag(model, block, player, decoder, atlas_in, atlas_blas, atlas_nice)
    with jack_server(block, RATE):
        audio = AudioEngine(engine, "JACK", block, RATE, player=player, decoder=decoder)
        audio.start()
        if audio.status_reason:
            raise SystemExit(f"no stream: {audio.status_reason}")
        centre = np.zeros(engine.latent_size, np.float32)
        moves = 0

        def move() -> None:
            nonlocal moves
            angle = 2 * np.pi * moves / 240  # one turn every 4 s
            target = centre.copy()
            target[0], target[1 % engine.latent_size] = 1.5 * np.cos(angle), 1.5 * np.sin(angle)
            audio.scrub_to(target)
            moves += 1

        move()
        atlas = (
            AtlasLoad(engine.latent_size, atlas_blas, atlas_nice, atlas_in) if atlas_blas else None
        )
        draw_timer, move_timer = QtCore.QTimer(), QtCore.QTimer()
        draw_timer.timeout.connect(redraw)
        move_timer.timeout.connect(move)
        draw_timer.start(33)
        move_timer.start(16)
        sink = audio._sink
        pid = sink._proc.pid if player == "process" else os.getpid()
        start = audio.stats()
        cpu0, t0 = _proc_cpu_s(pid), time.monotonic()
        deadline = t0 + seconds
        while time.monotonic() < deadline:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        draw_timer.stop()
        move_timer.stop()
        if atlas is not None:
            atlas.stop()
        end = audio.stats()
        elapsed = time.monotonic() - t0
        player_cpu = (_proc_cpu_s(pid) - cpu0) / elapsed
        audio.stop()
    blocks = end.callbacks - start.callbacks
    print(f"seconds{tag} = {elapsed:.1f} s")
    print(f"blocks{tag} = {blocks} blocks")
    print(f"underruns{tag} = {end.underruns - start.underruns} blocks")
    print(f"device_xruns{tag} = {end.device_xruns - start.device_xruns} blocks")
    print(f"late_decodes{tag} = {end.late_decodes - start.late_decodes} chunks")
    print(f"gui_fps{tag} = {frames_drawn / elapsed:.1f} fps")
    print(f"scrub_latency_ms{tag} = {end.latency_ms:.1f} ms")
    print(f"decode_cpu_share{tag} = {100 * end.decode_cpu_share:.1f} %")
    label = "player_process_cpu_share" if player == "process" else "app_process_cpu_share"
    print(f"{label}{tag} = {100 * player_cpu:.1f} %")
    print(f"decode_rtf_in_app{tag} = {end.decode_rtf:.2f} x")
    print(f"decode_rtf_bare{tag} = {bare:.2f} x")
    print(f"decode_rtf_app_over_bare{tag} = {end.decode_rtf / bare:.2f}")
    if atlas is not None:
        print(f"atlas_builds{tag} = {len(atlas.seconds)} builds")
        if atlas.seconds:
            print(f"atlas_build_s{tag} = {np.median(atlas.seconds):.1f} s")


def config_tag(
    model: str, block: int, player: str, decoder: str, atlas_in: str, blas: int, nice: int
) -> str:
    """The ``[...]`` that names one configuration in every printed line (no atlas part without
    an atlas load)."""
    tag = f"[{model},block={block},player={player},decoder={decoder}"
    return tag + (f",atlas_in={atlas_in},atlas_blas={blas},atlas_nice={nice}]" if blas else "]")


def atlas_loads(blas: str, nice: str) -> list[tuple[str, str]]:
    """The (BLAS threads, nice) runs the comma lists ask for; BLAS 0 (no atlas load) once."""
    return [(b, n) for b in blas.split(",") for n in (["0"] if b == "0" else nice.split(","))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="vae")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--blocks", default="1024,256")
    p.add_argument("--players", default="process,thread")
    p.add_argument("--decoders", default="process,thread")
    p.add_argument("--atlas-blas", default="0", help="comma list; 0 = no atlas build load")
    p.add_argument("--atlas-nice", default="0", help="comma list of the atlas builder's nice")
    p.add_argument("--atlas-in", choices=("process", "thread"), default="process")
    p.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        block, player, decoder, blas, nice = args.one
        run_one(
            args.model,
            int(block),
            player,
            decoder,
            args.seconds,
            int(blas),
            int(nice),
            args.atlas_in,
        )
        return
    with open("/proc/loadavg") as f:
        print(f"load_average_1min = {f.read().split()[0]}")
    for block in (int(b) for b in args.blocks.split(",")):
        for player in args.players.split(","):
            for decoder in args.decoders.split(","):
                for blas, nice in atlas_loads(args.atlas_blas, args.atlas_nice):
                    cmd = [sys.executable, __file__, "--model", args.model]
                    cmd += ["--seconds", str(args.seconds), "--atlas-in", args.atlas_in]
                    cmd += ["--one", str(block), player, decoder, blas, nice]
                    done = subprocess.run(cmd, capture_output=True, text=True)
                    lines = [ln for ln in done.stdout.splitlines() if " = " in ln]
                    print("\n".join(lines), flush=True)
                    if done.returncode != 0:
                        tag = config_tag(
                            args.model, block, player, decoder, args.atlas_in, int(blas), int(nice)
                        )
                        print(f"failed{tag} = {done.stderr[-300:]!r}")


if __name__ == "__main__":
    main()
