"""Keep the atlas up to date off the GUI thread: place imported sounds, refine PCA → UMAP.

Building an atlas also builds its inverse-map grid and density (~3 s for 10k sounds of 16
dims, ~6 s for a few hundred at grid 256, most of it the held-out folds that choose its fit;
a fold that keeps the fit takes 0.7-1.5 s; a preview's, without folds, ~0.5 s: bench/atlas.py
projection, engines/atlas/inverse_map.py), and UMAP takes seconds, so every build runs on a
worker; UMAP itself runs in a child process (app/umap_process.py), so it cannot hold the
GUI's GIL. Jobs take a frozen snapshot (the current atlas plus trajectories) and hand back a
new immutable ``Atlas``; the GUI swaps it in. Placement jobs run one at a time and coalesce:
sounds that arrive while one runs go into the next.

Thread: GUI thread only (the builds themselves run on the ``TaskRunner``'s workers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from latentscape.engines.atlas import preview_config
from latentscape.engines.atlas.atlas import Atlas
from latentscape.tasks import TaskRunner
from latentscape.umap_process import build_umap_in_process

REBUILD_GROWTH = 1.5  # rebuild a PCA preview from scratch while the corpus grows this fast
REBUILD_MAX = 2000  # ...but only while it is small
CONSOLIDATE_MS = 2000  # fold placed-only sounds into the atlas (inverse map) at most this often
MIN_UMAP_SOUNDS = 4


def place_job(
    atlas: Atlas | None,
    all_trajs: Sequence[np.ndarray],
    all_ids: Sequence[int],
    new_trajs: Sequence[np.ndarray],
    new_ids: Sequence[int],
) -> tuple[Atlas | None, np.ndarray]:
    """Worker thread: (a rebuilt atlas or None, map positions ``[m, 2]`` of the new sounds).

    While the map is a small PCA preview that the import keeps outgrowing, it is rebuilt from
    everything (positions of all sounds change a little), with a quick inverse map
    (:func:`~latentscape.engines.atlas.preview_config`: the UMAP refinement that follows
    chooses the fit). Otherwise new sounds are only
    *placed* (microseconds each): rebuilding the inverse map per batch costs ~2.5 s of
    GIL-heavy work and stalled the window; :func:`consolidate_job` folds them in later.
    """
    n = len(all_ids)
    if atlas is None or (
        atlas.method == "pca" and n > REBUILD_GROWTH * len(atlas) and n <= REBUILD_MAX
    ):
        built = Atlas.build(list(all_trajs), list(all_ids), method="pca", config=preview_config())
        row = {int(i): r for r, i in enumerate(built.sound_ids)}
        return built, built.xy[[row[int(i)] for i in new_ids]]
    return None, np.clip(atlas.place(list(new_trajs)), 0.0, 1.0)


def consolidate_job(
    atlas: Atlas, all_trajs: Sequence[np.ndarray], all_ids: Sequence[int]
) -> Atlas | None:
    """Worker thread: the atlas with every placed-only sound added (None: nothing to add)."""
    known = set(int(i) for i in atlas.sound_ids)
    missing = [k for k, i in enumerate(all_ids) if int(i) not in known]
    if not missing:
        return None
    return atlas.with_added([all_trajs[k] for k in missing], [all_ids[k] for k in missing])


class AtlasUpdater(QObject):
    """Signals
    -------
    placed(Atlas | None, list[int] new_ids, ndarray xy [m, 2])
        Positions for the sounds ``new_ids`` handed to :meth:`place`; with a rebuilt atlas
        (then every sound's position may have moved) or None (the atlas is unchanged).
    consolidated(Atlas)
        The atlas now also covers the sounds that were only placed (their positions kept).
    refined(Atlas)
        A UMAP atlas for the sounds the map had when :meth:`refine` was called.
    progress(str)
        Status text while refining ("" when done).
    failed(str)
    """

    placed = Signal(object, list, object)
    consolidated = Signal(object)
    refined = Signal(object)
    progress = Signal(str)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._placing = False
        self._queue_trajs: list[np.ndarray] = []
        self._queue_ids: list[int] = []
        self._refine_cancel: threading.Event | None = None
        self._generation = 0  # bumps on reset: results from an older project are dropped
        self.refining = False
        self._consolidate_due = False
        self._consolidate_timer = QTimer(self)
        self._consolidate_timer.setSingleShot(True)
        self._consolidate_timer.setInterval(CONSOLIDATE_MS)
        self._consolidate_timer.timeout.connect(self._on_consolidate_due)

    def reset(self) -> None:
        """Forget queued work and drop results of running jobs (a new project was opened)."""
        self._generation += 1
        self._queue_trajs.clear()
        self._queue_ids.clear()
        self._placing = False
        self._consolidate_due = False
        self._consolidate_timer.stop()
        self.cancel_refine()

    @property
    def busy(self) -> bool:
        pending = self._consolidate_due or self._consolidate_timer.isActive()
        return self._placing or bool(self._queue_ids) or self.refining or pending

    def _on_consolidate_due(self) -> None:
        self._consolidate_due = True
        self._pump()

    # -- placement ----------------------------------------------------------------------
    def place(
        self,
        new_trajs: Sequence[np.ndarray],
        new_ids: Sequence[int],
        current: Callable[[], tuple[Atlas | None, list[np.ndarray], list[int]]],
    ) -> None:
        """Queue new sounds for placement.

        ``current()`` returns (atlas, trajectories, ids) of the sounds already on the map when
        a queued batch starts, so each job builds on the atlas the previous one produced.
        """
        self._queue_trajs.extend(new_trajs)
        self._queue_ids.extend(int(i) for i in new_ids)
        self._current = current
        self._pump()

    def _pump(self) -> None:
        if self._placing:
            return
        if self._queue_ids:
            self._run_place()
        elif self._consolidate_due:
            self._consolidate_due = False
            atlas, all_trajs, all_ids = self._current()
            if atlas is not None:
                self._run(
                    lambda ctx: consolidate_job(atlas, all_trajs, all_ids),
                    lambda result: self._consolidated(atlas, result),
                )

    def _consolidated(self, base: Atlas, result: Atlas | None) -> None:
        """Hand over a consolidated atlas, unless another atlas (a refine) replaced ``base``
        meanwhile: then it is stale, and the sounds still only placed are folded into the
        current one instead."""
        if result is None:
            return
        if self._current()[0] is not base:
            self._consolidate_due = True  # run by the _pump that follows this callback
            return
        self.consolidated.emit(result)

    def _run_place(self) -> None:
        atlas, all_trajs, all_ids = self._current()
        new_trajs, new_ids = self._queue_trajs, self._queue_ids
        self._queue_trajs, self._queue_ids = [], []
        all_trajs = list(all_trajs) + list(new_trajs)
        all_ids = list(all_ids) + list(new_ids)

        def placed(result: tuple[Atlas | None, np.ndarray]) -> None:
            self.placed.emit(result[0], list(new_ids), result[1])
            if result[0] is None and not self._consolidate_timer.isActive():
                self._consolidate_timer.start()

        self._run(lambda ctx: place_job(atlas, all_trajs, all_ids, new_trajs, new_ids), placed)

    def _run(self, job, apply) -> None:
        """Run one atlas job (never two at once); ``apply(result)`` on the GUI thread."""
        self._placing = True
        gen = self._generation

        def done(result) -> None:
            if gen != self._generation:
                return
            self._placing = False
            apply(result)
            self._pump()

        def error(exc: BaseException, tb: str) -> None:
            if gen != self._generation:
                return
            self._placing = False
            self.failed.emit(f"could not place new sounds on the map: {exc}")
            self._pump()

        self._runner.submit(job, on_done=done, on_error=error)

    # -- refinement ---------------------------------------------------------------------
    def refine(self, trajs: Sequence[np.ndarray], ids: Sequence[int], seed: int = 0) -> bool:
        """Start a UMAP build of these sounds (cancels a running one). False when too few."""
        if len(ids) < MIN_UMAP_SOUNDS:
            return False
        self.cancel_refine()
        cancel = threading.Event()
        self._refine_cancel = cancel
        self.refining = True
        gen = self._generation
        trajs, ids = list(trajs), list(ids)

        def job(ctx) -> Atlas | None:
            def on_progress(fraction: float) -> None:
                ctx.progress(int(100 * fraction), 100, "Refining map (UMAP)")
                if ctx.cancelled:
                    cancel.set()

            return build_umap_in_process(
                trajs, ids, seed=seed, progress=on_progress, cancelled=cancel.is_set
            )

        def done(result: Atlas | None) -> None:
            if cancel is self._refine_cancel:
                self.refining = False
                self._refine_cancel = None
            self.progress.emit("")
            if gen == self._generation and result is not None and not cancel.is_set():
                self.refined.emit(result)

        def error(exc: BaseException, tb: str) -> None:
            if cancel is self._refine_cancel:
                self.refining = False
                self._refine_cancel = None
            self.progress.emit("")
            if gen == self._generation:
                self.failed.emit(f"could not refine the map: {exc}")

        def progress(done_: int, total: int, text: str) -> None:
            if gen == self._generation and not cancel.is_set():
                self.progress.emit(f"{text}… {done_}%")

        self.progress.emit("Refining map (UMAP)…")
        self._runner.submit(job, on_done=done, on_error=error, on_progress=progress)
        return True

    def cancel_refine(self) -> None:
        if self._refine_cancel is not None:
            self._refine_cancel.set()
            self._refine_cancel = None
        self.refining = False
