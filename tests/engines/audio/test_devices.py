"""Choosing an output device by name and host API, and listing the real ones."""

from __future__ import annotations

import pytest

from latentscape.engines.audio.devices import (
    AudioDeviceError,
    OutputDevice,
    choose_device,
    list_output_devices,
)


def dev(name: str, api: str, default: bool = False) -> OutputDevice:
    return OutputDevice(name, api, 2, 48000, 10.0, is_default=default)


DEVICES = [
    (3, dev("HDA Intel: ALC (hw:0,0)", "ALSA")),
    (5, dev("pulse", "ALSA", default=True)),
    (7, dev("system", "JACK Audio Connection Kit")),
    (9, dev("system-2", "JACK Audio Connection Kit")),
]


@pytest.mark.parametrize(
    ("spec", "index"),
    [
        (None, 5),  # the default output
        ("", 5),
        ("JACK", 7),  # a host API alone: its first device
        ("jack audio connection kit: system-2", 9),
        ("JACK: system", 7),  # exact name wins over the longer one that contains it
        ("ALC", 3),  # a unique part of a name
    ],
)
def test_choose_by_name_and_host_api(spec: str | None, index: int) -> None:
    assert choose_device(DEVICES, spec) == index


def test_unknown_or_ambiguous_names_list_what_exists() -> None:
    with pytest.raises(AudioDeviceError, match=r"no audio output device 'speakers'.*ALSA: pulse"):
        choose_device(DEVICES, "speakers")
    with pytest.raises(AudioDeviceError, match="ambiguous"):
        choose_device([(1, dev("out A", "ALSA")), (2, dev("out B", "ALSA"))], "out")
    with pytest.raises(AudioDeviceError, match="no audio output device found"):
        choose_device([], None)


@pytest.mark.audio
def test_lists_the_jack_server_as_an_output(jack_server: str) -> None:
    devices = list_output_devices()
    jack = [d for d in devices if d.host_api.startswith("JACK")]
    assert jack, devices
    assert jack[0].max_output_channels >= 1
    assert jack[0].label.startswith("JACK")
