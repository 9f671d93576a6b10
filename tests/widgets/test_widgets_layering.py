"""The widgets layer stays below the app: importing every view loads no torch, umap, audio I/O
or engines (ruff bans the imports; this checks what actually gets loaded)."""

from __future__ import annotations

import subprocess
import sys


def test_widgets_import_no_engines_torch_or_audio():
    code = (
        "import importlib, pkgutil, sys\n"
        "import latentscape.widgets as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, 'latentscape.widgets.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'umap', "
        "'sounddevice') or m.startswith('latentscape.engines'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "", f"widgets loaded: {out.stdout}"
