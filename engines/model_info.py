"""``ModelInfo``: what a model file holds and how fast it runs here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Below this measured factor, live play drops out: a click over a scrub or a looping path
# decodes two voices at once (QA s19: a RAVE-sized model at 0.9-2.5x gave 177 underruns).
SLOW_REALTIME_FACTOR = 2.0


@dataclass(frozen=True)
class ModelInfo:
    """A plain, JSON-able report of one loaded model.

    Everything except the measured figures is read from the file. ``realtime_factor`` is
    seconds of audio decoded per second of compute by the engine's stream decoder (higher is
    faster; 1.0 is just real time); ``latency_ms`` is the stream decoder's algorithmic lag plus
    one decode chunk of buffering and its compute time.
    """

    path: str
    kind: str  # "torchscript" or "latentscape-vae"
    sample_rate_hz: int
    channels: int
    latent_size: int
    full_latent_size: int
    hop_samples: int
    can_encode: bool
    can_stream: bool
    has_prior: bool
    parameter_count: int
    methods: tuple[str, ...] = ()
    content_hash: str = ""
    # The content hash of the model whose latent space this one decodes, when that is another
    # file: a TorchScript export of our VAE names the checkpoint it came from (the latents of
    # both are the same). Empty: its own (see :attr:`space`).
    latent_space: str = ""
    realtime_factor: float | None = None
    latency_ms: float | None = None
    measured_chunk_frames: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def space(self) -> str:
        """Which latent space the model reads and writes: models with the same ``space`` can
        decode each other's latents (a checkpoint and its exports); others cannot."""
        return self.latent_space or self.content_hash

    @property
    def frame_rate_hz(self) -> float:
        return self.sample_rate_hz / self.hop_samples

    @property
    def speed_warning(self) -> str | None:
        """What to expect and try when the measured decoding is too slow for live play (one
        voice needs 1x real time; a click over a scrub or a looping path needs twice that):
        None when it is fast enough, or not measured."""
        rtf = self.realtime_factor
        if rtf is None or rtf >= SLOW_REALTIME_FACTOR:
            return None
        return (
            f"decodes at {rtf:.1f}x real time on this machine: expect dropouts, more with "
            "several sounds at once. Try a larger Audio → Block Size, fewer busy programs, "
            "or LATENTSCAPE_DEVICE=cuda on a GPU"
        )

    def with_measurements(
        self, realtime_factor: float, latency_ms: float, chunk_frames: int
    ) -> ModelInfo:
        return dataclasses.replace(
            self,
            realtime_factor=realtime_factor,
            latency_ms=latency_ms,
            measured_chunk_frames=chunk_frames,
        )

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["methods"] = list(self.methods)
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelInfo:
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["methods"] = tuple(kwargs.get("methods", ()))
        kwargs["notes"] = tuple(kwargs.get("notes", ()))
        return cls(**kwargs)

    def report_lines(self) -> list[str]:
        """Human-readable ``label: value`` lines, as ``latentscape info`` prints them."""
        yes = {True: "yes", False: "no"}
        lines = [
            f"model:            {self.path}",
            f"kind:             {self.kind}",
            f"sample rate:      {self.sample_rate_hz} Hz",
            f"channels:         {self.channels}",
            f"latent dims:      {self.latent_size}"
            + (
                f" (of {self.full_latent_size})"
                if self.full_latent_size != self.latent_size
                else ""
            ),
            f"hop:              {self.hop_samples} samples "
            f"({1000.0 * self.hop_samples / self.sample_rate_hz:.2f} ms, "
            f"{self.frame_rate_hz:.2f} frames/s)",
            f"encode:           {yes[self.can_encode]}"
            + (
                "" if self.can_encode else " (it cannot import sounds: only its prior can be heard)"
            ),
            f"streaming:        {yes[self.can_stream]}",
            f"prior:            {yes[self.has_prior]}",
            f"parameters:       {self.parameter_count:,}",
            f"methods:          {', '.join(self.methods) or '-'}",
        ]
        if self.realtime_factor is not None:
            lines.append(
                f"real-time factor: {self.realtime_factor:.1f}x "
                f"(stream decode, {self.measured_chunk_frames} frame(s) per call)"
            )
        if self.latency_ms is not None:
            lines.append(f"latency:          {self.latency_ms:.1f} ms")
        lines.extend(f"note:             {n}" for n in self.notes)
        if self.speed_warning:
            lines.append(f"note:             {self.speed_warning}")
        return lines
