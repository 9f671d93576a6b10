"""Shared parts of the audio benchmarks: a private JACK dummy server and the models to time.

A benchmark starts its own ``jackd`` (dummy driver, period = the block size being measured:
DESIGN.md §4 — otherwise underruns go unflagged) under a unique name, and points
``JACK_DEFAULT_SERVER`` at it before any PortAudio starts.
"""

from __future__ import annotations

import contextlib
import glob
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


@contextlib.contextmanager
def jack_server(period_frames: int, rate_hz: int = 48000) -> Iterator[str]:
    """Run a private JACK dummy server; yields its name (set as ``JACK_DEFAULT_SERVER``)."""
    name = f"ls-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    server = subprocess.Popen(
        [
            "jackd",
            "--no-realtime",
            "-n",
            name,
            "-d",
            "dummy",
            "-r",
            str(rate_hz),
            "-p",
            str(period_frames),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(["jack_wait", "-w", "-t", "15", "-s", name], check=True, capture_output=True)
        os.environ["JACK_DEFAULT_SERVER"] = name
        os.environ["JACK_NO_START_SERVER"] = "1"
        yield name
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        for leftover in glob.glob(f"/dev/shm/jack*{name}*"):
            with contextlib.suppress(OSError):
                os.unlink(leftover)


def find_vae_model() -> Path | None:
    """Our VAE's demo model under resources/demo/, when it exists."""
    demo = ROOT / "resources" / "demo"
    for pattern in ("*.ts", "*.pt", "*.ckpt", "*.pth"):
        found = sorted(demo.glob(pattern))
        if found:
            return found[0]
    return None


def untrained_vae(path: Path = ROOT / "bench" / "out" / "vae_default_untrained.pt") -> Path:
    """Our VAE at its default size with random weights: the demo model's compute cost.

    Rebuilt on every call: the VAE's architecture is still changing.
    """
    import torch

    from latentscape.engines.vae.checkpoint import FORMAT, VERSION, save_atomic
    from latentscape.engines.vae.model import VaeConfig, VaeCore

    torch.manual_seed(0)
    config = VaeConfig()
    core = VaeCore(config)
    rot, _ = torch.linalg.qr(torch.randn(config.latent_size, config.latent_size))
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(
        {
            "format": FORMAT,
            "version": VERSION,
            "config": config.to_dict(),
            "state_dict": core.state_dict(),
            "pca_mean": torch.zeros(config.latent_size),
            "pca_components": rot.contiguous(),
            "pca_variance": torch.ones(config.latent_size),
            "training": {"step": 0, "seconds": 0.0, "seed": 0, "files": 0},
        },
        path,
    )
    return path


def model_path(name: str) -> Path:
    """``vae`` (the demo model, else our VAE untrained at default size), ``rave`` (the
    RAVE-sized streaming model, built once) or a path."""
    if name == "rave":
        from rave_sized_model import ensure_model

        return ensure_model()
    if name == "vae":
        found = find_vae_model()
        if found is None:
            print(
                "no demo VAE in resources/demo yet: timing an untrained default-size VAE",
                file=sys.stderr,
            )
            return untrained_vae()
        return found
    return Path(name)
