"""Import Options' "Cut files: at onsets" choice: shown, edited, restored, and remembered in
the app's settings between runs with the other import rules."""

from __future__ import annotations

from dataclasses import replace

from latentscape.engines.corpus import ImportRules
from latentscape.settings import AppSettings
from latentscape.widgets.import_options import ImportOptions, ImportOptionsDialog


def test_the_dialog_offers_cutting_at_onsets_with_a_sensitivity(qtbot):
    at_onsets = ImportOptions(5.0, True, 600.0, split="onsets", onset_sensitivity=0.7)
    dialog = ImportOptionsDialog(at_onsets)
    qtbot.addWidget(dialog)
    assert dialog.options() == at_onsets
    assert dialog.split.currentText().startswith("At onsets") and dialog.sensitivity.isEnabled()
    dialog.split.setCurrentIndex(dialog.split.findData("length"))
    assert not dialog.sensitivity.isEnabled()  # it only sets where onsets are
    assert dialog.options() == replace(at_onsets, split="length")
    dialog.split.setCurrentIndex(dialog.split.findData("onsets"))
    dialog.sensitivity.setValue(0.25)
    assert dialog.options() == replace(at_onsets, onset_sensitivity=0.25)
    dialog.set_defaults(ImportOptions(10.0, True, 600.0))
    dialog.restore_defaults()
    assert dialog.options() == ImportOptions(10.0, True, 600.0, "length", 0.5)
    assert not dialog.sensitivity.isEnabled()


def test_the_choice_is_remembered_between_runs(qapp, tmp_path):
    path = tmp_path / "settings.ini"
    settings = AppSettings(path)
    assert settings.import_rules == ImportRules()  # never set: cut by length
    chosen = ImportRules(segment_s=4.0, split="onsets", onset_sensitivity=0.8)
    settings.import_rules = chosen
    settings.sync()
    assert AppSettings(path).import_rules == chosen
    for key, value in (("split", "beats"), ("onset_sensitivity", "loud")):
        settings.import_rules = chosen
        settings.qsettings.setValue(f"import/{key}", value)  # a later version's, or damaged
        settings.sync()
        assert AppSettings(path).import_rules == replace(ImportRules(), segment_s=4.0)
