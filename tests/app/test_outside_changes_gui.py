"""The window and another program on one project (``latentscape import``/``map`` from a shell
while the window shows it): the window shows what the other program did and never saves over
it (app/outside_changes.py, the model guards of map saves)."""

from __future__ import annotations

from support.app_projects import write_sounds


def test_a_map_refined_after_another_program_switched_the_model_is_not_saved(opened, qtbot):
    """The CLI gave the open project another model: the window's refined map (of the first
    model's latents) is refused, not stored as the new model's map."""
    from latentscape.project_store import ProjectStore

    c = opened.controller
    with ProjectStore.open(c.store.path) as other_program:
        other_program.set_model("/elsewhere/b.ts", "hash-b", {"latent_size": 4})
    with qtbot.waitSignal(c.errorOccurred, timeout=60_000) as refused:
        assert c.refine_projection()
    assert "its model changed meanwhile" in refused.args[0]
    assert c.store.atlas() is None  # nothing stored as b's map


def test_sounds_another_program_imports_appear_and_stay_on_the_windows_map(opened, qtbot, tmp_path):
    """``latentscape import`` from a shell while the window shows the project: the window reads
    the project again and shows them, and its next map save keeps them (it used to save the
    map it had over the CLI's: the CLI's sounds fell off the map)."""
    from latentscape.cli import main

    c, view = opened.controller, opened.map_view
    c.outside.timer.setInterval(100)
    qtbot.waitUntil(c.outside.watching)
    write_sounds(tmp_path / "shell", count=3, seed=7)
    told = lambda m: "changed in another program" in m  # noqa: E731
    with qtbot.waitSignal(c.message, timeout=20_000, check_params_cb=told):
        assert main(["import", str(tmp_path / "shell"), "-p", str(c.store.path), "--quiet"]) == 0
    assert len(c.state) == 11 and view.point_count() == 11
    refined = c.sync.refine_count
    assert c.refine_projection()
    qtbot.waitUntil(lambda: c.sync.refine_count > refined and not c.busy, timeout=120_000)
    assert sorted(c.store.atlas().sound_ids.tolist()) == sorted(c.state.ids)
    assert len(c.state) == 11


def test_after_save_as_the_copy_is_watched_for_other_programs_changes(opened, qtbot, tmp_path):
    """SQLite counts commits per connection, and Save As gives the window a new one: a change
    to the copy is still seen, and the copy is not "changed" by the switch itself."""
    from latentscape.cli import main
    from latentscape.project_store import ProjectStore

    c, view = opened.controller, opened.map_view
    c.outside.timer.setInterval(100)
    qtbot.waitUntil(c.outside.watching)
    told = lambda m: "changed in another program" in m  # noqa: E731
    with (
        qtbot.waitSignal(c.message, timeout=20_000, check_params_cb=told),
        ProjectStore.open(c.store.path) as other,
    ):
        other.set_setting("from", "elsewhere")  # one commit to the original
    copy = tmp_path / "copy" / "copy.lsc"
    copy.parent.mkdir()
    assert c.save_project_as(copy)
    said: list[str] = []
    c.message.connect(said.append)
    qtbot.wait(600)  # several checks of the copy
    assert not [m for m in said if told(m)]  # the switch itself is no outside change
    write_sounds(tmp_path / "shell", count=2, seed=9)
    with qtbot.waitSignal(c.message, timeout=20_000, check_params_cb=told):
        assert main(["import", str(tmp_path / "shell"), "-p", str(copy), "--quiet"]) == 0
    assert len(c.state) == 10 and view.point_count() == 10


def test_a_prior_another_program_trains_appears_in_the_windows_gallery(opened, qtbot):
    """``latentscape prior train`` from a shell while the window shows the project: the gallery
    reads the project's priors again, so Generate uses it (it said "Not trained yet", and a
    Train from the window would have trained a second one)."""
    from latentscape.cli import main
    from latentscape.gallery_controller import GalleryController

    c = opened.controller
    g = GalleryController.attach(opened)
    qtbot.waitUntil(lambda: not g.busy, timeout=10_000)
    g.view.set_current_source("GAN")
    assert g.prior("GAN") is None and not g.view.generate_button.isEnabled()
    c.outside.timer.setInterval(100)
    qtbot.waitUntil(c.outside.watching)
    train = ["prior", "train", "-p", str(c.store.path), "--kind", "gan", "--steps", "3"]
    assert main(train) == 0
    qtbot.waitUntil(lambda: g.prior("GAN") is not None and not g.busy, timeout=20_000)
    assert g.prior("GAN").is_trained and g.prior("GAN").report.steps == 3
    assert g.view.generate_button.isEnabled() and "Trained (3 steps)" in g.view.status_text()
    assert g.prior("Diffusion") is None  # only what the other program trained


def test_a_path_follows_its_sounds_when_another_program_lays_the_map_out(paths, opened, qtbot):
    """``latentscape map`` from a shell while the window shows the project: the CLI moves the
    saved path with the map, and the window, reading the project again, draws its path among
    the same sounds too (it kept drawing it at its old place, over other sounds)."""
    import numpy as np

    from latentscape.cli import main
    from latentscape.engines.paths import ITEM_KIND, path_from_item
    from support.paths_gui import drag

    c, view = opened.controller, opened.map_view
    c.outside.timer.setInterval(100)
    qtbot.waitUntil(c.outside.watching)
    before, ids = view.final_positions().copy(), list(c.state.ids)
    c.set_recording(True)
    c._scrub_rest.setInterval(60_000)  # no rest on a dot: the drag goes from dot to dot
    drag(qtbot, view, before[0], before[5])
    with qtbot.waitSignal(paths.recorded) as rec:
        c.set_recording(False)
    pid = rec.args[0]
    told = lambda m: "changed in another program" in m  # noqa: E731
    with qtbot.waitSignal(c.message, timeout=60_000, check_params_cb=told):
        assert main(["map", "-p", str(c.store.path), "--method", "umap", "--quiet"]) == 0
    after = view.final_positions()
    assert list(c.state.ids) == ids and not np.allclose(before, after, atol=1e-3)
    moved, span = paths.library.path(pid).xy, np.ptp(after, axis=0).max()
    assert np.linalg.norm(moved[0] - after[0]) < 0.05 * span  # between the same two sounds
    assert np.linalg.norm(moved[-1] - after[5]) < 0.05 * span
    (item,) = c.store.items(ITEM_KIND)
    np.testing.assert_allclose(path_from_item(item).xy, moved, atol=1e-5)  # as saved by the CLI
