"""The dark theme: window palette, stylesheet, plot colours and a categorical palette.

Every view takes its colours from here so the app reads as one piece. The categorical colours
start with Okabe–Ito (distinguishable with the common colour-vision deficiencies), brightened
where the original is too dark on a near-black plot, then continue with Tableau 10 hues.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

# Surfaces, darkest to lightest.
BACKGROUND = "#15171c"  # plot canvases
WINDOW = "#1d2027"  # window and panels
SURFACE = "#262a33"  # inputs, buttons, list rows
SURFACE_HI = "#323744"  # hover
BORDER = "#3a4050"
# Text.
TEXT = "#e6e9ef"
TEXT_DIM = "#9aa3b2"
# Accents.
ACCENT = "#56b4e9"  # selection, focus, the cursor
RECORD = "#ff5a4f"
WARNING = "#f0b429"
ERROR = "#ff6b6b"
OK = "#4cc38a"
GRID = "#2a2f3a"

FONT_POINT_SIZE = 10

# The first eight are told apart at dot size on the dark canvas: no two are closer than
# Okabe–Ito's orange and yellow (CIELAB distance 35). Okabe–Ito's vermillion (33 from orange)
# and blue (20 from sky blue) looked alike in a map of 6 folders, so Tableau's red and a
# violet take their places. The next eight were picked one by one as the farthest from all
# before them (at least 22), among colours bright enough for the dark canvas (L* 50 to 90).
# tests/widgets/test_theme.py holds all three.
CATEGORY_COLORS: tuple[str, ...] = (
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
    "#009e73",  # bluish green
    "#f0e442",  # yellow
    "#e15759",  # Tableau red
    "#cc79a7",  # reddish purple
    "#8c6bd9",  # violet
    "#bbbbbb",  # grey
    "#ffbe7d",  # light orange
    "#98df8a",  # light green
    "#d55e00",  # vermillion
    "#9c755f",  # Tableau brown
    "#17becf",  # cyan
    "#ff9da7",  # Tableau pink
    "#fccde5",  # pale pink
    "#59a14f",  # Tableau green
)

SPECTROGRAM_COLORMAP = "inferno"


def category_color(index: int) -> QtGui.QColor:
    """The colour of category ``index`` (cycles after ``len(CATEGORY_COLORS)``)."""
    return QtGui.QColor(CATEGORY_COLORS[index % len(CATEGORY_COLORS)])


def spectrogram_lut() -> np.ndarray:
    """A 256-entry uint8 RGBA lookup table for spectrogram images, shape [256, 4]."""
    cmap = pg.colormap.get(SPECTROGRAM_COLORMAP)
    lut = cmap.getLookupTable(0.0, 1.0, 256, alpha=True)
    return np.ascontiguousarray(lut, dtype=np.uint8)


def density_lut(color: str = ACCENT, max_alpha: int = 110) -> np.ndarray:
    """A 256-entry uint8 RGBA lookup table from transparent to ``color``, shape [256, 4]."""
    c = QtGui.QColor(color)
    lut = np.zeros((256, 4), dtype=np.uint8)
    lut[:, 0], lut[:, 1], lut[:, 2] = c.red(), c.green(), c.blue()
    # sqrt so faint support is still visible, never opaque enough to hide the points.
    lut[:, 3] = (np.sqrt(np.linspace(0.0, 1.0, 256)) * max_alpha).astype(np.uint8)
    return lut


def style_plot(plot: pg.PlotItem) -> None:
    """Dark axes, dim grid and readable tick labels on a pyqtgraph ``PlotItem``."""
    font = QtGui.QFont()
    font.setPointSize(FONT_POINT_SIZE - 1)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(BORDER))
        axis.setTextPen(pg.mkPen(TEXT_DIM))
        axis.setTickFont(font)
    plot.getViewBox().setBackgroundColor(BACKGROUND)


def palette() -> QtGui.QPalette:
    """The dark ``QPalette`` for the application."""
    pal = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    group = QtGui.QPalette.ColorGroup
    colors = {
        role.Window: WINDOW,
        role.WindowText: TEXT,
        role.Base: SURFACE,
        role.AlternateBase: WINDOW,
        role.ToolTipBase: SURFACE_HI,
        role.ToolTipText: TEXT,
        role.PlaceholderText: TEXT_DIM,
        role.Text: TEXT,
        role.Button: SURFACE,
        role.ButtonText: TEXT,
        role.BrightText: "#ffffff",
        role.Highlight: ACCENT,
        role.HighlightedText: "#0b0d10",
        role.Link: ACCENT,
        role.Mid: BORDER,
        role.Dark: BACKGROUND,
        role.Light: SURFACE_HI,
    }
    for r, c in colors.items():
        pal.setColor(r, QtGui.QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(group.Disabled, r, QtGui.QColor("#5d6472"))
    return pal


STYLESHEET = f"""
QWidget {{ color: {TEXT}; }}
QToolTip {{ background: {SURFACE_HI}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QGroupBox {{
    border: 1px solid {BORDER}; border-radius: 6px; margin-top: 14px; padding: 8px 6px 6px 6px;
    font-weight: bold;
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {TEXT_DIM}; }}
QPushButton, QToolButton {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 5px; padding: 4px 10px;
}}
QPushButton:hover, QToolButton:hover {{ background: {SURFACE_HI}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {BORDER}; }}
QPushButton:checked, QToolButton:checked {{ background: #24506e; border-color: {ACCENT}; }}
QPushButton:disabled, QToolButton:disabled {{ color: #5d6472; border-color: {SURFACE}; }}
QToolButton#recordButton:checked {{ background: #5a1f1c; border-color: {RECORD}; color: {RECORD}; }}
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px; padding: 2px 4px;
}}
QLineEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus {{ border-color: {ACCENT}; }}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: #2f6f96; border-radius: 2px; }}
QSlider::handle:horizontal {{
    background: {TEXT}; width: 12px; margin: -5px 0; border-radius: 6px;
}}
QSlider::handle:horizontal:hover {{ background: {ACCENT}; }}
QProgressBar {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px; text-align: center;
    min-height: 14px;
}}
QProgressBar::chunk {{ background: #2f6f96; border-radius: 3px; }}
QListWidget, QTreeWidget, QTableWidget {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px;
    alternate-background-color: {WINDOW};
}}
QHeaderView::section {{
    background: {WINDOW}; color: {TEXT_DIM}; border: none; border-bottom: 1px solid {BORDER};
    padding: 4px;
}}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 4px; }}
QTabBar::tab {{
    background: {WINDOW}; color: {TEXT_DIM}; padding: 6px 14px; border: 1px solid {BORDER};
    border-bottom: none; border-top-left-radius: 5px; border-top-right-radius: 5px;
}}
QTabBar::tab:selected {{ background: {SURFACE}; color: {TEXT}; }}
QScrollArea {{ border: none; }}
QLabel[role="title"] {{ font-size: {FONT_POINT_SIZE + 3}pt; font-weight: bold; }}
QLabel[role="dim"] {{ color: {TEXT_DIM}; }}
QLabel[role="value"] {{ font-family: "DejaVu Sans Mono", monospace; }}
"""


class _FusionStyle(QtWidgets.QProxyStyle):
    """Fusion without icons on dialog buttons: where the desktop has no icon theme (Xvfb, a
    bare window manager) Fusion drew a stray glyph on every Close and OK (QA s22)."""

    def styleHint(self, hint, option=None, widget=None, returnData=None) -> int:
        if hint == QtWidgets.QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)


def apply_theme(app: QtWidgets.QApplication) -> None:
    """Give ``app`` the Fusion style, the dark palette, the stylesheet and pyqtgraph defaults."""
    style = _FusionStyle(QtWidgets.QStyleFactory.create("Fusion"))
    style.setParent(app)  # lives as long as the app
    app.setStyle(style)
    app.setPalette(palette())
    font = app.font()
    font.setPointSize(FONT_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
    pg.setConfigOptions(background=BACKGROUND, foreground=TEXT_DIM, antialias=False)
