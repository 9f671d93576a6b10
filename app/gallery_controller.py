"""``GalleryController``: the prior galleries (issue 8) wired to the project, model, map and audio.

One tab per source: "GAN" and "Diffusion" (priors trained here on the corpus' latent
trajectories and kept in the project) and "Model prior" when the loaded model exports its own.

- **Train** trains the tab's prior on the current corpus (the real sounds on the map) on a worker,
  with progress in the tab; **Cancel** stops it after the current step and keeps what it learned.
  The trained prior is stored in the project (item kind ``"prior"``) and comes back when the
  project opens.
- **Generate 16** samples 16 windows (seed: the latent controls' locked seed, else the gallery's
  seed box, which then advances by one), decodes them with the model on a worker and shows their
  spectrogram thumbnails. The tiles are stored in the project (item kind ``"gallery"``).
- Click a tile: hear it. Drag it onto the map, or "Add to corpus": it becomes a generated sound of
  the project, placed among the real sounds by the atlas (others do not move) and drawn as
  generated. "More like this": 4 variations. "Save WAV…": the decoded sound as a file.

Thread: GUI thread only; the slow parts are :mod:`latentscape.gallery_jobs` functions on this
controller's own :class:`TaskRunner` (so a long training never holds up the app's workers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from latentscape.engines.priors import TRAINABLE_KINDS, ModelPrior, window_plan
from latentscape.gallery_jobs import (
    SOURCE_KINDS,
    Rendered,
    Tile,
    generate,
    load_project_priors,
    save_gallery,
)
from latentscape.gallery_tiles import GalleryTileActions
from latentscape.gallery_training import GalleryTraining
from latentscape.tasks import TaskHandle, TaskRunner
from latentscape.widgets.gallery_view import GalleryView

TRAIN_SECONDS = 120.0
READ_AGAIN_RETRY_MS = 2000  # the gallery was busy when another program changed the project


@dataclass
class SourceState:
    """One tab's state."""

    name: str
    kind: str
    prior: object | None = None
    tiles: dict[int, Tile] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    next_id: int = 1
    training: TaskHandle | None = None
    jobs: int = 0  # generate / variation jobs running
    variation_count: int = 0


