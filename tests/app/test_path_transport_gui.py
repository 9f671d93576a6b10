"""A path transport a performer can play with (QA s19 M1, M2, L3, L4), in the real window with
the real (silent, clock-paced) audio engine: record over a running loop, change speed and loop
while a path plays, keep each path's loop and speed in the project, see which path plays."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from latentscape.engines.paths import ITEM_KIND, path_from_item
from support.app_window import LEFT, wait_ready
from support.paths_gui import drag, record_drag


def play_looped(qtbot, paths, c, pid: str):
    """Select ``pid`` in the list, tick Loop and press Play, as a user does; its voice."""
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)  # the recording's scrub is gone
    paths.panel.select_path(pid)
    paths.panel.loop_check.setChecked(True)
    paths.panel.play_button.click()
    assert paths.player.is_playing and paths.player.loop and paths.player.path_id == pid
    return paths.player.handle


def ticks_of(paths) -> list[tuple[float, float]]:
    """(voice seconds played, cursor's path seconds) at each cursor tick from now on."""
    seen: list[tuple[float, float]] = []
    paths.player.moved.connect(lambda _id, head: seen.append((paths.player.played_s, head)))
    return seen


def test_recording_over_a_looping_path_keeps_it_playing(paths, opened, qtbot):
    c, view = opened.controller, opened.map_view
    first, *_ = record_drag(qtbot, paths, opened)
    voice = play_looped(qtbot, paths, c, first)
    qtbot.keyClick(view, QtCore.Qt.Key.Key_R)  # R over the running loop
    assert paths.recording and paths.player.is_playing
    xy = view.positions()
    drag(qtbot, view, xy.max(axis=0), xy.min(axis=0))
    with qtbot.waitSignal(paths.recorded) as rec:
        qtbot.keyClick(view, QtCore.Qt.Key.Key_R)
    second = rec.args[0]
    assert second != first and paths.library.path(second).point_count > 2
    assert [r[0] for r in paths.panel.rows()] == ["Path 1", "Path 2"]
    # the loop played on under the take, the same voice, and still does
    assert paths.player.is_playing and paths.player.handle is voice and not voice.finished
    played = voice.played_s
    qtbot.waitUntil(lambda: voice.played_s > played + 0.1, timeout=5000)
    assert paths.panel.playing_path() == first
    # the new path plays as recorded (once), whichever path's Loop was shown (review R8)
    assert paths.panel.selected_path() == second and not paths.panel.loop_check.isChecked()
    assert paths.library.path(second).meta == {}


def test_a_speed_change_is_heard_from_where_the_path_is(paths, opened, qtbot):
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    duration = paths.library.path(pid).duration_s
    voice = play_looped(qtbot, paths, c, pid)
    ticks = ticks_of(paths)
    qtbot.waitUntil(lambda: voice.played_s > 0.6 * duration, timeout=5000)
    asked_at = voice.played_s
    paths.panel.speed.setValue(0.5)
    assert paths.player.speed == 0.5 and paths.player.handle is voice  # no new voice
    qtbot.waitUntil(lambda: voice.path_segment[2] == 0.5, timeout=5000)
    voice_s, path_s, _, _ = voice.path_segment
    # taken up a little after it was asked (the voice's queue), from where the path had got
    # to at 1 ×: not from its start
    assert asked_at <= voice_s < asked_at + 0.5
    assert path_s == pytest.approx(voice_s % duration, abs=1e-6)
    qtbot.waitUntil(lambda: voice.played_s > voice_s + 0.4, timeout=5000)
    assert not voice.finished
    played, head = np.array(ticks).T
    step_played, step_head = np.diff(played), np.mod(np.diff(head), duration)
    before, after = played[1:] <= asked_at, played[:-1] >= voice_s
    assert before.sum() >= 3 and after.sum() >= 5
    # the cursor ran at 1 × before, at 0.5 × after, and never jumped in between
    assert step_head[before].sum() == pytest.approx(step_played[before].sum(), rel=0.02)
    assert step_head[after].sum() == pytest.approx(0.5 * step_played[after].sum(), rel=0.02)
    assert np.all(step_head <= step_played + 1e-6)
    stored = path_from_item(c.store.items(ITEM_KIND)[0])
    assert stored.meta == {"loop": True, "speed": 0.5}


def test_loop_off_while_playing_ends_the_path_at_its_end(paths, opened, qtbot):
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    duration = paths.library.path(pid).duration_s
    voice = play_looped(qtbot, paths, c, pid)
    ticks = ticks_of(paths)
    qtbot.waitUntil(lambda: voice.played_s > 1.3 * duration, timeout=5000)  # a 2nd cycle
    paths.panel.loop_check.click()
    assert not paths.player.loop
    qtbot.waitUntil(lambda: not voice.path_segment[3], timeout=5000)
    voice_s, path_s, speed, _ = voice.path_segment
    qtbot.waitUntil(lambda: not paths.player.is_playing, timeout=10_000)
    played, head = np.array(ticks).T
    end_s = voice_s + (duration - path_s) / speed  # the end of the cycle under way
    assert played.max() <= end_s + 0.15 < end_s + duration  # not one more cycle
    assert played.max() >= end_s - 0.1 and head.max() > 0.7 * duration
    assert not paths.panel.stop_button.isEnabled() and paths.panel.playing_path() == ""
    assert paths.library.path(pid).meta == {}  # played once at 1 ×: the defaults


def test_loop_and_speed_belong_to_each_path_and_are_kept_in_the_project(
    paths, opened, qtbot, tiny_project
):
    c, panel = opened.controller, paths.panel
    a, *_ = record_drag(qtbot, paths, opened)
    b, *_ = record_drag(qtbot, paths, opened)
    panel.select_path(a)
    panel.loop_check.click()
    panel.speed.setValue(0.5)
    table = panel.table
    qtbot.mouseClick(table.viewport(), LEFT, pos=table.visualItemRect(table.item(1, 0)).center())
    assert panel.selected_path() == b
    assert not panel.loop_check.isChecked() and panel.speed.value() == 1.0  # b's own
    qtbot.mouseClick(table.viewport(), LEFT, pos=table.visualItemRect(table.item(0, 0)).center())
    assert panel.loop_check.isChecked() and panel.speed.value() == 0.5  # a's, restored
    # Space plays a path with its own settings, whichever is selected
    panel.select_path(b)
    c.last_played = ("path", a)
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)
    with qtbot.waitSignal(paths.player.started):
        opened.actions_by_name["play_stop"].trigger()
    assert (paths.player.path_id, paths.player.loop, paths.player.speed) == (a, True, 0.5)
    paths.stop()
    # how a path plays is no edit: nothing for Undo to take back (one entry per spin step)
    assert not paths.library.can_undo
    # and they are in the project: reopened from disk, a still loops at 0.5 ×
    c.open_project(tiny_project)
    qtbot.waitUntil(lambda: len(panel.rows()) == 2 and not c.busy, timeout=30_000)
    wait_ready(qtbot, c, points=8)
    ids = paths.library.ids()
    assert paths.library.path(ids[0]).meta == {"loop": True, "speed": 0.5}
    assert paths.library.path(ids[1]).meta == {}
    qtbot.mouseClick(table.viewport(), LEFT, pos=table.visualItemRect(table.item(0, 0)).center())
    assert panel.loop_check.isChecked() and panel.speed.value() == 0.5


