"""Kill the sender in the middle of a round, start it again: every intro arrives exactly once.

The sender is a separate process running what Sprout runs when it holds the lease (settle
what a dead sender left "sending", then send what is due), with the client production's
outbox uses, against the sandbox Slack in this process with Slack's rate limits enforced,
sped up. It is SIGKILLed at the worst instant, the
moment Slack has stored a message and before the sender hears so; a second process finishes
the round. The sandbox is the witness: every message carries its outbox key in its metadata.

The in-doubt cases the restart has to tell apart are also checked one by one, without
processes: a message Slack already has must not be posted again, one it never got must be
posted once, and none is looked up while its post may still be in flight.

Run as ``python -m tests.scenarios.test_delivery_crash DATABASE_URL API_URL`` this module is
the sender.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.clock import SystemClock
from bot.config import Settings
from bot.db import Database
from bot.slack.client import make_web_client, sending_client
from bot.slack.delivery import (
    IN_DOUBT_AFTER,
    METADATA_EVENT,
    SETTLE_RETRY,
    SLACK_RATES,
    Deliverer,
    Pacer,
    enqueue,
)
from models import OutboxMessage, OutboxStatus
from sandbox import SlackSandbox, seeded_workspace
from sandbox.workspace import SEED_BOT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
GROUPS = 60
#: Slack time runs this much faster: conversations.open (Tier 3, 50 a minute) is allowed once
#: every 20 ms, so the round takes about 1.2 s, long enough to kill it halfway.
SCALE = 60.0
KILL_AFTER = GROUPS // 2
SENDER_TIMEOUT = 60.0


def person(n: int) -> str:
    return f"U{2_000_000 + n}"


def group(n: int) -> list[str]:
    return [person(2 * n), person(2 * n + 1)]


# -- the sender process -----------------------------------------------------------------------


def sender(db: Database, api_url: str) -> Deliverer:
    """A deliverer as production builds one, paced to Slack's tiers sped up by SCALE.

    Its client is production's outbox client (no retries) and its clock the system clock.
    One difference: it settles what the sender before it left "sending" at once, without
    waiting IN_DOUBT_AFTER for posts that may still be in flight, because that sender is
    certainly dead (the test killed it, or it finished).
    """
    settings = Settings(
        slack_bot_token=SEED_BOT_TOKEN,
        slack_api_url=api_url,
        database_url=db.engine.url.render_as_string(hide_password=False),
    )
    pacer = Pacer({method: rate.scaled(SCALE) for method, rate in SLACK_RATES.items()})
    client = sending_client(make_web_client(settings))
    return Deliverer(db, client, SystemClock(), pacer, in_doubt_after=timedelta(0))


def deliver_round(db_url: str, api_url: str) -> None:
    """What a freshly started Sprout does once it holds the lease, until the outbox is empty."""
    db = Database.from_url(db_url)
    deliverer = sender(db, api_url)
    deliverer.settle_in_doubt()
    while not all_settled(db):
        if not deliverer.deliver_due():
            time.sleep(0.01)  # a row waits out a Retry-After
    db.engine.dispose()


def start_sender(db_url: str, api_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scenarios.test_delivery_crash", db_url, api_url],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )


def alive_until(process: subprocess.Popen[bytes], event: Callable[[], object]) -> None:
    """Wait for ``event`` (a sandbox wait_for) while making sure the sender is still running."""
    deadline = time.monotonic() + SENDER_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"the sender exited early:\n{process.communicate()[1].decode()}")
        try:
            event()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def finished(process: subprocess.Popen[bytes]) -> None:
    try:
        _, stderr = process.communicate(timeout=SENDER_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"the sender did not finish the round:\n{stderr.decode()}")
    assert process.returncode == 0, stderr.decode()


# -- what the database and Slack hold ---------------------------------------------------------


def statuses(db: Database) -> dict[str, OutboxStatus]:
    with db.session() as session:
        rows = session.execute(sa.select(OutboxMessage.key, OutboxMessage.status))
        return {key: status for key, status in rows}


def all_settled(db: Database) -> bool:
    return all(
        status in (OutboxStatus.SENT, OutboxStatus.FAILED) for status in statuses(db).values()
    )


def keys_in(sandbox: SlackSandbox, channel: str) -> Counter[str]:
    """How many messages a conversation holds for each outbox key."""
    return Counter(
        str(payload["key"])
        for message in sandbox.messages_in(channel)
        if "key" in (payload := (message.metadata or {}).get("event_payload") or {})
    )


def posted(sandbox: SlackSandbox) -> Counter[str]:
    """How many messages Slack holds for each outbox key, in every conversation posted to."""
    channels = {str(c.args["channel"]) for c in sandbox.calls_to("chat.postMessage") if c.ok}
    return sum((keys_in(sandbox, channel) for channel in channels), Counter())


def queue_round(db: Database, team_id: str, groups: int) -> None:
    now = datetime.now(UTC)
    with db.session() as session:
        for n in range(groups):
            enqueue(
                session,
                team_id=team_id,
                key=f"intro:{n}",
                recipients=group(n),
                text=f"Meet <@{group(n)[0]}> and <@{group(n)[1]}>!",
                now=now,
            )


# -- kill and resume --------------------------------------------------------------------------


@pytest.fixture
def paced_sandbox() -> Iterator[SlackSandbox]:
    workspace = seeded_workspace()
    for n in range(2 * GROUPS):
        workspace.add_user(person(n), f"person{n}", f"Person {n}", "Europe/Berlin")
    with SlackSandbox(workspace, enforce_rate_limits=True, time_scale=SCALE) as running:
        yield running


def test_a_round_killed_halfway_and_restarted_delivers_every_intro_exactly_once(
    database_url: str, db: Database, paced_sandbox: SlackSandbox
) -> None:
    queue_round(db, paced_sandbox.workspace.team_id, GROUPS)

    first = start_sender(database_url, paced_sandbox.api_url)
    # The sandbox records a call before it answers, so this is the worst instant to die:
    # Slack has the message, the sender has not heard so; the rest of its claimed batch is
    # left "sending" too, not yet opened or posted.
    alive_until(first, lambda: paced_sandbox.wait_for("chat.postMessage", count=KILL_AFTER))
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    at_kill = Counter(statuses(db).values())
    assert 0 < at_kill[OutboxStatus.SENT] < GROUPS, at_kill
    assert at_kill[OutboxStatus.SENDING] > 0, at_kill

    finished(start_sender(database_url, paced_sandbox.api_url))

    assert set(statuses(db).values()) == {OutboxStatus.SENT}
    assert posted(paced_sandbox) == {f"intro:{n}": 1 for n in range(GROUPS)}
    assert len([c for c in paced_sandbox.calls_to("chat.postMessage") if c.ok]) == GROUPS


# -- the in-doubt cases, one by one -----------------------------------------------------------

BEN, CAMILA = "U02BEN", "U03CAM"
KEY = "intro:7"


def one_intro(db: Database, sandbox: SlackSandbox) -> None:
    with db.session() as session:
        enqueue(
            session,
            team_id=sandbox.workspace.team_id,
            key=KEY,
            recipients=[BEN, CAMILA],
            text="Meet Ben and Camila!",
            now=datetime.now(UTC),
        )


def left_sending(db: Database, channel_id: str | None) -> None:
    """As a sender that claimed the intro (and perhaps opened its conversation) then died.

    It died long enough ago (IN_DOUBT_AFTER) that none of its posts can still be in flight.
    """
    with db.session() as session:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.key == KEY)
            .values(
                status=OutboxStatus.SENDING,
                claim="dead-sender",
                claimed_at=datetime.now(UTC) - IN_DOUBT_AFTER,
                channel_id=channel_id,
            )
        )


def the_row(db: Database) -> OutboxMessage:
    with db.session() as session:
        return session.scalars(sa.select(OutboxMessage).where(OutboxMessage.key == KEY)).one()


class Later:
    """The system clock as it will read ``by`` from now: another sender, some time later."""

    def __init__(self, by: timedelta) -> None:
        self._by = by

    def now(self) -> datetime:
        return datetime.now(UTC) + self._by


def unpaced(db: Database, sandbox: SlackSandbox, later: timedelta = timedelta(0)) -> Deliverer:
    client = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    return Deliverer(db, client, Later(later), Pacer({}))


def test_an_intro_slack_accepted_before_the_sender_died_is_settled_without_a_second_post(
    db: Database, sandbox: SlackSandbox
) -> None:
    one_intro(db, sandbox)
    client = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    channel = client.conversations_open(users=f"{BEN},{CAMILA}")["channel"]["id"]
    left_sending(db, channel)
    accepted = client.chat_postMessage(
        channel=channel,
        text="Meet Ben and Camila!",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"key": KEY}},
    )
    sandbox.reset_calls()

    deliverer = unpaced(db, sandbox)
    assert deliverer.settle_in_doubt() == 1
    assert deliverer.deliver_due() == 0

    row = the_row(db)
    assert (row.status, row.ts, row.channel_id) == (OutboxStatus.SENT, accepted["ts"], channel)
    assert sandbox.calls_to("chat.postMessage") == []
    assert keys_in(sandbox, channel) == {KEY: 1}


@pytest.mark.parametrize("opened", [False, True], ids=["died-before-opening", "died-after-opening"])
def test_an_intro_the_sender_died_before_posting_is_sent_once(
    db: Database, sandbox: SlackSandbox, opened: bool
) -> None:
    one_intro(db, sandbox)
    client = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    channel = client.conversations_open(users=f"{BEN},{CAMILA}")["channel"]["id"]
    # Sprout already talks to these two in this conversation, about something else.
    client.chat_postMessage(
        channel=channel,
        text="Your last check-in",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"key": "checkin:3"}},
    )
    left_sending(db, channel if opened else None)

    deliverer = unpaced(db, sandbox)
    assert deliverer.settle_in_doubt() == 1
    assert the_row(db).status is OutboxStatus.PENDING
    assert deliverer.deliver_due() == 1
    assert deliverer.deliver_due() == 0

    row = the_row(db)
    assert (row.status, row.channel_id) == (OutboxStatus.SENT, channel)
    assert keys_in(sandbox, channel) == {"checkin:3": 1, KEY: 1}


class AnswerLost(WebClient):
    """Slack gets the message, but the answer never comes back (a dropped connection)."""

    def chat_postMessage(self, **kwargs: Any) -> Any:
        super().chat_postMessage(**kwargs)
        raise ConnectionResetError("connection reset by peer")


class HistoryUnreadable(WebClient):
    """conversations.history fails, as it would without the history scopes."""

    def conversations_history(self, **kwargs: Any) -> Any:
        response = SlackResponse(
            client=self,
            http_verb="POST",
            api_url=self.base_url + "conversations.history",
            req_args={},
            data={"ok": False, "error": "missing_scope"},
            headers={},
            status_code=200,
        )
        raise SlackApiError("missing_scope", response)


def test_a_lost_answer_is_checked_in_history_not_posted_again(
    db: Database, sandbox: SlackSandbox
) -> None:
    one_intro(db, sandbox)
    lossy = AnswerLost(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    assert Deliverer(db, lossy, SystemClock(), Pacer({})).deliver_due() == 0
    assert the_row(db).status is OutboxStatus.SENDING  # in doubt, not pending

    # Not looked up while a post of it might still be on its way to Slack ...
    assert unpaced(db, sandbox).deliver_due() == 0
    assert sandbox.calls_to("conversations.history") == []
    # ... but once none can be: found, so never posted again.
    unpaced(db, sandbox, later=IN_DOUBT_AFTER).deliver_due()
    row = the_row(db)
    assert row.status is OutboxStatus.SENT
    assert keys_in(sandbox, row.channel_id or "") == {KEY: 1}


def test_while_history_cant_be_read_a_message_in_doubt_is_left_alone(
    db: Database, sandbox: SlackSandbox
) -> None:
    one_intro(db, sandbox)
    client = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    channel = client.conversations_open(users=f"{BEN},{CAMILA}")["channel"]["id"]
    left_sending(db, channel)
    blind = HistoryUnreadable(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    assert Deliverer(db, blind, SystemClock(), Pacer({})).deliver_due() == 0
    assert the_row(db).status is OutboxStatus.SENDING
    assert sandbox.calls_to("chat.postMessage") == []

    # History readable again when it is next looked at: not there, so sent once.
    unpaced(db, sandbox, later=SETTLE_RETRY).deliver_due()
    assert keys_in(sandbox, channel) == {KEY: 1}


if __name__ == "__main__":
    deliver_round(*sys.argv[1:3])
