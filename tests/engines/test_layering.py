"""The engines layer is Qt-free: importing it must not load any Qt module."""

from __future__ import annotations

import subprocess
import sys

ENGINE_MODULES = [
    "latentscape.engines.contract",
    "latentscape.engines.loader",
    "latentscape.engines.torchscript_engine",
    "latentscape.engines.speed",
]


def test_engines_import_no_qt():
    code = (
        "import importlib, pkgutil, sys\n"
        "import latentscape.engines as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, 'latentscape.engines.'):\n"
        "    importlib.import_module(m.name)\n"
        f"for name in {ENGINE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.strip() == "", f"Qt modules loaded by engines: {out.stdout}"
