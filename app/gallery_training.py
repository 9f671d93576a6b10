"""Training a gallery's prior: the part of :class:`GalleryController` behind Train / Cancel.

A mixin (the controller's runner, sources, view and explorer): the run itself is
:func:`latentscape.gallery_jobs.train_prior` on a worker; progress and the result come back on the
GUI thread; the trained prior is stored in the project (item kind ``"prior"``) on a worker.

Thread: GUI thread only.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from latentscape.engines.priors import TRAINABLE_KINDS, save_prior
from latentscape.gallery_jobs import train_prior

if TYPE_CHECKING:
    from latentscape.gallery_controller import SourceState


class GalleryTraining:
    """Mixed into ``GalleryController``."""

    def train(self, name: str) -> bool:
        """Train ``name``'s prior on the real sounds on the map (worker). False when it cannot."""
        src = self._sources[name]
        engine = self._engine()
        if src.kind not in TRAINABLE_KINDS:
            self.explorer.message.emit("The model's own prior is trained with the model")
            return False
        if src.training is not None:
            return False
        state = self.explorer.state
        trajs = [state.trajectory(s.id) for s in state.sounds if not s.generated]
        if engine is None or not trajs:
            self._error("Load a model and import sounds before training a prior")
            return False
        if any(t.shape[1] != engine.latent_size for t in trajs) or not (
            self.explorer.decodes_project_latents()
        ):
            self._error("This project's sounds were encoded with another model: import them again")
            return False
        rate, hop = engine.sample_rate_hz, engine.hop_samples
        steps, seconds, seed = self.train_steps, self.train_seconds, self.train_seed
        if steps is not None:
            seconds = None

        began: list[float] = []  # when the worker took the job up (monotonic seconds)

        def job(ctx):
            began.append(time.monotonic())
            return train_prior(
                src.kind,
                trajs,
                rate,
                hop,
                steps=steps,
                seconds=seconds,
                seed=seed,
                progress=lambda step, total, loss: ctx.progress(step, total, f"{loss:.4f}"),
                cancelled=lambda: ctx.cancelled,
            )

        epoch = self._epoch
        src.training = self.runner.submit(
            job,
            on_done=lambda result: self._on_trained(epoch, src, result),
            on_error=lambda exc, tb: self._on_train_failed(epoch, src, exc),
            on_progress=lambda done, total, loss: self._on_train_progress(
                src, done, total, loss, None if seconds is None else began[0] + seconds
            ),
        )
        self._show_status(name, f"Training on {len(trajs)} sounds…", 0.0)
        return True

    def _on_train_progress(
        self, src: SourceState, done: int, total: int, loss: str, ends: float | None
    ) -> None:
        """``ends``: when a run on a time budget ends (monotonic seconds): it says the time
        left, not its step total (an estimate that changed every second)."""
        if src.training is None or src.training.cancelled:
            return
        if ends is None:
            self._show_status(
                src.name, f"Training… step {done}/{total} · loss {loss}", done / total
            )
            return
        left = max(0, round(ends - time.monotonic()))
        frac = done / total if total else None
        self._show_status(
            src.name, f"Training… {left // 60}:{left % 60:02d} left · loss {loss}", frac
        )

    def _on_trained(self, epoch: int, src: SourceState, result) -> None:
        if epoch != self._epoch or self._closed:
            return
        src.training = None
        prior, report = result
        if report.steps == 0:
            self._show_status(src.name, "Training stopped before its first step")
            return
        src.prior = prior
        stopped = " (stopped early)" if report.cancelled else ""
        text = f"Trained: {report.steps} steps in {report.seconds:.0f} s{stopped}"
        self._show_status(src.name, text)
        store = self.explorer.store
        if store is not None:
            model_hash = self._model_hash()
            self._saving += 1
            self.runner.submit(
                lambda ctx: save_prior(store, prior, model_hash, {"seed": self.train_seed}),
                on_done=self._on_saved,
                on_error=lambda exc, tb: self._on_saved(None, f"could not save the prior: {exc}"),
            )
        self.priorTrained.emit(src.name)

    def _on_train_failed(self, epoch: int, src: SourceState, exc: BaseException) -> None:
        if epoch != self._epoch or self._closed:
            return
        src.training = None
        self._show_status(src.name, "Training failed")
        self._error(f"{src.name} training failed: {exc}")

    def cancel(self, name: str) -> None:
        """Stop ``name``'s training after its current step (keeps what it learned)."""
        src = self._sources[name]
        if src.training is not None:
            src.training.cancel()
            self.view.set_status(name, "Stopping…", None)
