"""Imports that do not run alone to their end: stopped (SIGTERM, an earlier stop), a full disk,
another program changing the project meanwhile (its model, its map). What was stored stays
whole, and the next import or map picks up from there. The rest of ``latentscape import / map
/ render``: tests/app/test_cli_corpus.py."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.cli import main
from latentscape.project_store import ProjectStore
from support.cli_corpus import write_sounds


def test_sounds_stored_by_an_interrupted_import_are_placed_by_the_next(setup, capsys):
    """An import stopped before placing its sounds (Ctrl-C) leaves them without a place on the
    map; the next import places them too."""
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport

    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    write_sounds(tmp / "stored", count=3)
    with ProjectStore.open(project) as store:  # stored, never placed
        ProjectImport(store, load_model(model), [str(tmp / "stored")]).run_to_end()
    write_sounds(tmp / "later", count=2)
    capsys.readouterr()
    assert main(["import", str(tmp / "later" / "s0.flac"), "-p", project, "--quiet"]) == 0
    assert "placed 4 new sounds on the existing map" in capsys.readouterr().out
    with ProjectStore.open(project) as store:
        assert set(store.atlas().sound_ids.tolist()) == set(store.all_latents())


def test_an_import_stops_when_another_program_gives_the_project_another_model(setup, nn_model):
    """The window imports with model A while ``latentscape import --model C`` switches the
    project to C: the window's sounds, of A's latents, must not be filed as C's."""
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport
    from latentscape.project_store import ProjectError

    tmp, model = setup
    other = load_model(nn_model(latent=6)).info
    with ProjectStore.open(tmp / "p.lsc", create=True) as store:
        job = ProjectImport(store, load_model(model), [str(tmp / "sounds")])
        job.start()
        with ProjectStore.open(tmp / "p.lsc") as cli:  # the other program
            cli.set_model(other.path, other.content_hash, other.to_dict())
        with pytest.raises(ProjectError, match="its model changed meanwhile"):
            job.run_to_end()
        assert job.progress.finished
        assert store.model().content_hash == other.content_hash
        assert store.all_latents() == {}  # nothing filed under the other model


def test_a_write_that_fails_mid_import_is_one_clear_error_and_loses_nothing(setup):
    """A full disk (SQLite's max_page_count gives the same SQLITE_FULL) stops the import with
    one error that says so; what the project held stays whole. Each poll commits what was ready,
    so a first small batch may fit before the disk fills: it stays, whole (sound and latents)."""
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport
    from latentscape.project_store import ProjectError

    tmp, model = setup
    engine = load_model(model)
    write_sounds(tmp / "many", count=40)
    with ProjectStore.open(tmp / "p.lsc", create=True) as store:
        ProjectImport(store, engine, [str(tmp / "sounds")]).run_to_end()
        held = {s.id: s for s in store.sounds()}
        held_latents = store.all_latents()
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        job = ProjectImport(store, engine, [str(tmp / "many")])
        with pytest.raises(ProjectError, match=r"could not save the import .*full"):
            job.run_to_end()
        assert job.progress.finished  # the job was stopped and joined, not left running
    with ProjectStore.open(tmp / "p.lsc") as store:
        sounds = {s.id: s for s in store.sounds()}
        latents = store.all_latents()
        assert len(held) == 8 and all(sounds[i] == s for i, s in held.items())
        assert all(np.array_equal(latents[i], z) for i, z in held_latents.items())
        assert 8 <= len(sounds) < 48  # the import stopped at the full disk
        assert set(latents) == set(sounds)  # no sound was stored without its latents
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_map_computed_while_an_import_ran_keeps_the_imported_sounds(setup):
    """`map` reads the latents, lays them out (UMAP: seconds), then stores the map; sounds an
    import stored meanwhile are placed on it instead of being left off."""
    from latentscape.engines.atlas import Atlas
    from latentscape.map_arrivals import put_atlas_with_arrivals
    from latentscape.project_store import ProjectError

    tmp, model = setup
    project = tmp / "p.lsc"
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", str(project), "--quiet"])
    with ProjectStore.open(project) as store:
        latents = store.all_latents()
        early = sorted(latents)[:5]  # what the map had read before the last 3 arrived
        atlas = Atlas.build([latents[i] for i in early], early, method="pca")
        model_hash = store.model().content_hash
        assert put_atlas_with_arrivals(store, atlas, model_hash) == 3
        stored = store.atlas()
        with pytest.raises(ProjectError, match="model changed while the map was made"):
            put_atlas_with_arrivals(store, atlas, "another model's hash")
    assert sorted(stored.sound_ids.tolist()) == sorted(latents)
    np.testing.assert_array_equal(stored.xy[: len(early)], atlas.xy)  # the others stay put


def test_sigterm_ends_an_import_as_ctrl_c_does(setup):
    """``timeout``, a job scheduler: the sounds finished are saved, and it says so (it ended
    in silence with code -15)."""
    import signal
    import time

    from support.cli_runs import signal_when_ready

    tmp, model = setup
    write_sounds(tmp / "many", count=400)
    project = tmp / "p.lsc"
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", str(project), "--quiet"])
    main(["map", "-p", str(project), "--method", "pca", "--quiet"])

    def five_stored(proc) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                with ProjectStore.open(project) as store:
                    if len(store.latent_ids()) >= 8 + 5:
                        return
            except Exception:  # busy: look again
                continue

    cmd = ["import", str(tmp / "many"), "--model", str(model), "-p", str(project), "--quiet"]
    code, _, err = signal_when_ready(cmd, five_stored, signal.SIGTERM)
    assert code == 130, err
    assert "sounds finished so far are saved" in err
    with ProjectStore.open(project) as store:
        assert 8 + 5 <= len(store.sounds()) < 8 + 400
        # ... and placed on the map, as a finished import's are
        assert set(store.atlas().sound_ids.tolist()) == set(store.latent_ids())
