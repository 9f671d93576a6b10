"""Process-wide runtime settings for model calls."""

from __future__ import annotations

import subprocess
import sys

from latentscape.engines.vae.exporter import export_torchscript
from support.vae_models import write_tiny_checkpoint

# Counts the minor page faults of one decode call, in a fresh process (malloc settings are
# process-wide and cannot be undone).
FAULTS_PER_CALL = """
import resource, sys, torch
from latentscape.engines import torch_runtime
torch.set_num_threads(1)
if sys.argv[2] == "keep":
    assert torch_runtime.keep_freed_memory()
model = torch.jit.load(sys.argv[1])
z = torch.randn(1, int(model.decode_params[0]), 64)
with torch.inference_mode():
    for _ in range(5):
        model.decode(z)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        model.decode(z)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


def _faults_per_call(model_path, mode: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", FAULTS_PER_CALL, str(model_path), mode],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def test_kept_memory_spares_every_model_call_its_page_faults(tmp_path):
    """By default glibc returns a call's big freed blocks to the OS and faults them back in on
    the next call; with :func:`keep_freed_memory` (set by every engine) calls reuse them."""
    model = export_torchscript(write_tiny_checkpoint(tmp_path / "m.pt"), tmp_path / "m.ts")
    default = _faults_per_call(model, "default")
    kept = _faults_per_call(model, "keep")
    assert default > 100  # the problem is real: 64 frames make ~1 MB intermediates
    assert kept < default / 20


def test_the_thread_policy_holds_after_other_code_changed_it():
    import torch

    from latentscape.engines.torch_runtime import configure_runtime

    before = torch.get_num_threads()
    try:
        configure_runtime(1)
        torch.set_num_threads(2)  # e.g. a test fixture or a library restoring its own setting
        configure_runtime(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_the_thread_policy_covers_numpy_blas_too():
    """The atlas build's BLAS calls share the CPU with the audio: one thread, like torch."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from latentscape.engines.torch_runtime import configure_runtime

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):  # other code raised it; undone on exit
        assert 2 in blas_threads()  # this machine has 2 cores: the limit below must change it
        configure_runtime(1)
        assert blas_threads() == {1}
