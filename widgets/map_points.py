"""The map's points: one uniform-style scatter per colour, a legend, and the glide animation.

One ``ScatterPlotItem`` per category colour keeps every item on pyqtgraph's fast path (a single
symbol, brush and size per item, drawn from one pre-rendered pixmap). Categories whose colours
repeat (the palette cycles) share an item: each item has a cost per repaint whatever it
holds, so one item per category made a map of 100,000 points in 300 sample folders repaint in
69 ms instead of 22 (bench/map_view.py). Positions are updated in place during a glide instead
of rebuilding items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from . import theme
from .colour_slots import assign_slots, encode_categories, inherited_slots, ranked_categories

LEGEND_MAX_ENTRIES = 12
LEGEND_ROW_PX = 22  # one legend entry's height
LEGEND_MAX_SHARE = 0.45  # of the view's height: a small window keeps most of its map
LEGEND_DOT_PX = 9
# Points added to the scene per event-loop turn (~30 ms each on a busy 2-core machine).
DRAW_CHUNK = 8_000
GENERATED_LABEL = "generated"


def point_size_px(count: int) -> float:
    """Symbol size for a map holding ``count`` points (smaller when crowded)."""
    if count < 2_000:
        return 9.0
    if count < 20_000:
        return 6.0
    return 4.0


def check_points(
    xy: np.ndarray,
    categories: Sequence[str] | np.ndarray,
    names: Sequence[str],
    generated: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate `MapView.set_points` arguments; returns (xy float32 [N, 2], generated bool [N])."""
    xy = np.ascontiguousarray(xy, dtype=np.float32)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"map positions must be [N, 2], got shape {xy.shape}")
    n = len(xy)
    if len(categories) != n or len(names) != n:
        raise ValueError(f"{n} positions but {len(categories)} categories and {len(names)} names")
    gen = np.zeros(n, dtype=bool) if generated is None else np.asarray(generated, bool)
    if gen.shape != (n,):
        raise ValueError(f"generated mask must be [{n}], got shape {gen.shape}")
    return xy, gen


