"""GalleryView: tabs, tiles, the intents of its buttons, and a tile dragged onto the map."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from latentscape.widgets.gallery_tile import thumbnail_image
from latentscape.widgets.gallery_view import GalleryView
from latentscape.widgets.map_view import MapView
from latentscape.widgets.tile_mime import read_tile

LEFT = QtCore.Qt.MouseButton.LeftButton


def tiles(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [(i, rng.uniform(-80, 0, (32, 24)).astype(np.float32), f"#{i}") for i in range(n)]


@pytest.fixture
def gallery(qtbot):
    g = GalleryView()
    qtbot.addWidget(g)
    g.set_sources(["GAN", "Diffusion"])
    g.resize(640, 480)
    g.show()
    qtbot.waitExposed(g)
    return g


def test_tabs_and_generate(gallery, qtbot):
    assert gallery.sources() == ["GAN", "Diffusion"]
    gallery.seed.setValue(11)
    gallery.temperature.set_value(0.7)
    gallery.set_current_source("Diffusion")
    with qtbot.waitSignal(gallery.generateRequested) as blocker:
        gallery.generate_button.click()
    assert blocker.args == ["Diffusion", 16, 11, 0.7]


def test_tiles_fill_the_grid_and_a_click_plays_and_selects(gallery, qtbot):
    gallery.set_tiles("GAN", tiles(16))
    shown = gallery.tiles("GAN")
    assert [t.label() for t in shown] == [f"#{i}" for i in range(16)]
    assert not gallery.more_button.isEnabled()
    tile = shown[5]
    with qtbot.waitSignal(gallery.tileClicked) as blocker:
        qtbot.mouseClick(tile, LEFT, pos=QtCore.QPoint(30, 30))
    assert blocker.args == ["GAN", 5]
    assert tile.is_selected() and gallery.selected_tile() == ("GAN", 5)
    for button, signal in (
        (gallery.more_button, gallery.moreLikeThisRequested),
        (gallery.save_button, gallery.saveWavRequested),
        (gallery.add_button, gallery.addToCorpusRequested),
    ):
        with qtbot.waitSignal(signal) as blocker:
            button.click()
        assert blocker.args == ["GAN", 5]
    # Selecting another tile deselects the first.
    qtbot.mouseClick(shown[6], LEFT, pos=QtCore.QPoint(30, 30))
    assert not tile.is_selected() and shown[6].is_selected()
    # Tile actions act on the visible tab only.
    gallery.set_current_source("Diffusion")
    assert not gallery.more_button.isEnabled()


def test_more_like_this_results_are_appended(gallery):
    gallery.set_tiles("GAN", tiles(4))
    gallery.add_tiles("GAN", [("v1", np.zeros((8, 8), np.float32), "variation")])
    assert [t.tile_id for t in gallery.tiles("GAN")] == [0, 1, 2, 3, "v1"]


def test_busy_source_trains_or_cancels(gallery, qtbot):
    with qtbot.waitSignal(gallery.trainRequested) as blocker:
        gallery.train_button.click()
    assert blocker.args == ["GAN"]
    gallery.set_busy("GAN", True)
    gallery.set_status("GAN", "Training… step 40/200", progress=0.2)
    assert not gallery.generate_button.isEnabled()
    assert gallery.train_button.text() == "Cancel"
    assert gallery.status_text() == "Training… step 40/200"
    with qtbot.waitSignal(gallery.cancelRequested) as blocker:
        gallery.train_button.click()
    assert blocker.args == ["GAN"]
    gallery.set_current_source("Diffusion")  # status is per source
    assert gallery.status_text() == "" and gallery.generate_button.isEnabled()
    with pytest.raises(ValueError, match="no gallery tab"):
        gallery.set_tiles("VAE", [])


def test_dragging_a_tile_onto_the_map_places_it(gallery, qtbot):
    gallery.set_tiles("Diffusion", tiles(2))
    tile = gallery.tiles("Diffusion")[1]
    with qtbot.waitSignal(tile.dragStarted):
        qtbot.mousePress(tile, LEFT, pos=QtCore.QPoint(20, 20))
        qtbot.mouseMove(tile, pos=QtCore.QPoint(60, 50))
    mime = tile.mime_data()
    assert read_tile(mime) == ("Diffusion", 1)

    view = MapView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    view.set_points(np.array([[0, 0], [10, 10]], np.float32), ["a", "b"], ["a", "b"])
    view.auto_range()
    qtbot.wait(1)
    pos = view.view_pos(5.0, 5.0)
    action = QtCore.Qt.DropAction.CopyAction
    no_mods = QtCore.Qt.KeyboardModifier(0)
    enter = QtGui.QDragEnterEvent(pos, action, mime, LEFT, no_mods)
    QtCore.QCoreApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(view.tileDropped) as blocker:
        drop = QtGui.QDropEvent(QtCore.QPointF(pos), action, mime, LEFT, no_mods)
        QtCore.QCoreApplication.sendEvent(view.viewport(), drop)
    source, tile_id, x, y = blocker.args
    assert (source, tile_id) == ("Diffusion", 1)
    assert (x, y) == (pytest.approx(5.0, abs=0.2), pytest.approx(5.0, abs=0.2))


def test_thumbnail_puts_low_frequencies_at_the_bottom(gallery):
    spec = np.full((10, 20), -80.0, np.float32)
    spec[:, 0] = 0.0  # loud lowest bin
    image = thumbnail_image(spec, QtCore.QSize(10, 20))
    bottom, top = QtGui.QColor(image.pixel(5, 19)), QtGui.QColor(image.pixel(5, 0))
    assert bottom.lightness() > top.lightness() + 100
    with pytest.raises(ValueError, match=r"\[T, F\]"):
        thumbnail_image(np.zeros(5, np.float32))
    gallery.set_tiles("GAN", tiles(16))
    assert not gallery.grab().toImage().isNull()


def test_tiles_reflow_to_the_width(gallery, qtbot):
    gallery.set_tiles("GAN", tiles(16))
    page = gallery.tabs.currentWidget()
    gallery.resize(1200, 480)
    qtbot.waitUntil(lambda: page.columns() > 4)
    wide = page.columns()
    gallery.resize(400, 480)
    qtbot.waitUntil(lambda: page.columns() < wide)
    # Every tile ends up inside the visible width: no sideways scrolling.
    qtbot.waitUntil(
        lambda: max(t.geometry().right() for t in gallery.tiles("GAN")) <= page.viewport().width()
    )