class GalleryController(GalleryTraining, GalleryTileActions, QObject):
    """Drives a :class:`GalleryView` for an :class:`ExplorerController`.

    Signals (GUI thread): ``tilesChanged(str source)`` after tiles were set or added;
    ``priorTrained(str source)`` when a training run stored a prior; ``tileAdded(int sound_id)``
    when a tile became a project sound; ``restored()`` when an opened project's priors and tiles
    were applied; ``wavSaved(str path)``.
    """

    tilesChanged = Signal(str)
    priorTrained = Signal(str)
    tileAdded = Signal(int)
    restored = Signal()
    wavSaved = Signal(str)

    def __init__(self, explorer, view: GalleryView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.explorer = explorer
        self.view = view
        self.runner = TaskRunner(max_threads=2, parent=self)
        self.train_seconds: float | None = TRAIN_SECONDS
        self.train_steps: int | None = None  # tests: a few steps instead of a time budget
        self.train_seed = 0
        self.variation_strength = 0.3
        self.last_generate_s = 0.0  # sample + decode + thumbnails of the last Generate
        self._sources = {name: SourceState(name, kind) for name, kind in SOURCE_KINDS.items()}
        self._epoch = 0  # bumped when a project opens: older results are dropped
        self._loading = False
        self._saving = 0
        self._closed = False
        self._read_again_timer = QTimer(self)  # running: a re-read waits for the gallery
        self._read_again_timer.setSingleShot(True)
        self._read_again_timer.setInterval(READ_AGAIN_RETRY_MS)
        self._read_again_timer.timeout.connect(lambda: self._on_read_again(self.explorer.store))

        view.generateRequested.connect(self.generate)
        view.tileClicked.connect(self.play_tile)
        view.moreLikeThisRequested.connect(self.more_like_this)
        view.saveWavRequested.connect(self._ask_save_wav)
        view.addToCorpusRequested.connect(self.add_tile_to_project)
        view.trainRequested.connect(self.train)
        view.train_button.setToolTip(
            f"Train this prior on the sounds on the map, for about {TRAIN_SECONDS / 60:.0f} "
            "minutes (Cancel stops it early and keeps what it learned)"
        )
        view.cancelRequested.connect(self.cancel)
        explorer.views.map_view.tileDropped.connect(self._on_tile_dropped)
        explorer.projectOpened.connect(self._on_project_opened)
        # an import gave the project another model: its priors and tiles are that model's
        explorer.projectModelChanged.connect(self._reload)
        # another program (`latentscape prior train`) may have trained a prior for it
        explorer.projectReadAgain.connect(self._on_read_again)
        explorer.modelLoaded.connect(lambda _info: self._update_sources())
        self._update_sources()
        if explorer.store is not None:
            self._on_project_opened(explorer.store)

    @classmethod
    def attach(cls, window) -> GalleryController:
        """Build the gallery dock in ``window`` (a ``MainWindow``) and wire it; returns it."""
        view = GalleryView()
        window.install_gallery_view(view)
        controller = cls(window.controller, view, parent=window)
        window.closing.connect(controller.shutdown)
        window.gallery = controller  # for scripts and tests
        return controller

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel training, wait for the workers (before the window closes the project)."""
        self._closed = True
        for src in self._sources.values():
            if src.training is not None:
                src.training.cancel()
        self.runner.wait(timeout_ms)
        QCoreApplication.sendPostedEvents()  # finished jobs report now, and are ignored

    # -- state ----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while training, generating, loading or saving runs (tests wait for False)."""
        return (
            self._loading
            or self._saving > 0
            or any(s.training is not None or s.jobs for s in self._sources.values())
        )

    def source(self, name: str) -> SourceState:
        return self._sources[name]

    def prior(self, name: str) -> object | None:
        return self._sources[name].prior if name in self._sources else None

    def tile(self, name: str, tile_id: int) -> Tile | None:
        src = self._sources.get(name)
        return None if src is None else src.tiles.get(int(tile_id))

    def tiles(self, name: str) -> list[Tile]:
        src = self._sources[name]
        return [src.tiles[i] for i in src.order]

    def _engine(self):
        model = self.explorer.model
        return None if model is None else model.engine

    def _model_hash(self) -> str:
        store = self.explorer.store
        ref = store.model() if store is not None else None
        if ref is not None:
            return ref.content_hash
        model = self.explorer.model
        return model.info.content_hash if model is not None else ""

    def _error(self, text: str) -> None:
        self.explorer.errorOccurred.emit(text)

    def _update_sources(self) -> None:
        """GAN and Diffusion always; "Model prior" while the loaded model has one."""
        engine = self._engine()
        names = ["GAN", "Diffusion"]
        if engine is not None and engine.has_prior:
            names.append("Model prior")
        model_src = self._sources["Model prior"]
        if "Model prior" in names:
            frames, stride = window_plan(engine.sample_rate_hz, engine.hop_samples)
            model_src.prior = ModelPrior(engine, window_frames=frames * stride)
        else:
            model_src.prior = None
        shown = set(self.view.sources())
        self.view.set_sources(names)
        for name in names:
            if name not in shown:  # a tab that (re)appears shows the tiles it has
                self.view.set_tiles(name, [(t.tile_id, t.thumb, t.label) for t in self.tiles(name)])
            self._show_status(name)

    def _show_status(self, name: str, text: str | None = None, fraction: float | None = None):
        src = self._sources[name]
        if name not in self.view.sources():
            return
        if text is None:
            if src.training is not None:
                text = "Training…"
            elif src.prior is None:
                text = "Not trained yet: press Train (learns from the sounds on the map)"
            elif src.kind == "model":
                text = "The model's own prior"
            elif not self._fits_model(src.prior):
                text = "Trained for another model: press Train to train it for this one"
            elif src.kind in TRAINABLE_KINDS and not self.explorer.decodes_project_latents():
                text = "Trained for the project's model: load it to generate"
            else:
                report = getattr(src.prior, "report", None)
                text = "Trained" + (f" ({report.steps} steps)" if report is not None else "")
        self.view.set_status(name, text, fraction)
        self.view.set_busy(name, src.training is not None or src.jobs > 0)
        prior = src.prior
        self.view.set_ready(name, prior is not None and prior.is_trained and self._decodes(src))

    # -- the project ----------------------------------------------------------------------------
    def _on_project_opened(self, store) -> None:
        self._reload(store, self._model_hash())

    def _on_read_again(self, store) -> None:
        """Another program changed the open project: read its priors and tiles again, once
        nothing of the gallery's own runs (a retry every ``READ_AGAIN_RETRY_MS`` until then)."""
        self._read_again_timer.stop()  # one re-read pending at most
        if store is not self.explorer.store or self._closed:
            return
        if self.busy:
            self._read_again_timer.start()
            return
        self._reload(store, self._model_hash(), keep_view=True)

    def _reload(self, store, model_hash: str, keep_view: bool = False) -> None:
        """Show ``store``'s priors and tiles of model ``model_hash``; whatever runs for the
        project or model shown so far is dropped. ``keep_view``: the same project and model,
        idle: what is shown stays until the new read replaces it."""
        self._epoch += 1
        if not keep_view:
            self._clear()
        epoch = self._epoch
        self._loading = True
        self.runner.submit(
            lambda ctx: load_project_priors(store, model_hash),
            on_done=lambda found: self._on_restored(epoch, found),
            on_error=lambda exc, tb: self._on_restore_failed(epoch, exc),
        )

    def _clear(self) -> None:
        """Forget the priors, tiles and jobs shown (another project or model comes)."""
        for src in self._sources.values():
            if src.training is not None:
                src.training.cancel()
                src.training = None
            if src.kind in TRAINABLE_KINDS:
                src.prior = None
            src.tiles.clear()
            src.order.clear()
            src.next_id = 1
            src.jobs = 0  # results of jobs still running for the old project are dropped
        self._update_sources()
        for name in self.view.sources():
            self.view.set_tiles(name, [])

    def _on_restored(self, epoch: int, found) -> None:
        if epoch != self._epoch or self._closed:
            return
        self._loading = False
        for src in self._sources.values():
            if src.kind in found.priors:
                src.prior = found.priors[src.kind]
            tiles = found.tiles.get(src.kind, [])
            src.tiles = {t.tile_id: t for t in tiles}
            src.order = [t.tile_id for t in tiles]
            src.next_id = found.next_ids.get(src.kind, 1)
            if src.name in self.view.sources():
                self.view.set_tiles(src.name, [(t.tile_id, t.thumb, t.label) for t in tiles])
                self._show_status(src.name)
        self.restored.emit()

    def _on_restore_failed(self, epoch: int, exc: BaseException) -> None:
        if epoch == self._epoch:
            self._loading = False
            self._error(f"could not read the project's priors: {exc}")

    def _save_gallery(self, src: SourceState) -> None:
        store = self.explorer.store
        if store is None:
            return
        tiles, model_hash, next_id = self.tiles(src.name), self._model_hash(), src.next_id
        self._saving += 1
        self.runner.submit(
            lambda ctx: save_gallery(store, src.kind, model_hash, tiles, next_id),
            on_done=self._on_saved,
            on_error=lambda exc, tb: self._on_saved(None, f"could not save the gallery: {exc}"),
        )

    def _on_saved(self, _result, error: str = "") -> None:
        self._saving -= 1
        if error and not self._closed:
            self._error(error)

    def _fits_model(self, prior) -> bool:
        """False when the loaded model's latent size differs from ``prior``'s. (Priors are
        loaded for the project's model by hash; a loaded model of the same size but another
        hash is not told apart here.)"""
        engine = self._engine()
        return engine is None or prior.latent_size == engine.latent_size

    def _decodes(self, src: SourceState) -> bool:
        """Whether the loaded model decodes what ``src``'s prior makes: its latent size, and
        for a prior learned from the project's latents, their latent space."""
        trained_here = src.kind in TRAINABLE_KINDS
        return self._fits_model(src.prior) and (
            not trained_here or self.explorer.decodes_project_latents()
        )

    # -- generating -----------------------------------------------------------------------------
    def _usable(self, src: SourceState):
        """(prior, engine) ready to make sounds, or None after telling the user why."""
        engine = self._engine()
        if engine is None:
            self._error("Load a model to generate sounds")
            return None
        if src.prior is None or not src.prior.is_trained:
            self.view.set_status(src.name, "Train this prior first (press Train)")
            return None
        if not self._decodes(src):
            self._error(f"The {src.name} prior belongs to another model: load that model")
            return None
        return src.prior, engine

    def _seed_for(self, seed: int) -> int:
        controls = self.explorer.views.latent_controls
        if controls.seed_lock.isChecked():
            seed = int(controls.seed.value())
            self.view.seed.setValue(seed)
        else:  # a counter: the next press makes new sounds, the tile labels keep the seed
            self.view.seed.setValue((int(seed) + 1) % (2**31 - 1))
        return int(seed)

    def generate(self, name: str, count: int = 16, seed: int = 0, temperature: float = 1.0):
        """Fill ``name``'s grid with ``count`` new sounds (sampled and decoded on a worker)."""
        src = self._sources[name]
        ready = self._usable(src)
        if ready is None or src.jobs:
            return False
        prior, engine = ready
        seed = self._seed_for(seed)
        src.jobs += 1
        self._show_status(name, f"Generating {count} (seed {seed})…")
        epoch = self._epoch
        self.runner.submit(
            lambda ctx: generate(prior, engine, count, temperature, seed),
            on_done=lambda out: self._on_generated(epoch, src, out, seed, temperature),
            on_error=lambda exc, tb: self._on_job_failed(epoch, src, exc),
        )
        return True

    def _new_tiles(self, src: SourceState, out: Rendered, labels: list[str]) -> list[Tile]:
        tiles = []
        for k in range(len(out.windows)):
            tile = Tile(
                tile_id=src.next_id,
                window=out.windows[k],
                code=out.codes[k],
                thumb=out.thumbs[k],
                label=labels[k],
                decode_seed=out.decode_seeds[k],
                audio=out.audio[k],
            )
            src.next_id += 1
            src.tiles[tile.tile_id] = tile
            src.order.append(tile.tile_id)
            tiles.append(tile)
        return tiles

    def _on_generated(self, epoch, src: SourceState, result, seed: int, temperature: float) -> None:
        if epoch != self._epoch or self._closed:
            return
        out, seconds = result
        src.jobs -= 1
        self.last_generate_s = seconds
        src.tiles.clear()
        src.order.clear()
        labels = [f"seed {seed} · {k + 1}" for k in range(len(out.windows))]
        tiles = self._new_tiles(src, out, labels)
        self.view.set_tiles(src.name, [(t.tile_id, t.thumb, t.label) for t in tiles])
        self._show_status(
            src.name, f"{len(tiles)} sounds · seed {seed} · temperature {temperature:.2f}"
        )
        self._save_gallery(src)
        self.tilesChanged.emit(src.name)

    def _on_job_failed(self, epoch: int, src: SourceState, exc: BaseException) -> None:
        if epoch != self._epoch or self._closed:
            return
        src.jobs -= 1
        self._show_status(src.name)
        self._error(f"{src.name}: {exc}")
