"""File → Import Options…: how the window's imports cut files, remembered between runs (the
GUI had no way to split, keep silence or take a long file; only the CLI had)."""

from __future__ import annotations

import pytest
import soundfile as sf

from latentscape.main_menus import import_options_dialog
from latentscape.settings import AppSettings
from latentscape.widgets.import_options import ImportOptions
from support.app_projects import RATE_HZ, write_sounds


def test_import_options_cut_the_next_imports_and_are_remembered(opened, qtbot, tmp_path):
    c = opened.controller
    (path,) = write_sounds(tmp_path / "long", count=1, seed=3, duration_s=1.2)
    audio, _ = sf.read(path)
    opened.menus.set_import_rules(ImportOptions(segment_s=0.5, trim_silence=False, max_file_s=60))
    assert c.import_paths([str(tmp_path / "long")])
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=30_000)
    pieces = [s for s in c.store.sounds() if s.folder.endswith("long")]
    assert len(pieces) == 3  # 1.2 s in the fewest equal pieces of at most 0.5 s
    total = sum(s.duration_s for s in pieces)
    assert total == pytest.approx(len(audio) / RATE_HZ, abs=1e-3)  # no silence trimmed
    opened.menus.set_import_rules(ImportOptions(segment_s=1.0, trim_silence=False, max_file_s=60))
    assert c.import_paths([str(tmp_path / "long")])  # again, in 2 pieces: beside the 3
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=30_000)
    assert len([s for s in c.store.sounds() if s.folder.endswith("long")]) == 5
    assert "1 file imported before with other options" in opened.import_progress.text()
    again = AppSettings(opened.settings.qsettings.fileName()).import_rules
    assert (again.segment_s, again.trim_silence, again.max_file_s) == (1.0, False, 60.0)
    shown = import_options_dialog(c.imports.rules, opened)  # File → Import Options… opens on it
    assert shown.options() == ImportOptions(1.0, False, 60.0)
    shown.restore_defaults()
    assert shown.options() == ImportOptions(10.0, True, 600.0)


def test_cutting_at_onsets_chosen_in_the_dialog_cuts_the_windows_next_import(
    opened, qtbot, tmp_path
):
    """The whole chain: Import Options' "at onsets" is what the next drop uses."""
    import numpy as np

    from support.onset_hits import hit_train

    c = opened.controller
    x, onsets = hit_train(count=5, seed=4)
    (tmp_path / "loop").mkdir()
    sf.write(tmp_path / "loop" / "hits.wav", x, 44100)
    opened.menus.set_import_rules(ImportOptions(10.0, True, 600.0, "onsets", 0.5))
    assert import_options_dialog(c.imports.rules, opened).options().split == "onsets"
    assert c.import_paths([str(tmp_path / "loop")])
    qtbot.waitUntil(lambda: not c.imports.running and not c.busy, timeout=30_000)
    hits = sorted(
        (s for s in c.store.sounds() if s.name.startswith("hits")), key=lambda s: s.start_s
    )
    assert len(hits) == 5
    assert np.all(np.abs(onsets - [s.start_s for s in hits]) < 0.02)
