"""``ImportOptionsDialog``: how an import cuts files into sounds (File → Import Options…).

Plain values in and out (seconds, a flag, how files are cut: "length" or "onsets", a
sensitivity 0..1); the app turns them into its import rules. Thread: GUI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtWidgets

SPLITS = (
    ("length", "In equal pieces"),
    ("onsets", "At onsets (each hit, each note)"),
)


@dataclass(frozen=True)
class ImportOptions:
    """``segment_s``: longer sounds are split into equal pieces no longer than this;
    ``trim_silence``: leading and trailing silence is cut; ``max_file_s``: longer files are
    refused unread; ``split``: "length" (a file is one sound, split by ``segment_s``) or
    "onsets" (cut where each sound starts first); ``onset_sensitivity`` 0..1: higher finds
    quieter and closer onsets."""

    segment_s: float
    trim_silence: bool
    max_file_s: float
    split: str = "length"
    onset_sensitivity: float = 0.5


class ImportOptionsDialog(QtWidgets.QDialog):
    """Edit :class:`ImportOptions`; :meth:`options` reads what the user set."""

    def __init__(self, options: ImportOptions, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Options")
        self.segment = QtWidgets.QDoubleSpinBox()
        self.segment.setRange(0.5, 600.0)
        self.segment.setDecimals(1)
        self.segment.setSuffix(" s")
        self.segment.setValue(options.segment_s)
        self.segment.setToolTip(
            "A longer sound is split into the fewest equal pieces no longer than this; each "
            "piece is a point of its own"
        )
        self.split = QtWidgets.QComboBox()
        for value, label in SPLITS:
            self.split.addItem(label, value)
        self.split.setToolTip(
            "At onsets: a drum loop or a field recording becomes one sound per hit or note, "
            "each from just before its attack to the next one"
        )
        self.sensitivity = QtWidgets.QDoubleSpinBox()
        self.sensitivity.setRange(0.0, 1.0)
        self.sensitivity.setDecimals(2)
        self.sensitivity.setSingleStep(0.05)
        self.sensitivity.setToolTip(
            "Higher finds quieter and closer onsets (at least 50 ms apart); lower only the "
            "clear hits"
        )
        self.split.currentIndexChanged.connect(self._on_split_changed)
        self.trim = QtWidgets.QCheckBox("Trim silence at the start and end")
        self.trim.setChecked(options.trim_silence)
        self.longest = QtWidgets.QDoubleSpinBox()
        self.longest.setRange(1.0, 600.0)
        self.longest.setDecimals(0)
        self.longest.setSuffix(" min")
        self.longest.setValue(options.max_file_s / 60.0)
        self.longest.setToolTip("Longer files are refused without being read (memory, time)")
        form = QtWidgets.QFormLayout()
        form.addRow("Cut files", self.split)
        form.addRow("Onset sensitivity", self.sensitivity)
        form.addRow("Split sounds longer than", self.segment)
        form.addRow("", self.trim)
        form.addRow("Refuse files longer than", self.longest)
        note = QtWidgets.QLabel(
            "For the next imports. A file imported before and imported again gets the new "
            "cuts beside its earlier sounds, which stay."
        )
        note.setWordWrap(True)
        note.setProperty("role", "dim")
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
            | QtWidgets.QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        defaults = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.clicked.connect(self.restore_defaults)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._defaults: ImportOptions | None = None
        self._show_split(options)

    def _show_split(self, options: ImportOptions) -> None:
        self.split.setCurrentIndex(max(0, self.split.findData(options.split)))
        self.sensitivity.setValue(options.onset_sensitivity)
        self._on_split_changed()

    def _on_split_changed(self) -> None:
        self.sensitivity.setEnabled(self.split.currentData() == "onsets")

    def set_defaults(self, options: ImportOptions) -> None:
        """What Restore Defaults sets."""
        self._defaults = options

    def restore_defaults(self) -> None:
        if self._defaults is not None:
            self.segment.setValue(self._defaults.segment_s)
            self.trim.setChecked(self._defaults.trim_silence)
            self.longest.setValue(self._defaults.max_file_s / 60.0)
            self._show_split(self._defaults)

    def options(self) -> ImportOptions:
        return ImportOptions(
            segment_s=float(self.segment.value()),
            trim_silence=self.trim.isChecked(),
            max_file_s=float(self.longest.value()) * 60.0,
            split=str(self.split.currentData()),
            onset_sensitivity=float(self.sensitivity.value()),
        )
