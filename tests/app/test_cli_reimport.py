"""``latentscape import`` into a project that has sounds already: what is there is not added
again, files read before are passed over, and moved, renamed, changed or re-cut files are
told apart."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import soundfile as sf

from latentscape.cli import main
from latentscape.project_store import ProjectStore


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


def test_moved_copies_of_one_sound_keep_their_own_tags(setup):
    """Two files of one content, tagged apart, both moved (one also renamed so that it sorts
    first): each sound follows its own file, not the first file of that content to arrive."""
    from latentscape.engines.loader import load_model
    from latentscape.project_import import ProjectImport

    tmp, model = setup
    engine = load_model(model)
    lib, new = tmp / "lib", tmp / "new"
    lib.mkdir()
    new.mkdir()
    shutil.copy(tmp / "sounds" / "s2.flac", lib / "a_kick.flac")
    shutil.copy(tmp / "sounds" / "s2.flac", lib / "b_layer.flac")
    with ProjectStore.open(tmp / "p.lsc", create=True) as store:
        ProjectImport(store, engine, [str(lib)]).run_to_end()
        ids = {s.name: s.id for s in store.sounds()}
        store.set_tags(ids["a_kick"], ["kick"])
        store.set_tags(ids["b_layer"], ["layer"])
        (lib / "b_layer.flac").rename(new / "0_b_layer.flac")
        (lib / "a_kick.flac").rename(new / "a_kick.flac")
        importer = ProjectImport(store, engine, [str(new)])
        importer.run_to_end()
        assert sorted(importer.moved_ids) == sorted(ids.values())
        tags = {s.name: s.tags for s in store.sounds()}
        assert tags == {"a_kick": ("kick",), "0_b_layer": ("layer",)}


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


def test_a_file_cut_short_is_imported_and_named_with_a_note(setup, capsys):
    """A truncated download is still sound worth having, but the user must learn that it is
    not the whole file (it used to be imported shorter without a word)."""
    tmp, model = setup
    folder = tmp / "partial"
    folder.mkdir()
    audio, rate = sf.read(tmp / "sounds" / "s1.flac", dtype="float32")
    sf.write(folder / "whole.wav", audio, rate)
    cut = (folder / "whole.wav").read_bytes()
    (folder / "half.wav").write_bytes(cut[: len(cut) // 2 + 1000])
    project = str(tmp / "p.lsc")
    assert main(["import", str(folder), "--model", str(model), "-p", project, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 sounds" in out
    listed = out.split("1 files imported with a note:\n")[1].splitlines()
    assert listed[0].startswith(f"  {folder / 'half.wav'}: cut short (a truncated file?):")


def test_a_damaged_mp3_does_not_print_the_decoders_notes_over_the_progress_bar(setup, capfd):
    """libmpg123 writes "Note: Illegal Audio-MPEG-Header …" to fd 2 while it resyncs over
    damage; that broke the progress line. The notes are dropped, everything else on stderr
    (the command's own lines) still shows."""
    tmp, model = setup
    folder = tmp / "mp3s"
    folder.mkdir()
    audio, rate = sf.read(tmp / "sounds" / "s1.flac", dtype="float32")
    sf.write(folder / "fine.mp3", np.tile(audio, 4), rate)
    data = bytearray((folder / "fine.mp3").read_bytes())
    data[len(data) // 2 : len(data) // 2 + 400] = bytes(400)
    (folder / "damaged.mp3").write_bytes(bytes(data))
    sf.read(folder / "damaged.mp3")  # the decoder's notes, as they look without the filter
    assert "Illegal Audio-MPEG-Header" in capfd.readouterr().err
    project = str(tmp / "p.lsc")
    assert main(["import", str(folder), "--model", str(model), "-p", project]) == 0
    out, err = capfd.readouterr()
    assert "imported 2 sounds" in out
    assert "MPEG" not in err and "resync" not in err
    os.write(2, b"a native line that is not the decoder's\n")  # fd 2 is back as it was
    assert capfd.readouterr().err == "a native line that is not the decoder's\n"


def test_two_files_of_one_stem_in_one_folder_are_named_with_their_extensions(tmp_path, nn_model):
    """``x.wav`` and ``x.flac`` side by side were both named "x" (the finder listed two equal
    rows, hover showed the same name); a stem of its own keeps the short name."""
    rate = 16000
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate).astype(np.float32)
    folder = tmp_path / "odd formats"
    folder.mkdir()
    sf.write(folder / "surround.wav", tone, rate)
    sf.write(folder / "surround.flac", tone[::-1].copy(), rate)
    sf.write(folder / "kick.wav", tone[: rate // 2], rate)
    (folder / "kick.txt").write_text("notes")  # not audio: no clash
    project = str(tmp_path / "p.lsc")
    model = str(nn_model(sr=rate, hop=64, latent=4))
    assert main(["import", str(folder), "--model", model, "-p", project, "--quiet"]) == 0
    with ProjectStore.open(project) as store:
        names = sorted(s.name for s in store.sounds())
    assert names == ["kick", "surround.flac", "surround.wav"]


def test_a_project_copied_away_from_its_model_still_finds_it(setup, monkeypatch):
    """QA s19 M4: a model given as typed ("my.ts", beside the project) was recorded as typed,
    so a copy of the project elsewhere could not find it: the project keeps the model's
    absolute path too, where the copy looks for it."""
    from latentscape.project_session import resolve_model_path

    tmp, model = setup
    monkeypatch.chdir(model.parent)
    project = model.parent / "p.lsc"  # beside the model: stored as "model0.ts"
    assert main(["import", str(tmp / "sounds"), "--model", model.name, "-p", str(project)]) == 0
    away = tmp / "elsewhere" / "p.lsc"
    away.parent.mkdir()
    shutil.copy(project, away)
    monkeypatch.chdir(tmp)  # never found through the working folder
    with ProjectStore.open(away) as store:
        ref = store.model()
        assert ref.path == model.name and Path(ref.info["path"]).is_absolute()
        found = resolve_model_path(ref.path, away, ref.info["path"])
    assert Path(found) == model.resolve()


def test_files_of_other_formats_are_counted_and_the_readable_ones_named(setup, capsys):
    """QA s19 L3: ``.m4a`` files were passed over without a word, and a folder of them gave
    "no audio files found" without saying what was seen or what is read."""
    tmp, model = setup
    for name in ("a.m4a", "b.m4a", "notes.txt"):
        (tmp / "sounds" / name).write_bytes(b"x" * 64)
    argv = ["import", str(tmp / "sounds"), "--model", str(model), "-p", str(tmp / "p.lsc")]
    assert main([*argv, "--quiet"]) == 0
    assert "passed over 2 .m4a and 1 .txt files: latentscape reads WAV, FLAC" in (
        capsys.readouterr().out
    )
    (tmp / "phone").mkdir()
    (tmp / "phone" / "memo.m4a").write_bytes(b"x" * 64)
    argv[1] = str(tmp / "phone")
    assert main(argv) == 2
    assert "no audio files found in" in (err := capsys.readouterr().err)
    assert "(only 1 .m4a files); latentscape reads WAV" in err
