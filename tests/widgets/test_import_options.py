"""ImportOptionsDialog: shows the import options, edits them, restores the defaults."""

from __future__ import annotations

from latentscape.widgets.import_options import ImportOptions, ImportOptionsDialog


def test_the_dialog_shows_edits_and_restores_the_options(qtbot):
    dialog = ImportOptionsDialog(ImportOptions(2.5, False, 1800.0))
    qtbot.addWidget(dialog)
    assert dialog.options() == ImportOptions(2.5, False, 1800.0)
    dialog.segment.setValue(4.0)
    dialog.trim.setChecked(True)
    dialog.longest.setValue(60)
    assert dialog.options() == ImportOptions(4.0, True, 3600.0)
    dialog.set_defaults(ImportOptions(10.0, True, 600.0))
    dialog.restore_defaults()
    assert dialog.options() == ImportOptions(10.0, True, 600.0)
