"""Process-wide torch settings and the lock that makes seeded model calls repeatable.

TorchScript models draw noise from torch's *global* generator, so "deterministic mode" means
seeding that generator right before a call and keeping other threads from drawing in between.
Seeded calls therefore hold :data:`TORCH_RNG_LOCK` for their duration. Calls in fresh-noise
mode do not take it (they want noise, and must not wait behind other voices).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import torch

TORCH_RNG_LOCK = threading.Lock()

# Offline decodes of stateful models run in pieces of this many frames, the state carried
# across (the output is the same): one call over a whole trajectory held ~450 bytes per output
# sample in our VAE (a 20-minute render was killed for memory at 23 GB) and ~110 in the
# RAVE-sized bench model; 1024 frames is ~6 s of audio at a hop of 256, ~47 s at 2048.
DECODE_CHUNK_FRAMES = 1024

_memory_kept = False


def configure_runtime(threads: int = 1) -> None:
    """Process-wide settings for model calls: torch's intra-op thread count and numpy/scipy's
    BLAS thread count (both ``threads``), and on the first call :func:`keep_freed_memory`.

    One thread is the default: on a 2-core machine that also runs a GUI and an audio callback,
    two torch threads collapse under contention (DESIGN.md §3), and so do two BLAS threads.
    BLAS serves the atlas build (PCA, nearest neighbours, the inverse map's grid) on a worker
    thread. Measured with ``bench/audio_underruns.py --atlas-in thread --atlas-blas 1,2`` (VAE
    voice, block 256, GUI redraws, UMAP builds of 5,000 sounds back to back): with 2 BLAS
    threads a build took 5.3-5.9 s against 4.3-4.7 s with one, and the voice underran 1-2 times
    a minute against 0.
    """
    from threadpoolctl import threadpool_limits

    global _memory_kept
    if torch.get_num_threads() != threads:  # asked each time: other code may have changed it
        torch.set_num_threads(threads)
    threadpool_limits(limits=threads, user_api="blas")
    if not _memory_kept:
        keep_freed_memory()
        _memory_kept = True


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_TRIM_THRESHOLD_BYTES = 256 << 20
_MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's largest allowed value on 64-bit


def keep_freed_memory() -> bool:
    """Let glibc's malloc keep freed blocks (up to 256 MB) instead of returning them to the OS.

    A model call allocates and frees the same large intermediates every time; by default glibc
    serves blocks over 128 kB with fresh ``mmap`` pages and trims the heap top after each call,
    so every call pays page faults that grow with the chunk size. Measured with our exported
    VAE at 16 frames per call: 311 page faults a call before, 0 after; real-time factor
    46-50x before, 59-61x after (bench/engine_stream.py, one run each under the same load).
    Process-wide; a no-op (False) where the C library is not glibc.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok_trim = mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)
    ok_mmap = mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
    return bool(ok_trim and ok_mmap)


_FRESH_NOISE = contextlib.nullcontext()  # reusable: nothing to set up for fresh noise


def seeded(
    seed: int | None, device: torch.device | None = None
) -> contextlib.AbstractContextManager[None]:
    """Run the body with torch's global generator seeded by ``seed`` (``None``: fresh noise).

    ``device``: a CUDA device whose generator is seeded too (models there draw from it).
    """
    return _FRESH_NOISE if seed is None else _seeded(seed, device)


@contextlib.contextmanager
def _seeded(seed: int, device: torch.device | None) -> Iterator[None]:
    with TORCH_RNG_LOCK:
        # Only the generators the model draws from, the CPU's and its own GPU's:
        # torch.manual_seed would seed every accelerator back-end (~0.1 ms a call, on every
        # seeded decode of every voice).
        seed &= 0x7FFF_FFFF_FFFF_FFFF
        torch.default_generator.manual_seed(seed)
        if device is not None and device.type == "cuda":
            with torch.cuda.device(device):  # manual_seed: also before CUDA's lazy start
                torch.cuda.manual_seed(seed)
        yield


DEVICE_VARIABLE = "LATENTSCAPE_DEVICE"


def default_device() -> str:
    """Where TorchScript models run unless told: ``$LATENTSCAPE_DEVICE``, else ``cpu``.

    Why the CPU, though a GPU is far faster for big models (a RAVE-sized stream on an H100:
    25.6x real time at one frame a call against 2.0x on one CPU thread; bench/device_speed.py):
    only the engine and the trainer have been run on a GPU so far, not the audio engine, the
    app or the priors. ``LATENTSCAPE_DEVICE=auto`` opts in.
    """
    return os.environ.get(DEVICE_VARIABLE, "").strip() or "cpu"


def pick_device(choice: str, local_index: int = 0) -> torch.device:
    """The torch device for a user's ``choice``: auto (a CUDA GPU when torch sees one), cpu,
    cuda (GPU ``local_index`` modulo the GPUs there are) or cuda:N.

    Raises ValueError with a one-line reason (callers add what was asked and wrap it).
    """
    choice = choice.strip().lower()
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    if choice == "cpu":
        return torch.device("cpu")
    if not choice.startswith("cuda"):
        raise ValueError("choose auto, cpu, cuda or cuda:N")
    if not torch.cuda.is_available():
        raise ValueError("torch sees no CUDA GPU here (use cpu or auto)")
    count = torch.cuda.device_count()
    try:
        index = int(choice.split(":", 1)[1]) if ":" in choice else local_index % count
    except ValueError:
        raise ValueError("choose auto, cpu, cuda or cuda:N") from None
    if not 0 <= index < count:
        raise ValueError(f"there are {count} CUDA GPUs (0-{count - 1})")
    return torch.device("cuda", index)


def decode_scope() -> contextlib.AbstractContextManager[None]:
    """Inference mode around a thread's whole decode loop (enter and leave on that thread).

    Engine calls inside it skip their own per-call inference-mode scope: measured ~12 us a
    call, 4 % of a 0.3 ms call of our exported VAE (bench/engine_stream.py).
    """
    return torch.inference_mode()


def call_seed(seed: int | None, call_index: int) -> int | None:
    """Seed for the ``call_index``-th call of a voice seeded with ``seed`` (None stays None)."""
    if seed is None:
        return None
    return (seed * 1_000_003 + call_index * 7_919 + 17) & 0x7FFF_FFFF
