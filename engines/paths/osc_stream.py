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
(:meth:`OscStreamer.send_frame`). A live Loop/Speed change (:meth:`OscStreamer.set_playback`,
timed to when the audio takes it up) goes on from where the stream is: ``/time`` runs at the
new rate from there, and a loop turned off sends ``/play 0`` at the end of the cycle under
way. The address scheme does not change. UDP is fire-and-forget: a send that fails is counted in
:attr:`OscStreamer.errors`, never raised from the playing thread.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from pythonosc.udp_client import SimpleUDPClient

from ..errors import LatentscapeError
from .path import LatentPath, PathError, interpolate_rows

# a path played once keeps a last frame this close past its end (float rounding)
_END_TOLERANCE_S = 1e-9


class OscError(LatentscapeError):
    """The OSC destination is unusable (bad host or port)."""


def _check_prefix(prefix: str) -> str:
    if not prefix.startswith("/") or prefix.endswith("/") or any(c in prefix for c in " #*,?[]{}"):
        raise OscError(
            f"OSC prefix must start with '/', not end with '/', and hold no spaces or "
            f"#*,?[]{{}}: got {prefix!r}"
        )
    return prefix


def _check_positive(what: str, value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise PathError(f"{what} must be a positive number, got {value!r}")


class _Segment(NamedTuple):
    """A stretch of steady playback: from stream frame ``start_k`` (fractional: a change may
    fall between frames), path second ``path_s`` on, ``speed`` path seconds per second."""

    start_k: float
    path_s: float
    speed: float
    loop: bool

    def path_time(self, k: float, rate_hz: float, duration: float) -> float | None:
        """Path second at stream frame ``k``; None past the end of a path played once."""
        t = self.path_s + (k - self.start_k) / rate_hz * self.speed
        if self.loop:
            return t % duration if duration > 0 else 0.0
        return t if t <= duration + _END_TOLERANCE_S else None

    def last_frame(self, rate_hz: float, duration: float) -> int | None:
        """The last whole stream frame within the path (None when looping)."""
        if self.loop:
            return None
        span_s = (duration + _END_TOLERANCE_S - self.path_s) / self.speed
        return math.floor(self.start_k + span_s * rate_hz)


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
        self._changes: list[tuple[float, bool, float]] = []  # (clock s, loop, speed) to apply
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
        start_s: float = 0.0,
    ) -> None:
        """Stream ``path`` from a background thread; a path already playing is stopped first.

        Parameters
        ----------
        speed : float
            Playback speed (2.0: twice as fast), > 0.
        loop : bool
            Repeat until :meth:`stop` (a cycle lasts ``duration_s / speed``, its end meeting
            its start as the audio's does).
        rate_hz : float
            Frames sent per second.
        catch_up : bool
            True: when the thread falls behind the clock it skips to the current frame (the
            stream stays in time with the audio); False: every frame is sent, late if need be.
        start_s : float
            Path second of the first frame (where the audio is when streaming starts while a
            path plays); wrapped into the cycle when looping, clamped to the path otherwise.

        Sends ``/path``, ``/play 1``, the frames, and ``/play 0`` when done or stopped. Frame
        ``k`` goes out at ``k / rate_hz`` seconds and plays path second ``start_s + k /
        rate_hz * speed`` until :meth:`set_playback` changes the rate or the loop.
        """
        _check_positive("frame rate", rate_hz)
        _check_positive("playback speed", speed)
        if not math.isfinite(start_s):
            raise PathError(f"start time must be a finite number, got {start_s!r}")
        duration = path.duration_s
        if loop:
            start_s = start_s % duration if duration > 0 else 0.0
        else:
            start_s = min(max(start_s, 0.0), duration)
        first = _Segment(0.0, float(start_s), float(speed), bool(loop))
        self.stop()
        with self._control_lock:
            self._stop.clear()
            self._changes = []
            self._thread = threading.Thread(
                target=self._run,
                args=(path, float(rate_hz), first, catch_up),
                name="osc-path-player",
                daemon=True,
            )
            self._thread.start()

    def set_playback(self, loop: bool, speed: float, delay_s: float = 0.0) -> None:
        """The playing path goes on from where the stream is at ``speed`` ×, looping or not.

        Parameters
        ----------
        loop : bool
            False: the stream ends (``/play 0``) at the end of the cycle under way.
        speed : float
            New playback speed, > 0.
        delay_s : float
            Seconds from now when the change takes effect: the moment the audio takes it
            up (negative: it began that long ago; the stream goes on from where it was then).

        Any thread. Frames keep their ``rate_hz`` grid; from the change on, path time runs
        ``speed`` times as fast from the path second the stream had reached, so ``/time``
        never jumps. No-op when no path plays.
        """
        _check_positive("playback speed", speed)
        at = self._clock() + float(delay_s)
        with self._control_lock:
            if self.is_playing:
                self._changes.append((at, bool(loop), float(speed)))

    def _take_changes(
        self, segment: _Segment, k: int, t0: float, rate_hz: float, duration: float
    ) -> _Segment:
        """Apply the changes due by stream frame ``k``, oldest first. Playing thread."""
        with self._control_lock:
            due = sorted(c for c in self._changes if (c[0] - t0) * rate_hz <= k)
            if not due:
                return segment
            self._changes = [c for c in self._changes if (c[0] - t0) * rate_hz > k]
        for at, loop, speed in due:
            start_k = max((at - t0) * rate_hz, segment.start_k)
            path_s = segment.path_time(start_k, rate_hz, duration)
            if path_s is None:
                break  # a path played once had ended by then: it stays ended
            segment = _Segment(start_k, path_s, speed, loop)
        return segment

    def _run(self, path: LatentPath, rate_hz: float, segment: _Segment, catch_up: bool) -> None:
        """Body of the playing thread: frame ``k`` at clock ``t0 + k / rate_hz``."""
        duration = path.duration_s
        values = np.concatenate([path.xy, path.latents], axis=1).astype(np.float64)
        self.send_play_state(True, path.name)
        t0 = self._clock()
        k = 0
        try:
            while not self._stop.is_set():
                segment = self._take_changes(segment, k, t0, rate_hz, duration)
                path_s = segment.path_time(k, rate_hz, duration)
                if path_s is None:
                    break  # past the end of a path played once
                # the same interpolation as LatentPath.sample, without rebuilding ``values``
                row = interpolate_rows(path.times_s, values, np.array([path_s]))[0]
                xy, z = row[:2].astype(np.float32), row[2:].astype(np.float32)
                self.send_frame(xy, z, path_time_s=path_s)
                k += 1
                now = self._clock()
                late_k = math.floor((now - t0) * rate_hz)
                if catch_up and late_k > k:
                    last = segment.last_frame(rate_hz, duration)
                    # a late finish still ends on the last frame within the path
                    k = last if last is not None and k <= last < late_k else late_k
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
