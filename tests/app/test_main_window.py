"""MainWindow: layout, menus and shortcuts, settings remembered between runs, banner, hooks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentscape.gui_main import NO_DEMO_TEXT, _open_start
from latentscape.main_window import MainWindow
from latentscape.settings import AppSettings
from support.app_window import empty_spot, wait_ready

Area = QtCore.Qt.DockWidgetArea


def _menu_texts(window: MainWindow) -> dict[str, list[str]]:
    out = {}
    for action in window.menuBar().actions():
        menu = action.menu()
        out[action.text().replace("&", "")] = [
            a.text().replace("&", "") for a in menu.actions() if a.text()
        ]
    return out


def test_first_run_layout_puts_the_map_in_the_middle_with_panels_around(window):
    assert window.centralWidget().isAncestorOf(window.map_view)
    assert window.dockWidgetArea(window.docks["model"]) == Area.RightDockWidgetArea
    assert window.dockWidgetArea(window.docks["output"]) == Area.BottomDockWidgetArea
    assert window.dockWidgetArea(window.docks["selected"]) == Area.BottomDockWidgetArea
    assert window.docks["output"].widget() is window.live_spectrogram
    assert window.docks["selected"].widget() is window.pair_view
    # The map gets most of the room.
    assert window.map_view.width() > window.width() / 2
    assert window.map_view.height() > window.height() / 3


def test_menus_offer_the_file_playback_and_audio_commands(window):
    menus = _menu_texts(window)
    for item in (
        "Open Model…",
        "New Project",
        "Open Project…",
        "Open Recent",
        "Save",
        "Save As…",
        "Import Sounds…",
        "Import Folder…",
        "Export",
        "Quit",
    ):
        assert item in menus["File"]
    assert {"Play / Stop", "Record Path", "Stop All"} <= set(menus["Playback"])
    assert {"Output Device", "Block Size"} <= set(menus["Audio"])
    acts = window.actions_by_name
    assert acts["play_stop"].shortcut().toString() == "Space"
    assert acts["record"].shortcut().toString() == "R"
    assert acts["record"].isCheckable()


def test_the_banner_says_clearly_when_there_is_no_sound_output(window, qtbot):
    window.controller.start_audio()  # the silent player: no device, by design
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=30_000)
    assert window.banner.level() == "warning"
    assert "No sound output" in window.banner.text()
    assert window.controller.audio.engine.status_reason in window.banner.text()


def test_without_the_demo_the_window_opens_empty_with_a_clear_message(window, qtbot):
    _open_start(window, project=None, model=None, demo=None)
    assert window.banner.text() == NO_DEMO_TEXT
    assert window.map_view.point_count() == 0
    qtbot.waitUntil(lambda: window.controller.audio.engine is not None, timeout=30_000)


def test_settings_are_remembered_between_runs(qtbot, settings_file, tiny_project):
    first = MainWindow(AppSettings(settings_file), player="silent")
    qtbot.addWidget(first)
    first.show()
    c = first.controller
    c.sync.auto_refine = False
    c.open_project(tiny_project)
    wait_ready(qtbot, c, points=8)
    first.actions_by_name["density"].trigger()
    assert first.map_view.density_visible()
    first.docks["selected"].hide()
    first.resize(first.minimumSizeHint().width() + 6, 555)  # the offscreen screen is ~800 px
    qtbot.wait(10)
    size = (first.width(), first.height())
    first.close()

    second = MainWindow(AppSettings(settings_file), player="silent")
    qtbot.addWidget(second)
    second.finish_setup()  # no feature adds a dock here: the saved places are restored
    second.show()
    qtbot.waitExposed(second)
    settings = second.settings
    assert settings.recent_files("projects")[0] == str(tiny_project.resolve())
    assert settings.last_project == str(tiny_project)
    assert settings.recent_files("models")[0].endswith(".ts")
    assert second.map_view.density_visible()
    assert second.actions_by_name["density"].isChecked()
    assert not second.docks["selected"].isVisible()
    assert (second.width(), second.height()) == size
    second.close()


def test_the_whole_window_fits_a_1024_by_600_screen(window, qtbot):
    """With every panel the app adds (paths, gallery), the window can be made small enough
    for a 1024 × 600 netbook or a half-screen tile: a taskbar and a title bar take ~70 px."""
    from latentscape.gui_main import attach_features

    attach_features(window)
    window.finish_setup()
    qtbot.wait(10)
    smallest = window.minimumSizeHint()
    assert smallest.width() <= 1024 and smallest.height() <= 530


def test_recent_files_keep_the_newest_first_without_duplicates(settings_file, tmp_path):
    s = AppSettings(settings_file)
    paths = [tmp_path / f"p{i}.lsc" for i in range(10)]
    for p in paths:
        s.add_recent_file(p)
    s.add_recent_file(paths[3])
    recent = AppSettings(settings_file).recent_files()
    assert recent[0] == str(paths[3].resolve())
    assert len(recent) == 8 and len(set(recent)) == 8
    s.block_frames = 512
    s.audio_device = "JACK"
    again = AppSettings(settings_file)
    assert (again.block_frames, again.audio_device) == (512, "JACK")


def test_other_features_can_attach_panels_and_listen_for_record(window, qtbot):
    paths = QtWidgets.QListWidget()
    gallery = QtWidgets.QLabel("gallery")
    dock_p = window.install_paths_panel(paths)
    dock_g = window.install_gallery_view(gallery)
    assert window.dockWidgetArea(dock_p) == Area.RightDockWidgetArea
    qtbot.waitUntil(lambda: dock_p in window.tabifiedDockWidgets(window.docks["model"]))
    qtbot.waitUntil(lambda: dock_g in window.tabifiedDockWidgets(window.docks["selected"]))
    panels = [a.text() for a in window.menus.docks_menu.actions()]
    assert {"Paths", "Gallery", "Model"} <= set(panels)
    seen = []
    window.controller.recordToggled.connect(seen.append)
    window.actions_by_name["record"].trigger()
    window.actions_by_name["record"].trigger()
    assert seen == [True, False]


def test_hovering_a_point_shows_its_name(opened, qtbot):
    view = opened.map_view
    xy = view.positions()
    qtbot.mouseMove(view.viewport(), pos=view.view_pos(*xy[2]) + QtCore.QPoint(2, 1))
    qtbot.waitUntil(lambda: view.hovered_index() == 2, timeout=3000)
    assert view.hover_text() == opened.controller.state.sound_at(2).name
    assert opened._hover_label.text() == view.hover_text()


def test_a_projects_model_loads_once_its_map_is_drawn(window, qtbot, tiny_project, monkeypatch):
    """A big map is drawn over several event-loop turns; the model's load and speed measure
    (Python on a worker, holding the GIL) wait for the last of them instead of stalling the
    paints. Here 8 sounds drawn 3 at a time stand in for 100,000 drawn 8,000 at a time."""
    from latentscape.widgets import map_points

    monkeypatch.setattr(map_points, "DRAW_CHUNK", 3)
    c, view = window.controller, window.map_view
    c.sync.auto_refine = False
    drawn_at_load: list[tuple[int, int]] = []
    load = c.load_model
    monkeypatch.setattr(
        c,
        "load_model",
        lambda p: drawn_at_load.append((view.drawn_count(), len(c.state))) or load(p),
    )
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.open_project(tiny_project)
    assert view.drawn_count() < 8 and c.model is None  # the model waits, and says it comes
    assert window._busy_label.text().startswith("Loading model")
    wait_ready(qtbot, c, points=8)
    assert drawn_at_load == [(8, 8)] and c.model is not None


def test_a_model_the_user_loads_while_the_projects_waits_for_its_map_is_kept(
    window, qtbot, tiny_project, nn_model, monkeypatch
):
    """The project's model waits for its map to be drawn; a model the user picks meanwhile
    (File → Open Model, a dropped .ts) is the one that plays, not replaced once drawn."""
    from latentscape.widgets import map_points

    monkeypatch.setattr(map_points, "DRAW_CHUNK", 3)
    c, view = window.controller, window.map_view
    c.sync.auto_refine = False
    mine = nn_model(sr=16000, hop=64, latent=4)
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.open_project(tiny_project)
    assert view.drawn_count() < 8
    c.load_model(mine)
    wait_ready(qtbot, c, points=8)
    qtbot.wait(200)  # a load the drawn map would start: it would be under way by now
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)
    assert Path(c.model.path) == Path(mine)


def test_another_project_forgets_the_hovered_name_the_crosshair_and_what_space_replays(
    opened, qtbot, tiny_project
):
    """Sound ids start at 1 in every project: Space after a switch must not play (and select)
    the new project's sound that happens to carry the id last played in the old one; the old
    map's crosshair and hovered name go with it."""
    c, view = opened.controller, opened.map_view
    xy = view.positions()
    qtbot.mouseMove(view.viewport(), pos=QtCore.QPoint(1, 1))  # a move, wherever it was left
    qtbot.wait(20)  # pyqtgraph drops moves faster than ~100 Hz
    qtbot.mouseMove(view.viewport(), pos=view.view_pos(*xy[2]) + QtCore.QPoint(1, 2))
    qtbot.waitUntil(lambda: opened._hover_label.text() != "", timeout=3000)
    c.audition_position(*empty_spot(opened))
    c.audition_sound(c.state.ids[3])
    assert view.cursor_position() is not None and c.last_played == ("sound", c.state.ids[3])
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.open_project(tiny_project)  # the same sounds under the same ids: a worst case
    assert opened._hover_label.text() == "" and view.cursor_position() is None
    qtbot.waitUntil(lambda: not c.busy and not c.is_playing(), timeout=20_000)
    opened.actions_by_name["play_stop"].trigger()  # Space
    assert c.selected_id == -1 and c.last_played is None


