"""``ModelPanel``: what was loaded, the latent controls users know from RAVE VST / Neutone, live stats.

The panel takes a plain dict (``ModelInfo.to_dict()``) and plain numbers; it emits intents and
never talks to an engine. Setters never emit (so restoring settings does not echo back). The
latent controls are a :class:`~.latent_controls.LatentControls` (``panel.latent``): in the panel,
or apart for the window to dock on their own (``latent_apart=True``).

Thread: GUI thread only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from PySide6 import QtCore, QtWidgets

from . import theme
from .latent_controls import MAX_LATENT_CONTROLS, LatentControls
from .value_slider import ValueSlider

__all__ = ["INFO_ROWS", "MAX_LATENT_CONTROLS", "ModelPanel", "format_info"]
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

    ``latent_apart``: leave the latent controls (``self.latent``) out of the panel's layout, for
    the window to dock them on their own; the panel's API covers them either way.

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

    def __init__(
        self, parent: QtWidgets.QWidget | None = None, *, latent_apart: bool = False
    ) -> None:
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

        self.latent = LatentControls()
        self.latent.latentControlsChanged.connect(self.latentControlsChanged)
        self.latent.temperatureChanged.connect(self.temperatureChanged)
        self.latent.seedLockChanged.connect(self.seedLockChanged)
        self.temperature: ValueSlider = self.latent.temperature
        self.seed_lock: QtWidgets.QCheckBox = self.latent.seed_lock
        self.seed: QtWidgets.QSpinBox = self.latent.seed
        self.reset_button: QtWidgets.QPushButton = self.latent.reset_button

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
        if not latent_apart:
            box = QtWidgets.QGroupBox("Latent controls")
            QtWidgets.QVBoxLayout(box).addWidget(self.latent)
            box.layout().setContentsMargins(0, 0, 0, 0)
            layout.addWidget(box)
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
            dims = int(info.get("latent_size") or 0)
        for key, text in texts.items():
            self._info_labels[key].setText(text)
        self.latent.set_dims(dims)

    def set_latent_controls(self, offset: Sequence[float], scale: Sequence[float]) -> None:
        """Move the sliders (e.g. from saved settings); extra or missing entries are ignored."""
        self.latent.set_latent_controls(offset, scale)

    def set_temperature(self, value: float) -> None:
        self.latent.set_temperature(value)

    def set_seed_lock(self, locked: bool, seed: int) -> None:
        self.latent.set_seed_lock(locked, seed)

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
        return self.latent.latent_controls()

    def offset_slider(self, dim: int) -> ValueSlider:
        return self.latent.offset_slider(dim)

    def scale_slider(self, dim: int) -> ValueSlider:
        return self.latent.scale_slider(dim)
