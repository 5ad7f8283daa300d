"""A running Sprout behind a real WSGI server, talking to the sandbox over real HTTP.

Scenario tests act as people: they type /mentor commands, fill modals and click buttons
through :class:`SlackDriver` (signed requests, as Slack sends them), and read what each person
sees from the sandbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from slack_sdk import WebClient

from app import Sprout, build
from bot.clock import FrozenClock
from bot.config import Settings
from bot.slack.delivery import Deliverer, DeliveryWorker, Pacer
from handlers.http import EVENTS_PATH
from sandbox import Message, SlackDriver, SlackSandbox, seeded_workspace
from sandbox.driver import DriverResponse
from sandbox.serving import BackgroundServer

SIGNING_SECRET = "sandbox-signing-secret"
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 5.0, what: str = "it") -> T:
    """Poll until ``probe`` returns something: the bot answers after it acks, on its own time."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@dataclass
class Participant:
    """One person in the sandbox workspace, as a test sees them."""

    user_id: str
    driver: SlackDriver
    sandbox: SlackSandbox
    _seen: int = field(default=0)

    def mentor(self, text: str) -> DriverResponse:
        """Type ``/mentor text``; the next :meth:`reply` is the bot's answer to it."""
        self._seen = len(self.sandbox.inbox(self.user_id))
        self._publishes = self._home_count()
        response = self.driver.command(self.user_id, text)
        assert response.status == 200, response.text
        return response

    def reply(self, timeout: float = 5.0) -> Message:
        """The first answer that reached this person since their last command or click.

        Group DMs the bot posts on its own (introductions from a round whose outbox is still
        draining) are announcements, never answers, so they are passed over: otherwise a test
        would race the delivery worker.
        """
        start = self._seen

        def next_answer() -> tuple[int, Message] | None:
            inbox = self.sandbox.inbox(self.user_id)
            for index in range(start, len(inbox)):
                message = inbox[index]
                if not (message.kind == "group_dm" and message.via == "api"):
                    return index, message
            return None

        index, message = eventually(next_answer, timeout, f"a reply to {self.user_id}")
        self._seen = index + 1
        return message

    def replaced(self, original: Message, timeout: float = 5.0) -> Message:
        """``original`` once the bot has replaced it (respond with replace_original)."""

        def changed() -> Message | None:
            now = self.sandbox.find_message(original.channel, original.ts)
            return now if now is not None and now.text != original.text else None

        return eventually(changed, timeout, f"message {original.ts} to be replaced")

    def modal(self, timeout: float = 5.0) -> dict[str, Any]:
        return eventually(
            lambda: self.sandbox.modal_of(self.user_id), timeout, f"a modal for {self.user_id}"
        )

    def submit(self, **values: object) -> DriverResponse:
        view = self.modal()
        self._seen = len(self.sandbox.inbox(self.user_id))
        self._publishes = self._home_count()
        return self.driver.submit(self.user_id, view["id"], values)

    def click(
        self, action_id: str, source: Message | dict[str, Any], value: object = None
    ) -> DriverResponse:
        self._seen = len(self.sandbox.inbox(self.user_id))
        self._publishes = self._home_count()
        response = self.driver.click(self.user_id, action_id, source=source, value=value)
        assert response.status == 200, response.text
        return response

    def open_home(self) -> dict[str, Any]:
        self._publishes = self._home_count()
        self.driver.open_home(self.user_id)
        return self.home_after()

    def home_after(self, timeout: float = 5.0) -> dict[str, Any]:
        """The Home tab once it has been published again after the last thing this person did."""
        before = self._publishes
        eventually(lambda: self._home_count() > before, timeout, f"a new Home for {self.user_id}")
        home = self.sandbox.home_of(self.user_id)
        assert home is not None
        return home

    def _home_count(self) -> int:
        return len(
            [
                c
                for c in self.sandbox.calls_to("views.publish")
                if c.ok and c.args.get("user_id") == self.user_id
            ]
        )


@dataclass
class RunningBot:
    sprout: Sprout
    sandbox: SlackSandbox
    driver: SlackDriver
    url: str
    clock: FrozenClock

    def person(self, user_id: str) -> Participant:
        return Participant(user_id, self.driver, self.sandbox)

    def delivered(self, timeout: float = 10.0) -> None:
        """Wait until the outbox has sent (or given up on) everything that is due now."""

        outbox = self.sprout.services.outbox
        eventually(lambda: outbox.due_count() == 0, timeout, "the outbox to drain")


@pytest.fixture
def sandbox() -> Iterator[SlackSandbox]:
    with SlackSandbox(seeded_workspace()) as running:
        yield running


@pytest.fixture
def bot(sandbox: SlackSandbox, database_url: str, clock: FrozenClock) -> Iterator[RunningBot]:
    settings = Settings(
        slack_bot_token=sandbox.workspace.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=sandbox.api_url,
        database_url=database_url,
    )
    sprout = build(settings, clock=clock)
    server = BackgroundServer(sprout.wsgi)
    # The outbox drains as in the process that holds the scheduler lease, only more eagerly and
    # unpaced: this sandbox doesn't enforce Slack's tiers (bench/fanout.py measures pacing).
    services = sprout.services
    unpaced = Deliverer(services.db, services.client, services.clock, Pacer({}))
    worker = DeliveryWorker(unpaced, idle_seconds=0.02)
    worker.start()
    url = server.base_url + EVENTS_PATH
    try:
        yield RunningBot(sprout, sandbox, SlackDriver(sandbox, url, SIGNING_SECRET), url, clock)
    finally:
        worker.stop()
        server.stop()
        sprout.services.db.engine.dispose()


def texts(blocks: list[dict[str, Any]] | None) -> str:
    """Every piece of text in a list of blocks, for asserting on what a person reads."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return "\n".join(found)


def all_messages(sandbox: SlackSandbox) -> list[Message]:
    """Every message anyone in the workspace received, each once, in posting order."""
    seen: dict[tuple[str, str], Message] = {}
    for user_id in sandbox.workspace.users:
        for message in sandbox.inbox(user_id):
            seen.setdefault((message.channel, message.ts), message)
    return sorted(seen.values(), key=lambda m: m.ts)


def members_of(sandbox: SlackSandbox, channel_id: str) -> list[str]:
    """Who is in a conversation, asked the way Sprout would ask: conversations.members."""
    client = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    members: list[str] = client.conversations_members(channel=channel_id)["members"]
    return [m for m in members if m != sandbox.workspace.bot_user_id]
