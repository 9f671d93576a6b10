"""The decoder process: a :class:`~.voice_host.VoiceHost` away from the app's GIL.

In one process with a busy GUI, a decode thread waits for the GIL whenever the GUI thread runs
long C calls that hold it (a 100k-point redraw stalls other threads for up to ~25 ms here), and
its voice runs dry. The decoder process loads the same model file, maps the shared state, and
takes commands (picklable tuples) over a socket pair; results flow back through the state
only, so no command waits for an answer.

``python -m latentscape.engines.audio.voice_host_process --fd N --state FILE --layout JSON
--model PATH --rate HZ --block FRAMES …`` prints one JSON line when ready (or why not).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from .shared_state import HOST_FAILED, HOST_READY, HOST_STATE, Layout, SharedState

DECODER_MAIN: tuple[str, ...] = ("-m", "latentscape.engines.audio.voice_host_process")
"""What the interpreter runs as the decoder process (tests run a wrapper of :func:`main`)."""

_COMMANDS = (
    "audition_trajectory",
    "audition_audio",
    "stop_audition",
    "scrub_to",
    "scrub_start",
    "scrub_stop",
    "play_path",
    "set_path_playback",
    "stop_path",
    "stop_all",
    "set_transform",
)


class RemoteVoiceHost:
    """The app's side: starts the decoder process and sends it the voice commands.

    Same methods as :class:`~.voice_host.VoiceHost` (the app validates arguments before it
    sends them, so errors are raised where the call was made). Owner thread.
    """

    def __init__(
        self,
        state_path: Path,
        layout: Layout,
        model_path: str | None,
        rate_hz: int,
        block_frames: int,
        *,
        fade_ms: float,
        glide_ms: float,
        lead_margin_s: float,
        seed: int | None,
    ) -> None:
        self._args = [
            "--state",
            str(state_path),
            "--layout",
            layout.to_json(),
            "--rate",
            str(rate_hz),
            "--block",
            str(block_frames),
            "--fade-ms",
            str(fade_ms),
            "--glide-ms",
            str(glide_ms),
            "--lead-margin-ms",
            str(1000.0 * lead_margin_s),
            "--seed",
            "none" if seed is None else str(seed),
            "--model",
            model_path or "",
        ]
        self._proc: subprocess.Popen[str] | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # the watch thread may send "quit" while the owner sends

    def start(self, timeout_s: float = 120.0) -> None:
        """Start the process and wait until its model is loaded and warm; raises RuntimeError."""
        mine, theirs = socket.socketpair()
        cmd = [sys.executable, *DECODER_MAIN]
        cmd += ["--fd", str(theirs.fileno()), *self._args]
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, text=True, pass_fds=(theirs.fileno(),)
        )
        theirs.close()
        self._conn = Connection(mine.detach())
        reply: dict[str, Any] = {}

        def read() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                if line.startswith("{"):
                    with contextlib.suppress(json.JSONDecodeError):
                        reply.update(json.loads(line))
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not reply.get("ok"):
            self.close()
            raise RuntimeError(str(reply.get("reason", "the decoder process did not start")))

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def poll(self) -> str | None:
        """``None`` while the process runs, else why it ended."""
        if self._proc is None or self._proc.poll() is None:
            return None
        return f"the decoder process ended (exit code {self._proc.returncode})"

    def _send(self, *message: Any) -> None:
        with self._lock:
            if self._conn is None:
                raise RuntimeError("the decoder process is not running")
            try:
                self._conn.send(message)
            except OSError:
                raise RuntimeError("the decoder process is not running") from None

    def __getattr__(self, name: str) -> Any:
        if name not in _COMMANDS:
            raise AttributeError(name)
        return lambda *args: self._send(name, *args)

    def set_model(self, model_path: str | None, seed: int | None = 0) -> None:
        self._send("set_model", model_path, seed)

    def publish_totals(self) -> None:
        pass  # the process publishes its totals on its own

    def close(self, timeout_s: float = 5.0, wait: bool = True) -> None:
        """Tell the process to quit and wait for it (``wait``), or let a daemon thread reap it:
        a restart need not wait the ~0.7 s an interpreter with torch takes to exit."""
        with contextlib.suppress(RuntimeError):
            self._send("quit")
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if wait:
            _reap(proc, timeout_s)
        else:
            threading.Thread(
                target=_reap, args=(proc, timeout_s), name="latentscape-reap", daemon=True
            ).start()


def _reap(proc: subprocess.Popen, timeout_s: float) -> None:
    """Wait for a process told to quit; kill it when it does not within ``timeout_s``."""
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    if proc.stdout is not None:
        proc.stdout.close()


def _reply(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _load(path: str) -> Any:
    """The model a decoder process decodes with: a torch-free ``.frames.npz`` (our VAE), or
    any model file (``load_model``)."""
    if not path:
        return None
    from ..vae.frame_stream import FRAMES_SUFFIX, FrameEngine

    if path.endswith(FRAMES_SUFFIX):
        return FrameEngine.load(path)
    from ..loader import load_model

    return load_model(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="latentscape-decoder")
    p.add_argument("--fd", type=int, required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--layout", required=True)
    p.add_argument("--model", default="")
    p.add_argument("--rate", type=int, required=True)
    p.add_argument("--block", type=int, required=True)
    p.add_argument("--fade-ms", type=float, default=5.0)
    p.add_argument("--glide-ms", type=float, default=40.0)
    p.add_argument("--lead-margin-ms", type=float, default=6.0)
    p.add_argument("--seed", default="0")
    args = p.parse_args(argv)
    from .voice_host import VoiceHost
    from .voices import OutputFormat

    layout = Layout.from_json(args.layout)
    buf = np.memmap(args.state, dtype=np.uint8, mode="r+", shape=(layout.nbytes(),))
    state = SharedState(layout, buf)
    conn = Connection(args.fd)
    owner = os.getppid()
    seed = None if args.seed == "none" else int(args.seed)
    try:
        host = VoiceHost(
            state,
            OutputFormat(args.rate, layout.channels, args.block),
            _load(args.model),
            fade_ms=args.fade_ms,
            glide_ms=args.glide_ms,
            lead_margin_s=args.lead_margin_ms / 1000.0,
            seed=seed,
        )
    except Exception as exc:  # a model file it cannot use (any kind): the app decodes instead
        state.ints[HOST_STATE] = HOST_FAILED
        _reply({"ok": False, "reason": f"decoder process: {exc}"})
        return 1
    state.ints[HOST_STATE] = HOST_READY
    _reply({"ok": True})
    while True:
        try:
            ready = conn.poll(0.05)
            message = conn.recv() if ready else None
        except (EOFError, OSError):
            break  # the app closed its end, or died
        host.publish_totals()
        if os.getppid() != owner:
            break
        if message is None:
            continue
        name, *rest = message
        if name == "quit":
            break
        try:
            if name == "set_model":
                host.set_model(_load(rest[0]), rest[1])
            elif name in _COMMANDS:
                getattr(host, name)(*rest)
        except Exception as exc:  # one bad command must not end every voice
            print(f"decoder process: {name} failed: {exc}", file=sys.stderr, flush=True)
    host.close(timeout_s=2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
