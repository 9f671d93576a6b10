"""View → Colour By in the real window: the legend and the points' colours follow the choice,
the project keeps it, and an import shows the groups a reopen of the project shows (QA s18
flow M2, review H3).

Everything is real, as in test_main_window.py: Qt views, a tiny nn~ model, a SQLite project
and an AudioEngine with the silent, clock-paced player.
"""

from __future__ import annotations

from support.app_projects import make_project, write_sounds
from support.app_window import READY_MS, wait_ready

NESTED = ("drums/kicks", "drums/snares", "synths/pads")


def _wait_coloured(qtbot, window, points: int) -> None:
    """The project is shown, every sound is on the map and its groups are made."""
    c, colour = window.controller, window.menus.colour_by
    qtbot.waitUntil(
        lambda: (
            len(c.state) == points
            and not c.busy
            and not colour.busy
            and not c.state.colouring_stale
            and window.map_view.drawn_count() == points
        ),
        timeout=READY_MS,
    )


def _colours(view) -> list[str]:
    return [view.point_color(i).name() for i in range(view.point_count())]


def _by_sound(window) -> tuple[dict[int, str], dict[int, str]]:
    """Each sound's group and drawn colour, by sound id."""
    state, view = window.controller.state, window.map_view
    colours = _colours(view)
    return dict(zip(state.ids, state.categories())), dict(zip(state.ids, colours))


def test_switching_the_colouring_changes_the_legend_and_the_point_colours(
    window, qtbot, tmp_path, tiny_model
):
    project = make_project(tmp_path, tiny_model, folders=NESTED, per=3)
    c, view, colour = window.controller, window.map_view, window.menus.colour_by
    c.sync.auto_refine = False
    assert not colour.menu.isEnabled()  # no project yet
    c.open_project(project)
    wait_ready(qtbot, c, points=9)
    assert colour.menu.isEnabled() and colour.actions["folder"].isChecked()
    assert sorted(view.legend_labels()) == ["kicks", "pads", "snares"]
    by_folder = _colours(view)
    assert len(set(by_folder)) == 3
    view.set_group_hidden("pads", True)
    assert view.shown_count() == 6

    colour.actions["top_folder"].trigger()  # as a click on View → Colour By → Top Folder
    _wait_coloured(qtbot, window, 9)
    assert sorted(view.legend_labels()) == ["drums", "synths"]
    assert view.hidden_groups() == set() and view.shown_count() == 9  # shown again
    groups, colours = _by_sound(window)
    drums = {colours[i] for i, g in groups.items() if g == "drums"}
    synths = {colours[i] for i, g in groups.items() if g == "synths"}
    assert len(drums) == 1 and len(synths) == 1 and drums != synths
    assert _colours(view) != by_folder  # kicks and snares now share a colour
    menu = view.group_menu()  # what the legend's "+N more" opens
    assert sorted(a.text() for a in menu.actions()) == ["drums", "synths"]
    menu.actions()[0].toggle()  # hides that group, as a click on its legend entry does
    assert view.shown_count() == 9 - 3 * (2 if menu.actions()[0].text() == "drums" else 1)
    colour.menu.aboutToShow.emit()
    assert not colour.actions["tag"].isEnabled()  # no sound has a tag

    colour.actions["cluster"].trigger()
    _wait_coloured(qtbot, window, 9)
    legend = view.legend_labels()
    assert sorted(legend) == ["cluster 1", "cluster 2", "cluster 3"]
    assert view.hidden_groups() == set() and view.shown_count() == 9
    groups, colours = _by_sound(window)
    for a in groups:  # one colour per cluster, another for each other cluster
        for b in groups:
            assert (colours[a] == colours[b]) == (groups[a] == groups[b])
    assert colour.actions["cluster"].isChecked() and not colour.actions["folder"].isChecked()

    c.open_project(project)  # the project kept the choice
    qtbot.waitUntil(lambda: c.store is not None and c.store.path == project, timeout=READY_MS)
    _wait_coloured(qtbot, window, 9)
    assert colour.mode == "cluster" and colour.actions["cluster"].isChecked()
    assert view.legend_labels() == legend and _by_sound(window) == (groups, colours)


