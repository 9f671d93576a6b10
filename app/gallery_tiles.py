"""What a gallery tile can do: play, "more like this", join the project (drop / Add to corpus),
and be saved as WAV — the tile part of :class:`GalleryController` (a mixin).

A tile joins the project as a generated sound (``store.add_generated_sound``, written on a
worker) holding its latent window, so clicking it on the map plays exactly what the tile played;
the map places it like an imported sound (the atlas' placement of new points: nothing else
moves) and draws it as generated.

Thread: GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from latentscape.engines.priors.saved import TRAINABLE_KINDS
from latentscape.engines.sound_files import with_suffix
from latentscape.gallery_jobs import SOURCE_KINDS, Rendered, decode_tile, vary, write_wav

VARIATIONS = 4


if TYPE_CHECKING:
    pass


class GalleryTileActions:
    """Mixed into ``GalleryController``."""

    def more_like_this(self, name: str, tile_id) -> bool:
        """Append :data:`VARIATIONS` variations of a tile (worker)."""
        src = self._sources[name]
        tile = src.tiles.get(int(tile_id))
        ready = self._usable(src)
        if tile is None or ready is None or src.jobs:
            return False
        prior, engine = ready
        src.variation_count += 1
        seed = (tile.decode_seed * 31 + src.variation_count) & 0x7FFF_FFFF
        strength = self.variation_strength
        src.jobs += 1
        self._show_status(name, f"Making {VARIATIONS} like {tile.label}…")
        epoch = self._epoch

        def done(out: Rendered) -> None:
            if epoch != self._epoch or self._closed:
                return
            src.jobs -= 1
            labels = [f"≈ {tile.label} ({k + 1})" for k in range(len(out.windows))]
            tiles = self._new_tiles(src, out, labels)
            self.view.add_tiles(src.name, [(t.tile_id, t.thumb, t.label) for t in tiles])
            self._show_status(src.name, f"{len(tiles)} more like {tile.label}")
            self._save_gallery(src)
            self.tilesChanged.emit(src.name)

        self.runner.submit(
            lambda ctx: vary(prior, engine, tile, VARIATIONS, strength, seed),
            on_done=done,
            on_error=lambda exc, tb: self._on_job_failed(epoch, src, exc),
        )
        return True

    # -- tiles ----------------------------------------------------------------------------------
    def play_tile(self, name: str, tile_id) -> bool:
        """Hear a tile: its window through the audio engine (as the map plays sounds)."""
        tile = self.tile(name, tile_id)
        from_project = self._sources[name].kind in TRAINABLE_KINDS  # priors on the sounds
        return tile is not None and self.explorer.audition_trajectory(tile.window, from_project)

    def _on_tile_dropped(self, name: str, tile_id, _x: float, _y: float) -> None:
        # The atlas places it among the sounds it resembles (as it does imported sounds).
        self.add_tile_to_project(name, tile_id)

    def add_tile_to_project(self, name: str, tile_id) -> bool:
        """Make a tile a generated sound of the project and put it on the map (worker write)."""
        tile = self.tile(name, tile_id)
        store, engine = self.explorer.store, self._engine()
        if tile is None:
            self.explorer.message.emit("That tile is gone (the gallery was regenerated)")
            return False
        if (
            store is None
            or engine is None
            or tile.window.shape[1] != engine.latent_size
            or not self.explorer.decodes_project_latents()  # a project of another model
        ):
            self._error("Open a project with this model to add generated sounds to it")
            return False
        window = tile.window
        label = f"{name} {tile.label}"
        meta = {"source": SOURCE_KINDS[name], "tile_id": int(tile.tile_id)}
        meta["decode_seed"] = int(tile.decode_seed)

        def job(ctx):
            twin = store.generated_sound_with(window)
            if twin is not None:
                return twin, False
            sound_id = store.add_generated_sound(
                window, name=label, tags=(SOURCE_KINDS[name],), meta=meta
            )
            return store.sound(sound_id), True

        epoch = self._epoch
        self._saving += 1

        def done(result) -> None:
            self._saving -= 1
            sound, added = result
            if epoch != self._epoch or self._closed or store is not self.explorer.store:
                return
            if not added:
                self.explorer.message.emit(f"“{sound.name}” is on the map already")
                self.explorer.select_sound(sound.id)
                return
            self.explorer.sync.add_sounds([sound], {sound.id: window})
            self.explorer.message.emit(
                f"Added “{label}” to the map, beside the sounds it resembles"
            )
            self.tileAdded.emit(int(sound.id))

        self.runner.submit(
            job,
            on_done=done,
            on_error=lambda exc, tb: self._on_saved(None, f"could not add the sound: {exc}"),
        )
        return True

    def _ask_save_wav(self, name: str, tile_id) -> None:
        tile = self.tile(name, tile_id)
        if tile is None:
            return
        default = f"{name}-{tile.label}".replace(" ", "").replace("·", "-") + ".wav"
        path, _ = QFileDialog.getSaveFileName(
            self.view, "Save sound as WAV", default, "WAV audio (*.wav)"
        )
        if path:
            self.save_tile_wav(name, tile_id, with_suffix(path, ".wav"))

    def save_tile_wav(self, name: str, tile_id, path: str | Path) -> bool:
        """Write a tile's decoded sound to ``path`` as a float WAV (worker)."""
        tile, engine = self.tile(name, tile_id), self._engine()
        if tile is None or engine is None:
            return False
        rate = int(engine.sample_rate_hz)
        self._saving += 1

        def done(_result) -> None:
            self._saving -= 1
            self.explorer.views.banner.clear("error")  # an earlier failed save is put right
            self.explorer.message.emit(f"Saved {Path(path).name}")
            self.wavSaved.emit(str(path))

        self.runner.submit(
            lambda ctx: write_wav(decode_tile(engine, tile), rate, path),
            on_done=done,
            on_error=lambda exc, tb: self._on_saved(None, f"could not save the sound: {exc}"),
        )
        return True
