"""``ModelPanel``: what was loaded and the live playback figures.

The panel takes a plain dict (``ModelInfo.to_dict()``) and plain numbers, and never talks to an
engine. The latent controls users know from RAVE VST / Neutone are a widget of their own
(:class:`~.latent_controls.LatentControls`), which the window docks apart.

Thread: GUI thread only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from PySide6 import QtCore, QtWidgets

from . import theme

__all__ = ["INFO_ROWS", "ModelPanel", "format_gave_way", "format_info"]
STAT_TIPS = {
    "latency": "What a scrub move waits to be heard, at rest: the model's own lag, the audio "
    "already decoded ahead, half a block's wait for the next audio callback (on average) and "
    "the device's latency. An audition skips the model's lag but waits for its first decode.",
    "underruns": "Output blocks in which a playing sound had no audio ready (decoding was "
    "late): it faded out and back in.",
    "clipped": "Output blocks louder than full scale, limited to ±1 (distorted). Lower the "
    "latent offsets or scales.",
    "gave_way": "Clicks that gave way to a playing path or the scrub, because the model cannot "
    "decode both in time: started late, cut short, or skipped. Stop the path (or let go of "
    "the drag) to hear clicks whole.",
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


def format_gave_way(late: int, shortened: int, dropped: int) -> str:
    """The "Clicks given way" row: ``"2 late · 1 cut"`` (counts of 0 left out), or ``"none"``."""
    counts = ((late, "late"), (shortened, "cut"), (dropped, "skipped"))
    return " · ".join(f"{n} {word}" for n, word in counts if n) or "none"


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
    """Model facts and live audio stats, stacked in one side panel."""

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

        stats_box = QtWidgets.QGroupBox("Playback")
        stats = QtWidgets.QFormLayout(stats_box)
        self._stats: dict[str, QtWidgets.QLabel] = {}
        for label, key in (
            ("Real-time factor", "rtf"),
            ("Latency", "latency"),
            ("Underruns", "underruns"),
            ("Clipped blocks", "clipped"),
            ("Queued", "queued"),
            ("Clicks given way", "gave_way"),
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
        layout.addWidget(stats_box)
        layout.addStretch(1)
        self.set_model_info(None)

    # -- setters -------------------------------------------------------------------------
    def set_model_info(self, info: Mapping[str, Any] | None) -> None:
        """Show a model's facts (``ModelInfo.to_dict()``), or the empty state for None."""
        if info is None:
            self._name.setText("No model loaded")
            texts = format_info({})
        else:
            path = str(info.get("path") or "")
            self._name.setText(PurePath(path).name or "model")
            self._name.setToolTip(path)
            texts = format_info(info)
        for key, text in texts.items():
            self._info_labels[key].setText(text)

    def set_stats(
        self,
        rtf: float | None,
        latency_ms: float | None,
        underruns: int,
        queued_ms: float,
        clipped_blocks: int = 0,
        gave_way: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """Live playback figures, polled by the app on a timer (GUI thread).

        ``clipped_blocks``: output blocks that went past full scale and were limited to ±1.
        ``gave_way``: clicks that started late, were cut short and were skipped, because a
        path or the scrub came first.
        """
        self._stats["rtf"].setText("–" if rtf is None else f"{rtf:.1f}×")
        self._stats["latency"].setText("–" if latency_ms is None else f"{latency_ms:.0f} ms")
        for key, count in (("underruns", underruns), ("clipped", clipped_blocks)):
            label = self._stats[key]
            label.setText(str(int(count)))
            label.setStyleSheet(f"color: {theme.ERROR if count else theme.OK};")
        self._stats["queued"].setText(f"{queued_ms:.0f} ms")
        label = self._stats["gave_way"]
        label.setText(format_gave_way(*(int(n) for n in gave_way)))
        label.setStyleSheet(f"color: {theme.WARNING if any(gave_way) else theme.OK};")

    # -- queries (what the user sees) ----------------------------------------------------
    def info_text(self, key: str) -> str:
        """The displayed text of an info row, by ``ModelInfo`` field name."""
        return self._info_labels[key].text()

    def model_name(self) -> str:
        return self._name.text()

    def stat_text(self, key: str) -> str:
        """Displayed live figure: key in {"rtf", "latency", "underruns", "clipped", "queued",
        "gave_way"}."""
        return self._stats[key].text()
