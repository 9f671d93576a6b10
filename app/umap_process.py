"""UMAP for map refinement in a child process, so it cannot hold the GUI's GIL.

Measured (probe, 2 busy cores): a UMAP build on a worker *thread* stalled the GUI thread for up
to 128 ms, 177 times, at 10,000 sounds (numba's per-epoch layout calls hold the GIL; longer with
more points). Small maps stall too, once the app is busy: ``bench/gui_stalls.py`` (demo VAE, 300
sounds, audio running) saw the refinement stall the GUI for more than 100 ms in 6 of 9 runs on a
thread (up to 231 ms; the worker holding the GIL is preempted by the audio processes), against
5 ms in a process, at the price of the child's start: 4.2 s instead of 2.2 s for the whole
refinement. So every refinement runs in ``python -m latentscape.umap_process IN OUT SEED``:
trajectories go over as one concatenated array in an ``.npz`` (no pickling of 100k small
objects), progress comes back as ``progress <fraction>`` lines on stdout, the atlas as its dict
of arrays in another ``.npz``. Cancelling terminates the child.

:func:`build_umap_in_process` is called on a worker thread (TaskRunner).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

POLL_S = 0.1
# The child yields the CPU to the app and its audio processes. It shares no GIL with the GUI,
# so unlike a niced worker *thread* (bench/gil_inversion.py) it cannot stall it. Measured with
# bench/audio_underruns.py --atlas-in process --atlas-nice 0,10 (VAE voice, block 256, GUI
# redraws, back-to-back builds of 5,000 sounds; four runs each): device xruns 14-31 a minute at
# nice 0, 2-15 at nice 10; GUI 21-23 fps against 23-26; a build 5.6-6.1 s against 6.0-6.6 s.
# When other programs load the CPU, a niced refinement takes several times longer.
CHILD_NICE = 10


def build_umap_in_process(
    trajectories: Sequence[np.ndarray],
    sound_ids: Sequence[int],
    *,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    nice: int = CHILD_NICE,
):
    """Worker thread: ``Atlas.build(..., method="umap")`` in a child process.

    ``nice``: the child's CPU priority (0 = the app's; :data:`CHILD_NICE` by default).
    Returns the Atlas, or None when cancelled. Raises RuntimeError with the child's last words.
    """
    from latentscape.engines.atlas.atlas import Atlas

    lengths = np.array([len(t) for t in trajectories], np.int64)
    with tempfile.TemporaryDirectory(prefix="latentscape-umap-") as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(
            src,
            flat=np.concatenate(list(trajectories)).astype(np.float32),
            offsets=np.concatenate([[0], np.cumsum(lengths)]),
            ids=np.asarray(sound_ids, np.int64),
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "latentscape.umap_process", str(src), str(dst), str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if nice and hasattr(os, "setpriority"):  # POSIX; the child's later threads inherit it
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, proc.pid, nice)
        assert proc.stdout is not None
        try:
            while proc.poll() is None:
                if cancelled is not None and cancelled():
                    proc.terminate()
                    proc.wait(10)
                    return None
                ready, _, _ = select.select([proc.stdout], [], [], POLL_S)
                if ready:
                    line = proc.stdout.readline()
                    if line.startswith("progress ") and progress is not None:
                        progress(float(line.split()[1]))
        finally:
            if proc.poll() is None:
                proc.kill()
        err = proc.stderr.read() if proc.stderr is not None else ""
        if proc.returncode != 0 or not dst.exists():
            last = err.strip().splitlines()[-1] if err.strip() else f"exit code {proc.returncode}"
            raise RuntimeError(f"the map process failed: {last}")
        with np.load(dst) as data:
            return Atlas.from_arrays({k: data[k] for k in data.files})


def main(argv: Sequence[str]) -> int:
    """Child process: build the UMAP atlas of IN, write OUT, print progress lines."""
    from threadpoolctl import threadpool_limits

    from latentscape.engines.atlas.atlas import Atlas

    threadpool_limits(limits=1, user_api="blas")  # as in the app (torch_runtime.configure_runtime)

    src, dst, seed = argv[0], argv[1], int(argv[2])
    with np.load(src) as data:
        flat, offsets, ids = data["flat"], data["offsets"], data["ids"]
    trajs = [flat[a:b] for a, b in itertools.pairwise(offsets)]

    def on_progress(fraction: float) -> None:
        print(f"progress {fraction:.4f}", flush=True)

    atlas = Atlas.build(trajs, ids, method="umap", progress=on_progress, seed=seed)
    np.savez(dst, **atlas.to_arrays())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
