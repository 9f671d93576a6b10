"""Open a PortAudio output stream whose callback runs the :class:`~.mixer.Mixer`.

Shared by the player process and the in-process sink. The callback only counts a device
underflow and calls :meth:`Mixer.render`, which copies out of the rings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .devices import AudioDeviceError, OutputDevice, choose_device, query_output_devices
from .mixer import Mixer
from .shared_state import DEVICE_XRUNS, SharedState


def import_sounddevice() -> Any:
    """The ``sounddevice`` module, or :class:`AudioDeviceError` saying why there is none."""
    try:
        import sounddevice as sd
    except OSError as exc:
        raise AudioDeviceError(
            f"no PortAudio library, so no sound output (install libportaudio2): {exc}"
        ) from None
    except ImportError as exc:
        raise AudioDeviceError(f"the sounddevice package is missing: {exc}") from None
    return sd


@dataclass
class OpenedStream:
    """A started stream and what it runs at."""

    stream: Any
    device: OutputDevice
    sample_rate_hz: int
    latency_s: float


def open_output_stream(
    sd: Any,
    spec: str | None,
    sample_rate_hz: int | None,
    block_frames: int,
    state: SharedState,
) -> OpenedStream:
    """Open and start a stream on the device ``spec`` names (see :func:`.devices.choose_device`).

    ``sample_rate_hz`` ``None`` takes the device's own rate. Raises :class:`AudioDeviceError`.
    """
    try:
        devices = query_output_devices(sd)
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot query audio devices: {exc}") from None
    index = choose_device(devices, spec)
    device = dict(devices)[index]
    rate = int(sample_rate_hz or device.default_sample_rate_hz)
    channels = state.layout.channels
    if device.max_output_channels < channels:
        raise AudioDeviceError(
            f"{device.label} has {device.max_output_channels} output channel(s), need {channels}"
        )
    mixer = Mixer(state)
    ints = state.ints

    def callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status.output_underflow:
            ints[DEVICE_XRUNS] += 1
        mixer.render(outdata)

    try:
        stream = sd.OutputStream(
            device=index,
            samplerate=rate,
            blocksize=block_frames,
            channels=channels,
            dtype="float32",
            latency="low",
            callback=callback,
        )
        stream.start()
    except (sd.PortAudioError, ValueError) as exc:
        raise AudioDeviceError(
            f"cannot open {device.label} at {rate} Hz with {block_frames}-frame blocks: {exc}"
        ) from None
    return OpenedStream(stream, device, rate, float(stream.latency))