class PassiveScatter(pg.ScatterPlotItem):
    """A scatter that leaves clicks to the view box (no per-click search of 100k points)."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


def _set_xy_in_place(item: pg.ScatterPlotItem, x: np.ndarray, y: np.ndarray) -> None:
    """Move an item's points without rebuilding its spots (pyqtgraph's setData is slower)."""
    item.data["x"] = x
    item.data["y"] = y
    item.prepareGeometryChange()
    item.informViewBoundsChanged()
    item.bounds = [None, None]
    item.update()


class ScatterLayers(QtCore.QObject):
    """All points of the map, grouped by category into scatter items on ``plot``.

    A click on a category's legend entry hides its points (pyqtgraph's legend shows the entry
    crossed out) and a second click shows them again; hidden categories stay hidden while
    sounds arrive and when the points are set again (the same project, redrawn), until
    :meth:`show_all` (another project) or :meth:`set_categories` (another colouring).
    A new colouring's categories take the palette's colours by size, the largest first
    (:func:`ranked_categories`); from then on each keeps its colour, and those that arrive
    later, or are renamed, take free ones or inherit theirs (:mod:`.colour_slots`).

    Called on the GUI thread only. ``xy`` arrays are [N, 2] float32 in map (data) units.
    """

    glideFinished = QtCore.Signal()
    allDrawn = QtCore.Signal()  # the last queued chunk is on screen
    hiddenChanged = QtCore.Signal()  # a category was hidden or shown again
    slotsChanged = QtCore.Signal()  # a group took a colour (colour_slots())
    moreClicked = QtCore.Signal()  # the legend's "+N more" entry was clicked

    def __init__(
        self, plot: pg.PlotItem, legend: pg.LegendItem, parent: QtCore.QObject | None = None
    ) -> None:
        # Parent it to the view: its timers and glide must die with the view's scene items.
        super().__init__(parent)
        self._plot = plot
        self._legend = legend
        self._labels: list[str] = []
        self._codes = np.zeros(0, dtype=np.int64)
        self._slots = np.zeros(0, dtype=np.int64)  # per category code: its palette colour
        self._generated = np.zeros(0, dtype=bool)
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._items: list[pg.ScatterPlotItem] = []  # per palette colour (colour_slots)
        self._members: list[np.ndarray] = []  # per item: global indices, in item order
        self._hidden: set[str] = set()  # category labels whose points are not drawn
        self._legend_samples: dict[str, PassiveScatter] = {}  # label -> its entry's stand-in
        self._ring = PassiveScatter(
            symbol="o", brush=None, pen=pg.mkPen("#ffffff", width=1.5), pxMode=True
        )
        self._ring.setZValue(1)
        plot.addItem(self._ring)
        self._drawn = 0
        self._legend_key: tuple = ()
        self._legend_rows = LEGEND_MAX_ENTRIES  # entries the view's height allows
        self._draw_timer = QtCore.QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(1)  # not 0: let repaints and input run between chunks
        self._draw_timer.timeout.connect(self._draw_chunk)
        self._glide_from = self._xy
        self._glide_to = self._xy
        self._glide = QtCore.QVariantAnimation(self)
        self._glide.setStartValue(0.0)
        self._glide.setEndValue(1.0)
        self._glide.setEasingCurve(QtCore.QEasingCurve.Type.InOutCubic)
        self._glide.valueChanged.connect(self._on_glide_step)
        self._glide.finished.connect(self._on_glide_finished)

    # -- queries -------------------------------------------------------------------------
    @property
    def xy(self) -> np.ndarray:
        """Current on-screen positions [N, 2] float32 (mid-glide positions while gliding)."""
        return self._xy

    @property
    def final_xy(self) -> np.ndarray:
        """Positions [N, 2] float32 the points rest at once a running glide ends."""
        return self._glide_to if self.is_gliding() else self._xy

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def codes(self) -> np.ndarray:
        return self._codes

    def is_gliding(self) -> bool:
        return self._glide.state() == QtCore.QAbstractAnimation.State.Running

    def brush_for(self, index: int) -> QtGui.QColor:
        return theme.category_color(int(self._slots[self._codes[index]]))

    def colour_slots(self) -> dict[str, int]:
        """Each group's palette colour (:mod:`.colour_slots`), to keep for next time."""
        return {label: int(self._slots[k]) for k, label in enumerate(self._labels)}

    def legend_labels(self) -> list[str]:
        """The legend's entries, in order, as the user reads them."""
        return [label.text for _, label in self._legend.items]

    def labels_by_size(self) -> list[str]:
        """Every category with drawn points, largest first (the legend's order)."""
        counts = np.bincount(self._codes[: self._drawn], minlength=len(self._labels))
        order = sorted(range(len(self._labels)), key=lambda c: -counts[c])
        return [self._labels[c] for c in order if counts[c]]

    def hidden_labels(self) -> set[str]:
        return set(self._hidden)

    def is_shown(self, index: int) -> bool:
        """Whether point ``index``'s category is shown."""
        return self._labels[int(self._codes[index])] not in self._hidden

    def hidden_mask(self) -> np.ndarray | None:
        """bool [N]: the points of hidden categories; None while none is hidden."""
        if not self._hidden:
            return None
        hidden_codes = [i for i, label in enumerate(self._labels) if label in self._hidden]
        return np.isin(self._codes, hidden_codes)

    def set_hidden(self, label: str, hidden: bool) -> None:
        """Hide (or show again) the points of category ``label``."""
        if (label in self._hidden) == hidden:
            return
        if hidden:
            self._hidden.add(label)
        else:
            self._hidden.discard(label)
        self._redraw_visible()
        sample = self._legend_samples.get(label)
        if sample is not None:  # the entry is crossed out while hidden (no rebuild: a click
            sample.setVisible(not hidden)  # on it may be what called this)
        self.hiddenChanged.emit()

    # -- updates -------------------------------------------------------------------------
    def set_points(
        self,
        xy: np.ndarray,
        categories: Sequence[str] | np.ndarray,
        generated: np.ndarray,
        slots: dict[str, int] | None = None,
    ) -> None:
        """Show these points instead; groups wear ``slots``' colours (a project's kept ones)
        where they have one, the others the free colours by size."""
        self._glide.stop()
        for item in self._items:
            self._plot.removeItem(item)
        self._items, self._members, self._labels = [], [], []
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._codes = np.zeros(0, dtype=np.int64)
        self._slots = np.zeros(0, dtype=np.int64)
        self._generated = np.zeros(0, dtype=bool)
        self._ring.clear()
        self._legend_key = ()
        self._drawn = 0
        self._draw_timer.stop()
        codes, self._labels = ranked_categories(categories)
        self._set_slots(codes, slots or {}, before={})
        self._append(xy, codes, generated)

    def add_points(
        self, xy: np.ndarray, categories: Sequence[str] | np.ndarray, generated: np.ndarray
    ) -> None:
        """Append points; up to ``DRAW_CHUNK`` are drawn now, the rest on following event-loop
        turns, so even 100k points never stall the window for long."""
        if self.is_gliding():
            # Land the running glide first so appended points join the final layout.
            self._glide.stop()
            self._apply_xy(self._glide_to)
        prior = self.colour_slots()  # the groups on the map keep their colours
        codes, self._labels = encode_categories(categories, self._labels)
        self._set_slots(np.concatenate([self._codes, codes]), prior, before=prior)
        if any(self._slots[k] != prior[label] for k, label in enumerate(prior)):
            self._add_items(point_size_px(len(self._xy)))
            self._redraw_visible()  # one had to give its colour up (over 16 groups)
            self._legend_key = ()
        self._append(xy, codes, generated)

    def set_categories(
        self,
        categories: Sequence[str] | np.ndarray,
        keep_hidden: bool,
        slots: dict[str, int] | None = None,
    ) -> bool:
        """Put every point in a new category (``categories``, one per point: another
        colouring), keeping positions, a running glide and the drawing under way. With
        ``keep_hidden`` (the same colouring, made again) hidden groups stay hidden
        (:meth:`_kept_hidden`) and every group keeps its colour or inherits one
        (:func:`.colour_slots.inherited_slots`), else every point shows again and the groups
        wear ``slots``' colours where they have one. Returns False when nothing changed."""
        codes, labels = ranked_categories(categories)
        if len(codes) != len(self._xy):
            raise ValueError(f"{len(codes)} categories for {len(self._xy)} points")
        hidden = self._kept_hidden(codes, labels) if keep_hidden else set()
        prior = (
            inherited_slots(self._labels, self._codes, self._slots, labels, codes)
            if keep_hidden  # the same colouring: the groups keep their colours
            else slots or {}
        )
        before = self.colour_slots()
        same = labels == self._labels and np.array_equal(codes, self._codes)
        self._labels, self._codes = labels, codes
        self._set_slots(codes, prior, before)
        if same and hidden == self._hidden and self.colour_slots() == before:
            return False
        self._hidden = hidden
        self._add_items(point_size_px(len(self._xy)))
        self._redraw_visible()
        self._legend_key = ()
        self._refresh_legend()
        self.hiddenChanged.emit()
        return True

    def _kept_hidden(self, codes: np.ndarray, labels: list[str]) -> set[str]:
        """The hidden groups of a recolouring ``codes`` [N] / ``labels`` of the same points:
        those whose label is still there, and each new group made only of points that were
        hidden. A hidden group renamed ("gm" became "sounds: gm" once another folder was
        imported) or split stays hidden."""
        hidden = self._hidden & set(labels)
        was_hidden = self.hidden_mask()
        if was_hidden is None:
            return hidden
        shown_before = np.bincount(codes[~was_hidden], minlength=len(labels))  # per new group
        return hidden | {x for k, x in enumerate(labels) if not shown_before[k]}

    def _set_slots(self, codes: np.ndarray, prior: dict[str, int], before: dict[str, int]) -> None:
        """Give each of ``_labels`` (``codes`` [N]: every point's) a colour, ``prior``'s
        where it can keep it (:func:`.colour_slots.assign_slots`); ``slotsChanged`` when
        that differs from ``before`` (the groups' colours until now)."""
        counts = np.bincount(codes, minlength=len(self._labels))
        self._slots = assign_slots(self._labels, counts, prior, len(theme.CATEGORY_COLORS))
        if self.colour_slots() != before:
            self.slotsChanged.emit()

    def _append(self, xy: np.ndarray, codes: np.ndarray, generated: np.ndarray) -> None:
        self._xy = np.concatenate([self._xy, xy]).astype(np.float32, copy=False)
        self._codes = np.concatenate([self._codes, codes])
        self._generated = np.concatenate([self._generated, generated])
        size = point_size_px(len(self._xy))
        self._add_items(size)
        for item in self._items:
            if item.opts["size"] != size:
                item.setSize(size)
        self._draw_chunk()

    def _add_items(self, size: float) -> None:
        """One scatter item per colour the categories use."""
        while len(self._items) <= int(self._slots.max(initial=-1)):
            color = theme.category_color(len(self._items))
            color.setAlpha(225)
            item = PassiveScatter(
                symbol="o", size=size, pen=None, brush=pg.mkBrush(color), pxMode=True
            )
            item.setZValue(0)
            self._plot.addItem(item)
            self._items.append(item)
            self._members.append(np.zeros(0, dtype=np.int64))

    def drawn_count(self) -> int:
        """How many points are on screen (the rest are queued for the next event-loop turns)."""
        return self._drawn

    def shown_count(self) -> int:
        """How many drawn points are of shown categories."""
        return sum(len(members) for members in self._members)

    def _draw_chunk(self) -> None:
        start, stop = self._drawn, min(len(self._xy), self._drawn + DRAW_CHUNK)
        new_idx = np.arange(start, stop, dtype=np.int64)
        hidden = self.hidden_mask()
        if hidden is not None:
            new_idx = new_idx[~hidden[start:stop]]
        slots = self._slots[self._codes[new_idx]]
        for slot in np.unique(slots):
            sel = new_idx[slots == slot]
            self._members[slot] = np.concatenate([self._members[slot], sel])
            self._items[slot].addPoints(x=self._xy[sel, 0], y=self._xy[sel, 1])
        self._drawn = stop
        self._refresh_ring(point_size_px(len(self._xy)), hidden)
        self._refresh_legend()
        if self._drawn < len(self._xy):
            self._draw_timer.start()
        else:
            self.allDrawn.emit()

    def glide_to(self, xy: np.ndarray, duration_ms: int) -> None:
        """Animate every point from where it is to ``xy`` [N, 2] over ``duration_ms``."""
        target = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        if len(target) != len(self._xy):
            raise ValueError(f"move_points got {len(target)} positions for {len(self._xy)} points")
        self._glide.stop()
        if duration_ms <= 0 or len(target) == 0:
            self._apply_xy(target)
            self.glideFinished.emit()
            return
        self._glide_from = self._xy.copy()
        self._glide_to = target.copy()
        self._glide.setDuration(int(duration_ms))
        self._glide.start()

    # -- internals -----------------------------------------------------------------------
    def _on_glide_step(self, t: float) -> None:
        self._apply_xy(self._glide_from + (self._glide_to - self._glide_from) * np.float32(t))

    def _on_glide_finished(self) -> None:
        self._apply_xy(self._glide_to)
        self.glideFinished.emit()

    def _apply_xy(self, xy: np.ndarray) -> None:
        self._xy = np.ascontiguousarray(xy, dtype=np.float32)
        for item, members in zip(self._items, self._members):
            if len(members):
                _set_xy_in_place(item, self._xy[members, 0], self._xy[members, 1])
        gen = self._visible_generated(self.hidden_mask())
        if len(gen):
            _set_xy_in_place(self._ring, self._xy[gen, 0], self._xy[gen, 1])

    def _visible_generated(self, hidden: np.ndarray | None) -> np.ndarray:
        """Indices of the drawn, generated points not in ``hidden`` (:meth:`hidden_mask`)."""
        gen = self._generated[: self._drawn].copy()
        if hidden is not None:
            gen &= ~hidden[: self._drawn]
        return np.flatnonzero(gen)

    def _refresh_ring(self, size: float, hidden: np.ndarray | None) -> None:
        gen = self._visible_generated(hidden)
        self._ring.setData(x=self._xy[gen, 0], y=self._xy[gen, 1], size=size + 5)

    def _redraw_visible(self) -> None:
        """Rebuild every item from the drawn points of shown categories."""
        drawn = np.arange(self._drawn, dtype=np.int64)
        hidden = self.hidden_mask()
        if hidden is not None:
            drawn = drawn[~hidden[: self._drawn]]
        slots = self._slots[self._codes[drawn]]
        for slot, item in enumerate(self._items):
            members = drawn[slots == slot]
            self._members[slot] = members
            item.setData(x=self._xy[members, 0], y=self._xy[members, 1])
        self._refresh_ring(point_size_px(len(self._xy)), hidden)

    def _refresh_legend(self) -> None:
        code_of = {label: code for code, label in enumerate(self._labels)}
        present = [code_of[label] for label in self.labels_by_size()]
        shown = present[: self._legend_rows - 1] if len(present) > self._legend_rows else present
        hidden = len(present) - len(shown)
        has_generated = bool(self._generated[: self._drawn].any())
        key = (tuple(shown), hidden, has_generated)
        if key == self._legend_key:  # rebuilding the legend costs ~2 ms per entry
            return
        self._legend_key = key
        self._legend.clear()
        self._legend_samples = {}
        for code in shown:  # a stand-in of fixed size: dots of a 100k map are 2 px
            brush = self._items[self._slots[code]].opts["brush"]
            self._add_entry(self._labels[code], dict(size=LEGEND_DOT_PX, pen=None, brush=brush))
        if hidden > 0:  # a click lists every group (MapView's menu)
            self._legend.addItem(PassiveScatter(pen=None, brush=None), f"+{hidden} more")
            more = self._legend.items[-1][0]
            more.mouseClickEvent = self._on_more_clicked
            more.setToolTip("Click to list every group, to hide or show any of them")
        if has_generated and GENERATED_LABEL not in (self._labels[c] for c in shown):
            # the ring, as a group's entry: a click hides the generated sounds, not the rings
            ring = dict(size=LEGEND_DOT_PX + 5, pen=self._ring.opts["pen"], brush=None)
            self._add_entry(GENERATED_LABEL, ring)
        self._legend.setVisible(bool(self._legend.items))  # no empty frame on an empty map

    def _add_entry(self, label: str, style: dict) -> None:
        """A legend entry for the group ``label``, its stand-in drawn in ``style``; a click
        hides or shows the group's sounds."""
        sample = PassiveScatter(symbol="o", **style)
        sample.setVisible(label not in self._hidden)  # the legend crosses hidden ones out
        self._legend.addItem(sample, label)
        self._legend_samples[label] = sample
        entry = self._legend.items[-1][0]  # pyqtgraph's ItemSample: a click toggles
        entry.sigClicked.connect(lambda item: self._on_entry(label, item))
        entry.setToolTip(f"{label}: click to hide or show these sounds")

    def fit_legend(self, view_height_px: float) -> None:
        """Let the legend list as many entries as fit ``LEGEND_MAX_SHARE`` of a view of that
        height (at most ``LEGEND_MAX_ENTRIES``, at least 3); the rest are "+N more"."""
        rows = int(
            np.clip(view_height_px * LEGEND_MAX_SHARE // LEGEND_ROW_PX, 3, LEGEND_MAX_ENTRIES)
        )
        if rows != self._legend_rows:
            self._legend_rows = rows
            self._refresh_legend()

    def show_all(self) -> None:
        """Show every hidden category again (another project is shown)."""
        if self._hidden:
            self._hidden.clear()
            self._redraw_visible()
            for sample in self._legend_samples.values():
                sample.setVisible(True)
            self.hiddenChanged.emit()

    def _on_more_clicked(self, ev) -> None:
        ev.accept()
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            self.moreClicked.emit()

    def _on_entry(self, label: str, item: pg.ScatterPlotItem) -> None:
        """A legend entry was clicked: pyqtgraph toggled its stand-in's visibility."""
        self.set_hidden(label, not item.isVisible())
