"""A real OSC receiver for the streaming tests: python-osc's BlockingOSCUDPServer on
127.0.0.1, which handles datagrams one by one in arrival order on its own thread."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer


@contextlib.contextmanager
def osc_listener(handler: Callable[..., None]) -> Iterator[int]:
    """Serve on a free port, handing every message to ``handler(address, *args)`` on the
    server's thread; yields the port, and stops and closes the server on leaving."""
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(handler)
    server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
