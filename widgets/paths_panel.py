"""``PathsPanel``: the recorded latent paths, with play, edit and export buttons.

Every button emits an intent carrying the selected path's id; the app edits the path model and
calls `set_paths` back. Path ids are opaque strings chosen by the app. Loop and Speed are the
selected path's playback settings (`set_playback` shows them; a change by the user emits
`playbackChanged`); the playing path's row shows ▶ and where it is (`set_playing`,
`set_position`).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from . import theme
from .transport import format_clock

EXPORT_FORMATS: tuple[tuple[str, str], ...] = (
    ("wav", "Audio (WAV)…"),
    ("flac", "Audio (FLAC)…"),
    ("midi", "Automation (MIDI CC)…"),
    ("csv", "Automation (CSV)…"),
    ("json", "Path (JSON)…"),
)
_ID_ROLE = QtCore.Qt.ItemDataRole.UserRole


class PathsPanel(QtWidgets.QWidget):
    """A list of paths (name editable in place, duration) and the actions on the selected one.

    Signals (``path_id`` is the selected path's id)
    -------
    selectionChanged(str path_id)       "" when nothing is selected
    renameRequested(str path_id, str name)
    playRequested(str path_id, bool loop, float speed)
    stopRequested()
    playbackChanged(bool loop, float speed)      the user changed Loop or Speed
    trimRequested(str path_id, float start_s, float end_s)
    retimeRequested(str path_id, float factor)   >1 plays the gesture faster (shorter)
    smoothRequested(str path_id)
    reverseRequested(str path_id)
    forgetControlsRequested(str path_id)         drop the latent controls recorded with it
    deleteRequested(str path_id)
    undoRequested()
    exportRequested(str path_id, str fmt)        fmt in wav, flac, midi, csv, json
    importRequested()                            import a JSON path
    oscToggled(bool)                             stream x/y/latents over OSC while playing
    oscTargetChanged(str host, int port)         the user typed where OSC goes (a valid port)
    """

    selectionChanged = QtCore.Signal(str)
    renameRequested = QtCore.Signal(str, str)
    playRequested = QtCore.Signal(str, bool, float)
    stopRequested = QtCore.Signal()
    playbackChanged = QtCore.Signal(bool, float)
    trimRequested = QtCore.Signal(str, float, float)
    retimeRequested = QtCore.Signal(str, float)
    smoothRequested = QtCore.Signal(str)
    reverseRequested = QtCore.Signal(str)
    forgetControlsRequested = QtCore.Signal(str)
    deleteRequested = QtCore.Signal(str)
    undoRequested = QtCore.Signal()
    exportRequested = QtCore.Signal(str, str)
    importRequested = QtCore.Signal()
    oscToggled = QtCore.Signal(bool)
    oscTargetChanged = QtCore.Signal(str, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QtWidgets.QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Path", "Duration"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
            | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list for the buttons (QA s19 M7)
        # the list's right-click menu: what has no room for a button
        self.forget_controls_action = QtGui.QAction("Forget Recorded Controls", self.table)
        self.forget_controls_action.setToolTip(
            "The path plays with the sliders as they are, not with the offsets, scales and "
            "temperature recorded with it (Undo brings them back)"
        )
        self.forget_controls_action.triggered.connect(self._on_forget_controls)
        self.table.addAction(self.forget_controls_action)
        self.table.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.ActionsContextMenu)
        delete = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Delete, self.table)
        delete.setContext(QtCore.Qt.ShortcutContext.WidgetShortcut)  # not while renaming
        delete.activated.connect(self._on_delete_clicked)

        # Play row.
        self.play_button = QtWidgets.QPushButton("▶ Play")
        self.stop_button = QtWidgets.QPushButton("■ Stop")
        self.loop_check = QtWidgets.QCheckBox("Loop")
        self.loop_check.setToolTip("Loop this path (changes the playing path at once)")
        self.speed = self._spin(
            0.25, 4.0, 1.0, " ×", "Playback speed of this path (changes the playing path at once)"
        )
        self.speed.setKeyboardTracking(False)  # a typed value counts once it is complete
        self.loop_check.toggled.connect(self._on_playback_edited)
        self.speed.valueChanged.connect(self._on_playback_edited)
        self.play_button.clicked.connect(self._on_play_clicked)
        self.stop_button.clicked.connect(self.stopRequested)
        self.stop_button.setEnabled(False)  # until a path plays (set_playing)
        play_row = self._row(
            self.play_button,
            self.stop_button,
            self.loop_check,
            self._label("Speed", self.speed),
            self.speed,
        )

        # Edit rows.
        self.trim_start = self._spin(0.0, 0.0, 0.0, " s", "Keep from (seconds)")
        self.trim_end = self._spin(0.0, 0.0, 0.0, " s", "Keep until (seconds)")
        self.trim_button = QtWidgets.QPushButton("Trim")
        self.trim_button.clicked.connect(self._on_trim_clicked)
        trim_row = self._row(
            QtWidgets.QLabel("Keep"),
            self.trim_start,
            QtWidgets.QLabel("to"),
            self.trim_end,
            self.trim_button,
        )
        self.retime = self._spin(
            0.25, 4.0, 1.0, " ×", "Retime factor: an edit of the path (2 × = twice as fast)"
        )
        self.retime_button = QtWidgets.QPushButton("Retime")
        self.retime_button.clicked.connect(self._on_retime_clicked)
        self.smooth_button = QtWidgets.QPushButton("Smooth")
        self.reverse_button = QtWidgets.QPushButton("Reverse")
        self.smooth_button.clicked.connect(self._on_smooth_clicked)
        self.reverse_button.clicked.connect(self._on_reverse_clicked)
        edit_row = self._row(self._label("Retime by", self.retime), self.retime, self.retime_button)
        self.delete_button = QtWidgets.QPushButton("Delete")
        self.undo_button = QtWidgets.QPushButton("Undo")
        self.undo_button.setEnabled(False)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.undo_button.clicked.connect(self.undoRequested)

        # Export row.
        self.export_button = QtWidgets.QToolButton()
        self.export_button.setText("Export  ▾")
        self.export_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        menu = QtWidgets.QMenu(self.export_button)
        self.export_actions: dict[str, QtGui.QAction] = {}
        for fmt, label in EXPORT_FORMATS:
            action = menu.addAction(label)
            action.triggered.connect(lambda _=False, f=fmt: self._on_export_chosen(f))
            self.export_actions[fmt] = action
        self.export_button.setMenu(menu)
        self.import_button = QtWidgets.QPushButton("Import JSON…")
        self.import_button.clicked.connect(self.importRequested)
        self.osc_check = QtWidgets.QCheckBox("Stream OSC")
        self.osc_check.setToolTip("Send x, y and latent dims over OSC while playing or dragging")
        self.osc_check.toggled.connect(self.oscToggled)
        self.osc_target = QtWidgets.QLineEdit()
        self.osc_target.setPlaceholderText("host:port")
        self.osc_target.setToolTip("Where OSC goes: host:port (e.g. 127.0.0.1:9000)")
        self.osc_target.setMinimumWidth(self.osc_target.fontMetrics().horizontalAdvance("0") * 16)
        self.osc_target.editingFinished.connect(self._on_osc_target_edited)
        export_row = self._row(self.export_button, self.import_button)
        osc_row = QtWidgets.QHBoxLayout()  # its own row: the address must be readable
        osc_row.addWidget(self.osc_check)
        osc_row.addWidget(self.osc_target, 1)
        manage_row = self._row(
            self.smooth_button, self.reverse_button, self.delete_button, self.undo_button
        )

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.table, 1)
        for row in (play_row, trim_row, edit_row, manage_row, export_row, osc_row):
            layout.addLayout(row)
        self._durations: dict[str, float] = {}
        self._playing = ""  # the id of the path playing ("" when none)
        self._position_s = 0.0  # where it is (path seconds)
        self._position_text = ""  # its row's readout, as shown
        self._update_enabled()

    # -- setters (never emit) ------------------------------------------------------------
    def set_paths(self, paths: Sequence[tuple[str, str, float]]) -> None:
        """Show paths as ``(path_id, name, duration_s)``; the selection is kept if it survives."""
        keep = self.selected_path()
        with QtCore.QSignalBlocker(self.table):
            self.table.setRowCount(0)
            self._durations = {}
            for path_id, name, duration_s in paths:
                row = self.table.rowCount()
                self.table.insertRow(row)
                name_item = QtWidgets.QTableWidgetItem(name)
                name_item.setData(_ID_ROLE, path_id)
                dur_item = QtWidgets.QTableWidgetItem(format_clock(duration_s))
                dur_item.setFlags(dur_item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                dur_item.setTextAlignment(
                    QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
                )
                self.table.setItem(row, 0, name_item)
                self.table.setItem(row, 1, dur_item)
                self._durations[path_id] = float(duration_s)
            if keep in self._durations:
                self._select_row_of(keep)
        self._position_text = ""
        self._mark_playing(self._playing)
        self._on_selection_changed(emit=self.selected_path() != keep)

    def select_path(self, path_id: str, *, as_chosen: bool = False) -> None:
        """Select ``path_id``'s row. ``as_chosen``: as if the user had clicked it
        (``selectionChanged`` when the selection changes, so Loop and Speed show its
        settings); else silently (a list rebuilt)."""
        before = self.selected_path()
        with QtCore.QSignalBlocker(self.table):
            self._select_row_of(path_id)
        self._on_selection_changed(emit=as_chosen and self.selected_path() != before)

    def set_undo_available(self, available: bool) -> None:
        self.undo_button.setEnabled(bool(available))

    def set_playback(self, loop: bool, speed: float) -> None:
        """Show a path's playback settings in Loop and Speed."""
        with QtCore.QSignalBlocker(self.loop_check), QtCore.QSignalBlocker(self.speed):
            self.loop_check.setChecked(bool(loop))
            self.speed.setValue(float(speed))

    def set_playing(self, playing: bool, path_id: str = "") -> None:
        """A path plays (or not): Stop is there to stop it, and ``path_id``'s row is marked."""
        self.stop_button.setEnabled(bool(playing))
        self._mark_playing(path_id if playing else "")

    def set_position(self, path_id: str, position_s: float) -> None:
        """The playing path is at ``position_s`` seconds (of its own time): its row reads
        "▶ 0:03.2 / 0:07.5" (changed only when the text does: a tenth of a second)."""
        if path_id != self._playing or path_id not in self._durations:
            return
        self._position_s = float(position_s)
        text = f"▶ {format_clock(position_s)} / {format_clock(self._durations[path_id])}"
        item = self._duration_item(path_id)
        if text != self._position_text and item is not None:
            self._position_text = text
            with QtCore.QSignalBlocker(self.table):
                item.setText(text)

    def playing_path(self) -> str:
        """The id of the path marked as playing ("" when none)."""
        return self._playing

    # -- queries -------------------------------------------------------------------------
    def selected_path(self) -> str:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return ""
        return self.table.item(rows[0].row(), 0).data(_ID_ROLE)

    def rows(self) -> list[tuple[str, str]]:
        """(name, duration text) of each row, as the user reads them."""
        return [
            (self.table.item(r, 0).text(), self.table.item(r, 1).text())
            for r in range(self.table.rowCount())
        ]

    # -- handlers ------------------------------------------------------------------------
    def _on_selection_changed(self, emit: bool = True) -> None:
        path_id = self.selected_path()
        duration = self._durations.get(path_id, 0.0)
        for spin in (self.trim_start, self.trim_end):
            spin.setRange(0.0, duration)
        self.trim_start.setValue(0.0)
        self.trim_end.setValue(duration)
        self._update_enabled()
        if emit:
            self.selectionChanged.emit(path_id)

    def _on_item_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        # A blank name goes too: the controller refuses it and the row gets its name back.
        self.renameRequested.emit(item.data(_ID_ROLE), item.text().strip())

    def set_osc_target(self, host: str, port: int) -> None:
        """Show where OSC goes (never emits)."""
        with QtCore.QSignalBlocker(self.osc_target):
            self.osc_target.setText(f"{host}:{port}")

    def _on_osc_target_edited(self) -> None:
        host, _, port = self.osc_target.text().strip().rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            self.osc_target.setStyleSheet("")
            self.oscTargetChanged.emit(host, int(port))
        else:  # not sent anywhere until it reads host:port
            self.osc_target.setStyleSheet(f"color: {theme.ERROR};")

    def _on_play_clicked(self) -> None:
        if path_id := self.selected_path():
            self.request_play(path_id)

    def request_play(self, path_id: str) -> None:
        """Ask for ``path_id`` to play with the panel's loop and speed settings."""
        self.playRequested.emit(path_id, self.loop_check.isChecked(), self.speed.value())

    def _on_playback_edited(self, *_args) -> None:
        self.playbackChanged.emit(self.loop_check.isChecked(), self.speed.value())

    def _on_trim_clicked(self) -> None:
        start, end = self.trim_start.value(), self.trim_end.value()
        if (path_id := self.selected_path()) and end > start:
            self.trimRequested.emit(path_id, start, end)

    def _on_retime_clicked(self) -> None:
        if path_id := self.selected_path():
            self.retimeRequested.emit(path_id, self.retime.value())

    def _on_smooth_clicked(self) -> None:
        if path_id := self.selected_path():
            self.smoothRequested.emit(path_id)

    def _on_reverse_clicked(self) -> None:
        if path_id := self.selected_path():
            self.reverseRequested.emit(path_id)

    def _on_forget_controls(self) -> None:
        if path_id := self.selected_path():
            self.forgetControlsRequested.emit(path_id)

    def _on_delete_clicked(self) -> None:
        if path_id := self.selected_path():
            self.deleteRequested.emit(path_id)

    def _on_export_chosen(self, fmt: str) -> None:
        if path_id := self.selected_path():
            self.exportRequested.emit(path_id, fmt)

    # -- internals -----------------------------------------------------------------------
    def _duration_item(self, path_id: str) -> QtWidgets.QTableWidgetItem | None:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(_ID_ROLE) == path_id:
                return self.table.item(r, 1)
        return None

    def _mark_playing(self, path_id: str) -> None:
        """Bold name and "▶ position / length" for ``path_id``'s row; the others plain."""
        if path_id != self._playing:
            self._playing, self._position_s, self._position_text = path_id, 0.0, ""
        with QtCore.QSignalBlocker(self.table):
            for r in range(self.table.rowCount()):
                name, duration = self.table.item(r, 0), self.table.item(r, 1)
                pid = name.data(_ID_ROLE)
                font = name.font()
                font.setBold(pid == path_id)
                name.setFont(font)
                if pid != path_id:
                    duration.setText(format_clock(self._durations.get(pid, 0.0)))
        if path_id and not self._position_text:  # a new mark, or a list built again
            self.set_position(path_id, self._position_s)

    def _update_enabled(self) -> None:
        has = bool(self.selected_path())
        for w in (
            self.play_button,
            self.trim_button,
            self.trim_start,
            self.trim_end,
            self.retime_button,
            self.smooth_button,
            self.reverse_button,
            self.delete_button,
            self.export_button,
            self.forget_controls_action,
        ):
            w.setEnabled(has)

    def _select_row_of(self, path_id: str) -> None:
        self.table.clearSelection()
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(_ID_ROLE) == path_id:
                self.table.selectRow(r)
                return

    @staticmethod
    def _spin(low: float, high: float, value: float, suffix: str, tip: str):
        spin = QtWidgets.QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setDecimals(2)
        spin.setSingleStep(0.25 if suffix.strip() == "×" else 0.1)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        return spin

    @staticmethod
    def _label(text: str, buddy: QtWidgets.QWidget) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel(text)
        label.setBuddy(buddy)
        buddy.setAccessibleName(text)
        return label

    @staticmethod
    def _row(*widgets: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(4)  # the right column fits a 1024 px wide window
        for w in widgets:
            row.addWidget(w)
        row.addStretch(1)
        return row