def test_the_window_renders(opened, qtbot):
    image = opened.grab().toImage()
    assert image.width() > 700  # the offscreen screen is 800 px: the window fits it
    px = np.array([image.pixelColor(x, y).lightness() for x in range(0, 700, 35) for y in (300,)])
    assert px.std() > 0  # not a blank window


def test_sounds_from_one_folder_are_coloured_by_cluster(window, qtbot, tmp_path, tiny_model):
    from support.app_projects import make_project

    project = make_project(tmp_path, tiny_model, folders=("everything",), per=12)
    c = window.controller
    c.sync.auto_refine = False
    c.open_project(project)
    wait_ready(qtbot, c, points=12)
    labels = window.map_view.legend_labels()
    assert len(labels) >= 3 and all(label.startswith("cluster ") for label in labels)


def test_an_untitled_project_with_sounds_is_not_lost_on_close(window, qtbot, tmp_path, nn_model):
    """Leaving an untitled project that holds sounds asks first: cancel keeps everything open
    and working; save writes it where the user says, then the window closes."""
    from latentscape.paths_controller import attach_paths
    from support.app_projects import write_sounds

    c = window.controller
    paths = attach_paths(window)
    c.load_model(nn_model(sr=16000, hop=64, latent=4))
    qtbot.waitUntil(lambda: not c.busy and c.model is not None, timeout=60_000)
    write_sounds(tmp_path / "kit", count=3)
    assert c.import_paths([str(tmp_path / "kit")])  # no project yet: an untitled one
    qtbot.waitUntil(lambda: not c.busy and len(c.state) == 3, timeout=60_000)
    assert c.holds_unsaved_work()
    asked: list[str] = []
    window.ask_unsaved = lambda: asked.append("?") or "cancel"
    assert not window.close()  # cancelled: still open, nothing shut down
    assert window.isVisible() and c.store is not None and not paths._closed
    c.new_project()  # replacing it asks too
    assert asked == ["?", "?"] and c.holds_unsaved_work()

    (tmp_path / "notes.txt").write_text("mine\n")
    window.ask_unsaved = lambda: "save"
    window.menus.ask_save_path = lambda: str(tmp_path / "notes.txt" / "kept.lsc")
    with qtbot.waitSignal(c.errorOccurred) as failed:  # a copy that cannot be written
        assert not window.close()
    assert "could not save the project as kept.lsc" in failed.args[0]
    assert window.isVisible() and c.holds_unsaved_work() and not paths._closed

    c.set_recording(True)  # Save goes on with a recording under way: it is kept
    c.audition_position(0.5, 0.5)
    saved = tmp_path / "kept.lsc"
    window.menus.ask_save_path = lambda: str(saved)
    assert window.close()
    from latentscape.project_store import ProjectStore

    with ProjectStore.open(saved) as store:
        assert len(store.sounds()) == 3
        assert [item.name for item in store.items("path")] == ["Path 1"]


