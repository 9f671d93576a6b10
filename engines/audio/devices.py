"""Output devices: list them, and pick one by name and host API (never by index).

PortAudio is touched only through a ``sounddevice`` module passed in, so this module imports
cleanly on machines without PortAudio. :func:`list_output_devices` asks a short-lived player
process (:mod:`.player_process`), which keeps PortAudio (and its JACK client) out of the app's
own process: a JACK server that dies cannot then hang the app at exit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import LatentscapeError


class AudioDeviceError(LatentscapeError):
    """No usable output device (no PortAudio, none present, unknown name, refused settings)."""


@dataclass(frozen=True)
class OutputDevice:
    """One PortAudio output device as the user sees it."""

    name: str
    host_api: str
    max_output_channels: int
    default_sample_rate_hz: int
    default_low_latency_ms: float
    is_default: bool = False

    @property
    def label(self) -> str:
        """``"host API: name"``, the form settings store and :func:`choose_device` accepts."""
        return f"{self.host_api}: {self.name}"


def query_output_devices(sd: Any) -> list[tuple[int, OutputDevice]]:
    """``(PortAudio index, device)`` for every device with outputs, from module ``sd``."""
    apis = sd.query_hostapis()
    try:
        default_out = int(sd.default.device[1])
    except Exception:
        default_out = -1
    found = []
    for index, d in enumerate(sd.query_devices()):
        if int(d["max_output_channels"]) < 1:
            continue
        found.append(
            (
                index,
                OutputDevice(
                    name=str(d["name"]),
                    host_api=str(apis[d["hostapi"]]["name"]),
                    max_output_channels=int(d["max_output_channels"]),
                    default_sample_rate_hz=int(d["default_samplerate"]),
                    default_low_latency_ms=1000.0 * float(d["default_low_output_latency"]),
                    is_default=index == default_out,
                ),
            )
        )
    return found


def _api_matches(wanted: str, host_api: str) -> bool:
    wanted, host_api = wanted.strip().lower(), host_api.lower()
    return bool(wanted) and (host_api == wanted or host_api.startswith(wanted))


def choose_device(devices: list[tuple[int, OutputDevice]], spec: str | None) -> int:
    """PortAudio index of the output device that ``spec`` names.

    ``spec`` is ``None``/``""`` (the default output, else the first), a host API alone
    (``"JACK"``: that API's default, else its first device), ``"host API: name"``, or a device
    name (exact, else a unique substring). Raises :class:`AudioDeviceError` otherwise.
    """
    if not devices:
        raise AudioDeviceError("no audio output device found")
    if not spec or not spec.strip():
        for index, d in devices:
            if d.is_default:
                return index
        return devices[0][0]
    spec = spec.strip()
    api, sep, name = spec.partition(":")
    if sep:
        pool = [(i, d) for i, d in devices if _api_matches(api, d.host_api)]
        if pool:
            return _by_name(pool, name.strip(), spec)
    by_api = [(i, d) for i, d in devices if _api_matches(spec, d.host_api)]
    if by_api:
        defaults = [i for i, d in by_api if d.is_default]
        return defaults[0] if defaults else by_api[0][0]
    return _by_name(devices, spec, spec)


def _by_name(pool: list[tuple[int, OutputDevice]], name: str, spec: str) -> int:
    exact = [i for i, d in pool if d.name.lower() == name.lower()]
    if exact:
        return exact[0]
    partial = [i for i, d in pool if name.lower() in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    known = ", ".join(sorted({d.label for _, d in pool}))
    if partial:
        raise AudioDeviceError(f"audio device '{spec}' is ambiguous; one of: {known}")
    raise AudioDeviceError(f"no audio output device '{spec}'; available: {known or 'none'}")


def list_output_devices(timeout_s: float = 10.0) -> list[OutputDevice]:
    """Output devices, queried in a short-lived player process; ``[]`` when there are none.

    Raises :class:`AudioDeviceError` when PortAudio is missing or the query fails.
    """
    cmd = [sys.executable, "-m", "latentscape.engines.audio.player_process", "--list"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise AudioDeviceError("listing audio devices timed out") from None
    reply = _last_json_line(done.stdout)
    if reply is None:
        raise AudioDeviceError("listing audio devices failed (the player process crashed)")
    if not reply.get("ok"):
        raise AudioDeviceError(str(reply.get("reason", "listing audio devices failed")))
    return [OutputDevice(**d) for d in reply["devices"]]


def device_available(spec: str | None, timeout_s: float = 10.0) -> bool:
    """Whether an output device that ``spec`` names (see :func:`choose_device`) is there now.

    Asked in a short-lived player process (a fresh PortAudio sees a restarted server); any
    thread; takes 0.1-1 s.
    """
    try:
        choose_device(list(enumerate(list_output_devices(timeout_s))), spec)
    except AudioDeviceError:
        return False
    return True


def _last_json_line(text: str) -> dict[str, Any] | None:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def device_to_dict(device: OutputDevice) -> dict[str, Any]:
    return asdict(device)
