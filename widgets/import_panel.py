"""Import feedback: a status-bar progress widget with cancel, and the list of files that failed
(or were imported cut short)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

LABEL_WIDTH_PX = 320


class ImportProgress(QtWidgets.QWidget):
    """ "Importing 12 / 80 — kick.wav" with a progress bar, a cancel button and a failures link.

    Hidden while idle. Signals: ``cancelRequested()``; ``showFailuresRequested()`` when the
    user clicks the "N failed" button; ``finished(text)`` with an import's whole outcome.
    """

    cancelRequested = QtCore.Signal()
    showFailuresRequested = QtCore.Signal()
    finished = QtCore.Signal(str)  # an import's outcome, whole (see :meth:`finish`)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = QtWidgets.QLabel()
        self._label.setFixedWidth(LABEL_WIDTH_PX)
        self._bar = QtWidgets.QProgressBar()
        self._bar.setFixedWidth(180)
        self._bar.setTextVisible(False)
        self.cancel_button = QtWidgets.QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.failures_button = QtWidgets.QToolButton()
        self.failures_button.setStyleSheet(f"color: {theme.ERROR};")
        self.failures_button.clicked.connect(self.showFailuresRequested)
        self.failures_button.hide()
        self._cancelling = False
        self._full_text = ""
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.failures_button)
        self.hide()

    def set_progress(self, done: int, total: int, text: str = "") -> None:
        """Show progress: ``done`` of ``total`` files (total 0: busy, no known end). While
        cancelling, only the bar moves: the label keeps saying so."""
        self._bar.setRange(0, max(0, int(total)))
        self._bar.setValue(min(int(done), int(total)) if total else 0)
        if self._cancelling:
            return
        head = f"Importing {done} / {total}" if total else "Importing…"
        full = f"{head} — {text}" if text else head
        metrics = self._label.fontMetrics()
        self._label.setText(
            metrics.elidedText(full, QtCore.Qt.TextElideMode.ElideMiddle, LABEL_WIDTH_PX - 4)
        )
        self._label.setToolTip(full)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._bar.show()
        self.show()

    def set_failed_count(self, count: int, cut_short: int = 0) -> None:
        """Show "N failed · M cut short" (clickable) when either count is > 0."""
        parts = [f"{count} failed"] if count else []
        parts += [f"{cut_short} cut short"] if cut_short else []
        self.failures_button.setText(" · ".join(parts))
        self.failures_button.setVisible(bool(parts))

    def finish(self, text: str = "") -> None:
        """Import over: show ``text`` (e.g. "Imported 80 sounds") or hide when empty.

        The failures button stays visible so the list can still be opened.
        """
        self._cancelling = False
        self._bar.hide()
        self.cancel_button.hide()
        # A long outcome ("…; 58 sounds are not on the map until…") is elided: the whole text
        # is the label's tooltip, and ``finished`` hands it on (the window's banner shows it).
        metrics = self._label.fontMetrics()
        shown = metrics.elidedText(text, QtCore.Qt.TextElideMode.ElideRight, LABEL_WIDTH_PX - 4)
        self._label.setText(shown)
        self._label.setToolTip(text if shown != text else "")
        self._full_text = text
        self.setVisible(bool(text) or self.failures_button.isVisible())
        if text:
            self.finished.emit(text)

    def clear(self) -> None:
        """Forget the last import (another project is open): hidden, no failures link."""
        self.set_failed_count(0)
        self.finish("")

    def text(self) -> str:
        """The whole text, elided on screen or not."""
        return self._label.toolTip() if self._bar.isVisible() else self._full_text

    def shown_text(self) -> str:
        """The text as the label shows it (elided with "…" where it does not fit)."""
        return self._label.text()

    def progress(self) -> tuple[int, int]:
        return self._bar.value(), self._bar.maximum()

    def show_cancelling(self) -> None:
        """Say "Cancelling…" until :meth:`finish`; the button is done (the import stops soon)."""
        self._cancelling = True
        self.cancel_button.setEnabled(False)
        self._label.setText("Cancelling…")
        self._label.setToolTip("Cancelling…")

    def _on_cancel_clicked(self) -> None:
        self.show_cancelling()
        self.cancelRequested.emit()


class FailedFilesList(QtWidgets.QTreeWidget):
    """Two columns, file and reason; the full path is in each row's tooltip."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["File", "Reason"])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.header().setStretchLastSection(True)

    def set_failures(self, failures: Sequence[tuple[str, str]]) -> None:
        """``failures``: (path, one-line reason) pairs. A file is named from the folder that
        holds them all (its name included): nested libraries show which folder it is in."""
        self.clear()
        top = common_top([path for path, _ in failures])
        for path, reason in failures:
            item = QtWidgets.QTreeWidgetItem([shown_path(path, top), reason])
            item.setToolTip(0, path)
            item.setToolTip(1, reason)
            item.setData(0, QtCore.Qt.ItemDataRole.UserRole, path)
            self.addTopLevelItem(item)
        self.resizeColumnToContents(0)
        self.setColumnWidth(0, self.columnWidth(0) + 24)

    def failures(self) -> list[tuple[str, str]]:
        """What the list shows, as (path, reason) pairs."""
        out = []
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            out.append((item.data(0, QtCore.Qt.ItemDataRole.UserRole), item.text(1)))
        return out

    def as_text(self) -> str:
        return "\n".join(f"{path}\t{reason}" for path, reason in self.failures())


def folder_above(folders: Iterable[str]) -> str | None:
    """The folder above the one that holds every folder of ``folders`` (the finder and the
    failed-files list show paths from there); None when they share none: no folders,
    absolute and relative ones mixed, other drives."""
    folders = list(folders)
    if not folders:
        return None
    try:
        return os.path.dirname(os.path.commonpath(folders))
    except ValueError:
        return None


def common_top(paths: Sequence[str]) -> str | None:
    """:func:`folder_above` the folders of the absolute paths of ``paths`` (its name is shown
    first); None for a lone file."""
    parents = [os.path.dirname(p) for p in paths if os.path.isabs(p)]
    return folder_above(parents) if len(paths) >= 2 else None


def shown_path(path: str, top: str | None) -> str:
    """``path`` from ``top`` ("Drums/Kicks/click.wav"), or its name alone without one."""
    if top is None or not os.path.isabs(path):
        return PurePath(path).name or path
    return os.path.relpath(path, top)


class FailedFilesDialog(QtWidgets.QDialog):
    """A dialog listing files that could not be imported, with a copy-to-clipboard button."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files not imported, or cut short")
        self.resize(640, 360)
        self._summary = QtWidgets.QLabel()
        self._summary.setWordWrap(True)
        self.list = FailedFilesList()
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton(
            "Copy list", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.clicked.connect(self._on_copy_clicked)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self._summary)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def set_failures(
        self, failures: Sequence[tuple[str, str]], noted: Sequence[tuple[str, str]] = ()
    ) -> None:
        """``failures``: (path, reason) of files not imported; ``noted``: (path, note) of
        files imported with a remark (cut short), listed after them."""
        n, m = len(failures), len(noted)
        text = (
            f"{n} file{'s' if n != 1 else ''} could not be imported. The rest of the import "
            "went ahead; nothing else was changed."
            if n
            else ""
        )
        if m:
            text += (
                f" {m} file{'s' if m != 1 else ''} ended before {'their' if m != 1 else 'its'}"
                " header said: what was there was imported."
            )
        self._summary.setText(text.strip())
        self.list.set_failures([*failures, *((p, f"imported, but {r}") for p, r in noted)])

    def _on_copy_clicked(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self.list.as_text())
