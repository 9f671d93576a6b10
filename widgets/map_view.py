"""``MapView``: every sound a point; click to audition, click between sounds, drag to scrub.

Mouse
-----
- left click on a point: ``pointClicked(index)``; on empty space: ``emptyClicked(x, y)``;
- left press-and-drag: ``scrubStarted(x, y)``, a continuous series of ``scrubMoved(x, y)``,
  then ``scrubEnded()``;
- pan: right- or middle-drag, or Shift + left-drag; zoom: the wheel (both bounded by the
  points' extent: ``MapViewBox.limit_to``);
- hover: the nearest point (within 8 px) is ringed and named, throttled to ~30 Hz;
- marking several sounds: Ctrl+click toggles one, Ctrl+drag a box adds those inside, a plain
  click on a point marks it alone (``marks.changed(indices)``, :mod:`.map_marks`).

Drops (:mod:`.map_drops`): local files/folders emit ``filesDropped(paths)``; a gallery tile
emits ``tileDropped(source, tile_id, x, y)``. Real drags arrive on ``viewport()``, which is
also where tests send their events.

All coordinates in signals and setters are map (data) units. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from . import theme
from .density_image import soft_density_image
from .map_drops import EMPTY_HINT, MapDrops
from .map_marks import MapMarks
from .map_overlays import CursorOverlay, PathsOverlay
from .map_points import PassiveScatter, ScatterLayers, check_points
from .map_viewbox import MapViewBox
from .point_index import PointIndex

HOVER_INTERVAL_MS = 33
PICK_RADIUS_PX = 8.0


class MapView(MapDrops, pg.PlotWidget):
    """The map of sounds, in its own ``PlotWidget`` so its 30-40 ms redraws repaint nothing else."""

    pointClicked = QtCore.Signal(int)
    pointHovered = QtCore.Signal(int)  # -1 when the pointer leaves every point
    pointsDrawn = QtCore.Signal()  # every point set or added is on screen (big sets take turns)
    emptyClicked = QtCore.Signal(float, float)
    scrubStarted = QtCore.Signal(float, float)
    scrubMoved = QtCore.Signal(float, float)
    scrubEnded = QtCore.Signal()
    filesDropped = QtCore.Signal(list)  # list[str] of local paths
    tileDropped = QtCore.Signal(str, object, float, float)  # source, tile_id, x, y
    coloursChanged = QtCore.Signal()  # a group took a colour (colour_slots(), to keep)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        self._vb = MapViewBox()
        super().__init__(parent, background=theme.BACKGROUND, viewBox=self._vb)
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.showGrid(x=False, y=False)
        self._vb.setBackgroundColor(theme.BACKGROUND)
        self.setAcceptDrops(True)
        self.setMinimumSize(320, 160)  # the window fits a 1024 × 600 screen

        self._legend = pg.LegendItem(
            offset=(10, 10),
            labelTextColor=theme.TEXT,
            labelTextSize="9pt",
            brush=pg.mkBrush(29, 32, 39, 215),
            pen=pg.mkPen(theme.BORDER),
        )
        self._legend.setParentItem(self._vb)
        # Fixed in its corner: a left drag that starts on it scrubs the map like anywhere else
        # (pyqtgraph's legend moves with the drag, and was dragged off the view).
        self._legend.mouseDragEvent = lambda event: event.ignore()
        self._layers = ScatterLayers(plot, self._legend, parent=self)
        self._layers.hiddenChanged.connect(self._on_hidden_changed)
        self._layers.slotsChanged.connect(self.coloursChanged)
        self._layers.moreClicked.connect(self._show_group_menu)
        self._layers.glideFinished.connect(self._on_glide_finished)
        self._layers.allDrawn.connect(self.pointsDrawn)
        self._index = PointIndex()
        self._names: list[str] = []

        self._density = pg.ImageItem(axisOrder="row-major")
        self._density.setLookupTable(theme.density_lut())
        self._density.setZValue(-10)
        self._density.setVisible(False)
        plot.addItem(self._density, ignoreBounds=True)

        self._paths = PathsOverlay(plot)
        self._cursor = CursorOverlay(plot, theme.ACCENT, lines=True, z=20)
        self._path_cursor = CursorOverlay(plot, theme.WARNING, lines=False, z=21)
        self._selected = PassiveScatter(
            symbol="o", size=18, brush=None, pen=pg.mkPen(theme.TEXT, width=2)
        )
        self._selected.setZValue(9)
        plot.addItem(self._selected, ignoreBounds=True)
        self._hover_ring = PassiveScatter(symbol="o", size=14, pen=pg.mkPen("#ffffff", width=2))
        self._hover_ring.setZValue(10)
        self._hover_label = pg.TextItem(
            "",
            color=theme.TEXT,
            fill=pg.mkBrush(29, 32, 39, 230),
            border=pg.mkPen(theme.BORDER),
            anchor=(-0.08, 1.15),
        )
        self._hover_label.setZValue(11)
        for item in (self._hover_ring, self._hover_label):
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self._hovered = -1
        self._selected_index = -1

        self._hint = QtWidgets.QLabel(EMPTY_HINT, self.viewport())
        self._hint.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._hint.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._set_hint_style(dragging=False)

        self._hover_scene_pos: QtCore.QPointF | None = None
        self._scrubbing = False  # a left drag is under way
        self._scrub_cancelled = False  # ...and was ended by cancel_scrub
        self._hover_timer = QtCore.QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_INTERVAL_MS)
        self._hover_timer.timeout.connect(self._on_hover_tick)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._vb.clicked.connect(self._on_clicked)
        self._vb.scrubbed.connect(self._on_scrubbed)
        self.marks = MapMarks(plot, parent=self)  # marks.changed(list[int]): the marked now
        self._vb.ctrlClicked.connect(self._on_ctrl_clicked)
        self._vb.boxed.connect(self._on_boxed)

    # -- points --------------------------------------------------------------------------
    def set_points(
        self,
        xy: np.ndarray,
        categories: Sequence[str] | np.ndarray,
        names: Sequence[str],
        generated: np.ndarray | None = None,
        colour_slots: dict[str, int] | None = None,
    ) -> None:
        """Show these sounds, replacing all others.

        Parameters
        ----------
        xy : ndarray, [N, 2] float32
            Map positions.
        categories : list[str] of length N, or int array [N]
            Folder/tag names, or cluster ids (shown as "cluster <id>"); sets the colour.
        names : list[str] of length N
            Shown on hover.
        generated : bool array [N], optional
            Sounds invented by a prior, drawn with a white ring.
        colour_slots : {group: palette index}, optional
            The colours the groups wore (:meth:`colour_slots`): they wear them again.
        """
        xy, generated = check_points(xy, categories, names, generated)
        self._names = [str(n) for n in names]
        self._set_hovered(-1)  # also tells listeners: a name shown for the old points goes
        self._selected_index = -1
        self._selected.clear()
        self.marks.clear()
        self._layers.set_points(xy, categories, generated, colour_slots)
        self._index.set_points(xy)
        self._index.set_hidden(self._layers.hidden_mask())  # hidden groups stay hidden
        self._hint.setVisible(len(xy) == 0)
        self._vb.limit_to(xy)
        self._vb.enableAutoRange()

    def add_points(
        self,
        xy: np.ndarray,
        categories: Sequence[str] | np.ndarray,
        names: Sequence[str],
        generated: np.ndarray | None = None,
    ) -> None:
        """Append sounds (as they finish importing); arguments as in `set_points`."""
        xy, generated = check_points(xy, categories, names, generated)
        self._names.extend(str(n) for n in names)
        was_gliding = self._layers.is_gliding()
        self._layers.add_points(xy, categories, generated)
        if was_gliding:  # the glide was landed: every position changed
            self._index.set_points(self._layers.xy)
        else:  # searchable at once, without rebuilding the tree for each batch
            self._index.add_points(xy)
        self._index.set_hidden(self._layers.hidden_mask())  # arrivals of hidden groups too
        self._hint.setVisible(self.point_count() == 0)
        self._vb.limit_to(self._layers.final_xy)

    def set_categories(
        self,
        categories: Sequence[str] | np.ndarray,
        keep_hidden: bool = False,
        colour_slots: dict[str, int] | None = None,
    ) -> bool:
        """Colour every point by ``categories`` (one per point, as in `set_points`: another
        colouring of the same sounds); positions, selection, marks and zoom stay. Groups hidden
        in the legend show again, unless ``keep_hidden`` (the same colouring made again keeps
        those still there, and the groups their colours); else the groups wear
        ``colour_slots``' colours (this colouring's, last time) where they have one. Returns
        False when nothing changed."""
        if not self._layers.set_categories(categories, keep_hidden, colour_slots):
            return False
        if self._hovered >= 0:  # the ring takes the point's new colour
            index, self._hovered = self._hovered, -1
            self._set_hovered(index)
        return True

    def move_points(self, xy: np.ndarray, duration_ms: int = 500) -> None:
        """Glide every point to ``xy`` [N, 2] float32 (e.g. preview → refined map).

        Clicks and hover use the final positions as soon as the glide ends.
        """
        self._vb.limit_to(np.concatenate([self._layers.xy, xy]))  # the glide's start and end
        self._layers.glide_to(xy, duration_ms)

    def clear_points(self) -> None:
        """Remove every point (paths, cursor and density stay). Not ``clear``: PlotWidget
        binds that name to ``PlotItem.clear`` on each instance, which would hide a method."""
        self.set_points(np.zeros((0, 2), np.float32), [], [])

    def point_count(self) -> int:
        return len(self._names)

    def drawn_count(self) -> int:
        """Points already on screen; large sets are drawn over a few event-loop turns."""
        return self._layers.drawn_count()

    def shown_count(self) -> int:
        """Points on screen, less those of groups hidden in the legend."""
        return self._layers.shown_count()

    def name_of(self, index: int) -> str:
        return self._names[index]

    def positions(self) -> np.ndarray:
        """On-screen positions [N, 2] float32 (mid-glide positions while gliding)."""
        return self._layers.xy

    def final_positions(self) -> np.ndarray:
        """Positions [N, 2] float32 the points rest at once a running glide ends."""
        return self._layers.final_xy

    def colour_slots(self) -> dict[str, int]:
        """Each colour group's palette index, as the map shows them."""
        return self._layers.colour_slots()

    def legend_labels(self) -> list[str]:
        """The legend's entries as the user reads them (largest categories first)."""
        return self._layers.legend_labels()

    def point_color(self, index: int) -> QtGui.QColor:
        """The colour point ``index`` is drawn in (its group's)."""
        return self._layers.brush_for(index)

    def legend_entry_pos(self, label: str) -> QtCore.QPoint:
        """Where the dot of legend entry ``label`` is, in ``viewport()`` pixels."""
        for sample, text in self._legend.items:
            if text.text == label:
                return self.mapFromScene(sample.sceneBoundingRect().center())
        raise KeyError(label)

    def group_menu(self) -> QtWidgets.QMenu:
        """Every group, largest first, checked while shown: toggling one hides or shows it
        (the legend lists only as many as fit; its "+N more" opens this)."""
        menu = QtWidgets.QMenu(self)
        hidden = self._layers.hidden_labels()
        for label in self._layers.labels_by_size():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(label not in hidden)
            action.toggled.connect(lambda on, label=label: self.set_group_hidden(label, not on))
        return menu

    def _show_group_menu(self) -> None:
        menu = self.group_menu()
        menu.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.exec(QtGui.QCursor.pos())

    def hidden_groups(self) -> set[str]:
        """The categories hidden by a click on their legend entry."""
        return self._layers.hidden_labels()

    def show_all_groups(self) -> None:
        """Show every group hidden in the legend again (another project)."""
        self._layers.show_all()

    def set_group_hidden(self, label: str, hidden: bool) -> None:
        """Hide (or show again) the points of category ``label``, as its legend entry does."""
        self._layers.set_hidden(label, hidden)

    def set_selected(self, index: int) -> None:
        """Ring the sound at ``index`` as the selection (-1: none)."""
        self._selected_index = index
        if index < 0:
            self._selected.clear()
        else:
            x, y = self._layers.xy[index]
            self._selected.setData([x], [y])

    def hovered_index(self) -> int:
        return self._hovered

    def hover_text(self) -> str:
        return self._hover_label.textItem.toPlainText() if self._hover_label.isVisible() else ""

    # -- overlays ------------------------------------------------------------------------
    def set_cursor(self, x: float, y: float) -> None:
        """Show the playing cursor (crosshair) at (x, y)."""
        self._cursor.show_at(x, y)

    def hide_cursor(self) -> None:
        self._cursor.hide()

    def cursor_position(self) -> tuple[float, float] | None:
        return self._cursor.position()

    def set_path_cursor(self, x: float, y: float) -> None:
        """Show the playhead of a playing path at (x, y)."""
        self._path_cursor.show_at(x, y)

    def hide_path_cursor(self) -> None:
        self._path_cursor.hide()

    def set_paths(self, paths: Sequence[tuple[np.ndarray, str, bool]]) -> None:
        """Draw recorded paths: each ``(xy [M, 2] float32, name, selected)``."""
        self._paths.set_paths(paths)

    def path_names(self) -> list[str]:
        return self._paths.names

    def set_density(self, image: np.ndarray, extent: tuple[float, float, float, float]) -> None:
        """Set the density overlay: ``image`` [H, W] float32 (row 0 at y0), extent (x0, x1, y0, y1).

        Shown under the points in translucent accent colour; call `set_density_visible(True)`.
        """
        img = np.ascontiguousarray(image, dtype=np.float32)
        if img.ndim != 2:
            raise ValueError(f"density image must be [H, W], got shape {img.shape}")
        top = float(np.nanmax(img)) if img.size else 0.0
        img, extent = soft_density_image(img, extent)  # no stair steps, no hard edge
        x0, x1, y0, y1 = (float(v) for v in extent)
        self._density.setImage(img, levels=(0.0, top if top > 0 else 1.0), autoLevels=False)
        self._density.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))

    def set_density_visible(self, visible: bool) -> None:
        self._density.setVisible(bool(visible))

    def density_visible(self) -> bool:
        return self._density.isVisible()

    # -- geometry helpers ----------------------------------------------------------------
    def view_pos(self, x: float, y: float) -> QtCore.QPoint:
        """Where data point (x, y) is in ``viewport()`` pixels (for tests and tooltips)."""
        return self.mapFromScene(self._vb.mapViewToScene(QtCore.QPointF(x, y)))

    def data_pos(self, pos: QtCore.QPoint | QtCore.QPointF) -> tuple[float, float]:
        """The data coordinates of ``viewport()`` pixel ``pos``."""
        p = self._vb.mapSceneToView(self.mapToScene(QtCore.QPointF(pos).toPoint()))
        return p.x(), p.y()

    def point_at(self, x: float, y: float) -> int:
        """Index of the point whose dot holds data position (x, y) (within the pick radius of
        ``PICK_RADIUS_PX`` pixels, as clicks), or -1."""
        return self._index.nearest(x, y, self._vb.viewPixelSize(), PICK_RADIUS_PX)

    def legend_height_fraction(self) -> float:
        """The share of the view's height, from the top, that the legend covers (0 when it is
        hidden or empty): a fit keeps points out of it."""
        height = self._vb.height()
        if not self._legend.isVisible() or height <= 0 or not self._legend.items:
            return 0.0
        bottom = self._legend.mapRectToItem(self._vb, self._legend.boundingRect()).bottom()
        return float(min(max(bottom / height, 0.0), 0.5))

    def auto_range(self) -> None:
        self._vb.autoRange(padding=0.05)

    # -- event handlers ------------------------------------------------------------------
    def _on_clicked(self, x: float, y: float) -> None:
        index = self.point_at(x, y)
        if index >= 0:
            self.marks.set([index], self._layers.xy)  # a plain click marks it alone
            self.pointClicked.emit(index)
        else:
            self.emptyClicked.emit(x, y)

    def _on_ctrl_clicked(self, x: float, y: float) -> None:
        index = self.point_at(x, y)
        if index >= 0:
            self.marks.toggle(index, self._layers.xy)

    def _on_boxed(self, x0: float, y0: float, x1: float, y1: float) -> None:
        mask = self._layers.hidden_mask()
        shown = None if mask is None else ~mask
        self.marks.add_box((x0, y0), (x1, y1), self._layers.final_xy, shown)

    def _on_scrubbed(self, phase: int, x: float, y: float) -> None:
        self._scrubbing = phase != 2
        if phase == 0:
            self._scrub_cancelled = False
            self.scrubStarted.emit(x, y)
        elif self._scrub_cancelled:  # the rest of a cancelled drag is silent
            self._scrub_cancelled = phase != 2
        elif phase == 1:
            self.scrubMoved.emit(x, y)
        else:
            self.scrubEnded.emit()

    def cancel_scrub(self) -> None:
        """End a drag under way now (Esc): ``scrubEnded``; its further moves, until the button
        is released, scrub nothing."""
        if self._scrubbing and not self._scrub_cancelled:
            self._scrub_cancelled = True
            self.scrubEnded.emit()

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        self._hover_scene_pos = QtCore.QPointF(scene_pos)
        if not self._hover_timer.isActive():
            self._hover_timer.start()

    def _on_hover_tick(self) -> None:
        pos = self._hover_scene_pos
        if pos is None or not self._vb.sceneBoundingRect().contains(pos):
            self._set_hovered(-1)
            return
        p = self._vb.mapSceneToView(pos)
        self._set_hovered(self._index.nearest(p.x(), p.y(), self._vb.viewPixelSize()))

    def _on_hidden_changed(self) -> None:
        """Groups were hidden or shown (a legend click, another colouring): points of hidden
        groups are neither hovered nor clicked."""
        self._index.set_hidden(self._layers.hidden_mask())
        if self._hovered >= 0 and not self._layers.is_shown(self._hovered):
            self._set_hovered(-1)

    def _on_glide_finished(self) -> None:
        self._vb.limit_to(self._layers.final_xy)  # the glide's start no longer counts
        self._index.set_points(self._layers.xy)
        self.marks.redraw(self._layers.xy)
        if self._selected_index >= 0:
            self.set_selected(self._selected_index)

    def _set_hovered(self, index: int) -> None:
        if index == self._hovered:
            return
        self._hovered = index
        if index < 0:
            self._clear_hover()
        else:
            x, y = (float(v) for v in self._layers.xy[index])
            self._hover_ring.setData([x], [y], brush=pg.mkBrush(self._layers.brush_for(index)))
            self._hover_label.setText(self._names[index])
            self._hover_label.setAnchor(self._hover_anchor(x, y))
            self._hover_label.setPos(x, y)
            self._hover_ring.setVisible(True)
            self._hover_label.setVisible(True)
        self.pointHovered.emit(index)

    def _hover_anchor(self, x: float, y: float) -> tuple[float, float]:
        """Where the name goes: up and right of the dot, flipped left or down where it would
        run past the map's edge."""
        at = self._vb.mapViewToScene(QtCore.QPointF(x, y))
        size = self._hover_label.textItem.boundingRect()
        edge = self._vb.sceneBoundingRect()
        left = at.x() + 1.1 * size.width() > edge.right()
        down = at.y() - 1.2 * size.height() < edge.top()
        return (1.08 if left else -0.08, -0.15 if down else 1.15)

    def _clear_hover(self) -> None:
        self._hover_ring.setVisible(False)
        self._hover_label.setVisible(False)

    def viewportEvent(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Leave:  # the pointer left the map
            self._hover_scene_pos = None
            self._hover_timer.stop()
            self._set_hovered(-1)
        return super().viewportEvent(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        hint = self.__dict__.get("_hint")  # pyqtgraph resizes during __init__, before _hint
        if hint is not None:
            hint.setGeometry(self.viewport().rect())
            self._layers.fit_legend(self.viewport().height())
