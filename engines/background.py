"""Background work yields the CPU to the audio and the GUI.

Imports, atlas builds and prior training run on worker threads for seconds to minutes. On a
2-core machine they compete for the CPU with the GUI thread and with the audio processes (the
decoder and the player), which must wake every few milliseconds. A worker calls
:func:`yield_to_foreground` once at its start: on Linux that raises the calling thread's
nice value (per thread there; threads and processes it starts later inherit it, so the UMAP
child process of big maps runs at background priority too), so the scheduler lets the
foreground run first and gives the worker the rest. Elsewhere it is a no-op.

The nice value can only go up without privileges, so a thread that was lowered stays low;
call this only on threads that do nothing but background work (pool workers qualify).
"""

from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICE = 10  # CFS weight 110 against 1024 for a nice-0 thread (~10 % under contention)


def yield_to_foreground(nice: int = BACKGROUND_NICE) -> bool:
    """Lower the calling thread's CPU priority to ``nice`` (never raises it). Any thread.

    Returns True when the thread now runs at ``nice`` or lower priority, False where the OS
    has no per-thread nice value (not Linux) or refused.
    """
    if not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return os.getpriority(os.PRIO_PROCESS, tid) >= nice
    except OSError:
        return False
