"""``LatentControls``: offset and scale of the first latent dims, temperature, seed lock.

The controls users know from RAVE VST / Neutone. A model with more dims than there are
controls says so above the sliders ("z0–z7: the first 8 of 16 latent dims"): RAVE sorts its
latent by variance, so the first dims are the ones that move the sound most.

Setters never emit (restoring settings, or a path's recorded controls played back, do not echo
back): ``touched`` tells the user's own moves apart. Thread: GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from .value_slider import ValueSlider

MAX_LATENT_CONTROLS = 8
# What a recorded lane may hold too (engines/paths/controls.py; a test keeps them equal)
OFFSET_RANGE = (-3.0, 3.0)
SCALE_RANGE = (0.0, 2.0)
TEMPERATURE_RANGE = (0.0, 2.0)
MORE_DIMS_TIP = (
    "Offset and scale act on the first {shown} latent dims; the other {rest} are decoded as "
    "they are. RAVE-style models sort their latent by variance, so the first dims change the "
    "sound most."
)


def dims_note(controlled: int, latent_size: int) -> str:
    """What the controls cover, for a model of ``latent_size`` dims ("" when they cover all)."""
    if latent_size <= controlled or controlled <= 0:
        return ""
    return f"z0–z{controlled - 1}: the first {controlled} of {latent_size} latent dims"


def full_height_px() -> int:
    """The height (px) the controls take with a slider pair for each of the 8 dims they offer,
    and the note of a model with more: a dock's first height, before a model is loaded."""
    probe = LatentControls()
    probe.set_dims(2 * MAX_LATENT_CONTROLS)
    height = probe.sizeHint().height()
    probe.deleteLater()
    return height


class LatentControls(QtWidgets.QWidget):
    """One offset/scale slider pair per controlled dim, temperature, seed lock and Reset (no
    frame of its own: the window's "Latent controls" dock names it).

    Signals
    -------
    latentControlsChanged(offset: list[float], scale: list[float])
        One entry per controlled dim (the first min(8, latent_size)); the model applies
        ``z[d] = z[d] * scale[d] + offset[d]``.
    temperatureChanged(float)
        Noise/temperature in [0, 2], 1.0 = the model's own.
    seedLockChanged(locked: bool, seed: int)
        Emitted when either the checkbox or the seed changes.
    touched()
        The user moved an offset, scale or the temperature, or pressed Reset (after the
        change's own signal): never for a setter.
    """

    latentControlsChanged = QtCore.Signal(list, list)
    temperatureChanged = QtCore.Signal(float)
    seedLockChanged = QtCore.Signal(bool, int)
    touched = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        controls = QtWidgets.QVBoxLayout(self)
        controls.setContentsMargins(6, 2, 6, 2)
        controls.setSpacing(4)  # a short screen shows every row of it beside the paths
        self._note = QtWidgets.QLabel()
        self._note.setProperty("role", "dim")
        self._note.setWordWrap(True)
        self._note.hide()
        controls.addWidget(self._note)
        self._grid = QtWidgets.QGridLayout()
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        controls.addLayout(self._grid)
        self._offsets: list[ValueSlider] = []
        self._scales: list[ValueSlider] = []
        self.temperature = ValueSlider(*TEMPERATURE_RANGE, 1.0, decimals=2)
        self.temperature.valueChanged.connect(self.temperatureChanged)
        self.temperature.valueChanged.connect(lambda _v: self.touched.emit())
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
        self.set_dims(0)

    # -- setters (never emit) ------------------------------------------------------------
    def set_dims(self, latent_size: int) -> None:
        """Rebuild one offset/scale pair per latent dim, up to 8, all at rest (0 and 1); a
        model of more dims is told apart in the note above them."""
        dims = min(MAX_LATENT_CONTROLS, max(0, int(latent_size)))
        self._rebuild_sliders(dims)
        note = dims_note(dims, int(latent_size))
        self._note.setText(note)
        self._note.setToolTip(
            MORE_DIMS_TIP.format(shown=dims, rest=int(latent_size) - dims) if note else ""
        )
        self._note.setVisible(bool(note))
        self.setEnabled(dims > 0)

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

    # -- queries (what the user sees) ----------------------------------------------------
    def latent_controls(self) -> tuple[list[float], list[float]]:
        return [s.value() for s in self._offsets], [s.value() for s in self._scales]

    def offset_slider(self, dim: int) -> ValueSlider:
        return self._offsets[dim]

    def scale_slider(self, dim: int) -> ValueSlider:
        return self._scales[dim]

    def dims_note(self) -> str:
        """The note over the sliders ("" when every dim of the model has controls)."""
        return self._note.text()

    # -- handlers ------------------------------------------------------------------------
    def _on_latent_changed(self, _value: float = 0.0) -> None:
        offset, scale = self.latent_controls()
        self.latentControlsChanged.emit(offset, scale)
        self.touched.emit()

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
