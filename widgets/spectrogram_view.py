"""Spectrogram views: the live scrolling output, and original vs reconstruction side by side.

Spectrograms are float32 dB arrays [T, F] with time along rows. They are handed to
``ImageItem(axisOrder="row-major")`` as they are (C-contiguous), and a transform turns rows into
the x (time) axis, so the scrolling view's newest-history window is a single contiguous slice of
a doubled ring buffer: no copy, no transpose per update. Levels are explicit, never automatic.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from . import theme
from .spectrogram_math import log_frequency_rows, to_log_frequency

DEFAULT_LEVELS_DB = (-90.0, 0.0)
PAIR_RANGE_DB = 80.0
LOG_ROWS = 192
LOG_F_MIN_HZ = 30.0
# Major ticks always labelled; pyqtgraph labels the minor ones only when there is room.
_MAJOR_TICK_HZ = (100, 1000, 10000)
_MINOR_TICK_HZ = (50, 200, 500, 2000, 5000, 20000)


class FrequencyScale:
    """Where frequency bins go on screen: linear (y in Hz) or log (y in rows, labelled in Hz)."""

    def __init__(self, n_bins: int, nyquist_hz: float, log: bool) -> None:
        self.n_bins = int(n_bins)
        self.nyquist_hz = float(nyquist_hz)
        self.log = bool(log) and n_bins >= 2
        if self.log:
            self.starts, self.edges_hz = log_frequency_rows(
                n_bins, nyquist_hz, LOG_ROWS, min(LOG_F_MIN_HZ, nyquist_hz / 2)
            )

    @property
    def n_rows(self) -> int:
        return len(self.starts) if self.log else self.n_bins

    @property
    def row_height(self) -> float:
        """y units per image row: one row when log, Hz per bin when linear."""
        return 1.0 if self.log else self.nyquist_hz / max(1, self.n_bins - 1)

    @property
    def y_top(self) -> float:
        return float(self.n_rows) if self.log else self.nyquist_hz

    def apply(self, frames: np.ndarray) -> np.ndarray:
        """Frames [T, n_bins] → image rows [T, n_rows] float32, C-contiguous."""
        if self.log:
            return to_log_frequency(frames, self.starts)
        return np.ascontiguousarray(frames, dtype=np.float32)

    def y_of_hz(self, hz: float) -> float:
        if not self.log:
            return hz
        lo, hi = self.edges_hz[0], self.edges_hz[-1]
        return self.n_rows * float(np.log(hz / lo) / np.log(hi / lo))

    def _ticks(self, freqs_hz: tuple[int, ...]) -> list[tuple[float, str]]:
        return [
            (self.y_of_hz(f), f"{f // 1000}k" if f >= 1000 else str(f))
            for f in freqs_hz
            if self.edges_hz[0] <= f <= self.nyquist_hz
        ]

    def style_axis(self, axis: pg.AxisItem) -> None:
        if self.log:
            axis.setTicks([self._ticks(_MAJOR_TICK_HZ), self._ticks(_MINOR_TICK_HZ)])
            axis.enableAutoSIPrefix(False)
            axis.setLabel("frequency (Hz)")
        else:
            axis.setTicks(None)
            axis.enableAutoSIPrefix(True)
            axis.setLabel("frequency", units="Hz")


def make_image_item() -> pg.ImageItem:
    """An ImageItem for [T, F] dB spectrograms with the theme's 256-entry LUT."""
    item = pg.ImageItem(axisOrder="row-major")
    item.setLookupTable(theme.spectrogram_lut())
    return item


def place_image(
    item: pg.ImageItem, frame_period_s: float, row_height: float, t0_s: float = 0.0
) -> None:
    """Map image rows (frames) to x in seconds from ``t0_s``, columns to y (``row_height`` each)."""
    item.setTransform(QtGui.QTransform(0.0, row_height, frame_period_s, 0.0, t0_s, 0.0))


def _style(plot: pg.PlotItem) -> None:
    theme.style_plot(plot)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    plot.getAxis("bottom").setLabel("time", units="s")
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(True)
        plot.getAxis(name).label.setDefaultTextColor(QtGui.QColor(theme.TEXT_DIM))


