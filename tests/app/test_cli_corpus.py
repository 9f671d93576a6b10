"""``latentscape import / map / render`` end to end on a tiny model and real audio files."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from latentscape.cli import main
from latentscape.project_schema import SCHEMA_VERSION
from latentscape.project_store import ProjectStore


def _write_sounds(folder, count: int = 8, rate: int = 22050) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        t = np.arange(int(rate * 0.4)) / rate
        level = 0.1 + 0.8 * i / count  # spread sounds out along the model's loudness axis
        x = level * np.sin(2 * np.pi * (150 + 60 * i) * t) * np.exp(-t * rng.uniform(1, 8))
        sf.write(folder / f"s{i}.flac", x.astype(np.float32), rate)
    (folder / "broken.wav").write_text("not audio\n" * 20)


@pytest.fixture
def setup(tmp_path, nn_model):
    _write_sounds(tmp_path / "sounds")
    return tmp_path, nn_model()


def test_import_map_render_round_trip(setup, capsys):
    tmp, model = setup
    project = tmp / "p.lsc"
    assert main(["import", str(tmp / "sounds"), "--model", str(model), "-p", str(project)]) == 0
    out = capsys.readouterr().out
    assert "imported 8 sounds from 9 files" in out
    assert "broken.wav: a text file, not audio" in out
    assert main(["map", "-p", str(project), "--method", "pca", "--quiet"]) == 0
    wav = tmp / "here.wav"
    assert main(["render", "-p", str(project), "--at", "0.5,0.5", "-o", str(wav)]) == 0
    audio, rate = sf.read(wav)
    assert rate == 16000 and np.sqrt(np.mean(audio**2)) > 1e-3
    frame_wav = tmp / "frame.wav"
    args = ["render", "-p", str(project), "--at", "0.2,0.8", "-o", str(frame_wav)]
    assert main([*args, "--kind", "frame", "--seconds", "1.5"]) == 0
    assert sf.info(frame_wav).duration == pytest.approx(1.5, abs=0.01)
    with ProjectStore.open(project) as store:
        sounds = store.sounds()
        atlas = store.atlas()
        assert len(sounds) == 8 and all(s.frames for s in sounds)
        assert sorted(atlas.sound_ids.tolist()) == [s.id for s in sounds]
        assert store.model().content_hash and sounds[0].folder.endswith("sounds")


def test_moved_and_renamed_files_keep_their_sounds(setup, capsys):
    """A sample folder reorganised after its import: importing the new place gives the
    sounds their new files (same ids, same place on the map) instead of adding them twice,
    also after a change of model (the moved sounds are encoded with it then)."""
    from support.nn_models import build_nn_model

    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    with ProjectStore.open(project) as store:
        before = {s.id: s for s in store.sounds()}
        xy = store.atlas().xy.copy()
    (tmp / "sounds").rename(tmp / "library")
    (tmp / "library" / "s3.flac").rename(tmp / "library" / "kick.flac")
    capsys.readouterr()
    assert main(["import", str(tmp / "library"), "-p", project, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "imported 0 sounds" in out and "8 sounds found moved or renamed" in out
    with ProjectStore.open(project) as store:
        after = {s.id: s for s in store.sounds()}
        assert after.keys() == before.keys()
        assert all(store.resolve(s.path).is_file() for s in after.values())
        assert all(s.folder.endswith("library") for s in after.values())
        renamed = [s for s in after.values() if before[s.id].name == "s3"]
        assert [s.name for s in renamed] == ["kick"]
        np.testing.assert_array_equal(store.atlas().xy, xy)
    # moved again, and imported with another model: encoded with it, still no second rows
    (tmp / "library").rename(tmp / "moved_again")
    other = build_nn_model(tmp / "other.ts", streaming=True)
    argv = ["import", str(tmp / "moved_again"), "--model", str(other), "-p", project, "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "imported 0 sounds" in out and "8 sounds found moved or renamed" in out
    with ProjectStore.open(project) as store:
        assert {s.id for s in store.sounds()} == before.keys()
        assert all(s.frames for s in store.sounds())  # latents of the new model


def test_a_bad_file_whose_name_holds_a_newline_is_listed_on_one_line(setup, capsys):
    tmp, model = setup
    folder = tmp / "odd"
    folder.mkdir()
    (folder / "two\nlines.wav").write_text("not audio\n" * 20)
    shutil.copy(tmp / "sounds" / "s1.flac", folder / "fine.flac")
    project = str(tmp / "p.lsc")
    assert main(["import", str(folder), "--model", str(model), "-p", project, "--quiet"]) == 0
    out = capsys.readouterr().out
    listed = out.split("1 files skipped:\n")[1].splitlines()
    assert listed[0].endswith("odd/two\\nlines.wav: a text file, not audio")


def test_a_umap_map_of_too_few_sounds_says_it_is_pca(setup, capsys):
    tmp, model = setup
    project = str(tmp / "p.lsc")
    files = [str(tmp / "sounds" / f"s{i}.flac") for i in range(3)]
    main(["import", *files, "--model", str(model), "-p", project, "--quiet"])
    capsys.readouterr()
    assert main(["map", "-p", project, "--quiet"]) == 0
    assert "pca map of 3 sounds (UMAP needs at least 4)" in capsys.readouterr().out
    with ProjectStore.open(project) as store:
        assert store.atlas().method == "pca"


def test_a_new_model_in_the_old_models_place_is_named_as_another_file(setup, capsys):
    """The model file was replaced by another model under the same name: the summary does
    not say "now m.ts (was m.ts)"."""
    from support.nn_models import build_nn_model

    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    build_nn_model(model, streaming=True)  # another model, same name and latent size
    capsys.readouterr()
    assert main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project]) == 0
    out = capsys.readouterr().out
    assert f"the project's model is now {model.name} (was another file of that name)" in out
    assert "8 re-encoded for the new model" in out


def test_render_at_a_sound_plays_that_sound(setup, capsys):
    """``--sound`` (an id or a name) renders at the sound's own position: its own latents,
    decoded. Typed coordinates rounded to 4 decimals miss its snap disc and blend."""
    from latentscape.engines.loader import load_model

    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    with ProjectStore.open(project) as store:
        sound = store.sounds()[3]
        latents = store.latents(sound.id)
        others = [s.name for s in store.sounds() if s.id != sound.id]
    own = load_model(model).decode(latents, seed=0)[0]
    capsys.readouterr()
    for which in (str(sound.id), sound.name, sound.name.upper()):
        out = tmp / "at_sound.wav"
        assert main(["render", "-p", project, "--sound", which, "-o", str(out)]) == 0
        audio, _ = sf.read(out, dtype="float32")
        np.testing.assert_allclose(audio, own, atol=1e-6)
        assert "from 0." in capsys.readouterr().out  # the position it used, in full
    assert sound.name not in others
    assert main(["render", "-p", project, "--sound", "no-such", "-o", str(tmp / "x.wav")]) == 2
    assert "no sound of the project has this id or name" in capsys.readouterr().err
    argv = ["render", "-p", project, "--sound", "1", "--at", "0.5,0.5", "-o", str(tmp / "x.wav")]
    with pytest.raises(SystemExit):
        main(argv)  # one or the other
    assert "not allowed with argument" in capsys.readouterr().err


def test_reimport_adds_nothing_and_new_sounds_land_on_the_map(setup, capsys):
    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    with ProjectStore.open(project) as store:
        before = store.atlas().xy.copy()
    capsys.readouterr()
    assert main(["import", str(tmp / "sounds"), "-p", project, "--quiet"]) == 0
    assert "imported 0 sounds" in capsys.readouterr().out
    os.utime(tmp / "sounds" / "s2.flac")  # touched: read again, found unchanged inside
    assert main(["import", str(tmp / "sounds"), "-p", project, "--quiet"]) == 0
    out = capsys.readouterr().out  # each sound counted once: not reused and already there
    assert "imported 0 sounds from 9 files" in out and "0 of them reused" in out
    assert "8 already there" in out
    (tmp / "more").mkdir()
    shutil.copy(tmp / "sounds" / "s1.flac", tmp / "more" / "copy.flac")
    assert main(["import", str(tmp / "more" / "copy.flac"), "-p", project, "--quiet"]) == 0
    out = capsys.readouterr().out
    # same content as sounds/s1.flac: reused, not encoded again, but a new sound of the project
    assert "imported 1 sounds" in out and "1 of them reused the latents" in out
    assert "placed 1 new" in out
    with ProjectStore.open(project) as store:
        atlas = store.atlas()
        assert len(atlas) == 9
        np.testing.assert_array_equal(atlas.xy[:8], before)


def test_a_changed_model_reencodes_the_same_sounds(setup, nn_model, capsys):
    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    with ProjectStore.open(project) as store:
        ids = [s.id for s in store.sounds()]
    other = nn_model(latent=3, hop=32)
    assert main(["import", str(tmp / "sounds"), "--model", str(other), "-p", project]) == 0
    assert "8 re-encoded for the new model" in capsys.readouterr().out
    with ProjectStore.open(project) as store:
        assert [s.id for s in store.sounds()] == ids
        assert store.latents(ids[0]).shape[1] == 3


def _import(tmp, model, project) -> list[str]:
    return ["import", str(tmp / "sounds"), "--model", str(model), "-p", project]


def test_user_errors_exit_2_with_one_line(setup, capsys):
    tmp, model = setup
    project = str(tmp / "p.lsc")
    cases = [
        (["import", str(tmp / "nowhere"), "--model", str(model), "-p", project], "no such file"),
        (["import", str(tmp / "sounds"), "-p", project], "give --model"),
        (["map", "-p", project], "no such project"),
        (["import", str(tmp / "sounds"), "--model", str(tmp / "x.ts"), "-p", project], "x.ts"),
        ([*_import(tmp, model, project), "--segment-s", "0.001"], "--segment-s must be"),
        ([*_import(tmp, model, project), "--segment-s", "nan"], "--segment-s must be"),
        ([*_import(tmp, model, project), "--segment-s", "61"], "--segment-s must be"),
        ([*_import(tmp, model, project), "--max-file-s", "nan"], "--max-file-s must be"),
        ([*_import(tmp, model, project), "--threads", "0"], "--threads must be"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    render = ["render", "-p", project, "-o", str(tmp / "o.wav")]
    for at, message in [
        ("0.5,0.5", "no map yet"),
        ("2,0.5", "unit square"),
        ("-0.5,0.5", "unit square"),  # a negative value is read as a value, not an option
        ("a", "X,Y"),
    ]:
        assert main([*render, "--at", at]) == 2
        assert message in capsys.readouterr().err


def test_a_project_moved_with_its_sounds_and_model_still_works(setup, capsys):
    tmp, model = setup
    here = tmp / "here"
    here.mkdir()
    shutil.move(tmp / "sounds", here / "sounds")
    shutil.copy(model, here / "model.ts")
    project = here / "p.lsc"
    main(["import", str(here / "sounds"), "--model", str(here / "model.ts"), "-p", str(project)])
    main(["map", "-p", str(project), "--method", "pca", "--quiet"])
    moved = tmp / "moved"
    shutil.move(here, moved)
    with ProjectStore.open(moved / "p.lsc") as store:
        assert store.model().path == "model.ts"
        assert store.sounds()[0].path == "sounds/s0.flac"
        assert store.resolve(store.sounds()[0].path).exists()
    capsys.readouterr()
    assert main(["import", str(moved / "sounds"), "-p", str(moved / "p.lsc")]) == 0
    assert "imported 0 sounds" in capsys.readouterr().out
    out = moved / "o.wav"
    assert main(["render", "-p", str(moved / "p.lsc"), "--at", "0.3,0.3", "-o", str(out)]) == 0


def test_project_import_polled_like_a_gui_timer(setup):
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport

    tmp, model = setup
    with ProjectStore.create(tmp / "p.lsc") as store:
        job = ProjectImport(store, load_model(model), [tmp / "sounds"])
        job.start()
        ids: list[int] = []
        while not job.finished:
            ids += job.poll()  # each poll stores whole sounds in one transaction
        ids += job.poll()
        bad = job.bad_files()
        assert sorted(ids) == [s.id for s in store.sounds()] and len(ids) == 8
        assert [b.reason for b in bad] == ["a text file, not audio"]
        assert job.progress.fraction == 1.0 and job.report.sounds == 8
        assert store.model().path == "model0.ts"  # stored relative to the project


def test_the_shipped_demo_project_is_mapped_and_matches_the_demo_model():
    from pathlib import Path

    from latentscape.engines.hashing import file_sha256

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.lsc"
    assert demo.exists(), "no resources/demo/demo.lsc: run scripts/make_demo_project"
    conn = sqlite3.connect(f"file:{demo}?mode=ro", uri=True)  # opening a store would migrate it
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert version == SCHEMA_VERSION, (
        "demo.lsc is of an older schema: run scripts/make_demo_project"
    )
    with ProjectStore.open(demo) as store:
        model = store.model()
        model_file = store.resolve(model.path)
        assert model_file.exists() and not Path(model.path).is_absolute()
        assert file_sha256(model_file) == model.content_hash, (
            "the demo model changed since demo.lsc was built: run scripts/make_demo_project"
        )
        sounds = store.sounds()
        atlas = store.atlas()
        assert atlas is not None and atlas.method == "umap"
        assert sorted(atlas.sound_ids.tolist()) == [s.id for s in sounds]
        assert all(store.resolve(s.path).exists() for s in sounds)


def test_a_file_whose_name_is_not_utf8_is_listed_and_the_rest_is_imported(setup, capsys):
    """A Latin-1 name (an old zip) is one bad file, not the end of the import."""
    import os

    tmp, model = setup
    folder = tmp / "latin1"
    folder.mkdir()
    shutil.copy(tmp / "sounds" / "s1.flac", folder / "a_ok.flac")
    shutil.copy(tmp / "sounds" / "s2.flac", os.fsdecode(bytes(folder) + b"/z_caf\xe9.flac"))
    project = str(tmp / "p.lsc")
    assert main(["import", str(folder), "--model", str(model), "-p", project, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "imported 1 sounds" in out
    assert "z_caf\\xe9.flac: its name is not valid UTF-8" in out
    with ProjectStore.open(project) as store:
        assert [s.name for s in store.sounds()] == ["a_ok"]


def test_another_spelling_of_a_folder_or_other_rules_do_not_add_its_sounds_again(setup, capsys):
    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    (tmp / "alias").symlink_to(tmp / "sounds")
    spellings = [
        [str(tmp / "sounds" / ".." / "sounds")],
        [str(tmp / "alias")],
        [str(tmp / "sounds"), "--max-file-s", "601"],  # refuses files; cuts nothing differently
    ]
    for extra in spellings:
        capsys.readouterr()
        assert main(["import", *extra, "-p", project, "--quiet"]) == 0
        out = capsys.readouterr().out
        assert "imported 0 sounds" in out and "8 already there" in out, extra
    with ProjectStore.open(project) as store:
        assert len(store.sounds()) == 8


def test_sounds_stored_by_an_interrupted_import_are_placed_by_the_next(setup, capsys):
    """An import stopped before placing its sounds (Ctrl-C) leaves them without a place on the
    map; the next import places them too."""
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport

    tmp, model = setup
    project = str(tmp / "p.lsc")
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    _write_sounds(tmp / "stored", count=3)
    with ProjectStore.open(project) as store:  # stored, never placed
        ProjectImport(store, load_model(model), [str(tmp / "stored")]).run_to_end()
    _write_sounds(tmp / "later", count=2)
    capsys.readouterr()
    assert main(["import", str(tmp / "later" / "s0.flac"), "-p", project, "--quiet"]) == 0
    assert "placed 4 new sounds on the existing map" in capsys.readouterr().out
    with ProjectStore.open(project) as store:
        assert set(store.atlas().sound_ids.tolist()) == set(store.all_latents())


def test_a_write_that_fails_mid_import_is_one_clear_error_and_loses_nothing(setup):
    """A full disk (SQLite's max_page_count gives the same SQLITE_FULL) stops the import with
    one error that says so; what the project held stays whole."""
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport
    from latentscape.project_store import ProjectError

    tmp, model = setup
    engine = load_model(model)
    _write_sounds(tmp / "many", count=40)
    with ProjectStore.open(tmp / "p.lsc", create=True) as store:
        ProjectImport(store, engine, [str(tmp / "sounds")]).run_to_end()
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        job = ProjectImport(store, engine, [str(tmp / "many")])
        with pytest.raises(ProjectError, match=r"could not save the import .*full"):
            job.run_to_end()
        assert job.progress.finished  # the job was stopped and joined, not left running
    with ProjectStore.open(tmp / "p.lsc") as store:
        assert len(store.sounds()) == 8 and len(store.all_latents()) == 8
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_argument_errors_are_one_line_too(capsys):
    for argv in (["render", "-p", "x.lsc"], ["prior", "sample", "--kind", "bad", "-p", "x"]):
        with pytest.raises(SystemExit) as ended:
            main(argv)
        assert ended.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and ": error: " in err and "--help" in err


def test_files_imported_before_are_not_read_again_unless_they_changed(setup):
    """A resumed or repeated import passes over files it has (same size and mtime, every
    sound encoded with this model under these rules) without reading them."""
    from latentscape.engines.corpus import ImportRules
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport

    tmp, model = setup
    project = tmp / "p.lsc"
    main(["import", str(tmp / "sounds"), "--model", str(model), "-p", str(project), "--quiet"])
    engine = load_model(model)
    with ProjectStore.open(project) as store:
        again = ProjectImport(store, engine, [str(tmp / "sounds")])
        report = again.run_to_end()
    assert (report.files, report.unchanged, report.sounds, again.skipped) == (9, 8, 0, 8)
    assert [b.path.rsplit("/", 1)[1] for b in report.bad] == ["broken.wav"]  # never stored
    with ProjectStore.open(project) as store:  # as a project from before sizes were kept
        for sound in store.sounds():
            store._conn.execute(
                "UPDATE sounds SET meta = ? WHERE id = ?",
                (json.dumps({"key": sound.meta["key"]}), sound.id),
            )
        first = ProjectImport(store, engine, [str(tmp / "sounds")]).run_to_end()
        second = ProjectImport(store, engine, [str(tmp / "sounds")]).run_to_end()
    assert (first.unchanged, second.unchanged) == (0, 8)  # read once more, then remembered

    changed = tmp / "sounds" / "s3.flac"
    audio, rate = sf.read(changed, dtype="float32")
    sf.write(changed, audio[::-1].copy(), rate)  # other content, a new mtime
    with ProjectStore.open(project) as store:
        importer = ProjectImport(store, engine, [str(tmp / "sounds")])
        report = importer.run_to_end()
        assert (report.unchanged, report.sounds) == (7, 1)
        assert [Path(f).name for f in importer.changed_files] == ["s3.flac"]
        other_cuts = ImportRules(trim_silence=False)  # every file is read again under these
        report = ProjectImport(store, engine, [str(tmp / "sounds")], rules=other_cuts).run_to_end()
        assert (report.unchanged, report.sounds) == (0, 8)


def test_two_imports_of_one_folder_at_once_add_each_sound_once(setup):
    """Two CLI runs into one project: each read the project before the other wrote, so each
    thinks every file is new; the second to write finds the first's sounds and adds none."""
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport

    tmp, model = setup
    engine = load_model(model)
    project = tmp / "p.lsc"
    with ProjectStore.open(project, create=True) as first, ProjectStore.open(project) as second:
        a = ProjectImport(first, engine, [str(tmp / "sounds")])
        b = ProjectImport(second, engine, [str(tmp / "sounds")])
        a.run_to_end()
        b.run_to_end()
        assert len(a.added_ids) == 8 and b.added_ids == [] and b.skipped == 8
    with ProjectStore.open(project) as store:
        assert len(store.sounds()) == 8


def test_importing_again_with_other_cutting_rules_says_the_old_cuts_stay(setup, capsys):
    tmp, model = setup
    project = str(tmp / "p.lsc")
    args = ["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"]
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args, "--no-trim"]) == 0
    out = capsys.readouterr().out
    assert "note: 8 files were imported before with other cutting rules" in out
    assert main([*args, "--no-trim"]) == 0  # nothing new is cut: nothing to say
    assert "other cutting rules" not in capsys.readouterr().out
    with ProjectStore.open(project) as store:
        assert len(store.sounds()) == 16


def test_an_import_where_every_file_is_refused_exits_1(setup, capsys):
    """Scripts can tell that nothing came in (errors exit 2; this is not one: the files are
    listed with their reasons)."""
    tmp, model = setup
    project = str(tmp / "p.lsc")
    argv = ["import", str(tmp / "sounds" / "broken.wav"), "--model", str(model), "-p", project]
    assert main([*argv, "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "broken.wav: a text file, not audio" in captured.out
    assert "nothing imported: every file was refused (1 listed above)" in captured.err
    argv[1] = str(tmp / "sounds")
    assert main([*argv, "--quiet"]) == 0  # some sounds: success, with the bad one listed


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
    _write_sounds(tmp / "many", count=400)
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
