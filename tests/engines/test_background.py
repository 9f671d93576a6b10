"""Background workers run at a lower CPU priority than the GUI and the audio."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from latentscape.engines.background import BACKGROUND_NICE, yield_to_foreground

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def thread_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def run_in_thread(fn) -> object:
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("r", fn()))
    worker.start()
    worker.join()
    return out["r"]


def test_a_worker_lowers_its_own_priority_and_no_other_thread():
    caller = thread_nice()

    def work():
        return yield_to_foreground(), thread_nice()

    assert run_in_thread(work) == (True, BACKGROUND_NICE)
    assert thread_nice() == caller


def test_a_thread_already_lower_stays_where_it_is():
    def work():
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE + 5)
        return yield_to_foreground(), thread_nice()

    assert run_in_thread(work) == (True, BACKGROUND_NICE + 5)


def test_threads_a_worker_starts_inherit_its_priority():
    def work():
        yield_to_foreground()
        return run_in_thread(thread_nice)

    assert run_in_thread(work) == BACKGROUND_NICE


def test_processes_a_worker_starts_inherit_its_priority():
    """The UMAP child process of a big map (app/umap_process.py) relies on this."""

    def work():
        yield_to_foreground()
        child = [sys.executable, "-c", "import os; print(os.nice(0))"]
        return int(subprocess.run(child, capture_output=True, text=True, check=True).stdout)

    assert run_in_thread(work) == BACKGROUND_NICE
