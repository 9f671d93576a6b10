"""Building a corpus folder after folder: drops made while an import runs are queued and
imported after it, their failures listed together (a cancel drops the queue and says so);
copies of sounds already there are counted."""

from __future__ import annotations

from support.app_projects import write_sounds
from support.import_gate import GATE_AFTER


def test_a_folder_dropped_while_an_import_runs_is_imported_after_it(opened, qtbot, tmp_path):
    """Building a corpus by dropping folder after folder from a file manager: the second
    drop was thrown away ("An import is already running"); it is imported next."""
    c = opened.controller
    write_sounds(tmp_path / "first", count=6, seed=12)
    write_sounds(tmp_path / "keys", count=3, seed=5)
    (tmp_path / "first" / "broken.wav").write_text("not audio")
    (tmp_path / "keys" / "notes.wav").write_text("not audio either")
    finished: list = []
    c.imports.importFinished.connect(finished.append)
    told = lambda m: "imported next" in m  # noqa: E731
    assert c.import_paths([str(tmp_path / "first")])
    with qtbot.waitSignal(c.message, timeout=5_000, check_params_cb=told):
        assert c.import_paths([str(tmp_path / "keys")])
    qtbot.waitUntil(lambda: len(finished) == 2 and not c.busy, timeout=120_000)
    assert not any(report.cancelled for report in finished)
    assert len(c.state) == 8 + 6 + 3
    assert {"first", "keys"} <= set(opened.map_view.legend_labels())
    failed = sorted(path.rsplit("/", 1)[-1] for path, _ in c.imports.failures)
    assert failed == ["broken.wav", "notes.wav"]  # both drops' failures, listed together


def test_cancelling_the_running_import_drops_the_queued_ones(opened, qtbot, tmp_path, import_gate):
    c = opened.controller
    write_sounds(tmp_path / "many", count=GATE_AFTER + 5, seed=3)
    write_sounds(tmp_path / "later", count=2, seed=4)
    finished: list = []
    c.imports.importFinished.connect(finished.append)
    assert c.import_paths([str(tmp_path / "many")])
    assert c.import_paths([str(tmp_path / "later")])
    qtbot.waitUntil(lambda: bool(c.imports.imported_ids), timeout=60_000)
    c.cancel_import()
    import_gate.set()
    qtbot.waitUntil(lambda: len(finished) == 1 and not c.busy, timeout=60_000)
    qtbot.wait(300)  # nothing more starts
    assert len(finished) == 1 and finished[0].cancelled and not c.imports.running
    assert opened.import_progress.text().endswith("; 1 queued import not started")
    assert "later" not in {s.folder.rsplit("/", 1)[-1] for s in c.store.sounds()}


def test_the_import_summary_counts_copies_of_sounds_already_there(opened, qtbot, tmp_path):
    """Byte-identical copies under other names come in as sounds of their own, on the very
    spot of the sound they copy: one point hides the other, so the summary says how many."""
    import shutil

    c = opened.controller
    write_sounds(tmp_path / "dupes", count=2, seed=21)
    shutil.copy(tmp_path / "dupes" / "tone00.wav", tmp_path / "dupes" / "tone00 copy.wav")
    finished: list = []
    c.imports.importFinished.connect(finished.append)
    assert c.import_paths([str(tmp_path / "dupes")])
    qtbot.waitUntil(lambda: bool(finished) and not c.busy, timeout=60_000)
    text = opened.import_progress.text()
    assert text.startswith("Import done: 3 sounds added, 1 identical to other sounds"), text
