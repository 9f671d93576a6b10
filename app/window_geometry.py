"""Where the main window opens, and how its docks share it: sized to the screen it is on.

A first window is 1400 × 900 px where that fits in 90 % of the screen's available area (the
desktop less its panels), centred. On a smaller screen (a 1366 × 768 or 1280 × 720 laptop) it
opens maximised, its normal geometry the whole available area: on a desktop without a window
manager, which does not maximise, it still fills the screen and no more. A saved geometry is used again only if it still fits
the screen it lies on (a laptop unplugged from its monitor opens as a first window does).

Docks take what the map can spare: the bottom plots get less height on short windows, the right
column stays as narrow as its controls allow. All sizes are logical pixels.

Thread: GUI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

PREFERRED_SIZE = (1400, 900)  # px: the map, the right column and the plots all roomy
SCREEN_SHARE = 0.9  # of the available area, at most, for a first window that is not maximised
BOTTOM_SHARE = 0.27  # of the window height for the Output / Selected sound plots …
BOTTOM_PX = (190, 260)  # … within these bounds: the plots stay readable, the map keeps the rest
OUTPUT_SHARE = 0.42  # of the bottom row's width for the live spectrogram
SIDE_PX = 360  # the right column (model, latent controls, paths), when the window is wide


@dataclass(frozen=True)
class DockSizes:
    """First-run dock sizes for a window of a given size (px)."""

    side_px: int  # width of the right column
    bottom_px: int  # height of the bottom row (Output, Selected sound)
    output_px: int  # width of the Output spectrogram in the bottom row


def first_geometry(
    available: QtCore.QRect, preferred: tuple[int, int] = PREFERRED_SIZE
) -> tuple[QtCore.QRect, bool]:
    """(normal geometry, maximised) of a first window on a screen whose available geometry
    is ``available``: the preferred size centred if it fits in :data:`SCREEN_SHARE` of it, else
    maximised over a normal geometry of the whole of it."""
    w, h = preferred
    if w > available.width() * SCREEN_SHARE or h > available.height() * SCREEN_SHARE:
        return QtCore.QRect(available), True
    rect = QtCore.QRect(0, 0, w, h)
    rect.moveCenter(available.center())
    return rect, False


def fits(rect: QtCore.QRect, available: QtCore.QRect, minimum: QtCore.QSize | None = None) -> bool:
    """Does a window of geometry ``rect`` lie within ``available``? A window cannot be smaller
    than its ``minimum`` size: where that is larger than the screen, lying within the screen's
    top-left corner and no larger than the minimum counts as fitting."""
    room = QtCore.QRect(available)
    if minimum is not None:
        room.setWidth(max(available.width(), minimum.width()))
        room.setHeight(max(available.height(), minimum.height()))
    return room.contains(rect)


def screen_of(rect: QtCore.QRect) -> QtGui.QScreen | None:
    """The screen under ``rect``'s centre (None: off every screen, e.g. a monitor unplugged)."""
    return QtGui.QGuiApplication.screenAt(rect.center())


def dock_sizes(size: QtCore.QSize, side_min_px: int = 0, tabs_min_px: int = 0) -> DockSizes:
    """Dock sizes for a window of ``size``; ``side_min_px``: the right column's own minimum
    width; ``tabs_min_px``: that of the Selected sound / Gallery tabs beside the Output."""
    side = max(side_min_px, min(SIDE_PX, int(size.width() * 0.3)))
    low, high = BOTTOM_PX
    bottom = max(low, min(high, int(size.height() * BOTTOM_SHARE)))
    row = size.width() - side
    output = max(0, min(int(row * OUTPUT_SHARE), row - tabs_min_px - 12))
    return DockSizes(side, bottom, output)


def place_first(window: QtWidgets.QMainWindow) -> QtCore.QSize:
    """Give ``window`` its first geometry on its screen (maximised on a small one); returns the
    size it will show at, for sizing its docks."""
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    available = screen.availableGeometry()
    rect, maximise = first_geometry(available)
    window.setGeometry(rect)
    if maximise:
        window.setWindowState(window.windowState() | QtCore.Qt.WindowState.WindowMaximized)
    return rect.size()


GEOMETRY_MAGIC = 0x1D9D0CB  # how QWidget.saveGeometry's bytes begin (Qt 5 and 6)


def saved_frame(geometry: QtCore.QByteArray | bytes) -> tuple[QtCore.QRect, bool] | None:
    """(frame geometry, maximised or full screen) from ``QWidget.saveGeometry()``'s bytes;
    None where they are not in the format known (``restoreGeometry`` is left to judge)."""
    stream = QtCore.QDataStream(QtCore.QByteArray(geometry))
    magic, major = stream.readUInt32(), stream.readUInt16()
    stream.readUInt16()  # minor version
    if magic != GEOMETRY_MAGIC or major < 1:
        return None
    frame, normal = QtCore.QRect(), QtCore.QRect()
    stream >> frame
    stream >> normal
    stream.readInt32()  # screen number
    maximised, full_screen = stream.readUInt8(), stream.readUInt8()
    if stream.status() != QtCore.QDataStream.Status.Ok:
        return None
    return frame, bool(maximised or full_screen)


def saved_geometry_fits(
    geometry: QtCore.QByteArray | bytes, minimum: QtCore.QSize | None = None
) -> bool:
    """Does a window saved as ``geometry`` still fit the screen it was on (a maximised one
    always does; one on a monitor since unplugged does not)?"""
    saved = saved_frame(geometry)
    if saved is None:
        return True
    frame, maximised = saved
    screen = screen_of(frame)
    if screen is None:
        return False
    return maximised or fits(frame, screen.availableGeometry(), minimum)
