"""Bind the latent controls, the model panel and the banner to the :class:`AudioSession`.

Latent controls → audio: offset/scale of the first 8 latent dims, temperature (latent noise),
seed lock.
Audio → model panel: measured decode real-time factor, latency, underruns, clipped blocks, queued
audio, clicks that gave way to a path or the scrub (every 250 ms).
Audio → banner: a clear warning while there is no sound output (``status_reason``), and a
note when a device that stopped is back.

Thread: GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from latentscape.audio_session import AudioSession
from latentscape.engines.audio.latent_transform import LatentTransform
from latentscape.widgets.banner import Banner
from latentscape.widgets.latent_controls import LatentControls
from latentscape.widgets.model_panel import ModelPanel


def transform_from_controls(offset, scale, temperature: float) -> LatentTransform:
    """Temperature 1 = the model as trained; above 1 adds latent noise of std ``t - 1``."""
    noise = max(0.0, float(temperature) - 1.0)
    return LatentTransform(tuple(float(v) for v in offset), tuple(float(v) for v in scale), noise)


class AudioBindings(QObject):
    def __init__(
        self,
        audio: AudioSession,
        controls: LatentControls,
        panel: ModelPanel,
        banner: Banner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._audio = audio
        self._controls = controls
        self._panel = panel
        self._banner = banner
        controls.latentControlsChanged.connect(self.apply_controls)
        controls.temperatureChanged.connect(self.apply_controls)
        controls.seedLockChanged.connect(self._on_seed_lock)
        audio.statusChanged.connect(self._on_status)
        audio.statsUpdated.connect(self._on_stats)
        audio.reconnected.connect(self._on_reconnected)

    def set_model_dims(self, latent_size: int) -> None:
        """A model was loaded: a slider pair for each of its first 8 dims, at rest (offset 0,
        scale 1), and the audio plays it so."""
        self._controls.set_dims(latent_size)
        self.apply_controls()

    def apply_controls(self, *_args) -> None:
        offset, scale = self._controls.latent_controls()
        temperature = self._controls.temperature.value()
        self._audio.set_transform(transform_from_controls(offset, scale, temperature))

    def _on_seed_lock(self, locked: bool, seed: int) -> None:
        self._audio.set_seed(int(seed) if locked else None)

    def _on_status(self, reason: str) -> None:
        if reason:
            self._banner.show_message(
                f"No sound output: {reason}. The app works, but silently "
                "(choose a device in the Audio menu)."
            )
        elif self._banner.isVisible() and self._banner.level() == "warning":
            self._banner.hide()

    def _on_reconnected(self, text: str) -> None:
        self._banner.show_message(text, "info")

    def _on_stats(self, st) -> None:
        gave_way = tuple(st.gave_way.values())
        self._panel.set_stats(
            st.decode_rtf, st.latency_ms, st.underruns, st.queued_ms, st.clipped_blocks, gave_way
        )
