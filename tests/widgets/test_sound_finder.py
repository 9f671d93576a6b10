"""SoundFinder: typing lists the sounds whose name or group holds the text (names that begin
with it first); a pick or Enter chooses one sound, once; the list follows the map's sounds."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from latentscape.widgets import sound_finder
from latentscape.widgets.sound_finder import SoundFinder

SOUNDS = [
    (10, "big kick.wav", "fx", "Drums/fx"),
    (11, "Kick 01.wav", "808", "Drums/808"),
    (12, "kick 02.wav", "909", "Drums/909"),
    (13, "snare.wav", "909", "Drums/909"),
    (14, "kick.wav", "acoustic", "/mnt/kits/acoustic"),
    (15, "pad_warm.flac", "", ""),
    (16, "kick.wav", "909", "Drums/909"),
]


@pytest.fixture
def finder(qtbot):
    window = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(window)
    entries = list(SOUNDS)
    f = SoundFinder(lambda: entries, lambda: len(entries))
    f.entries = entries  # the test adds sounds to the map through this list
    layout.addWidget(f)
    layout.addWidget(QtWidgets.QPushButton("elsewhere"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    f.setFocus()
    qtbot.waitUntil(f.hasFocus)
    yield f  # the window stays referenced until the test ends


def chosen_by(finder, qtbot, action) -> list[int]:
    got: list[int] = []
    finder.soundChosen.connect(got.append)
    action()
    qtbot.wait(50)  # anything a second path would still emit
    return got


def test_typing_lists_every_match_case_insensitively_with_its_group(finder, qtbot):
    qtbot.keyClicks(finder, "KICK")
    popup = finder.list_view()
    qtbot.waitUntil(popup.isVisible)
    shown = [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())]
    assert shown == [
        "Kick 01.wav — 808",
        "kick 02.wav — 909",
        "kick.wav — 909",
        "kick.wav — acoustic",
        "big kick.wav — fx",  # holds it, but does not begin with it: listed after
    ]
    assert finder.matching_ids("909") == [12, 16, 13]  # a group finds its sounds too
    qtbot.keyClicks(finder, "zzz")
    qtbot.waitUntil(lambda: not popup.isVisible())


def test_the_list_stops_at_max_listed(finder, qtbot):
    from latentscape.widgets.sound_finder import MAX_LISTED

    finder.entries.extend((100 + k, f"tom {k:04d}.wav", "toms", "") for k in range(MAX_LISTED + 50))
    finder.clearFocus()
    finder.setFocus()
    qtbot.waitUntil(finder.hasFocus)
    qtbot.keyClicks(finder, "tom")
    popup = finder.list_view()
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().rowCount() == MAX_LISTED
    assert popup.model().index(0, 0).data() == "tom 0000.wav — toms"
    assert len(finder.matching_ids("tom")) == MAX_LISTED + 50


def test_picking_from_the_list_chooses_that_sound_once(finder, qtbot):
    qtbot.keyClicks(finder, "kick.wav")
    popup = finder.list_view()
    qtbot.waitUntil(popup.isVisible)
    popup.setCurrentIndex(popup.model().index(1, 0))  # "kick.wav — acoustic"
    assert popup.model().index(1, 0).data() == "kick.wav — acoustic"

    def press_enter():
        qtbot.keyClick(popup, QtCore.Qt.Key.Key_Return)

    assert chosen_by(finder, qtbot, press_enter) == [14]
    assert finder.text() == "kick.wav — acoustic" and not popup.isVisible()


def test_enter_takes_an_exact_name_else_the_first_match(finder, qtbot):
    finder.setText("snare.wav")
    assert chosen_by(finder, qtbot, finder.choose_best) == [13]
    finder.setText("kick 0")
    assert chosen_by(finder, qtbot, finder.choose_best) == [11]
    finder.setText("nothing like it")
    with qtbot.waitSignal(finder.nothingFound) as told:
        assert chosen_by(finder, qtbot, finder.choose_best) == []
    assert told.args == ["nothing like it"]


def test_text_no_sound_holds_turns_red_while_typed(finder, qtbot):
    qtbot.keyClicks(finder, "kic")
    assert not finder.no_match_shown()
    qtbot.keyClicks(finder, "z")
    assert finder.no_match_shown()
    qtbot.keyClick(finder, QtCore.Qt.Key.Key_Backspace)
    assert not finder.no_match_shown()
    qtbot.keyClicks(finder, "z")
    finder.clear()  # Esc in the window clears it this way
    assert not finder.no_match_shown()


def test_sounds_added_to_the_map_are_found_once_the_field_takes_focus(finder, qtbot):
    finder.entries.append((17, "riser_long.wav", "fx", ""))
    assert finder.matching_ids("riser") == [17]
    finder.clearFocus()
    finder.entries.append((18, "riser_short.wav", "fx", ""))
    finder.setFocus()
    qtbot.waitUntil(finder.hasFocus)
    qtbot.keyClicks(finder, "riser")
    popup = finder.list_view()
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().rowCount() == 2


def test_a_pick_takes_the_sound_shown_even_if_the_map_changed_while_the_list_was_open(
    finder, qtbot
):
    """An import places sounds while the user picks: the row picked is the sound it shows
    (the lists behind it were re-read on the list's close, and the row pointed elsewhere)."""
    qtbot.keyClicks(finder, "kick")
    popup = finder.list_view()
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().index(2, 0).data() == "kick.wav — 909"
    finder.entries.insert(0, (19, "kick 00.wav", "new", ""))  # sorts before every listed kick
    rect = popup.visualRect(popup.model().index(2, 0))

    def click() -> None:
        qtbot.mouseClick(popup.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())

    assert chosen_by(finder, qtbot, click) == [16]
    assert finder.text() == "kick.wav — 909"


def test_while_typing_the_sounds_are_read_again_at_most_once_per_interval(
    finder, qtbot, monkeypatch
):
    """An import changes the map every poll; re-reading 100,000 sounds on every key froze
    the window for ~250 ms per key. A changed map is read again only once the last read is
    ``REREAD_WHILE_TYPING_S`` old."""
    now = [100.0]
    monkeypatch.setattr(sound_finder, "clock", lambda: now[0])
    reads = []
    entries = finder._entries
    monkeypatch.setattr(finder, "_entries", lambda: reads.append(1) or entries())
    finder.entries.append((17, "kick_new.wav", "fx", ""))
    finder.matching_ids("kick")  # read now: the map changed
    assert len(reads) == 1
    for k in range(5):
        finder.entries.append((20 + k, f"kick_{k}.wav", "fx", ""))
        qtbot.keyClicks(finder, "k")
    assert len(reads) == 1
    now[0] += sound_finder.REREAD_WHILE_TYPING_S
    qtbot.keyClicks(finder, "i")
    assert len(reads) == 2
    assert 24 in finder.matching_ids("kick_4")


def test_names_match_whatever_their_unicode_form_and_folders_match_too(finder):
    """A name from macOS stores "é" as "e" plus a combining accent (NFD): typing "café" the
    usual way finds it. A parent folder ("Drums" above Drums/808) lists its sounds, though the
    group shows only the last folder."""
    finder.entries.append((30, "nfd cafe\u0301.wav", "odd", "Odd"))
    assert finder.matching_ids("caf\u00e9") == [30]
    assert finder.matching_ids("CAF\u00c9") == [30]
    assert sorted(finder.matching_ids("drums")) == [10, 11, 12, 13, 16]
    assert finder.matching_ids("kits/acoustic") == [14]
