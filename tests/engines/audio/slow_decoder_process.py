"""A decoder process whose model holds one shared "core" (``support.slow_decoders.SharedCore``
at ``BUSY_LOAD``: a path and a click together need 120 % of the machine).

Tests start this file in place of the real decoder process (``voice_host_process.DECODER_MAIN``);
everything but the model is :func:`latentscape.engines.audio.voice_host_process.main`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[2]


def slow(engine: Any) -> Any:
    """``engine`` on a machine that runs one model call at a time, each ``BUSY_LOAD`` of real
    time."""
    if str(TESTS) not in sys.path:  # started as a script: support/ is not on the path
        sys.path.insert(0, str(TESTS))
    from support.slow_decoders import BUSY_LOAD, SharedCore

    return SharedCore(engine, load=BUSY_LOAD)


def main() -> int:
    from latentscape.engines.audio import voice_host_process

    plain = voice_host_process._load
    voice_host_process._load = lambda path: slow(plain(path)) if path else None
    return voice_host_process.main()


if __name__ == "__main__":
    sys.exit(main())
