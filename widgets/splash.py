"""The start-up splash: shown while the model runtime loads, before the main window exists."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

SIZE = QtCore.QSize(460, 200)
DOTS = ((352, 46), (378, 58), (366, 84), (398, 40), (404, 76), (340, 72))  # a little "map"
MARGIN = 28


def _artwork() -> QtGui.QPixmap:
    """The splash picture: the app's name on the plot background, a few map-like dots."""
    pixmap = QtGui.QPixmap(SIZE)
    pixmap.fill(QtGui.QColor(theme.BACKGROUND))
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    for (x, y), color in zip(DOTS, theme.CATEGORY_COLORS, strict=False):
        painter.setBrush(QtGui.QColor(color))
        painter.drawEllipse(QtCore.QPointF(x, y), 5, 5)
    painter.setPen(QtGui.QColor(theme.TEXT))
    font = painter.font()
    font.setPointSize(22)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QtCore.QPointF(MARGIN, 80), "latentscape")
    font.setPointSize(theme.FONT_POINT_SIZE)
    font.setBold(False)
    painter.setFont(font)
    painter.setPen(QtGui.QColor(theme.TEXT_DIM))
    painter.drawText(QtCore.QPointF(MARGIN, 106), "explore the latent space of neural audio models")
    painter.end()
    return pixmap


class StartupSplash(QtWidgets.QSplashScreen):
    """GUI thread. ``report(module)`` names what loads now; ``finish(window)`` closes it."""

    def __init__(self) -> None:
        super().__init__(_artwork())

    def report(self, module: str) -> None:
        self.showMessage(f"Loading {module}…")  # repaints at once
        QtWidgets.QApplication.processEvents()

    def drawContents(self, painter: QtGui.QPainter) -> None:
        painter.setPen(QtGui.QColor(theme.TEXT_DIM))
        area = self.rect().adjusted(MARGIN, 0, -MARGIN, -MARGIN // 2)
        flags = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignBottom
        painter.drawText(area, flags, self.message())
