"""The player process: runs the audio callback away from the app's GIL.

``python -m latentscape.engines.audio.player_process --state FILE --layout JSON --device SPEC
--rate HZ --block FRAMES`` maps the shared state file (:mod:`.shared_state`), opens the device
and mixes the rings the app's decode threads fill. The process imports only numpy and
sounddevice, and does nothing but the callback and a slow watch loop, so the callback never
waits for a GIL held by the GUI or torch.

It prints one JSON line on stdout when the stream runs (or why it could not start), then
watches: the owner's stop command, the owner's death, and the device disappearing (a JACK
server that dies stops the stream; PortAudio then hangs on close, so the process leaves with
``os._exit`` and takes PortAudio with it). ``--list`` prints the output devices as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from .devices import AudioDeviceError, device_to_dict, query_output_devices
from .output_stream import import_sounddevice, open_output_stream
from .shared_state import (
    CMD_STOP,
    COMMAND,
    DEVICE_LATENCY_US,
    DEVICE_RATE_HZ,
    HEARTBEAT,
    LAST_CALLBACK_NS,
    SINK_FAILED,
    SINK_RUNNING,
    SINK_STATE,
    SINK_STOPPED,
    SINK_VANISHED,
    Layout,
    SharedState,
)

EXIT_VANISHED = 3
STALL_S = 3.0  # no callback for this long while "active": the device is gone


def _reply(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _list() -> int:
    try:
        sd = import_sounddevice()
        devices = [device_to_dict(d) for _, d in query_output_devices(sd)]
    except AudioDeviceError as exc:
        _reply({"ok": False, "reason": str(exc)})
        return 1
    except Exception as exc:
        _reply({"ok": False, "reason": f"cannot query audio devices: {exc}"})
        return 1
    _reply({"ok": True, "devices": devices})
    return 0


def _play(args: argparse.Namespace) -> int:
    layout = Layout.from_json(args.layout)
    buf = np.memmap(args.state, dtype=np.uint8, mode="r+", shape=(layout.nbytes(),))
    state = SharedState(layout, buf)
    ints = state.ints
    owner = os.getppid()
    try:
        sd = import_sounddevice()
        opened = open_output_stream(sd, args.device or None, args.rate or None, args.block, state)
    except AudioDeviceError as exc:
        ints[SINK_STATE] = SINK_FAILED
        _reply({"ok": False, "reason": str(exc)})
        return 1
    ints[DEVICE_LATENCY_US] = int(opened.latency_s * 1e6)
    ints[DEVICE_RATE_HZ] = opened.sample_rate_hz
    ints[SINK_STATE] = SINK_RUNNING
    _reply(
        {
            "ok": True,
            "device": opened.device.label,
            "sample_rate_hz": opened.sample_rate_hz,
            "latency_s": opened.latency_s,
        }
    )
    stream = opened.stream
    block_s = args.block / opened.sample_rate_hz
    while True:
        time.sleep(min(0.02, block_s))
        ints[HEARTBEAT] += 1
        if ints[COMMAND] == CMD_STOP:
            stream.stop()
            stream.close()
            ints[SINK_STATE] = SINK_STOPPED
            return 0
        if os.getppid() != owner:  # the app died: do not play on forever
            os._exit(0)
        last = int(ints[LAST_CALLBACK_NS])
        stalled = last and time.monotonic_ns() - last > STALL_S * 1e9
        if not stream.active or stalled:
            ints[SINK_STATE] = SINK_VANISHED
            sys.stdout.flush()
            os._exit(EXIT_VANISHED)  # PortAudio hangs closing a stream whose server died


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="latentscape-player")
    p.add_argument("--list", action="store_true")
    p.add_argument("--state")
    p.add_argument("--layout")
    p.add_argument("--device", default="")
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--block", type=int, default=1024)
    args = p.parse_args(argv)
    if args.list:
        return _list()
    return _play(args)


if __name__ == "__main__":
    sys.exit(main())
