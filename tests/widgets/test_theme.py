"""The categorical palette: colours a user can tell apart at dot size."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np

from latentscape.widgets.theme import CATEGORY_COLORS


def _lab(hex_colour: str) -> np.ndarray:
    """sRGB ``#rrggbb`` → CIELAB (D65)."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _distance(a: str, b: str) -> float:
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def test_category_colours_are_far_apart_and_bright_enough():
    """No two of the first eight colours are closer than Okabe–Ito's orange and yellow (35 in
    CIELAB); vermillion (33 from orange) and a lifted blue (20 from sky blue) were, and looked
    alike in a map of six folders. Each later one is at least 22 from all before it, and every
    one is bright enough for the dark canvas (L* 50 to 90; white marks generated sounds)."""
    colours = CATEGORY_COLORS
    assert len(colours) == 16 and len(set(colours)) == 16
    assert min(_distance(a, b) for a, b in itertools.combinations(colours[:8], 2)) >= 35.0
    for k in range(8, len(colours)):
        assert min(_distance(colours[k], c) for c in colours[:k]) >= 22.0, colours[k]
    assert all(50.0 <= _lab(c)[0] <= 90.0 for c in colours)


_BUTTON_ICON = """
from PySide6 import QtWidgets
from latentscape.widgets import theme
app = QtWidgets.QApplication([])
theme.apply_theme(app)
box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
print("icon" if not box.buttons()[0].icon().isNull() else "none")
"""


def test_dialog_buttons_carry_no_stray_icon_on_a_real_x_display(x_display):
    """QA s22: on X11 without an icon theme, Fusion drew a stray glyph on every dialog's
    Close and OK (the shortcuts list, the failed-files list). The real xcb platform, in a
    process of its own (the tests' own Qt runs offscreen, where no button has an icon)."""
    env = dict(os.environ, DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    out = subprocess.run(
        [sys.executable, "-c", _BUTTON_ICON], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "none"
