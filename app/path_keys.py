"""Keys for playing paths without the mouse (QA s19 M7: a performer's hands stay on the keys).

Playback → Paths: 1-9 play the list's first to ninth path with its own Loop and Speed (again:
from its start); L turns Loop on or off for the selected path, or the playing one, at once.
Shortcuts of the window, so they work wherever the focus is, except in a text field, which
takes its typed keys first (the finder, a path being renamed).

Thread: GUI thread.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

PATH_KEYS = 9


def install_path_keys(window: QtWidgets.QMainWindow, paths) -> QtWidgets.QMenu:
    """Add Playback → Paths to ``window`` for ``paths`` (a PathsController); returns it."""
    playback = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Playback"
    )
    menu = playback.addMenu("Pa&ths")

    def add(name: str, text: str, key: str, slot) -> None:
        act = QtGui.QAction(text, window)
        act.setShortcut(QtGui.QKeySequence(key))
        act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(slot)
        menu.addAction(act)
        window.addAction(act)
        window.actions_by_name[name] = act

    for n in range(1, PATH_KEYS + 1):
        add(f"play_path_{n}", f"Play Path {n}", str(n), lambda _=False, n=n: play_nth(paths, n))
    add("loop_path", "&Loop On/Off", "L", lambda _=False: paths.panel.loop_check.click())
    return menu


def play_nth(paths, n: int) -> bool:
    """Play the ``n``-th path of the list (1: the first) with its own settings; selects it.
    False when the list is shorter."""
    ids = paths.library.ids()
    if not 1 <= n <= len(ids):
        return False
    path_id = ids[n - 1]
    paths.panel.select_path(path_id, as_chosen=True)  # Loop and Speed show its own
    return paths.play(path_id, *paths.transport.settings(path_id))
