"""``ModelPanel``: what was loaded, the latent controls users know from RAVE VST / Neutone, live stats.

The panel takes a plain dict (``ModelInfo.to_dict()``) and plain numbers; it emits intents and
never talks to an engine. Setters never emit (so restoring settings does not echo back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from PySide6 import QtCore, QtWidgets

from . import theme
from .value_slider import ValueSlider

MAX_LATENT_CONTROLS = 8
OFFSET_RANGE = (-3.0, 3.0)
SCALE_RANGE = (0.0, 2.0)
TEMPERATURE_RANGE = (0.0, 2.0)
STAT_TIPS = {
    "latency": "What a scrub move waits to be heard, at rest: the model's own lag, the audio "
    "already decoded ahead, half a block's wait for the next audio callback (on average) and "
    "the device's latency. An audition skips the model's lag but waits for its first decode.",
    "underruns": "Output blocks in which a playing sound had no audio ready (decoding was "
    "late): it faded out and back in.",
    "clipped": "Output blocks louder than full scale, limited to ±1 (distorted). Lower the "
    "latent offsets or scales.",
}

# (label, dict key) for the info rows, in display order.
INFO_ROWS: tuple[tuple[str, str], ...] = (
    ("Kind", "kind"),
    ("Sample rate", "sample_rate_hz"),
    ("Latent dims", "latent_size"),
    ("Hop", "hop_samples"),
    ("Channels", "channels"),
    ("Streaming", "can_stream"),
    ("Prior", "has_prior"),
    ("Parameters", "parameter_count"),
    ("Real-time factor", "realtime_factor"),
    ("Latency", "latency_ms"),
)


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


def format_info(info: Mapping[str, Any]) -> dict[str, str]:
    """The text of each info row for a ``ModelInfo.to_dict()`` mapping (missing keys: "–")."""

    def get(key: str) -> Any:
        return info.get(key)

    out = {key: "–" for _, key in INFO_ROWS}
    if get("kind") is not None:
        out["kind"] = str(get("kind"))
    if get("sample_rate_hz"):
        out["sample_rate_hz"] = f"{get('sample_rate_hz') / 1000:g} kHz"
    if get("latent_size") is not None:
        full = get("full_latent_size")
        extra = f" (of {full})" if full and full != get("latent_size") else ""
        out["latent_size"] = f"{get('latent_size')}{extra}"
    if get("hop_samples"):
        hop = int(get("hop_samples"))
        rate = get("sample_rate_hz")
        fps = f" · {rate / hop:.1f} frames/s" if rate else ""
        out["hop_samples"] = f"{hop} samples{fps}"
    if get("channels") is not None:
        out["channels"] = str(get("channels"))
    for key in ("can_stream", "has_prior"):
        if get(key) is not None:
            out[key] = _yes_no(get(key))
    if get("parameter_count") is not None:
        n = int(get("parameter_count"))
        out["parameter_count"] = f"{n / 1e6:.1f} M" if n >= 100_000 else f"{n:,}"
    if get("realtime_factor") is not None:
        out["realtime_factor"] = f"{get('realtime_factor'):.1f}× real time"
    if get("latency_ms") is not None:
        out["latency_ms"] = f"{get('latency_ms'):.0f} ms"
    return out


class ModelPanel(QtWidgets.QWidget):
    """Model facts, latent controls and live audio stats, stacked in one side panel.

    Signals
    -------
    latentControlsChanged(offset: list[float], scale: list[float])
        One entry per controlled dim (the first min(8, latent_size)); the model applies
        ``z[d] = z[d] * scale[d] + offset[d]``.
    temperatureChanged(float)
        Noise/temperature in [0, 2], 1.0 = the model's own.
    seedLockChanged(locked: bool, seed: int)
        Emitted when either the checkbox or the seed changes.
    """

    latentControlsChanged = QtCore.Signal(list, list)
    temperatureChanged = QtCore.Signal(float)
    seedLockChanged = QtCore.Signal(bool, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = QtWidgets.QLabel("No model loaded")
        self._name.setProperty("role", "title")
        self._name.setWordWrap(True)
        self._info_labels: dict[str, QtWidgets.QLabel] = {}
        info_box = QtWidgets.QGroupBox("Model")
        form = QtWidgets.QFormLayout(info_box)
        form.setHorizontalSpacing(14)
        form.addRow(self._name)
        for label, key in INFO_ROWS:
            value = QtWidgets.QLabel("–")
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            self._info_labels[key] = value
            caption = QtWidgets.QLabel(label)
            caption.setProperty("role", "dim")
            form.addRow(caption, value)

        self._controls_box = QtWidgets.QGroupBox("Latent controls")
        controls = QtWidgets.QVBoxLayout(self._controls_box)
        self._grid = QtWidgets.QGridLayout()
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        controls.addLayout(self._grid)
        self._offsets: list[ValueSlider] = []
        self._scales: list[ValueSlider] = []
        self.temperature = ValueSlider(*TEMPERATURE_RANGE, 1.0, decimals=2)
        self.temperature.valueChanged.connect(self._on_temperature_changed)
        temp_row = QtWidgets.QHBoxLayout()
        temp_label = QtWidgets.QLabel("Temperature")
        temp_label.setToolTip("Noise added where the model samples (1.0 = as trained)")
        temp_row.addWidget(temp_label)
        temp_row.addWidget(self.temperature, 1)
        controls.addLayout(temp_row)
        self.seed_lock = QtWidgets.QCheckBox("Lock seed")
        self.seed_lock.setToolTip("Decode with a fixed seed so a position always sounds the same")
        self.seed = QtWidgets.QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setEnabled(False)
        self.seed_lock.toggled.connect(self._on_seed_lock_toggled)
        self.seed.valueChanged.connect(self._on_seed_changed)
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setToolTip("Offsets to 0, scales to 1")
        self.reset_button.clicked.connect(self._on_reset_clicked)
        seed_row = QtWidgets.QHBoxLayout()
        seed_row.addWidget(self.seed_lock)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.reset_button)
        controls.addLayout(seed_row)

        stats_box = QtWidgets.QGroupBox("Playback")
        stats = QtWidgets.QFormLayout(stats_box)
        self._stats: dict[str, QtWidgets.QLabel] = {}
        for label, key in (
            ("Real-time factor", "rtf"),
            ("Latency", "latency"),
            ("Underruns", "underruns"),
            ("Clipped blocks", "clipped"),
            ("Queued", "queued"),
        ):
            value = QtWidgets.QLabel("–")
            value.setProperty("role", "value")
            caption = QtWidgets.QLabel(label)
            caption.setProperty("role", "dim")
            self._stats[key] = value
            stats.addRow(caption, value)
        for key, tip in STAT_TIPS.items():
            self._stats[key].setToolTip(tip)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(info_box)
        layout.addWidget(self._controls_box)
        layout.addWidget(stats_box)
        layout.addStretch(1)
        self.set_model_info(None)

    # -- setters (never emit) ------------------------------------------------------------
    def set_model_info(self, info: Mapping[str, Any] | None) -> None:
        """Show a model's facts (``ModelInfo.to_dict()``), or the empty state for None.

        Rebuilds one offset/scale pair per latent dim, up to 8, all at rest (0 and 1).
        """
        if info is None:
            self._name.setText("No model loaded")
            texts = format_info({})
            dims = 0
        else:
            path = str(info.get("path") or "")
            self._name.setText(PurePath(path).name or "model")
            self._name.setToolTip(path)
            texts = format_info(info)
            dims = min(MAX_LATENT_CONTROLS, int(info.get("latent_size") or 0))
        for key, text in texts.items():
            self._info_labels[key].setText(text)
        self._rebuild_sliders(dims)
        self._controls_box.setEnabled(dims > 0)

    def set_latent_controls(self, offset: Sequence[float], scale: Sequence[float]) -> None:
        """Move the sliders (e.g. from saved settings); extra or missing entries are ignored."""
        for slider, v in zip(self._offsets, offset):
            slider.set_value(v, emit=False)
        for slider, v in zip(self._scales, scale):
            slider.set_value(v, emit=False)

    def set_temperature(self, value: float) -> None:
        self.temperature.set_value(value, emit=False)

    def set_seed_lock(self, locked: bool, seed: int) -> None:
        with QtCore.QSignalBlocker(self.seed_lock), QtCore.QSignalBlocker(self.seed):
            self.seed_lock.setChecked(locked)
            self.seed.setValue(int(seed))
            self.seed.setEnabled(locked)

    def set_stats(
        self,
        rtf: float | None,
        latency_ms: float | None,
        underruns: int,
        queued_ms: float,
        clipped_blocks: int = 0,
    ) -> None:
        """Live playback figures, polled by the app on a timer (GUI thread).

        ``clipped_blocks``: output blocks that went past full scale and were limited to ±1.
        """
        self._stats["rtf"].setText("–" if rtf is None else f"{rtf:.1f}×")
        self._stats["latency"].setText("–" if latency_ms is None else f"{latency_ms:.0f} ms")
        for key, count in (("underruns", underruns), ("clipped", clipped_blocks)):
            label = self._stats[key]
            label.setText(str(int(count)))
            label.setStyleSheet(f"color: {theme.ERROR if count else theme.OK};")
        self._stats["queued"].setText(f"{queued_ms:.0f} ms")

    # -- queries (what the user sees) ----------------------------------------------------
    def info_text(self, key: str) -> str:
        """The displayed text of an info row, by ``ModelInfo`` field name."""
        return self._info_labels[key].text()

    def model_name(self) -> str:
        return self._name.text()

    def stat_text(self, key: str) -> str:
        """Displayed live figure: key in {"rtf", "latency", "underruns", "clipped", "queued"}."""
        return self._stats[key].text()

    def latent_controls(self) -> tuple[list[float], list[float]]:
        return [s.value() for s in self._offsets], [s.value() for s in self._scales]

    def offset_slider(self, dim: int) -> ValueSlider:
        return self._offsets[dim]

    def scale_slider(self, dim: int) -> ValueSlider:
        return self._scales[dim]

    # -- handlers ------------------------------------------------------------------------
    def _on_latent_changed(self, _value: float = 0.0) -> None:
        offset, scale = self.latent_controls()
        self.latentControlsChanged.emit(offset, scale)

    def _on_temperature_changed(self, value: float) -> None:
        self.temperatureChanged.emit(value)

    def _on_seed_lock_toggled(self, locked: bool) -> None:
        self.seed.setEnabled(locked)
        self.seedLockChanged.emit(locked, self.seed.value())

    def _on_seed_changed(self, seed: int) -> None:
        self.seedLockChanged.emit(self.seed_lock.isChecked(), seed)

    def _on_reset_clicked(self) -> None:
        self.set_latent_controls([0.0] * len(self._offsets), [1.0] * len(self._scales))
        self._on_latent_changed()

    # -- internals -----------------------------------------------------------------------
    def _rebuild_sliders(self, dims: int) -> None:
        while self._grid.count():
            w = self._grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self._offsets, self._scales = [], []
        if dims == 0:
            return
        for col, text in ((1, "offset"), (2, "scale")):
            header = QtWidgets.QLabel(text)
            header.setProperty("role", "dim")
            self._grid.addWidget(header, 0, col)
        for d in range(dims):
            label = QtWidgets.QLabel(f"z{d}")
            label.setProperty("role", "value")
            offset = ValueSlider(*OFFSET_RANGE, 0.0, decimals=2)
            scale = ValueSlider(*SCALE_RANGE, 1.0, decimals=2)
            offset.setToolTip(f"Added to latent dim {d}")
            scale.setToolTip(f"Multiplies latent dim {d}")
            offset.valueChanged.connect(self._on_latent_changed)
            scale.valueChanged.connect(self._on_latent_changed)
            self._grid.addWidget(label, d + 1, 0)
            self._grid.addWidget(offset, d + 1, 1)
            self._grid.addWidget(scale, d + 1, 2)
            self._offsets.append(offset)
            self._scales.append(scale)
