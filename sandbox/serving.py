"""Serving a WSGI app on a background thread: for the tests, the benchmarks and the sandbox."""

from __future__ import annotations

import threading
from typing import Any

from handlers.http import MAX_REQUEST_BYTES, WSGIApp


class BackgroundServer:
    """A waitress server on its own thread, for tests, benchmarks and the local sandbox.

    The event loop runs in short slices and is torn down on its own thread: closing waitress's
    sockets from another thread while it polls them makes it fail with EBADF.
    """

    def __init__(self, app: WSGIApp, *, host: str = "127.0.0.1", port: int = 0, threads: int = 4):
        from waitress import wasyncore
        from waitress.server import create_server

        self._socket_map: dict[int, Any] = {}
        self._server = create_server(
            app,
            map=self._socket_map,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_REQUEST_BYTES,
        )
        self._stop = threading.Event()
        self._loop = wasyncore.loop
        self._close_all = wasyncore.close_all
        self._thread = threading.Thread(target=self._run, name="sprout-http", daemon=True)
        self._thread.start()
        self.port = int(self._server.getsockname()[1])  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{self.port}"

    def _run(self) -> None:
        while not self._stop.is_set():
            self._loop(timeout=0.02, map=self._socket_map, count=1)
        self._server.task_dispatcher.shutdown()
        self._close_all(self._socket_map)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