class LiveSpectrogramView(pg.PlotWidget):
    """A scrolling spectrogram of what is playing, newest at the right edge (x = 0 s).

    Call `configure` when the output format is known, then `push_frames` from a GUI timer.
    GUI thread only.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, background=theme.BACKGROUND)
        self._plot = self.getPlotItem()
        _style(self._plot)
        self._image = make_image_item()
        self._plot.addItem(self._image)
        self._levels = DEFAULT_LEVELS_DB
        self._buf = np.zeros((0, 0), dtype=np.float32)
        self._write = 0
        self._frame_rate_hz = 0.0
        self._nyquist_hz = 0.0
        self.setMinimumHeight(120)
        self.configure(n_bins=513, frame_rate_hz=44100 / 256, nyquist_hz=22050.0)

    def configure(
        self,
        n_bins: int,
        frame_rate_hz: float,
        nyquist_hz: float,
        history_s: float = 8.0,
        log_frequency: bool = True,
    ) -> None:
        """Set the frame format and clear the history.

        Parameters
        ----------
        n_bins : int
            Frequency bins per frame (``n_fft // 2 + 1``), bin 0 at 0 Hz, the last at Nyquist.
        frame_rate_hz : float
            Frames per second (sample rate / hop).
        nyquist_hz : float
            Frequency of the last bin (sample rate / 2).
        history_s : float
            Seconds of history on screen.
        log_frequency : bool
            Rows spaced evenly in log frequency (30 Hz to Nyquist), as ears hear; else linear.
        """
        history = max(2, round(history_s * frame_rate_hz))
        self._scale = FrequencyScale(n_bins, nyquist_hz, log_frequency)
        self._buf = np.full((2 * history, self._scale.n_rows), self._levels[0], dtype=np.float32)
        self._write = 0
        self._frame_rate_hz = float(frame_rate_hz)
        self._nyquist_hz = float(nyquist_hz)
        place_image(
            self._image, 1.0 / frame_rate_hz, self._scale.row_height, t0_s=-history / frame_rate_hz
        )
        self._scale.style_axis(self._plot.getAxis("left"))
        self._plot.setRange(
            xRange=(-history / frame_rate_hz, 0.0), yRange=(0.0, self._scale.y_top), padding=0
        )
        self._show()

    @property
    def history_frames(self) -> int:
        return len(self._buf) // 2

    @property
    def n_bins(self) -> int:
        """Frequency bins per pushed frame."""
        return self._scale.n_bins

    def set_levels(self, low_db: float, high_db: float) -> None:
        """The dB values shown as the darkest and brightest colours."""
        self._levels = (float(low_db), float(high_db))
        self._image.setLevels(self._levels)

    def push_frames(self, mag_db: np.ndarray) -> None:
        """Append frames [n, n_bins] float32 dB (oldest first) and scroll.

        A frame width other than the configured ``n_bins`` reconfigures the view (same frame
        rate and Nyquist) rather than failing, so a model change cannot break the display.
        """
        frames = np.asarray(mag_db, dtype=np.float32)
        if frames.ndim != 2:
            raise ValueError(f"push_frames expects [n, bins], got shape {frames.shape}")
        if frames.shape[0] == 0:
            return
        if frames.shape[1] != self.n_bins:
            self.configure(
                frames.shape[1],
                self._frame_rate_hz,
                self._nyquist_hz,
                log_frequency=self._scale.log,
            )
        h = self.history_frames
        frames = self._scale.apply(frames[-h:])
        n = len(frames)
        # Every frame is written twice (rows w and w + h) so the last h frames are always the
        # contiguous slice buf[w : w + h] after the write pointer moves on.
        first = min(n, h - self._write)
        for dst in (self._write, self._write + h):
            self._buf[dst : dst + first] = frames[:first]
        rest = n - first
        if rest:
            self._buf[:rest] = frames[first:]
            self._buf[h : h + rest] = frames[first:]
        self._write = (self._write + n) % h
        self._show()

    def clear_history(self) -> None:
        self._buf[:] = self._levels[0]
        self._show()

    def visible_frames(self) -> np.ndarray:
        """The image on screen, oldest frame first: [history_frames, rows] float32 (a view);
        rows = n_bins when linear, 192 log-frequency rows when log."""
        return self._buf[self._write : self._write + self.history_frames]

    def _show(self) -> None:
        self._image.setImage(self.visible_frames(), autoLevels=False, levels=self._levels)


ORIGINAL_TIP = (
    "The file itself, in its own channels and rate, from where the sound starts in it to where "
    "it ends (silence trimmed); the spectrogram shows it as the model hears it"
)
RECONSTRUCTION_TIP = "What the model makes of it: decode(encode)"
_SIDES = ("Original", "Reconstruction")
EMPTY_HINTS = (  # what the sides show, while no sound is selected
    "A click on a sound shows its file's spectrogram here",
    "and here what the model makes of it",
)


class SpectrogramPairView(QtWidgets.QWidget):
    """A selected sound's original and reconstruction side by side, each with a play button.

    Either side may have nothing to show (no file; no model to decode the sound): its plot
    stays empty, with the reason written in it, and its play button is disabled.

    Signals
    -------
    playOriginal()
        The user asked to hear the original file.
    playReconstruction()
        The user asked to hear the model's reconstruction.
    """

    playOriginal = QtCore.Signal()
    playReconstruction = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = QtWidgets.QLabel("Select a sound on the map")
        self._title.setProperty("role", "title")
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground(theme.BACKGROUND)
        self._graphics.setMinimumHeight(110)
        self._plots: list[pg.PlotItem] = []
        self._images: list[pg.ImageItem] = []
        self._notes: list[QtWidgets.QGraphicsTextItem] = []
        for col, caption in enumerate(_SIDES):
            plot = self._graphics.addPlot(row=0, col=col)
            _style(plot)
            plot.setTitle(caption, color=theme.TEXT_DIM, size="10pt")
            image = make_image_item()
            plot.addItem(image)
            # In the view box's own (pixel) coordinates, not the data's: it stays put and
            # wraps to the plot's width whatever the axes show.
            note = QtWidgets.QGraphicsTextItem(plot.vb)
            note.setDefaultTextColor(QtGui.QColor(theme.TEXT_DIM))
            wrap = QtGui.QTextOption(QtCore.Qt.AlignmentFlag.AlignCenter)
            wrap.setWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # paths
            note.document().setDefaultTextOption(wrap)
            note.setZValue(10)
            plot.vb.sigResized.connect(lambda _vb, col=col: self._place_note(col))
            self._plots.append(plot)
            self._images.append(image)
            self._notes.append(note)
        self._plots[1].setYLink(self._plots[0])
        self._plots[1].setXLink(self._plots[0])
        self._plots[1].getAxis("left").setLabel("")
        self._plots[1].getAxis("left").setStyle(showValues=False)
        self._plots[1].getAxis("left").setWidth(8)
        self.play_original_button = QtWidgets.QPushButton("▶  Play original")
        self.play_original_button.setToolTip(ORIGINAL_TIP)
        self.play_reconstruction_button = QtWidgets.QPushButton("▶  Play reconstruction")
        self.play_reconstruction_button.setToolTip(RECONSTRUCTION_TIP)
        self.play_original_button.clicked.connect(self.playOriginal)
        self.play_reconstruction_button.clicked.connect(self.playReconstruction)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.play_original_button)
        buttons.addWidget(self.play_reconstruction_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._title)
        layout.addWidget(self._graphics, 1)
        layout.addLayout(buttons)
        self.levels_db = DEFAULT_LEVELS_DB
        self.clear_pair()

    def set_pair(
        self,
        orig_db: np.ndarray | None,
        recon_db: np.ndarray | None,
        title: str,
        frame_rate_hz: float = 44100 / 256,
        nyquist_hz: float = 22050.0,
        log_frequency: bool = True,
        missing: str = "",
        unmade: str = "",
    ) -> None:
        """Show two spectrograms, each [T, F] float32 dB (their T may differ; F must match).

        Both share one colour scale: the brightest value of either sits at the top and the
        scale spans 80 dB below it, so a quieter reconstruction looks quieter. ``orig_db``
        None: the sound has no original to show; ``missing`` says why. ``recon_db`` None:
        no model made one (none loaded, or it cannot decode the sound); ``unmade`` says why.
        A reason reads "short: the rest": "short" goes in the side's caption, all of it in
        its empty plot and its disabled play button's tooltip.
        """
        specs = [
            None if x is None else np.ascontiguousarray(x, np.float32) for x in (orig_db, recon_db)
        ]
        shown = [x for x in specs if x is not None]
        if any(x.ndim != 2 or x.size == 0 for x in shown) or len({x.shape[1] for x in shown}) > 1:
            raise ValueError(
                "set_pair needs non-empty [T, F] spectrograms with equal F, got "
                + " and ".join(str(None if x is None else x.shape) for x in specs)
            )
        self._title.setText(title)
        self._show_axes(True)
        self._show_side(0, specs[0] is not None, missing)
        self._show_side(1, specs[1] is not None, unmade)
        if not shown:  # neither: the captions and notes say why
            self._clear_images()
            return
        top = max(float(np.nanmax(x)) for x in shown)
        self.levels_db = (top - PAIR_RANGE_DB, top)
        scale = FrequencyScale(shown[0].shape[1], nyquist_hz, log_frequency)
        for image, spec in zip(self._images, specs):
            if spec is None:  # nothing on this side: its plot stays empty
                image.clear()
                continue
            image.setImage(scale.apply(spec), autoLevels=False, levels=self.levels_db)
            place_image(image, 1.0 / frame_rate_hz, scale.row_height)
        scale.style_axis(self._plots[0].getAxis("left"))
        scale.style_axis(self._plots[1].getAxis("left"))
        self._plots[1].getAxis("left").setLabel("")
        duration_s = max(len(x) for x in shown) / frame_rate_hz
        self._plots[0].setRange(xRange=(0, duration_s), yRange=(0, scale.y_top), padding=0)

    def _show_side(self, col: int, present: bool, why: str) -> None:
        """Caption, play button and note of side ``col`` (0 original, 1 reconstruction)."""
        name = _SIDES[col]
        caption = name if present else f"{name}: {why.split(':')[0] or 'none'}"
        color = theme.TEXT_DIM if present else theme.WARNING
        self._plots[col].setTitle(caption, color=color, size="10pt")
        button = (self.play_original_button, self.play_reconstruction_button)[col]
        button.setEnabled(present)
        button.setToolTip((ORIGINAL_TIP, RECONSTRUCTION_TIP)[col] if present else why)
        self._notes[col].setPlainText("" if present else why[:1].upper() + why[1:])
        self._place_note(col)

    def _place_note(self, col: int) -> None:
        """Centre side ``col``'s note in its plot, wrapped to the plot's width; hidden where
        it does not fit (its caption and button's tooltip still say why)."""
        note, rect = self._notes[col], self._plots[col].vb.rect()
        note.setTextWidth(max(40.0, rect.width() - 16.0))
        box = note.boundingRect()
        note.setPos(rect.center().x() - box.width() / 2, rect.center().y() - box.height() / 2)
        note.setVisible(box.height() <= rect.height())

    def _clear_images(self) -> None:
        for image in self._images:
            image.clear()
        self._plots[0].getAxis("left").setTicks([[], []])  # no frequency scale without a sound
        self._plots[0].setRange(xRange=(0.0, 1.0), yRange=(0.0, 1.0), padding=0)

    def clear_pair(self) -> None:
        """Back to the empty state: no sound selected, play buttons disabled, and instead
        of empty axes a word on what shows here (QA s22)."""
        self._clear_images()
        self._title.setText("Select a sound on the map")
        self._show_axes(False)
        for col, hint in enumerate(EMPTY_HINTS):
            self._show_side(col, True, "")
            self._notes[col].setPlainText(hint)
            self._place_note(col)
        self.play_original_button.setEnabled(False)
        self.play_reconstruction_button.setEnabled(False)

    def _show_axes(self, on: bool) -> None:
        """The time and frequency axes, shown over spectrograms only."""
        for plot in self._plots:
            plot.getAxis("bottom").setStyle(showValues=on)
            plot.getAxis("bottom").showLabel(on)
        left = self._plots[0].getAxis("left")  # the reconstruction's shares it: none of its own
        left.setStyle(showValues=on)
        left.showLabel(on)

    def axes_shown(self) -> bool:
        """Whether the time and frequency axes show their values (over spectrograms)."""
        return bool(self._plots[0].getAxis("bottom").style["showValues"])

    def original_caption(self) -> str:
        """The caption over the original's spectrogram (it says when there is none)."""
        return self._plots[0].titleLabel.text

    def reconstruction_caption(self) -> str:
        """The caption over the reconstruction's spectrogram (it says when there is none)."""
        return self._plots[1].titleLabel.text

    def notes(self) -> tuple[str, str]:
        """What the empty plots say (original, reconstruction); "" over a spectrogram."""
        return self._notes[0].toPlainText(), self._notes[1].toPlainText()

    def title(self) -> str:
        return self._title.text()

    def images(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The arrays on screen (original, reconstruction), None when empty."""
        return self._images[0].image, self._images[1].image