def test_the_playing_row_shows_a_marker_and_where_the_path_is(paths, opened, qtbot):
    c = opened.controller
    pid, *_ = record_drag(qtbot, paths, opened)
    duration = paths.panel.rows()[0][1]
    length = re.escape(duration)
    play_looped(qtbot, paths, c, pid)
    assert paths.panel.playing_path() == pid and paths.panel.table.item(0, 0).font().bold()
    readout = re.compile(rf"▶ 0:00\.\d / {length}")
    first = paths.panel.rows()[0][1]
    assert readout.fullmatch(first)
    qtbot.waitUntil(lambda: paths.panel.rows()[0][1] != first, timeout=5000)  # it moves
    assert readout.fullmatch(paths.panel.rows()[0][1])
    paths.panel.stop_button.click()
    assert paths.panel.rows()[0][1] == duration
    assert paths.panel.playing_path() == "" and not paths.panel.table.item(0, 0).font().bold()


def test_number_keys_play_paths_and_l_loops_them(paths, opened, qtbot):
    """QA s19 M7: no key played a path or turned Loop on; a performer needs both."""
    c, view = opened.controller, opened.map_view
    first, *_ = record_drag(qtbot, paths, opened)
    second, *_ = record_drag(qtbot, paths, opened)
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)
    view.setFocus()
    with qtbot.waitSignal(paths.player.started) as started:
        qtbot.keyClick(view, QtCore.Qt.Key.Key_2)
    assert started.args == [second] and paths.panel.selected_path() == second
    qtbot.keyClick(view, QtCore.Qt.Key.Key_L)
    assert paths.player.loop and paths.library.path(second).meta == {"loop": True}
    with qtbot.waitSignal(paths.player.started) as started:
        qtbot.keyClick(view, QtCore.Qt.Key.Key_1)
    assert started.args == [first] and not paths.player.loop  # the first's own: once
    qtbot.keyClick(view, QtCore.Qt.Key.Key_9)  # no ninth path: nothing changes
    assert paths.player.path_id == first
    assert "Play Path 1" in [a.text() for a in opened.findChildren(QtGui.QAction)]


def test_a_number_key_shows_its_paths_own_loop_and_speed(paths, opened, qtbot):
    """QA s22 #1: 1-9 played a path while Loop and Speed still showed the one selected
    before, so L (and Speed) then wrote that path's settings into the one playing."""
    c, view = opened.controller, opened.map_view
    first, *_ = record_drag(qtbot, paths, opened)
    second, *_ = record_drag(qtbot, paths, opened)
    qtbot.waitUntil(lambda: not c.is_playing(), timeout=10_000)
    panel = paths.panel
    for pid, loop, speed in ((first, True, 3.0), (second, False, 0.5)):
        panel.table.selectRow(paths.library.ids().index(pid))  # as a click in the list
        panel.loop_check.setChecked(loop)
        panel.speed.setValue(speed)
    assert panel.selected_path() == second
    view.setFocus()
    with qtbot.waitSignal(paths.player.started):
        qtbot.keyClick(view, QtCore.Qt.Key.Key_1)
    assert panel.selected_path() == first
    assert panel.loop_check.isChecked() and panel.speed.value() == pytest.approx(3.0)
    qtbot.keyClick(view, QtCore.Qt.Key.Key_L)  # the first stops looping, at its own speed
    assert not paths.player.loop and paths.player.speed == pytest.approx(3.0)
    assert paths.transport.settings(first) == (False, pytest.approx(3.0))
    assert paths.transport.settings(second) == (False, pytest.approx(0.5))
