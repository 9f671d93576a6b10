"""Live OSC stream of map position and latents, to drive nn~ in Max/Pd or anything else.

Addresses (``prefix`` defaults to ``/latentscape``; docs/osc.md has the full description and
Max/Pd examples). All numbers are 32-bit OSC floats ``f`` unless marked ``i`` (int32) or
``s`` (string). Each frame sends its messages in this order, as separate UDP datagrams:

==========================  =========  ==============================================
address                     types      meaning
==========================  =========  ==============================================
``{prefix}/path``           ``s``      name of the path, sent once before ``/play 1``
``{prefix}/play``           ``i``      1 when a path starts playing, 0 when it stops
``{prefix}/time``           ``f``      seconds on the path's own time axis (playing only)
``{prefix}/xy``             ``f f``    map position x, y in the unit square
``{prefix}/z``              ``f…``     all latent dims in one message (``latent_size`` floats)
``{prefix}/z/<i>``          ``f``      latent dim ``i`` alone, for the first ``per_dim_count``
                                       dims (default 16)
==========================  =========  ==============================================

Frames come from a playing path (:meth:`OscStreamer.play`, a background thread paced by a
monotonic clock at ``rate_hz``) or from the app on every drag event
(:meth:`OscStreamer.send_frame`). UDP is fire-and-forget: a send that fails is counted in
:attr:`OscStreamer.errors`, never raised from the playing thread.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Callable

import numpy as np
from pythonosc.udp_client import SimpleUDPClient

from ..errors import LatentscapeError
from .path import LatentPath, PathError


class OscError(LatentscapeError):
    """The OSC destination is unusable (bad host or port)."""


def _check_prefix(prefix: str) -> str:
    if not prefix.startswith("/") or prefix.endswith("/") or any(c in prefix for c in " #*,?[]{}"):
        raise OscError(
            f"OSC prefix must start with '/', not end with '/', and hold no spaces or "
            f"#*,?[]{{}}: got {prefix!r}"
        )
    return prefix


class OscStreamer:
    """Sends frames of a path over OSC/UDP to ``host:port``.

    Parameters
    ----------
    host : str
        Destination host name or IP address (``127.0.0.1`` for Max/Pd on this machine).
    port : int
        Destination UDP port, 1..65535.
    prefix : str
        Address prefix, e.g. ``/latentscape``.
    per_dim_count : int or None
        How many latent dims also get their own ``{prefix}/z/<i>`` message (None: all).
    clock : callable
        Monotonic clock in seconds, for the playing thread's pacing (tests may inject one).

    Thread safety: :meth:`send_frame` may be called from any thread (the GUI's drag handler)
    while a path plays; a lock keeps each frame's messages together.
    """

    def __init__(
        self,
        host: str,
        port: int,
        prefix: str = "/latentscape",
        per_dim_count: int | None = 16,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise OscError(f"OSC port must be a whole number in 1..65535, got {port!r}")
        self.prefix = _check_prefix(prefix)
        try:
            # resolve once: sendto with a host name would look it up on every message
            address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][4][0]
            self._client = SimpleUDPClient(address, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise OscError(f"OSC host {host!r}: cannot resolve it ({exc})") from None
        except OSError as exc:
            raise OscError(f"OSC host {host!r}: cannot open a UDP socket ({exc})") from None
        self.host = host
        self.port = port
        self.per_dim_count = per_dim_count
        self._clock = clock
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._control_lock = threading.Lock()
        self.errors = 0
        self.last_error = ""
        self.frames_sent = 0

    # ------------------------------------------------------------------ sending
    def _send(self, address: str, value) -> None:
        try:
            self._client.send_message(address, value)
        except OSError as exc:
            self.errors += 1
            self.last_error = f"{self.host}:{self.port}: {exc.strerror or exc}"

    def send_frame(self, xy, latent, path_time_s: float | None = None) -> None:
        """Send one frame: ``/time`` (when given), ``/xy``, ``/z``, ``/z/<i>``.

        Parameters
        ----------
        xy : array-like
            ``[2]`` map position.
        latent : array-like
            ``[latent_size]`` latent frame.
        path_time_s : float, optional
            Position on the path's time axis (sent as ``/time`` when given).

        Called from any thread.
        """
        xy_list = np.asarray(xy, dtype=np.float32).reshape(-1).tolist()
        z = np.asarray(latent, dtype=np.float32).reshape(-1).tolist()
        count = len(z) if self.per_dim_count is None else min(len(z), self.per_dim_count)
        p = self.prefix
        with self._send_lock:
            if path_time_s is not None:
                self._send(f"{p}/time", float(path_time_s))
            self._send(f"{p}/xy", xy_list)
            self._send(f"{p}/z", z)
            for i in range(count):
                self._send(f"{p}/z/{i}", z[i])
            self.frames_sent += 1

    def send_play_state(self, playing: bool, name: str | None = None) -> None:
        """Send ``/path name`` (when given and playing) and ``/play 1|0``."""
        with self._send_lock:
            if playing and name is not None:
                self._send(f"{self.prefix}/path", str(name))
            self._send(f"{self.prefix}/play", 1 if playing else 0)

    # ------------------------------------------------------------------ playing
    @property
    def is_playing(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def play(
        self,
        path: LatentPath,
        speed: float = 1.0,
        loop: bool = False,
        rate_hz: float = 60.0,
        catch_up: bool = True,
    ) -> None:
        """Stream ``path`` from a background thread; a path already playing is stopped first.

        Parameters
        ----------
        speed : float
            Playback speed (2.0: twice as fast).
        loop : bool
            Repeat until :meth:`stop`.
        rate_hz : float
            Frames sent per second.
        catch_up : bool
            True: when the thread falls behind the clock it skips to the current frame (the
            stream stays in time with the audio); False: every frame is sent, late if need be.

        Sends ``/path``, ``/play 1``, the frames, and ``/play 0`` when done or stopped.
        """
        frames = path.frames_at_rate(rate_hz, speed=speed, loop=loop)
        self.stop()
        with self._control_lock:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run,
                args=(
                    frames.path_times_s,
                    frames.xy,
                    frames.latents,
                    rate_hz,
                    loop,
                    catch_up,
                    path.name,
                ),
                name="osc-path-player",
                daemon=True,
            )
            self._thread.start()

    def _run(self, path_times, xy, latents, rate_hz, loop, catch_up, name) -> None:
        """Body of the playing thread."""
        count = len(path_times)
        self.send_play_state(True, name)
        t0 = self._clock()
        k = 0
        try:
            while not self._stop.is_set():
                if not loop and k >= count:
                    break
                i = k % count
                self.send_frame(xy[i], latents[i], path_time_s=float(path_times[i]))
                k += 1
                now = self._clock()
                if catch_up:
                    k = max(k, math.floor((now - t0) * rate_hz))
                    if not loop and k >= count and i != count - 1:
                        k = count - 1  # a late finish still ends on the last frame
                wait_s = t0 + k / rate_hz - now
                if wait_s > 0 and self._stop.wait(wait_s):
                    break
        finally:
            self.send_play_state(False)

    def stop(self) -> None:
        """Stop a playing path and wait for its thread (sends ``/play 0``). Any thread."""
        with self._control_lock:
            thread = self._thread
            self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until a non-looping path has finished; True when no path is playing."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
        return not self.is_playing

    def close(self) -> None:
        """Stop playing and close the socket."""
        self.stop()
        with self._send_lock:
            self._client.close()

    def __enter__(self) -> OscStreamer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["OscError", "OscStreamer", "PathError"]