def test_block_sizes_chosen_in_a_row_start_the_audio_once_after_the_last(
    opened, qtbot, monkeypatch
):
    """Stepping through the Block Size menu while a start runs does not queue one start per
    step: requests are merged, and the status bar says the audio is switching meanwhile."""
    from latentscape import audio_session

    c, w = opened.controller, opened
    starts: list[int] = []
    real_start = audio_session._start_engine

    def counted(cfg, retired):
        starts.append(cfg.block_frames)
        return real_start(cfg, retired)

    monkeypatch.setattr(audio_session, "_start_engine", counted)
    with qtbot.waitSignal(c.audio.started, timeout=30_000) as started:
        for frames in (256, 512, 2048, 512):
            w.menus.set_block(frames)
        assert w._audio_label.text() == "audio: switching…"  # the old engine plays on
    qtbot.waitUntil(lambda: not c.audio.starting, timeout=30_000)
    assert started.args[0] is c.audio.engine and c.audio.engine.block_frames == 512
    assert starts[0] == 256 and starts[-1] == 512 and len(starts) <= 2
    qtbot.waitUntil(lambda: "switching" not in w._audio_label.text(), timeout=5000)


def test_a_block_size_that_fails_to_start_leaves_the_audio_menu_and_settings_as_they_play(
    opened, qtbot, monkeypatch
):
    """The engine of the earlier block size plays on when its successor fails to start: the
    user is told, and the menu and the settings kept for the next run show what plays."""
    from latentscape import audio_session

    c, w = opened.controller, opened
    qtbot.waitUntil(lambda: c.audio.engine is not None and not c.audio.starting, timeout=30_000)
    old, before = c.audio.engine, c.audio.block_frames

    def failing(cfg, retired):
        raise RuntimeError("the device refused that block size")

    monkeypatch.setattr(audio_session, "_start_engine", failing)
    with qtbot.waitSignal(c.errorOccurred, timeout=30_000) as said:
        w.menus.set_block(256)
    assert "could not switch the audio output (the device refused" in said.args[0]
    assert c.audio.engine is old and c.audio.block_frames == before
    assert w.settings.block_frames == before and w.menus._block_actions[before].isChecked()
    qtbot.waitUntil(lambda: "switching" not in w._audio_label.text(), timeout=5000)


