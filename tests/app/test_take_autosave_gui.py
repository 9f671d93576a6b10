"""The take being recorded is kept in the project (QA s19 M4): a crash during a take loses at
most the last autosave interval of it, and the next open recovers it as a path.

Everything is real: the main window with the paths controller, the tiny project and model, the
SQLite file, and for the crash a child process running the same window, recording a drag, that
is SIGKILLed mid-take.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from latentscape.engines.paths import ITEM_KIND, LatentPath, path_from_item, path_to_item
from latentscape.paths_controller import attach_paths
from latentscape.project_store import ProjectStore
from latentscape.take_autosave import AUTOSAVE_MS, TAKE_KIND, recover_takes, take_item
from support.app_window import wait_ready
from support.paths_gui import drag

# The child: the real window on the project, a drag recorded back and forth across the map
# until it is killed. It prints each move ("move x y t") and each autosave ("saved n").
_RECORDER = """
import math, sys, time
from PySide6 import QtCore, QtWidgets
app = QtWidgets.QApplication([])
from latentscape.main_window import MainWindow
from latentscape.paths_controller import attach_paths
from latentscape.settings import AppSettings

w = MainWindow(AppSettings(sys.argv[2]), player="silent", warm_up=False)
w.ask_unsaved = lambda: "discard"
w.show()
paths = attach_paths(w)
c = w.controller
c.sync.auto_refine = False
c.open_project(sys.argv[1])

def wait(ms):
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(ms, loop.quit)
    loop.exec()

deadline = time.monotonic() + 120
while c.busy or c.audio.engine is None or len(c.state) < 8 or c.state.atlas is None:
    wait(50)
    assert time.monotonic() < deadline, "the project never got ready"
c._scrub_rest.setInterval(600_000)  # no rest on a dot: every point is one of the moves below
paths.takes.saved.connect(lambda n, s: print("saved", n, flush=True))
c.set_recording(True)
k = 0
x, y = 0.1, 0.5
c.scrub_begin(x, y)
print("move", x, y, time.monotonic(), flush=True)
while True:
    wait(25)
    k += 1
    x = 0.1 + 0.8 * abs((k / 80) % 2 - 1)
    y = 0.5 + 0.3 * math.sin(k / 9)
    c.scrub_move(x, y)
    print("move", x, y, time.monotonic(), flush=True)
