"""Building a corpus folder after folder: drops made while an import runs are queued and
imported after it, their failures listed together (a cancel drops the queue and says so);
copies of sounds already there are counted."""

from __future__ import annotations

from collections import Counter

from latentscape.widgets.import_options import ImportOptions
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
    write_sounds(tmp_path / "pads", count=2, seed=6)
    assert c.import_paths([str(tmp_path / "first")])
    with qtbot.waitSignal(c.message, timeout=5_000, check_params_cb=told):
        assert c.import_paths([str(tmp_path / "keys")])
    # options changed after a drop: each queued drop is cut as it was when dropped
    opened.menus.set_import_rules(ImportOptions(segment_s=0.25, trim_silence=False, max_file_s=60))
    assert c.import_paths([str(tmp_path / "pads")])
    qtbot.waitUntil(lambda: len(finished) == 3 and not c.busy, timeout=120_000)
    assert not any(report.cancelled for report in finished)
    pieces = Counter(s.folder.rsplit("/", 1)[-1] for s in c.store.sounds())
    assert (pieces["first"], pieces["keys"], pieces["pads"]) == (6, 3, 4)
    assert len(c.state) == 8 + 6 + 3 + 4
    assert {"first", "keys", "pads"} <= set(opened.map_view.legend_labels())
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


def test_opening_another_project_drops_the_queue_and_says_so(
    opened, qtbot, tmp_path, tiny_project, import_gate
):
    """The queued drops were for the project being left: not imported into the next one,
    and the import panel says they were not started."""
    import shutil

    c = opened.controller
    other = tmp_path / "other.lsc"
    shutil.copy(tiny_project, other)
    write_sounds(tmp_path / "many", count=GATE_AFTER + 5, seed=3)
    write_sounds(tmp_path / "later", count=2, seed=4)
    assert c.import_paths([str(tmp_path / "many")])
    assert c.import_paths([str(tmp_path / "later")])
    qtbot.waitUntil(lambda: bool(c.imports.imported_ids), timeout=60_000)
    import_gate.set()
    said: list[str] = []
    c.message.connect(said.append)
    with qtbot.waitSignal(c.projectOpened, timeout=30_000):
        c.open_project(other)
    qtbot.waitUntil(lambda: not c.busy, timeout=30_000)
    qtbot.wait(300)
    assert not c.imports.running and len(c.state) == 8
    assert "1 queued import not started (they were for the project left)" in said