def test_an_import_shows_the_same_groups_as_a_reopen_of_the_project(opened, qtbot, tmp_path):
    """Clusters of every sound, made again once the import is over: what the window shows
    after the import is what it shows when the project is opened again."""
    w = opened
    c, view, colour = w.controller, w.map_view, w.menus.colour_by
    colour.actions["cluster"].trigger()
    _wait_coloured(qtbot, w, 8)
    library = tmp_path / "library"
    for k, leaf in enumerate(("Drums/Kicks", "Drums/Hats", "Synths/Pads", "Synths/Soft/Keys")):
        write_sounds(library / leaf, count=4, seed=20 + k)
    assert c.import_paths([str(library)])
    _wait_coloured(qtbot, w, 24)
    imported = _by_sound(w)
    legend = sorted(view.legend_labels())
    assert legend == sorted(set(imported[0].values())) and len(legend) == 3

    imported_into = c.store
    c.open_project(c.store.path)
    qtbot.waitUntil(lambda: c.store is not imported_into, timeout=READY_MS)
    _wait_coloured(qtbot, w, 24)
    assert _by_sound(w) == imported
    assert sorted(view.legend_labels()) == legend


def test_a_first_import_of_a_flat_folder_is_grouped_as_its_reopen_is(opened, qtbot, tmp_path):
    """A new project's first import (review H3): one folder, names without telling prefixes,
    so the folder colouring falls back to clusters, after the import as after a reopen."""
    w = opened
    c, view = w.controller, w.map_view
    c.new_project()
    qtbot.waitUntil(lambda: c.store is not None and len(c.state) == 0, timeout=READY_MS)
    write_sounds(tmp_path / "flat", count=14, seed=5)
    assert c.import_paths([str(tmp_path / "flat")])
    _wait_coloured(qtbot, w, 14)
    imported = _by_sound(w)
    assert set(imported[0].values()) == {"cluster 1", "cluster 2", "cluster 3"}
    assert sorted(view.legend_labels()) == ["cluster 1", "cluster 2", "cluster 3"]
    saved = tmp_path / "first.lsc"
    assert c.save_project_as(saved)
    c.open_project(saved)
    qtbot.waitUntil(lambda: c.store.path == saved and not c.busy, timeout=READY_MS)
    _wait_coloured(qtbot, w, 14)
    assert _by_sound(w) == imported


def test_a_second_library_keeps_the_top_folders_of_the_first_and_its_take_folders_apart(
    opened, qtbot, tmp_path
):
    """QA s19 Q2-07: a library imported beside the project's adds its own top folders (the
    project's were "sounds", then one group); Q2-06: same-named folders are told apart. As
    after a reopen of the project."""
    w = opened
    c, view, colour = w.controller, w.map_view, w.menus.colour_by
    colour.actions["top_folder"].trigger()
    _wait_coloured(qtbot, w, 8)
    assert sorted(view.legend_labels()) == ["bells", "kicks"]  # below tmp/sounds
    library = tmp_path / "library2"
    for k, leaf in enumerate(("NewPack/kit_a/take0", "NewPack/kit_b/take0", "Loops")):
        write_sounds(library / leaf, count=2, seed=30 + k)
    assert c.import_paths([str(library)])
    _wait_coloured(qtbot, w, 14)
    imported = _by_sound(w)
    assert sorted(view.legend_labels()) == ["Loops", "NewPack", "bells", "kicks"]
    colour.actions["folder"].trigger()
    _wait_coloured(qtbot, w, 14)
    assert sorted(view.legend_labels()) == ["Loops", "bells", "kicks", "kit_a/take0", "kit_b/take0"]
    by_folder = _by_sound(w)

    colour.actions["top_folder"].trigger()
    _wait_coloured(qtbot, w, 14)
    assert _by_sound(w) == imported
    imported_into = c.store
    c.open_project(c.store.path)
    qtbot.waitUntil(lambda: c.store is not imported_into, timeout=READY_MS)
    _wait_coloured(qtbot, w, 14)
    assert colour.mode == "top_folder" and _by_sound(w) == imported
    colour.actions["folder"].trigger()
    _wait_coloured(qtbot, w, 14)
    assert _by_sound(w)[0] == by_folder[0]


def test_a_hidden_name_group_stays_hidden_when_another_folder_is_imported(opened, qtbot, tmp_path):
    """One folder's sounds grouped by their name prefixes ("gm", "drum", as in the demo) are
    named "samples: gm"… once another folder is imported; a group the user hid stays hidden
    (it showed again)."""
    w = opened
    c, view = w.controller, w.map_view
    c.new_project()
    qtbot.waitUntil(lambda: c.store is not None and len(c.state) == 0, timeout=READY_MS)
    for prefix, seed in (("gm", 40), ("drum", 41)):
        for k, tone in enumerate(write_sounds(tmp_path / "raw" / prefix, count=4, seed=seed)):
            (tmp_path / "samples").mkdir(exist_ok=True)
            tone.rename(tmp_path / "samples" / f"{prefix}{k:03d}_k60.wav")
    assert c.import_paths([str(tmp_path / "samples")])
    _wait_coloured(qtbot, w, 8)
    assert sorted(view.legend_labels()) == ["drum", "gm"]
    view.set_group_hidden("gm", True)
    assert view.shown_count() == 4

    write_sounds(tmp_path / "other", count=3, seed=42)
    assert c.import_paths([str(tmp_path / "other")])
    _wait_coloured(qtbot, w, 11)
    assert sorted(view.legend_labels()) == ["other", "samples: drum", "samples: gm"]
    assert view.hidden_groups() == {"samples: gm"} and view.shown_count() == 7


