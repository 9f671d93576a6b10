"""A decoder process whose model holds one shared "core" (``test_voice_priority.SharedCore``,
``load`` 0.6: a path and a click together need 120 % of the machine).

Tests start this file in place of the real decoder process (``voice_host_process.DECODER_MAIN``);
everything but the model is :func:`latentscape.engines.audio.voice_host_process.main`. Loaded
as a module (:func:`load`), it gives the same slow model to a test's own process.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
LOAD = 0.6


def load(path: Path) -> ModuleType:
    """The module in the file ``path`` (a test module: not importable by name here)."""
    spec = importlib.util.spec_from_file_location(f"_latentscape_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def slow(engine: Any) -> Any:
    """``engine`` on a machine that runs one model call at a time, each ``LOAD`` of real time."""
    if str(HERE.parents[1]) not in sys.path:  # tests/: the test module imports support
        sys.path.insert(0, str(HERE.parents[1]))
    return load(HERE / "test_voice_priority.py").SharedCore(engine, load=LOAD)


def main() -> int:
    from latentscape.engines.audio import voice_host_process

    plain = voice_host_process._load
    voice_host_process._load = lambda path: slow(plain(path)) if path else None
    return voice_host_process.main()


if __name__ == "__main__":
    sys.exit(main())