def test_another_model_of_as_many_dims_does_not_play_the_projects_sounds(
    opened, qtbot, nn_model, tiny_model
):
    """Latents of one model decoded by another are a wrong sound, even with as many dims:
    the app says which model the sounds need instead of playing them."""
    c = opened.controller
    sound = c.state.sounds[0].id
    with qtbot.waitSignal(c.modelLoaded, timeout=60_000):
        c.load_model(nn_model(sr=16000, hop=64, latent=4, streaming=True))
    assert c.model.engine.latent_size == 4 and not c.decodes_project_latents()
    qtbot.waitUntil(lambda: c.audio.engine is not None, timeout=30_000)
    voices = c.audio.engine.stats().voices
    with qtbot.waitSignal(c.message) as said:
        c.audition_sound(sound)
    assert f"encoded with {tiny_model.name}: load it" in said.args[0]
    assert c.audio.engine.stats().voices == voices
    with qtbot.waitSignal(c.modelLoaded, timeout=60_000):
        c.load_model(tiny_model)
    qtbot.waitUntil(lambda: c.audio.engine is not None, timeout=30_000)
    with qtbot.waitSignal(c.soundAuditioned):
        c.audition_sound(sound)


def test_sounds_left_without_latents_for_the_model_are_counted_on_open(window, qtbot, tiny_project):
    """A re-encode for a new model that was cancelled leaves sounds off the map: opening the
    project says how many, and what brings them back."""
    from latentscape.project_store import ProjectStore

    with ProjectStore.open(tiny_project) as store:
        ids = [s.id for s in store.sounds()][:3]
        with store.transaction() as conn:
            conn.executemany("DELETE FROM latents WHERE sound_id = ?", [(i,) for i in ids])
    c = window.controller
    c.sync.auto_refine = False
    said: list[str] = []
    c.message.connect(said.append)
    c.open_project(tiny_project)
    wait_ready(qtbot, c, points=5)
    assert len(c.state) == 5
    opened = [m for m in said if m.startswith("Opened")]
    assert "; 3 sounds are not on the map until they are encoded with its model" in opened[0]
    assert "import their folders again" in opened[0]