def test_an_import_keeps_the_colours_of_the_groups_on_the_map_and_a_reopen_too(
    opened, qtbot, tmp_path
):
    """QA s22 #2: an import that brought a group larger than those on the map repainted every
    one of them (colours went by size). They keep their colours, the new group takes a free
    one, and the project keeps them: a reopen shows the same, and so does this colouring
    chosen again after another."""
    w = opened
    c, colour = w.controller, w.menus.colour_by
    _wait_coloured(qtbot, w, 8)
    before = _by_sound(w)[1]
    write_sounds(tmp_path / "big" / "pads", count=12, seed=41)
    assert c.import_paths([str(tmp_path / "big" / "pads")])
    _wait_coloured(qtbot, w, 20)
    groups, colours = _by_sound(w)
    assert {sid: colours[sid] for sid in before} == before
    new = {colours[sid] for sid in colours if sid not in before}
    assert len(new) == 1 and not new & set(before.values())
    assert max(map(list(groups.values()).count, groups.values())) == 12  # the largest: new

    colour.actions["cluster"].trigger()
    _wait_coloured(qtbot, w, 20)
    colour.actions["folder"].trigger()
    _wait_coloured(qtbot, w, 20)
    assert _by_sound(w) == (groups, colours)
    imported_into = c.store
    c.open_project(c.store.path)
    qtbot.waitUntil(lambda: c.store is not imported_into, timeout=READY_MS)
    _wait_coloured(qtbot, w, 20)
    assert _by_sound(w) == (groups, colours)


def test_marked_sounds_tagged_make_a_group_kept_in_the_project(opened, qtbot, monkeypatch):
    """QA s22: Colour By → Tag had nothing to show, as nothing set a tag. Ctrl+T tags the
    marked sounds: they form their own group (by tag, and by folder: a tag names a group
    before the folder does), a reopen keeps it, and an empty tag takes it away."""
    w = opened
    c, view, colour, tagger = w.controller, w.map_view, w.menus.colour_by, w.menus.tagger
    _wait_coloured(qtbot, w, 8)
    asked: list[tuple] = []
    answers = iter(["  my   favourites ", "Untagged", ""])
    monkeypatch.setattr(tagger, "ask_tag", lambda *a: asked.append(a) or next(answers))
    view.marks.set([1, 4, 6], view.positions())
    ids = [c.state.sound_at(i).id for i in (1, 4, 6)]
    with qtbot.waitSignal(c.message, timeout=10_000) as told:
        w.actions_by_name["tag"].trigger()
    assert asked[0][0] == 3 and told.args == ["Tagged 3 sounds “my favourites”"]
    assert all(c.store.sound(i).tags == ("my favourites",) for i in ids)
    _wait_coloured(qtbot, w, 8)
    groups, colours = _by_sound(w)
    assert {groups[i] for i in ids} == {"my favourites"} and len({colours[i] for i in ids}) == 1
    colour.actions["tag"].trigger()
    _wait_coloured(qtbot, w, 8)
    assert sorted(view.legend_labels()) == ["my favourites", "untagged"]
    shown = c.store
    c.open_project(c.store.path)
    qtbot.waitUntil(lambda: c.store is not shown, timeout=READY_MS)
    _wait_coloured(qtbot, w, 8)
    assert sorted(view.legend_labels()) == ["my favourites", "untagged"]
    view.marks.set([1, 4, 6], view.positions())
    assert tagger.known_tags() == ["my favourites"]
    with qtbot.waitSignal(c.errorOccurred, timeout=10_000) as said:  # a group's own name
        w.actions_by_name["tag"].trigger()
    assert "names a group of its own" in said.args[0]
    with qtbot.waitSignal(c.message, timeout=10_000) as told:
        w.actions_by_name["tag"].trigger()
    assert told.args == ["Took the tags of 3 sounds away"]
    _wait_coloured(qtbot, w, 8)
    assert view.legend_labels() == ["untagged"]
