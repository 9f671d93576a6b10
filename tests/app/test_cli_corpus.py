"""``latentscape import / map / render`` end to end on a tiny model and real audio files.

Imports stopped, or disturbed by another program: tests/app/test_cli_import_disrupted.py."""

from __future__ import annotations

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


def test_render_with_another_model_uses_its_own_map_or_says_whose_latents_it_decodes(setup, capsys):
    """``render --model B`` on a project now of model A: B's own map and latents, kept from
    when B was the project's model, give B's sound as it was; a model the project has no map
    for decodes A's latents, and a note says so."""
    from support.nn_models import build_nn_model

    tmp, model_a = setup
    project = str(tmp / "p.lsc")
    model_b = build_nn_model(tmp / "b.ts", latent=6, hop=64, sr=16000)
    model_c = build_nn_model(tmp / "c.ts", streaming=True)  # like A's size, another space
    for model in (model_a, model_b):
        main(["import", str(tmp / "sounds"), "--model", str(model), "-p", project, "--quiet"])
        main(["map", "-p", project, "--method", "pca", "--quiet"])
    first = capsys.readouterr().out  # b had no map yet
    assert "now b.ts (was " in first and "run 'latentscape map' to map its sounds" in first
    as_b = tmp / "as_b.wav"
    assert main(["render", "-p", project, "--sound", "s3", "-o", str(as_b)]) == 0
    main(["import", str(tmp / "sounds"), "--model", str(model_a), "-p", project, "--quiet"])
    back = capsys.readouterr().out
    assert "its own map, kept in the project, is the map again" in back
    assert "run 'latentscape map'" not in back and "sounds/s" not in back  # nothing encoded
    again = tmp / "again_b.wav"
    argv = ["render", "-p", project, "--sound", "s3", "--model", str(model_b), "-o", str(again)]
    assert main(argv) == 0
    assert "rendering from b.ts's own map" in capsys.readouterr().err
    np.testing.assert_array_equal(sf.read(again)[0], sf.read(as_b)[0])
    argv = ["render", "-p", project, "--at", "0.5,0.5", "--model", str(model_c), "-o"]
    assert main([*argv, str(tmp / "c.wav")]) == 0
    assert "c.ts is not the model the sounds were encoded with" in capsys.readouterr().err
    # a sound imported with A only is not on B's map: said so, not "run map" (A's map has it)
    shutil.copy(tmp / "sounds" / "s1.flac", tmp / "late.flac")
    late = tmp / "late.flac"
    sf.write(late, sf.read(late)[0][::-1], sf.info(late).samplerate)  # other content
    main(["import", str(late), "--model", str(model_a), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    capsys.readouterr()
    argv = ["render", "-p", project, "--sound", "late", "--model", str(model_b), "-o"]
    assert main([*argv, str(tmp / "late_b.wav")]) == 2
    err = capsys.readouterr().err
    assert "--sound late: not encoded with b.ts (not on its map)" in err and "map'" not in err
    assert main(["render", "-p", project, "--sound", "late", "-o", str(tmp / "late.wav")]) == 0
    # a name two sounds share, only one of them on B's map: that one, not "2 sounds"
    (tmp / "other").mkdir()
    sf.write(tmp / "other" / "s3.flac", sf.read(late)[0][::2], sf.info(late).samplerate)
    main(["import", str(tmp / "other"), "--model", str(model_a), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    capsys.readouterr()
    argv = ["render", "-p", project, "--sound", "s3", "--model", str(model_b), "-o"]
    assert main([*argv, str(again)]) == 0
    np.testing.assert_array_equal(sf.read(again)[0], sf.read(as_b)[0])
    assert main(["render", "-p", project, "--sound", "s3", "-o", str(tmp / "s3.wav")]) == 2
    assert "2 sounds have this name" in capsys.readouterr().err  # both on the project's map


def test_render_sound_refuses_a_number_that_is_an_id_and_a_name(setup, capsys):
    """Numbered sample packs: a sound named "2" and the sound with id 2 are told apart by
    id:N and name:TEXT; a bare 2 matching both is refused, not taken for the id."""
    tmp, model = setup
    folder = tmp / "numbered"
    folder.mkdir()
    for i in (1, 2, 10):
        shutil.copy(tmp / "sounds" / f"s{i % 8}.flac", folder / f"{i}.flac")
    project = str(tmp / "n.lsc")
    main(["import", str(folder), "--model", str(model), "-p", project, "--quiet"])
    main(["map", "-p", project, "--method", "pca", "--quiet"])
    with ProjectStore.open(project) as store:
        ids = {s.name: s.id for s in store.sounds()}
    assert ids["2"] != 2 and 2 in ids.values()  # scan order: 1, 10, 2
    capsys.readouterr()
    out = str(tmp / "o.wav")
    assert main(["render", "-p", project, "--sound", "2", "-o", out]) == 2
    err = capsys.readouterr().err
    assert "sound id 2 is '10'" in err and "give id:2 or name:2" in err
    assert main(["render", "-p", project, "--sound", "name:2", "-o", out]) == 0
    assert "(at '2')" in capsys.readouterr().out
    assert main(["render", "-p", project, "--sound", "id:2", "-o", out]) == 0
    assert "(at '10')" in capsys.readouterr().out
    assert main(["render", "-p", project, "--sound", "10.flac", "-o", out]) == 0
    assert "(at '10')" in capsys.readouterr().out


def test_map_refuses_a_project_it_cannot_write_before_computing_the_layout(setup, capsys):
    """A read-only project (a share, an archive): ``map`` says so at once, as ``prior train``
    does, instead of laying out the whole map (minutes of UMAP) and failing at the save."""
    import contextlib
    import io
    import tempfile

    import latentscape.engines.atlas  # noqa: F401 (imported here: 'nobody' cannot read /root)
    from support.permissions import as_nobody

    tmp, model = setup
    assert (
        main(["import", str(tmp / "sounds"), "--model", str(model), "-p", str(tmp / "p.lsc")]) == 0
    )
    folder = Path(tempfile.mkdtemp(prefix="ls-ro-"))  # pytest's folders are root's alone
    try:
        os.chmod(folder, 0o755)
        path = folder / "p.lsc"
        shutil.copyfile(tmp / "p.lsc", path)
        os.chmod(path, 0o644)  # readable by all, writable by root only
        capsys.readouterr()

        def run_map() -> str:
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
                rc = main(["map", "-p", str(path), "--method", "pca", "--quiet"])
            return f"{rc}|{out.getvalue()}|{err.getvalue()}"

        got = as_nobody(run_map)
        assert got.count("|") == 2, got  # "": the child failed before it could say
        rc, out, err = got.split("|")
        assert rc == "2" and "pca map" not in out
        assert "p.lsc: cannot be written (attempt to write a readonly database)" in err
    finally:
        shutil.rmtree(folder)


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
    assert main(["render", "-p", project, "--sound", "²", "-o", str(tmp / "x.wav")]) == 2
    assert "no sound of the project has this id or name" in capsys.readouterr().err
    argv = ["render", "-p", project, "--sound", "1", "--at", "0.5,0.5", "-o", str(tmp / "x.wav")]
    with pytest.raises(SystemExit):
        main(argv)  # one or the other
    assert "not allowed with argument" in capsys.readouterr().err


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
        names = [s.name for s in sounds]  # what they are, searchable; the code's prefix first
        assert (
            "drum008 Acoustic Snare v60" in names and "gm000 Acoustic Grand Piano k34 v127" in names
        )


def test_a_file_whose_name_is_not_utf8_is_listed_and_the_rest_is_imported(setup, capsys):
    """A Latin-1 name (an old zip) is one bad file, not the end of the import."""

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


def test_argument_errors_are_one_line_too(capsys):
    for argv in (["render", "-p", "x.lsc"], ["prior", "sample", "--kind", "bad", "-p", "x"]):
        with pytest.raises(SystemExit) as ended:
            main(argv)
        assert ended.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and ": error: " in err and "--help" in err


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
    assert not Path(project).exists()  # no empty project left behind (QA s19 L3)
    argv[1] = str(tmp / "sounds")
    assert main([*argv, "--quiet"]) == 0  # some sounds: success, with the bad one listed
