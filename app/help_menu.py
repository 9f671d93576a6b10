"""The Help menu: keyboard shortcuts, the documentation, About.

The shortcuts box is made from the window's actions when it opens, so it lists every key a
menu or a feature gives (their real shortcuts, not a copy that can drift), beside the mouse
gestures of the map. The toolbar's tooltips name the same keys ("Play / Stop (Space)"). About
names the version, the licence, where the documentation is, and the versions a bug report
needs.

Thread: GUI thread only.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

import latentscape

APP_NAME = "latentscape"
LICENCE = "MIT"
GESTURES: tuple[tuple[str, str], ...] = (
    ("Click a point", "hear it"),
    ("Click between points", "hear what the model finds there"),
    ("Drag", "scrub through the map"),
    ("Right-drag, Shift+drag", "pan"),
    ("Wheel", "zoom"),
    ("Ctrl+click", "mark a sound"),
    ("Ctrl+drag", "mark the sounds in a box"),
    ("Click a legend group", "hide or show it"),
    ("Drop files or folders", "import them"),
    ("Drag a gallery tile to the map", "add it among the sounds"),
)
LIST_KEYS: tuple[tuple[str, str], ...] = (  # keys of the paths list, not actions of the window
    ("Space", "play the path chosen in the list"),
    ("F2", "rename the path"),
    ("Delete", "delete the path (Undo brings it back)"),
)
DOCS: tuple[tuple[str, str], ...] = (
    ("README.md", "Getting started, the map, keys and models"),
    ("docs/path_formats.md", "Path export formats"),
    ("docs/osc.md", "The OSC address scheme"),
)


def key_text(action: QtGui.QAction) -> str:
    """The action's shortcut as the platform writes it ("Ctrl+Shift+I"; "" without one)."""
    return action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)


def label_of(action: QtGui.QAction) -> str:
    """The action's menu text without its mnemonic ampersand or trailing dots."""
    return action.text().replace("&", "").rstrip("…").strip()


def shortcut_rows(window: QtWidgets.QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, key, what) for every action of ``window`` that has a shortcut: those of the menu
    bar under their menu's name, in menu order, then the window's other actions ("Other")."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QtWidgets.QMenu, title: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), title)
            elif key_text(action) and id(action) not in seen:
                seen.add(id(action))
                rows.append((title, key_text(action), label_of(action)))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.text().replace("&", ""))
    for action in window.findChildren(QtGui.QAction):
        if key_text(action) and id(action) not in seen and action.isEnabled():
            seen.add(id(action))
            rows.append(("Other", key_text(action), label_of(action) or action.toolTip()))
    return rows


