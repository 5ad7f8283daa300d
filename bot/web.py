"""The WSGI application Sprout serves: Slack's endpoint plus a health check."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_app(bolt_app: App) -> WSGIApp:
    """Route /slack/events to Bolt and answer /healthz for load balancers and Procfile hosts."""
    slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        try:
            return slack(environ, start_response)
        except ValueError:
            # A body Bolt cannot parse (say, a payload that is not JSON) is the sender's fault.
            log.info("rejected an unreadable request body")
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"unreadable request"]

    return application


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
            app, map=self._socket_map, host=host, port=port, threads=threads
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
