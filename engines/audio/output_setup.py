"""Choosing the output format and creating the shared state, for :class:`.engine.AudioEngine`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from .devices import choose_device, list_output_devices, query_output_devices
from .shared_state import Layout, SharedState, fade_frames


def resolve_output(
    player: str, spec: str | None, requested_rate_hz: int | None
) -> tuple[int, int, str]:
    """``(rate_hz, channels, device label)`` for the device ``spec`` names.

    With the player process, devices are listed in a subprocess so that PortAudio never loads
    into the app. Raises :class:`~.devices.AudioDeviceError`.
    """
    if player == "process":
        found = list(enumerate(list_output_devices()))
    else:
        from .output_stream import import_sounddevice

        found = query_output_devices(import_sounddevice())
    index = choose_device(found, spec)
    device = dict(found)[index]
    rate = requested_rate_hz or device.default_sample_rate_hz
    return int(rate), min(2, device.max_output_channels), device.label


def make_state(
    slots: int, channels: int, rate_hz: int, block_frames: int, fade_ms: float, shared: bool
) -> tuple[SharedState, Path | None]:
    """A fresh state sized for ``rate_hz``; ``shared`` puts it in a file other processes map.

    Rings hold 2.5 s per voice, the tap 10 s of output. Returns the state and its file (None
    when not shared); the caller unlinks the file once every process has mapped it.
    """
    layout = Layout(
        slots=slots,
        channels=channels,
        ring_frames=max(1 << 16, int(2.5 * rate_hz)),
        tap_frames=max(1 << 16, int(10 * rate_hz)),
        max_block_frames=max(8192, block_frames),
    )
    path = None
    if shared:
        folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
        fd, name = tempfile.mkstemp(prefix="latentscape-audio-", dir=folder)
        os.close(fd)
        path = Path(name)
        buf = np.memmap(name, dtype=np.uint8, mode="w+", shape=(layout.nbytes(),))
        state = SharedState(layout, buf)
    else:
        state = SharedState(layout)
    state.init_controls(fade_frames(fade_ms, rate_hz))
    return state, path
