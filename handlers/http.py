"""The WSGI application Sprout serves: Slack's endpoint plus a health check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
#: Slack's payloads are a few kilobytes; anything near this is not from Slack.
MAX_REQUEST_BYTES = 1 << 20

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