def test_a_project_that_fails_to_open_still_gets_its_model_and_audio(
    window, qtbot, tmp_path, tiny_model
):
    """``latentscape gui bad.lsc --model M``: the error is shown, and the model asked for is
    still loaded and the audio started (the status bar said "audio: starting…" for good)."""
    c = window.controller
    bad = tmp_path / "bad.lsc"
    bad.write_text("not a project\n")
    errors: list[str] = []
    c.errorOccurred.connect(errors.append)
    with qtbot.waitSignal(c.modelLoaded, timeout=60_000):
        c.open_project(bad, model=str(tiny_model))
    assert len(errors) == 1 and "bad.lsc" in errors[0]
    qtbot.waitUntil(lambda: c.audio.engine is not None, timeout=30_000)
    assert c.model.path == str(tiny_model)


def test_a_fitted_map_keeps_its_points_out_from_under_the_legend(opened, qtbot):
    from PySide6 import QtCore

    c, view = opened.controller, opened.map_view
    legend = view._legend
    assert legend.isVisible() and legend.items
    xy = view.positions()
    corner = np.array([[xy[:, 0].min(), xy[:, 1].max()]])  # where a point is most covered
    c.sync.fit()
    qtbot.wait(50)
    box = view.mapFromScene(legend.sceneBoundingRect()).boundingRect()
    assert not any(box.contains(view.view_pos(float(x), float(y))) for x, y in [*xy, *corner])
    before = legend.pos()  # a left drag that starts on the legend scrubs; the legend stays
    start = box.center()
    qtbot.mousePress(view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 6):
        qtbot.wait(12)
        qtbot.mouseMove(view.viewport(), pos=start + QtCore.QPoint(40 * k, 30 * k))
    qtbot.mouseRelease(view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=start)
    assert legend.pos() == before


def test_an_untitled_projects_temp_folder_goes_when_the_window_leaves_it(
    window, qtbot, tiny_project
):
    c = window.controller
    c.sync.auto_refine = False
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.new_project()
    first = c.store.path.parent
    assert first.is_dir() and first.name.startswith("latentscape-untitled-")
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.open_project(tiny_project)
    assert not first.exists()
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.new_project()
    second = c.store.path.parent
    (second / "mine.wav").write_bytes(b"a file the user saved there")
    assert window.close()  # empty: nothing to ask about
    assert sorted(p.name for p in second.iterdir()) == ["mine.wav"]  # theirs stays


def test_save_as_copies_off_the_gui_thread_while_the_window_paints(opened, qtbot, tmp_path):
    """The copy (SQLite backup: seconds for a big project) runs on a thread; the window's
    timers and painting go on meanwhile."""
    from PySide6.QtCore import QTimer

    c = opened.controller
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(0)
    copy = tmp_path / "copy.lsc"
    assert c.save_project_as(copy)
    timer.stop()
    assert ticks, "the event loop stood still during Save As"
    assert c.store.path == copy and len(c.store.sounds()) == 8


def test_open_recent_lists_only_files_that_are_still_there(window, tmp_path):
    kept, gone = tmp_path / "kept.lsc", tmp_path / "gone.lsc"
    kept.write_bytes(b"")
    for path in (gone, kept):
        window.settings.add_recent_file(path)
    menu = window.menus.recent_menu
    menu.aboutToShow.emit()
    names = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert names == ["kept.lsc", "Clear List"]
    assert str(gone.resolve()) in window.settings.recent_files()  # a drive may come back
    (tmp_path / "b").mkdir()
    twin = tmp_path / "b" / "kept.lsc"  # the same name in another folder: both show theirs
    twin.write_bytes(b"")
    window.settings.add_recent_file(twin)
    menu.aboutToShow.emit()
    names = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert names == [
        f"kept.lsc ({tmp_path.resolve() / 'b'})",
        f"kept.lsc ({tmp_path.resolve()})",
        "Clear List",
    ]


def test_the_title_names_the_projects_folder_but_not_an_untitled_ones(opened, qtbot, tmp_path):
    from latentscape.project_session import folder_label

    c = opened.controller
    assert opened.windowTitle() == f"tiny.lsc ({folder_label(c.store.path)}) — latentscape"
    with qtbot.waitSignal(c.projectOpened, timeout=20_000):
        c.new_project()
    assert opened.windowTitle() == "untitled.lsc — latentscape"
    assert folder_label(Path.home() / "kits" / "a.lsc") == "~/kits"