"""


def test_a_take_killed_mid_recording_is_recovered_at_the_next_open(
    window, qtbot, tiny_project, tmp_path
):
    proc = subprocess.Popen(
        [sys.executable, "-c", _RECORDER, str(tiny_project), str(tmp_path / "child.ini")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    watchdog = threading.Timer(240, proc.kill)  # a child that hangs fails the test, not CI
    watchdog.start()
    moves: list[tuple[float, float, float]] = []  # (x, y, monotonic s) of each move
    saves: list[int] = []  # points written by each autosave
    second_save_at = None
    try:
        for line in proc.stdout:
            word, *rest = line.split()
            if word == "move":
                moves.append(tuple(float(v) for v in rest))
            elif word == "saved":
                saves.append(int(rest[0]))
                if len(saves) == 2 and moves:
                    second_save_at = moves[-1][2]
            # two autosaves in, and a second of the take after them: kill it mid-take
            if second_save_at is not None and moves[-1][2] > second_save_at + 1.0:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
        proc.kill()
    assert proc.returncode == -signal.SIGKILL and len(saves) >= 2, (proc.returncode, saves)
    killed_after = moves[-1][2]

    with ProjectStore.open(tiny_project) as store:  # what the crash left: the take, no path
        assert store.items(ITEM_KIND) == []
        (take,) = store.items(TAKE_KIND)
        assert take.meta["point_count"] >= saves[-1]

    c = window.controller
    paths = attach_paths(window)
    c.sync.auto_refine = False
    shown: list[str] = []  # the status bar's text as each "Recovered" line arrives

    def on_message(text: str) -> None:
        if text.startswith("Recovered"):
            shown.append(window.statusBar().currentMessage())

    c.message.connect(on_message)  # after the window's own slot: it has shown the text
    with qtbot.waitSignal(
        c.message, timeout=60_000, check_params_cb=lambda m: m.startswith("Recovered")
    ) as said:
        c.open_project(tiny_project)
        wait_ready(qtbot, c, points=8)
    assert "Recovered Path 1 (recovered)" in said.args[0]
    assert shown == [said.args[0]]  # in the status bar, after the project's "Opened" line
    # and in the banner, unless it holds another message (here: the silent player's warning)
    assert window.banner.text() == said.args[0] or window.banner.level() == "warning"
    assert [name for name, *_ in paths.panel.rows()] == ["Path 1 (recovered)"]
    path = paths.library.path(paths.library.ids()[0])
    assert path.point_count >= saves[-1]
    # The points are the moves recorded, in order (the last one held to the autosave).
    kept = path.point_count - 1
    np.testing.assert_allclose(path.xy[:kept], [m[:2] for m in moves[:kept]], atol=1e-6)
    np.testing.assert_allclose(
        path.times_s[:kept], [m[2] - moves[0][2] for m in moves[:kept]], atol=0.05
    )
    assert path.model_hash == c.model.info.space and path.plays_with(c.model.info)
    # At most one autosave interval was lost (and the time a write takes on a busy machine).
    lost_s = killed_after - moves[kept - 1][2]
    assert lost_s <= AUTOSAVE_MS / 1000 + 1.0, lost_s
    # In the project as a path now; the take is gone, so a second open recovers nothing.
    assert [i.name for i in c.store.items(ITEM_KIND)] == ["Path 1 (recovered)"]
    assert c.store.items(TAKE_KIND) == []


def test_a_take_is_kept_while_it_records_and_becomes_the_path_when_it_ends(paths, opened, qtbot):
    c, view = opened.controller, opened.map_view
    xy = view.positions()
    c.set_recording(True)
    c._scrub_rest.setInterval(60_000)
    drag(qtbot, view, xy.min(axis=0), xy.max(axis=0))
    with qtbot.waitSignal(  # an autosave of the whole drag (one during it may land first)
        paths.takes.saved, timeout=AUTOSAVE_MS + 5000, check_params_cb=lambda n, s: n >= 30
    ) as saved:
        pass
    (take,) = c.store.items(TAKE_KIND)
    assert take.meta["point_count"] == saved.args[0] >= 30
    assert c.store.items(ITEM_KIND) == []  # not a path yet
    with qtbot.waitSignal(paths.recorded):
        c.set_recording(False)
    assert c.store.items(TAKE_KIND) == []  # the path took its place
    assert [i.name for i in c.store.items(ITEM_KIND)] == ["Path 1"]
    # A take that ends with nothing to keep leaves nothing (here it was written once, so
    # the removal is seen); no autosave runs once the take ended.
    c.set_recording(True)
    with qtbot.waitSignal(paths.takes.saved, timeout=AUTOSAVE_MS + 5000):
        c.audition_position(0.5, 0.5)
    assert len(c.store.items(TAKE_KIND)) == 1
    paths.takes.discard()
    assert c.store.items(TAKE_KIND) == []
    qtbot.wait(AUTOSAVE_MS + 300)
    assert c.store.items(TAKE_KIND) == [] and len(c.store.items(ITEM_KIND)) == 1


def _take(store, seconds: float, latent: int = 4) -> LatentPath:
    t = np.linspace(0.0, seconds, 12)
    path = LatentPath(t, np.stack([t / seconds, t / seconds], 1), np.ones((12, latent)), seed=5)
    payload, meta = take_item(path, layout=None)
    with store.transaction():
        store.put_item(TAKE_KIND, "take in progress", payload, meta)
    return path


def test_a_recovered_take_is_numbered_after_the_paths_and_keeps_its_points(tmp_path):
    with ProjectStore.create(tmp_path / "p.lsc") as store:
        for name in ("Path 1", "Path 2 (recovered)", "bass swell"):
            store.put_item(ITEM_KIND, *path_to_item(_take(store, 1.0).replace(name=name)))
        for item in store.items(TAKE_KIND):
            store.delete_item(item.id)
        take = _take(store, 3.5)
        assert recover_takes(store) == (["Path 3 (recovered)"], [])
        got = [i for i in store.items(ITEM_KIND) if i.name == "Path 3 (recovered)"]
        back = path_from_item(got[0])
        assert back.equals(take.replace(name="Path 3 (recovered)"))
        assert store.items(TAKE_KIND) == []
        assert recover_takes(store) == ([], [])


def test_a_take_another_running_app_records_is_left_to_it(tmp_path):
    """Two copies of the app on one project: the one that opens it does not take the other's
    take under way; once that process is gone, the take is recovered."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with ProjectStore.create(tmp_path / "p.lsc") as store:
            _take(store, 2.0)
            with store.transaction() as conn:  # as that process wrote it
                item = store.items(TAKE_KIND)[0]
                meta = {**item.meta, "pid": other.pid}
                conn.execute("UPDATE items SET meta = ? WHERE id = ?", (json.dumps(meta), item.id))
            assert recover_takes(store) == ([], [])
            assert len(store.items(TAKE_KIND)) == 1
            other.kill()
            other.wait()
            assert recover_takes(store) == (["Path 1 (recovered)"], [])
    finally:
        other.kill()


@pytest.mark.parametrize("damage", [b"not an npz", b""])
def test_a_damaged_take_is_reported_and_left(tmp_path, damage):
    with ProjectStore.create(tmp_path / "p.lsc") as store:
        store.put_item(TAKE_KIND, "take in progress", damage, {"seed": 0})
        names, errors = recover_takes(store)
        assert names == [] and len(errors) == 1
        assert errors[0].startswith("an autosaved take could not be recovered")
        assert len(store.items(TAKE_KIND)) == 1  # left for a later version to read
