"""The selected sound's original and reconstruction, as spectrograms and as audio to play.

Reading the file, resampling it and decoding the latents take 10 ms to seconds, so
:func:`compute_preview` runs on a worker; :class:`SoundPreview` drops results for a selection the
user has already left (newest wins). The original needs no model: without one (or with one that
cannot decode the project's latents) it is shown and played alone (QA s19 M4).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
from PySide6.QtCore import QObject, Signal

from latentscape.tasks import TaskRunner
from latentscape.widgets.spectrogram_math import magnitude_db
from latentscape.widgets.spectrogram_view import SpectrogramPairView

N_FFT = 1024
HOP = 256
MAX_PREVIEW_S = 30.0
# Why there is no reconstruction. The words before the colon go in its caption: kept short, as
# a long caption widens its column and squeezes the original beside it.
NO_MODEL = "no model: load the project's model to hear what it makes of this sound"
OTHER_MODEL = (
    "other model: the loaded one cannot decode this project's sounds; load the project's "
    "model to hear what it makes of this sound"
)


@dataclass(frozen=True)
class Preview:
    """Arrays for one sound: the reconstruction at ``sample_rate_hz``, the original as its file is.

    ``original``: the file's own audio for the sound, ``[channels, samples]`` float32 at
    ``original_rate_hz`` (None when the sound has no file, e.g. generated, or it cannot be
    read: ``missing`` says which); ``reconstruction``: mono ``[samples]`` float32 at the
    model's rate (None without a model that decodes the sound: ``unmade`` says why);
    ``*_db``: ``[T, N_FFT // 2 + 1]`` float32 dB, both of mono audio at ``sample_rate_hz``,
    the model's rate, or the file's own without a reconstruction (0 with neither); None
    where their audio is None.
    """

    sound_id: int
    title: str
    sample_rate_hz: int
    original: np.ndarray | None
    reconstruction: np.ndarray | None
    original_db: np.ndarray | None
    reconstruction_db: np.ndarray | None
    missing: str = ""
    original_rate_hz: int = 0
    unmade: str = ""


def read_original(path: str, start_s: float, duration_s: float) -> tuple[np.ndarray, int]:
    """A file's segment as it is: ``([channels, samples] float32, its rate in Hz)``."""
    import soundfile as sf

    with sf.SoundFile(path) as f:
        sr = f.samplerate
        f.seek(min(round(start_s * sr), max(0, f.frames - 1)))
        frames = round(min(duration_s, MAX_PREVIEW_S) * sr) if duration_s > 0 else -1
        x = f.read(frames, dtype="float32", always_2d=True)
    return np.ascontiguousarray(x.T), sr


def mono_at(audio: np.ndarray, rate_hz: int, to_hz: int) -> np.ndarray:
    """``audio`` ``[channels, samples]`` at ``rate_hz`` as mono ``[samples]`` at ``to_hz``."""
    import soxr

    mono = audio.mean(axis=0)
    if rate_hz != to_hz and len(mono):
        mono = soxr.resample(mono, rate_hz, to_hz)
    return np.ascontiguousarray(mono, np.float32)


def compute_preview(
    engine, sound, trajectory: np.ndarray, resolve=None, seed: int | None = 0, unmade: str = ""
) -> Preview:
    """Worker thread: decode ``trajectory`` ``[frames, latent]`` and read ``sound``'s file.

    ``engine`` None: no model decodes it (``unmade`` says why), the original is shown alone
    at its own rate. ``resolve(path) -> Path`` turns a stored path into a usable one
    (projects store paths relative to themselves: ``ProjectStore.resolve``).
    """
    recon, recon_db, rate = None, None, 0
    if engine is not None:
        rate, unmade = int(engine.sample_rate_hz), ""
        recon = np.asarray(engine.decode(trajectory, seed=seed), np.float32)
        recon = recon.mean(axis=0) if recon.ndim == 2 else recon
        recon_db = magnitude_db(recon, N_FFT, HOP)
    original, original_rate, missing = None, 0, "generated: a prior made it, there is no file"
    if sound.path:
        path = str(resolve(sound.path)) if resolve is not None else sound.path
        try:
            original, original_rate = read_original(path, sound.start_s, sound.duration_s)
            missing = ""
        except Exception as exc:  # moved or unreadable now: show the reconstruction alone
            missing = (
                f"cannot be read: {path} ({exc})"
                if os.path.lexists(path)
                else f"not found: {path} (moved or renamed, or its drive is not mounted? "
                "Import its new place and the sound takes the file again)"
            )
    orig_db = None
    if original is not None:  # drawn as the model hears it, beside the reconstruction
        rate = rate or original_rate
        orig_db = magnitude_db(mono_at(original, original_rate, rate), N_FFT, HOP)
    name = sound.name or (PurePath(sound.path).name if sound.path else f"sound {sound.id}")
    return Preview(
        sound.id, name, rate, original, recon, orig_db, recon_db, missing, original_rate, unmade
    )


class SoundPreview(QObject):
    """Fills a :class:`SpectrogramPairView` for the selected sound. GUI thread."""

    ready = Signal(object)  # Preview

    def __init__(
        self, view: SpectrogramPairView, runner: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._runner = runner
        self._wanted = -1
        self._busy = False
        self._next: tuple | None = None
        self.current: Preview | None = None

    def show(
        self, engine, sound, trajectory: np.ndarray, store=None, model_loaded: bool = True
    ) -> None:
        """Compute and show the pair for ``sound`` (only the newest request is kept).

        ``engine`` None: no loaded model decodes ``trajectory`` ``[frames, latent]``; the
        original is shown alone, and the reconstruction's side says why (``model_loaded``:
        one is loaded, but it cannot decode the project's latents). ``store``: the project
        (``ProjectStore``) whose relative paths the sound's file path may be.
        """
        unmade = "" if engine is not None else OTHER_MODEL if model_loaded else NO_MODEL
        resolve = store.resolve if store is not None else None
        self._wanted = sound.id
        self._next = (engine, sound, trajectory, resolve, unmade)
        self._pump()

    def clear(self) -> None:
        self._wanted = -1
        self._next = None
        self.current = None
        self._view.clear_pair()

    def _pump(self) -> None:
        if self._busy or self._next is None:
            return
        engine, sound, trajectory, resolve, unmade = self._next
        self._next = None
        self._busy = True
        self._runner.submit(
            lambda ctx: compute_preview(engine, sound, trajectory, resolve, unmade=unmade),
            on_done=self._on_done,
            on_error=self._on_error,
        )

    def _on_done(self, preview: Preview) -> None:
        self._busy = False
        if preview.sound_id == self._wanted:
            self.current = preview
            rate = preview.sample_rate_hz
            self._view.set_pair(
                preview.original_db,
                preview.reconstruction_db,
                preview.title,
                frame_rate_hz=rate / HOP,
                nyquist_hz=rate / 2.0,
                missing=preview.missing,
                unmade=preview.unmade,
            )
            self.ready.emit(preview)
        self._pump()

    def _on_error(self, exc: BaseException, tb: str) -> None:
        self._busy = False
        self._pump()
