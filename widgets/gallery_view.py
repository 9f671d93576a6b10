"""``GalleryView``: one tab per sound source (GAN, diffusion, the model's prior), tiles to hear
and drag onto the map, and the actions on the selected tile.

Tile ids are chosen by the app (int or str, JSON-able) and come back in every signal as given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from .gallery_tile import TileWidget
from .value_slider import ValueSlider

MAX_COLUMNS = 8
TILE_SPACING_PX = 8
GENERATE_COUNT = 16
EMPTY_HINT = "No samples yet — press “Generate 16”."
UNTRAINED_HINT = "Nothing to generate from yet — press “Train”."

Tile = tuple[int | str, np.ndarray, str]  # (tile_id, thumb_db [T, F] float32, label)


class _Page(QtWidgets.QScrollArea):
    """One source's grid of tiles."""

    def __init__(self, source: str, on_click) -> None:
        super().__init__()
        self.source = source
        self._on_click = on_click
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._body = QtWidgets.QWidget()
        self._grid = QtWidgets.QGridLayout(self._body)
        self._grid.setSpacing(TILE_SPACING_PX)
        self._grid.setAlignment(
            QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft
        )
        self._hint = QtWidgets.QLabel(EMPTY_HINT)
        self._hint.setProperty("role", "dim")
        self._grid.addWidget(self._hint, 0, 0, 1, MAX_COLUMNS)
        self.setWidget(self._body)
        self._columns = 4
        self.tiles: list[TileWidget] = []
        self.status = ""
        self.progress: float | None = None
        self.busy = False
        self.ready = True  # a prior to generate from

    def set_ready(self, ready: bool) -> None:
        self.ready = ready
        self._hint.setText(EMPTY_HINT if ready else UNTRAINED_HINT)

    def set_tiles(self, tiles: Sequence[Tile], append: bool) -> None:
        if not append:
            for tile in self.tiles:
                self._grid.removeWidget(tile)
                tile.deleteLater()
            self.tiles = []
        for tile_id, thumb, label in tiles:
            widget = TileWidget(self.source, tile_id, thumb, label)
            widget.clicked.connect(lambda w=widget: self._on_click(w))
            n = len(self.tiles)
            self._grid.addWidget(widget, 1 + n // self._columns, n % self._columns)
            self.tiles.append(widget)
        self._hint.setVisible(not self.tiles)

    def columns(self) -> int:
        return self._columns

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Reflow: as many columns as whole tiles fit across the visible width.
        tile_w = self.tiles[0].sizeHint().width() if self.tiles else 150
        margins = self._grid.contentsMargins()
        usable = self.viewport().width() - margins.left() - margins.right() + TILE_SPACING_PX
        columns = max(1, min(MAX_COLUMNS, usable // (tile_w + TILE_SPACING_PX)))
        if columns != self._columns:
            self._columns = columns
            for n, tile in enumerate(self.tiles):
                self._grid.removeWidget(tile)
                self._grid.addWidget(tile, 1 + n // columns, n % columns)


class GalleryView(QtWidgets.QWidget):
    """Galleries of generated sounds.

    Signals
    -------
    generateRequested(str source, int count, int seed, float temperature)
    tileClicked(str source, object tile_id)            hear it
    moreLikeThisRequested(str source, object tile_id)  variations of the selected tile
    saveWavRequested(str source, object tile_id)
    addToCorpusRequested(str source, object tile_id)
    trainRequested(str source)
    cancelRequested(str source)                        stop training/generating that source
    """

    generateRequested = QtCore.Signal(str, int, int, float)
    tileClicked = QtCore.Signal(str, object)
    moreLikeThisRequested = QtCore.Signal(str, object)
    saveWavRequested = QtCore.Signal(str, object)
    addToCorpusRequested = QtCore.Signal(str, object)
    trainRequested = QtCore.Signal(str)
    cancelRequested = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._pages: dict[str, _Page] = {}
        self._selected: TileWidget | None = None

        self.generate_button = QtWidgets.QPushButton(f"Generate {GENERATE_COUNT}")
        self.generate_button.clicked.connect(self._on_generate_clicked)
        self.seed = QtWidgets.QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setPrefix("seed ")
        self.seed.setToolTip("The same seed gives the same sounds")
        self.seed.setMaximumWidth(110)  # sized for ten digits, not for the window
        self.temperature = ValueSlider(0.0, 2.0, 1.0, decimals=2)
        self.temperature.setToolTip("Lower: safer, typical sounds; higher: wilder ones")
        self.train_button = QtWidgets.QPushButton("Train")
        self.train_button.setToolTip("Train this prior on the current corpus")
        self.train_button.clicked.connect(self._on_train_clicked)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.generate_button)
        top.addWidget(self.seed)
        temp_label = QtWidgets.QLabel("Temperature")
        temp_label.setProperty("role", "dim")
        top.addWidget(temp_label)
        top.addWidget(self.temperature, 1)
        top.addWidget(self.train_button)

        self.more_button = QtWidgets.QPushButton("More like this")
        self.save_button = QtWidgets.QPushButton("Save WAV…")
        self.add_button = QtWidgets.QPushButton("Add to corpus")
        self.more_button.clicked.connect(self._on_more_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.add_button.clicked.connect(self._on_add_clicked)
        self._status = QtWidgets.QLabel()
        self._status.setProperty("role", "dim")
        self._status.setWordWrap(True)  # a long status must not set the window's minimum width
        self._status.setAlignment(
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        )
        self._progress = QtWidgets.QProgressBar()
        self._progress.setRange(0, 1000)
        self._progress.setTextVisible(False)
        self._progress.setFixedWidth(120)
        self._progress.hide()
        bottom = QtWidgets.QHBoxLayout()
        for w in (self.more_button, self.save_button, self.add_button):
            bottom.addWidget(w)
        bottom.addWidget(self._status, 1)
        bottom.addWidget(self._progress)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self._update_controls()

    # -- setters (never emit) ------------------------------------------------------------
    def set_sources(self, sources: Sequence[str]) -> None:
        """One tab per source name (e.g. "GAN", "Diffusion", "Model prior"), in this order.

        Tiles of sources that stay are kept.
        """
        current = self.current_source()
        with QtCore.QSignalBlocker(self.tabs):
            self.tabs.clear()
            pages = {}
            for name in sources:
                page = self._pages.get(name) or _Page(name, self._on_tile_clicked)
                pages[name] = page
                self.tabs.addTab(page, name)
            self._pages = pages
            if current in pages:
                self.tabs.setCurrentWidget(pages[current])
        if self._selected is not None and self._selected.source not in self._pages:
            self._selected = None
        self._update_controls()

    def set_tiles(self, source: str, tiles: Sequence[Tile]) -> None:
        """Replace ``source``'s tiles: ``(tile_id, thumb_db [T, F] float32 dB, label)`` each."""
        page = self._page(source)
        if self._selected is not None and self._selected.source == source:
            self._selected = None
        page.set_tiles(tiles, append=False)
        self._update_controls()

    def add_tiles(self, source: str, tiles: Sequence[Tile]) -> None:
        """Append tiles to ``source`` (e.g. the results of "more like this")."""
        self._page(source).set_tiles(tiles, append=True)

    def set_status(self, source: str, text: str, progress: float | None = None) -> None:
        """A line about ``source`` ("Training… epoch 3/20"); ``progress`` in [0, 1] shows a bar."""
        page = self._page(source)
        page.status, page.progress = text, progress
        self._update_controls()

    def set_busy(self, source: str, busy: bool) -> None:
        """While busy (training or generating), Generate is disabled and Train becomes Cancel."""
        self._page(source).busy = bool(busy)
        self._update_controls()

    def set_ready(self, source: str, ready: bool) -> None:
        """Whether ``source`` has a prior to generate from; until it has, Generate is disabled
        and the empty grid says to train."""
        self._page(source).set_ready(bool(ready))
        self._update_controls()

    def set_current_source(self, source: str) -> None:
        self.tabs.setCurrentWidget(self._page(source))

    # -- queries -------------------------------------------------------------------------
    def sources(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def hint_text(self, source: str) -> str:
        """What ``source``'s grid says while it has no tiles."""
        return self._page(source)._hint.text()

    def current_source(self) -> str:
        page = self.tabs.currentWidget()
        return page.source if isinstance(page, _Page) else ""

    def tiles(self, source: str) -> list[TileWidget]:
        return list(self._page(source).tiles)

    def selected_tile(self) -> tuple[str, int | str] | None:
        if self._selected is None:
            return None
        return self._selected.source, self._selected.tile_id

    def status_text(self) -> str:
        return self._status.text()

    # -- handlers ------------------------------------------------------------------------
    def _on_tile_clicked(self, tile: TileWidget) -> None:
        if self._selected is not None and self._selected is not tile:
            self._selected.set_selected(False)
        self._selected = tile
        tile.set_selected(True)
        self._update_controls()
        self.tileClicked.emit(tile.source, tile.tile_id)

    def _on_tab_changed(self, _index: int) -> None:
        self._update_controls()

    def _on_generate_clicked(self) -> None:
        if source := self.current_source():
            self.generateRequested.emit(
                source, GENERATE_COUNT, self.seed.value(), self.temperature.value()
            )

    def _on_train_clicked(self) -> None:
        if not (source := self.current_source()):
            return
        if self._pages[source].busy:
            self.cancelRequested.emit(source)
        else:
            self.trainRequested.emit(source)

    def _on_more_clicked(self) -> None:
        if (sel := self._selected_on_current()) is not None:
            self.moreLikeThisRequested.emit(*sel)

    def _on_save_clicked(self) -> None:
        if (sel := self._selected_on_current()) is not None:
            self.saveWavRequested.emit(*sel)

    def _on_add_clicked(self) -> None:
        if (sel := self._selected_on_current()) is not None:
            self.addToCorpusRequested.emit(*sel)

    # -- internals -----------------------------------------------------------------------
    def _page(self, source: str) -> _Page:
        try:
            return self._pages[source]
        except KeyError:
            raise ValueError(f"no gallery tab named {source!r}; call set_sources first") from None

    def _selected_on_current(self) -> tuple[str, int | str] | None:
        sel = self.selected_tile()
        return sel if sel is not None and sel[0] == self.current_source() else None

    def _update_controls(self) -> None:
        source = self.current_source()
        page = self._pages.get(source)
        busy = page is not None and page.busy
        self.generate_button.setEnabled(page is not None and page.ready and not busy)
        self.train_button.setEnabled(page is not None)
        self.train_button.setText("Cancel" if busy else "Train")
        has_tile = self._selected_on_current() is not None
        for w in (self.more_button, self.save_button, self.add_button):
            w.setEnabled(has_tile and not busy)
        self._status.setText(page.status if page else "")
        show_bar = page is not None and page.progress is not None
        self._progress.setVisible(show_bar)
        if show_bar:
            self._progress.setValue(round(1000 * min(max(page.progress, 0.0), 1.0)))
