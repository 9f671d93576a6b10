"""The app works on a per-user copy of the shipped demo and never writes into the package."""

from __future__ import annotations

from latentscape.engines.hashing import file_sha256
from latentscape.project_session import demo_project_path, shipped_demo_path
from latentscape.project_store import ProjectStore


def test_demo_is_copied_to_the_user_folder_and_still_finds_its_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTSCAPE_DATA_DIR", str(tmp_path))
    shipped = shipped_demo_path()
    assert shipped is not None, "the demo is not built (resources/demo/demo.lsc)"
    before = file_sha256(shipped)

    copy = demo_project_path()
    assert copy == tmp_path / "demo" / "demo.lsc"
    with ProjectStore.open(copy) as store:
        store.set_setting("touched", True)  # the app saves into what it opened
        model = store.model()
        assert model is not None and store.resolve(model.path).is_file()
        sounds = store.sounds()
        assert sounds and all(store.resolve(s.path).is_file() for s in sounds if s.path)
    assert file_sha256(shipped) == before

    assert demo_project_path() == copy  # reused, not copied again
    with ProjectStore.open(copy) as store:
        assert store.setting("touched") is True


def test_a_changed_shipped_demo_replaces_the_copy_and_keeps_a_backup(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENTSCAPE_DATA_DIR", str(tmp_path))
    copy = demo_project_path()
    (tmp_path / "demo" / "shipped.sha256").write_text("an older release\n")
    assert demo_project_path() == copy
    assert (tmp_path / "demo" / "demo.lsc.bak").is_file()
