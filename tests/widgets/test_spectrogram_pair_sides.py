"""SpectrogramPairView with a side that has nothing to show (QA s19 M4): no file, or no model
to make a reconstruction. That side's plot stays empty, says why, and its button is off."""

from __future__ import annotations

import numpy as np
import pytest

from latentscape.widgets.spectrogram_math import magnitude_db
from latentscape.widgets.spectrogram_view import EMPTY_HINTS, SpectrogramPairView

SR = 16_000
WHY = "no model: load the project's model to hear what it makes of this sound"


def _tone_db(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return magnitude_db((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 512, 128)


def test_an_original_alone_is_shown_and_the_empty_reconstruction_says_why(qtbot):
    view = SpectrogramPairView()
    qtbot.addWidget(view)
    view.resize(600, 260)
    view.show()
    orig = _tone_db(0.5)
    view.set_pair(orig, None, "tone.wav", SR / 128, SR / 2, unmade=WHY)
    a, b = view.images()
    assert a is not None and len(a) == len(orig) and b is None
    assert view.title() == "tone.wav"
    assert view.original_caption() == "Original"
    assert view.reconstruction_caption() == "Reconstruction: no model"
    assert view.notes() == ("", "No" + WHY[2:])
    assert view.play_original_button.isEnabled()
    assert not view.play_reconstruction_button.isEnabled()
    assert view.play_reconstruction_button.toolTip() == WHY
    assert view.levels_db[1] == pytest.approx(float(orig.max()))
    # The note sits inside the empty plot, wrapped to its width.
    note, box = view._notes[1], view._plots[1].vb.sceneBoundingRect()
    assert note.isVisible() and box.contains(note.sceneBoundingRect())
    assert note.boundingRect().width() <= box.width()
    assert not view.grab().toImage().isNull()
    # A model made one: both shown, nothing to explain.
    view.set_pair(orig, _tone_db(0.4), "tone.wav", SR / 128, SR / 2)
    assert all(x is not None for x in view.images()) and view.notes() == ("", "")
    assert view.reconstruction_caption() == "Reconstruction"
    assert view.play_reconstruction_button.isEnabled()


def test_with_neither_side_only_the_title_and_the_reasons_show(qtbot):
    view = SpectrogramPairView()
    qtbot.addWidget(view)
    view.set_pair(None, None, "sound 7", 0.0, 0.0, missing="generated: no file", unmade=WHY)
    assert view.images() == (None, None) and view.title() == "sound 7"
    assert view.original_caption() == "Original: generated"
    assert view.reconstruction_caption() == "Reconstruction: no model"
    assert not view.play_original_button.isEnabled()
    assert not view.play_reconstruction_button.isEnabled()
    with pytest.raises(ValueError, match="equal F"):
        view.set_pair(_tone_db(0.2), _tone_db(0.2)[:, :10], "x")
    view.clear_pair()  # no empty axes: a word on what shows here (QA s22)
    assert view.notes() == EMPTY_HINTS and view.title() == "Select a sound on the map"
    assert not view.axes_shown()
    view.set_pair(_tone_db(0.2), _tone_db(0.2), "sound 8")
    assert view.notes() == ("", "") and view.axes_shown()
    assert not view._plots[1].getAxis("left").style["showValues"]  # shares the original's