def folded(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``rows`` with runs of numbered keys in one row: "1" … "9" for "Play Path 1" … "Play
    Path 9" become ("1–9", "Play Path 1–9")."""
    out: list[tuple[str, str, str]] = []
    run: list[tuple[str, str, str]] = []

    def numbered(row: tuple[str, str, str]) -> bool:
        return row[1].isdigit() and row[2].endswith(f" {row[1]}")

    def flush() -> None:
        if len(run) > 2:
            (menu, first, what), last = run[0], run[-1][1]
            out.append((menu, f"{first}–{last}", f"{what[: -len(first)]}{first}–{last}"))
        else:
            out.extend(run)
        run.clear()

    for row in rows:
        if numbered(row) and run and run[-1][0] == row[0] and int(run[-1][1]) + 1 == int(row[1]):
            run.append(row)
            continue
        flush()
        if numbered(row):
            run.append(row)
        else:
            out.append(row)
    flush()
    return out


def _section(title: str, rows: list[tuple[str, str]], first: bool = False) -> str:
    margin = "0" if first else "10px"
    cells = "".join(
        f"<tr><td style='padding-right:12px'><b>{html.escape(k)}</b></td>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return (
        f"<p style='margin:{margin} 0 2px 0'><i>{html.escape(title)}</i></p>"
        f"<table cellspacing='1'>{cells}</table>"
    )


def shortcuts_html(window: QtWidgets.QMainWindow) -> str:
    """The shortcuts box's text, three columns: the map's mouse gestures and the paths list's
    keys, then the window's keys by menu (split in two columns)."""
    menus: dict[str, list[tuple[str, str]]] = {}
    for title, key, what in folded(shortcut_rows(window)):
        menus.setdefault(title, []).append((key, what))
    left = _section("Map", list(GESTURES), first=True) + _section("Paths list", list(LIST_KEYS))
    columns, count, half = ["", ""], 0, sum(len(r) + 2 for r in menus.values()) / 2
    for title, rows in menus.items():
        column = 0 if count < half else 1
        columns[column] += _section(title, rows, first=not columns[column])
        count += len(rows) + 2
    cells = "".join(
        f"<td valign='top' style='padding-right:26px'>{c}</td>" for c in (left, *columns)
    )
    return f"<table><tr>{cells}</tr></table>"


class TextBox(QtWidgets.QDialog):
    """A rich text in a box that fits the screen (scrolled where it does not), with Close."""

    def __init__(self, parent: QtWidgets.QWidget, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.label = QtWidgets.QLabel(text)
        self.label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextBrowserInteraction)
        self.label.setOpenExternalLinks(True)
        self.label.setContentsMargins(12, 12, 12, 12)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.label)
        scroll.setWidgetResizable(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        screen = (parent.screen() or QtGui.QGuiApplication.primaryScreen()).availableGeometry()
        want = self.label.sizeHint() + QtCore.QSize(40, 70)
        self.resize(
            min(want.width(), int(screen.width() * 0.9)),
            min(want.height(), int(screen.height() * 0.9)),
        )

    def text(self) -> str:
        return self.label.text()


def docs_folder() -> Path | None:
    """The source tree's top folder when the README and docs/ are there (a checkout or an
    editable install); None for an installed wheel, which does not carry them."""
    top = Path(latentscape.__file__).resolve().parent.parent
    return top if (top / "README.md").is_file() and (top / "docs").is_dir() else None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_html() -> str:
    """About's text: version, licence, where the documentation is, versions for bug reports."""
    top = docs_folder()
    if top is not None:
        links = "".join(
            f"<li><a href='{QtCore.QUrl.fromLocalFile(str(top / rel)).toString()}'>"
            f"{html.escape(rel)}</a>: {html.escape(what)}</li>"
            for rel, what in DOCS
        )
        where = f"<p>Documentation, in {html.escape(str(top))}:</p><ul>{links}</ul>"
    else:
        where = (
            "<p>Documentation: README.md and docs/ (path formats, OSC) in the source "
            "distribution; <code>latentscape --help</code> for the command line.</p>"
        )
    runtime = (
        f"Python {platform.python_version()} · Qt {QtCore.qVersion()} · "
        f"PySide6 {_version('PySide6-Essentials')} · torch {_version('torch')}"
    )
    return (
        f"<h3>{APP_NAME} {html.escape(latentscape.__version__)}</h3>"
        "<p>Explore the latent space of neural audio models: map your sounds, click between "
        "them, drag and hear them morph.</p>"
        f"<p>Licence: {LICENCE}. The demo's sounds and model: see "
        "resources/demo/PROVENANCE.md.</p>"
        f"{where}<p style='color:gray'>{html.escape(runtime)}</p>"
    )


class HelpMenu(QtCore.QObject):
    """Fills ``menu`` (the window's Help menu); ``add_action(menu, name, text, slot, key)``
    is :meth:`MainMenus._act`, so the actions are the window's like any other."""

    def __init__(self, window: QtWidgets.QMainWindow, menu: QtWidgets.QMenu, add_action) -> None:
        super().__init__(window)
        self.w = window
        add_action(menu, "shortcuts", "&Keyboard Shortcuts", self.show_shortcuts, "F1")
        add_action(menu, "docs", "&Documentation", self.open_docs).setEnabled(
            docs_folder() is not None
        )
        menu.addSeparator()
        add_action(menu, "about", f"&About {APP_NAME}", self.show_about)
        self.dialog: TextBox | None = None  # the last box shown (tests read it)

    def _show(self, title: str, text: str) -> None:
        self.dialog = TextBox(self.w, title, text)
        self.dialog.show()

    def show_shortcuts(self) -> None:
        """F1: the mouse gestures and every key the window's actions have (not modal)."""
        self._show("Keyboard shortcuts", shortcuts_html(self.w))

    def show_about(self) -> None:
        self._show(f"About {APP_NAME}", about_html())

    def open_docs(self) -> None:
        """The README in the system's viewer (a checkout or an editable install has it)."""
        top = docs_folder()
        if top is not None:
            QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(top / "README.md")))
