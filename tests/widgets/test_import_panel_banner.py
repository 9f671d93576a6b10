"""Import progress, the failed-files list, and the banner."""

from __future__ import annotations

import pytest
from PySide6 import QtGui

from latentscape.widgets.banner import Banner
from latentscape.widgets.import_panel import FailedFilesDialog, ImportProgress

FAILURES = [
    ("/sounds/broken.wav", "not a sound file (RIFF header missing)"),
    ("/sounds/empty.flac", "no samples"),
    ("/sounds/long/very_long_name.mp3", "unsupported format: mp3"),
]


def test_progress_shows_counts_and_cancel_emits_once(qtbot):
    w = ImportProgress()
    qtbot.addWidget(w)
    assert w.isHidden()
    w.set_progress(12, 80, "kick.wav")
    assert not w.isHidden()
    assert w.text() == "Importing 12 / 80 — kick.wav"
    assert w.progress() == (12, 80)
    with qtbot.waitSignal(w.cancelRequested):
        w.cancel_button.click()
    assert not w.cancel_button.isEnabled()
    w.set_progress(13, 80, "snare.wav")  # the job reports once more before it stops
    assert w.text() == "Cancelling…" and not w.cancel_button.isEnabled()
    assert w.progress() == (13, 80)
    w.finish("Import cancelled: 13 sounds added")
    w.set_progress(0, 0, "next import")
    assert w.text() == "Importing… — next import" and w.cancel_button.isEnabled()


def test_finish_keeps_the_failures_button(qtbot):
    w = ImportProgress()
    qtbot.addWidget(w)
    w.set_progress(3, 3)
    w.set_failed_count(2)
    w.finish("Imported 1 sound")
    assert w.text() == "Imported 1 sound"
    assert not w.failures_button.isHidden() and w.failures_button.text() == "2 failed"
    with qtbot.waitSignal(w.showFailuresRequested):
        w.failures_button.click()
    w.set_failed_count(0)
    w.finish("")
    assert w.isHidden()


def test_failed_files_are_listed_with_reasons(qtbot):
    d = FailedFilesDialog()
    qtbot.addWidget(d)
    d.set_failures(FAILURES)
    assert d.list.failures() == FAILURES
    # named from the folder above them all: which folder a file is in shows
    shown = [d.list.topLevelItem(k).text(0) for k in range(3)]
    assert shown == ["sounds/broken.wav", "sounds/empty.flac", "sounds/long/very_long_name.mp3"]
    assert d.list.topLevelItem(0).toolTip(0) == "/sounds/broken.wav"
    assert "3 files could not be imported" in d._summary.text()
    d.copy_button.click()
    assert (
        QtGui.QGuiApplication.clipboard().text().splitlines()[1] == "/sounds/empty.flac\tno samples"
    )
    assert not d.grab().toImage().isNull()


def test_a_lone_failed_file_is_listed_by_its_name(qtbot):
    d = FailedFilesDialog()
    qtbot.addWidget(d)
    d.set_failures(FAILURES[2:])
    assert d.list.topLevelItem(0).text(0) == "very_long_name.mp3"


def test_banner_shows_and_dismisses(qtbot):
    b = Banner()
    qtbot.addWidget(b)
    assert b.isHidden()
    b.show_message("No audio device: playing silently — PortAudio library not found")
    assert not b.isHidden() and b.level() == "warning"
    assert b.text().startswith("No audio device")
    with qtbot.waitSignal(b.dismissed):
        b.close_button.click()
    assert b.isHidden()
    with pytest.raises(ValueError, match="level"):
        b.show_message("x", level="loud")
    b.show_message("Model loaded", level="info")
    assert not b.grab().toImage().isNull()
