"""Keep the map view, the ``MapState`` and the project's saved atlas in step.

- a project opens, or an import gives it another model: every point of that model at once
  (``show_snapshot``, its saved map), density overlay from the atlas;
- sounds arrive from an import (or a gallery tile): they are placed on a worker and appended
  (``add_points``), then folded into the atlas, which is saved;
- files of the map's sounds are found moved, or Save As rebased their stored paths: their
  records follow (``update_sounds``);
- a refined (UMAP) atlas arrives: every point glides to its new place (``move_points``) and the
  atlas is saved in the project, so reopening shows the refined map at once.

Saves carry the latent space the atlas maps: one of an earlier model's latents is refused
when another program switched the project's model meanwhile.

Thread: GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from latentscape.atlas_updater import AtlasUpdater
from latentscape.project_writes import refusal

if TYPE_CHECKING:
    from latentscape.engines.atlas.atlas import Atlas
    from latentscape.explorer_controller import ExplorerController
    from latentscape.project_session import ProjectSnapshot

GLIDE_MS = 900
MIN_FIT_HALF_SPAN = 0.1  # map units (the map fills 0..1): two points on a line still get room
# A found sound is shown among about this many of its nearest neighbours (QA s22: a fixed
# quarter of the map showed ~6 sounds of the demo's 108 but thousands of a large map)
REVEAL_NEIGHBOURS = 30
REVEAL_MIN_SPAN = 0.02  # map units: neighbours piled on one spot (copies) still show a view


class MapSync(QObject):
    """Signals
    -------
    stored(int)
        The project's saved map is now the layout with this ``Atlas.layout_id`` (saved here,
        or found saved by another program); paths moved onto it can be saved.
    """

    stored = Signal(object)  # int: a 63-bit layout id (a Qt int holds 32)

    def __init__(self, controller: ExplorerController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._c = controller
        self.updater = AtlasUpdater(controller.runner, parent=self)
        self.updater.placed.connect(self._on_placed)
        self.updater.consolidated.connect(self._on_consolidated)
        self.updater.refined.connect(self._on_refined)
        self.updater.progress.connect(controller.busyChanged)
        self.updater.failed.connect(controller.errorOccurred)
        self.refine_count = 0  # refined atlases applied (tests, bench)
        self.auto_refine = True
        self._arrivals: dict[int, tuple[object, np.ndarray]] = {}
        self._refine_when_placed = False
        self._fitted: list | None = None
        self._saves = 0  # atlas saves still writing on a worker

    @property
    def busy(self) -> bool:
        """Placing, consolidating or refining, or a map still being saved."""
        return self.updater.busy or self._saves > 0

    def reset(self) -> None:
        self.updater.reset()
        self._arrivals.clear()
        self._refine_when_placed = False

    # -- a whole project --------------------------------------------------------------------
    def show_snapshot(self, snap: ProjectSnapshot) -> None:
        self.reset()
        state, view = self._c.state, self._c.views.map_view
        atlas = snap.map.atlas  # read before the state is taken over
        state.adopt(snap.map)
        p = snap.points
        colouring = state.colouring
        kept = dict(colouring.kept.get(colouring.mode, {}))  # the colours worn last time
        view.set_points(p.xy, p.categories, p.names, p.generated, colour_slots=kept)
        self._update_density()
        self.fit()
        if snap.store.read_only:  # nothing laid out could be kept (the window says so)
            return
        if atlas is not None and not snap.atlas_was_saved:
            self._save(snap.store, atlas)
        if self.auto_refine and atlas is not None and atlas.method == "pca":
            self.refine()

    # -- sounds arriving ----------------------------------------------------------------------
    def add_sounds(self, sounds: list, latents: dict) -> None:
        """Queue imported sounds for placement; they appear once placed (a worker job)."""
        state = self._c.state
        fresh = [s for s in sounds if state.index_of(s.id) < 0 and s.id in latents]
        if not fresh:
            return
        for s in fresh:
            self._arrivals[s.id] = (s, latents[s.id])

        def current():
            trajs, ids = state.snapshot()
            return state.atlas, trajs, ids

        self.updater.place([latents[s.id] for s in fresh], [s.id for s in fresh], current)

    def update_sounds(self, sounds: list) -> None:
        """Sounds of the map got new records (files found moved or renamed, or paths rebased
        by Save As into another folder): their names, colours and files follow, also for
        sounds still being placed."""
        for s in sounds:
            pending = self._arrivals.get(s.id)
            if pending is not None:
                self._arrivals[s.id] = (s, pending[1])
        state, view, selected = self._c.state, self._c.views.map_view, self._c.selected_id
        if state.replace_records(sounds):
            p = state.points()
            x_range, y_range = view.getViewBox().viewRange()
            kept = view.colour_slots()  # the same groups: the same colours
            view.set_points(p.xy, p.categories, p.names, p.generated, colour_slots=kept)
            view.setRange(xRange=x_range, yRange=y_range, padding=0)  # the user's zoom stays
            if selected in {s.id for s in sounds}:
                self._c.select_sound(selected)  # its "Play original" reads the new file
            elif selected >= 0:
                view.set_selected(state.index_of(selected))

    def _on_placed(self, atlas, new_ids: list, xy_new: np.ndarray) -> None:
        state, view = self._c.state, self._c.views.map_view
        batch = [self._arrivals.pop(i) for i in new_ids if i in self._arrivals]
        old_count = len(state)
        if atlas is not None:  # a rebuilt preview: everyone moves a little
            before = view.final_positions().copy()
            state.atlas = atlas
            if old_count:
                after = state.xy_in_map_order(atlas)
                view.move_points(after, duration_ms=300)
                self._c.layoutChanged.emit(before, after)
        added = state.append([s for s, _ in batch], {s.id: z for s, z in batch})
        if added:
            row = {int(i): k for k, i in enumerate(new_ids)}
            xy = np.asarray(xy_new, np.float32)[[row[s.id] for s in added]]
            view.add_points(xy, state.categories(added), state.names(added), state.generated(added))
        if old_count == 0 or (added and not self._user_moved_view() and not self._all_in_view()):
            self.fit()  # keep every arrival in sight until the user frames the map
        if atlas is not None:
            self._update_density()
        if self._refine_when_placed and not self._arrivals:
            self._refine_when_placed = False
            self.refine()

    def _on_consolidated(self, atlas) -> None:
        """The placed-only sounds (an import's, a gallery tile) are in the atlas now: shown
        and saved, so the project's map (the CLI's render, a reopen) has them too."""
        self._c.state.atlas = atlas
        self._update_density()
        if self._c.store is not None:
            self._save(self._c.store, atlas)

    # -- refinement ---------------------------------------------------------------------------
    def refine(self) -> bool:
        """Refine the map of every sound with UMAP (a worker job). Sounds an import has
        handed over but not yet placed come first: then it starts once the last is placed
        (an import finishes before its sounds are all on the map)."""
        store = self._c.store
        if store is not None and store.read_only:  # not minutes of UMAP, then a failed save
            self._c.errorOccurred.emit(refusal(store.path, "lay out the map again"))
            return False
        if self._arrivals:
            self._refine_when_placed = True
            return True
        trajs, ids = self._c.state.snapshot()
        return self.updater.refine(trajs, ids)

    def _on_refined(self, atlas) -> None:
        state = self._c.state
        if set(int(i) for i in atlas.sound_ids) != set(state.ids):
            self.refine()  # sounds came or went while UMAP ran: map them all again
            return
        before = self._c.views.map_view.final_positions().copy()
        state.atlas = atlas
        self.refine_count += 1
        xy = state.xy_in_map_order(atlas)
        if not self._user_moved_view():
            self.fit(xy)  # frame where the points are going (unless the user zoomed or panned)
        self._c.views.map_view.move_points(xy, duration_ms=GLIDE_MS)
        self._c.layoutChanged.emit(before, xy)
        self._update_density()
        if self._c.store is not None:
            self._save(self._c.store, atlas)
        self._c.message.emit(f"Map refined (UMAP, {len(atlas)} sounds)")

    def _save(self, store, atlas) -> None:
        """Write the atlas to the project on a worker (a transaction with an fsync), unless
        the project's model is no longer the one whose latents it maps (another program
        switched it: the map is refused, not stored as the other model's)."""
        space = self._c.project_space

        def failed(exc: BaseException) -> None:
            self._saves -= 1
            self._c.errorOccurred.emit(f"could not save the map: {exc}")

        def saved(_) -> None:
            self._saves -= 1
            self.stored.emit(atlas.layout_id)

        self._saves += 1
        self._c.runner.submit(
            lambda ctx: store.put_atlas(atlas, space),
            on_done=saved,
            on_error=lambda exc, tb: failed(exc),
        )

    def follow_outside_layout(self, before: Atlas | None) -> None:
        """Another program stored a map of a new layout (``latentscape map``), moving the
        paths saved on the one ``before`` (the atlas shown until now) with it: what is drawn
        among the sounds here follows too."""
        after = self._c.state.atlas
        if before is None or after is None or before.layout_id == after.layout_id:
            return
        _, old, new = np.intersect1d(before.sound_ids, after.sound_ids, return_indices=True)
        self._c.layoutChanged.emit(before.xy[old], after.xy[new])
        self.stored.emit(after.layout_id)

    def fit(self, xy: np.ndarray | None = None) -> None:
        """Frame the points ``xy`` (default: where they are), with a margin for their names."""
        view = self._c.views.map_view
        xy = view.positions() if xy is None else xy
        if len(xy) == 0:
            return
        lo, hi = xy.min(axis=0).astype(np.float64), xy.max(axis=0).astype(np.float64)
        mid, half = (lo + hi) / 2, np.maximum((hi - lo) / 2, MIN_FIT_HALF_SPAN)
        lo, hi = mid - 1.16 * half, mid + 1.16 * half  # a margin of 8 % of the span each side
        legend = view.legend_height_fraction()  # room above the points for the legend
        hi[1] += (hi[1] - lo[1]) * legend / (1.0 - legend)
        x_range, y_range = (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))
        view.setRange(xRange=x_range, yRange=y_range, padding=0)
        self._fitted = view.getViewBox().viewRange()

    def reveal(self, index: int) -> None:
        """Centre the view on point ``index``, zoomed in (keeping the aspect, never out) until
        about :data:`REVEAL_NEIGHBOURS` sounds around it are in view
        (:func:`reveal_span`), so a sound found among thousands stands out among its own
        neighbours; a view that shows it with as many already stays. During a glide, where
        the point will rest."""
        view = self._c.views.map_view
        xy = view.final_positions()
        if not 0 <= index < len(xy):
            return
        (x0, x1), (y0, y1) = view.getViewBox().viewRange()
        w, h = x1 - x0, y1 - y0
        scale = min(1.0, reveal_span(xy, index) / max(min(w, h), 1e-9))  # the shorter side
        x, y = (float(v) for v in xy[index])
        if scale == 1.0 and x0 < x < x1 and y0 < y < y1:
            return  # shown among its neighbours already (a small map): the view stays
        half_w, half_h = w * scale / 2, h * scale / 2
        view.setRange(xRange=(x - half_w, x + half_w), yRange=(y - half_h, y + half_h), padding=0)

    def _all_in_view(self) -> bool:
        xy = self._c.views.map_view.positions()
        (x0, x1), (y0, y1) = self._c.views.map_view.getViewBox().viewRange()
        return bool(
            np.all((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1))
        )

    def _user_moved_view(self) -> bool:
        return self._fitted is not None and self._c.views.map_view.getViewBox().viewRange() != (
            self._fitted
        )

    # -- density ------------------------------------------------------------------------------
    def _update_density(self) -> None:
        atlas = self._c.state.atlas
        if atlas is not None:
            self._c.views.map_view.set_density(atlas.density_grid, (0.0, 1.0, 0.0, 1.0))

    def set_density_visible(self, visible: bool) -> None:
        self._c.views.map_view.set_density_visible(visible)
        self._c.settings.set_flag("density", visible)


def reveal_span(xy: np.ndarray, index: int, neighbours: int = REVEAL_NEIGHBOURS) -> float:
    """Map units across a square view around point ``index`` of ``xy`` ``[N, 2]`` that holds
    about ``neighbours`` of its nearest points: twice the distance to the furthest of them
    (the view's corners add a few more). O(N): ~2 ms for 100,000 points."""
    d2 = ((xy - xy[index]) ** 2).sum(axis=1)
    k = min(neighbours, len(xy) - 1)
    if k < 1:
        return float("inf")
    return max(REVEAL_MIN_SPAN, 2.0 * float(np.sqrt(np.partition(d2, k)[k])))
