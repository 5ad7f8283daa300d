"""Fixtures for testing the sandbox itself: a running sandbox on a clock tests can move,
a real WebClient pointed at it, and a helper to serve a WSGI app (the bot) on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from sandbox import SlackSandbox
from sandbox.serving import BackgroundServer


class FakeClock:
    """A monotonic clock that only moves when told, so expiry tests never sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sandbox_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(sandbox_clock: FakeClock) -> Iterator[SlackSandbox]:
    with SlackSandbox(clock=sandbox_clock) as sb:
        yield sb


@pytest.fixture
def slack(sandbox: SlackSandbox) -> WebClient:
    """The client exactly as the bot builds it, minus retry handlers."""
    return WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[[WsgiApp], str]]:
    """Serve WSGI apps with waitress (the production server) on ephemeral ports."""
    servers: list[BackgroundServer] = []

    def serve(app: WsgiApp) -> str:
        server = BackgroundServer(app)
        servers.append(server)
        return server.base_url

    yield serve
    for server in servers:
        server.stop()
