"""The outbox against a real database (SQLite and PostgreSQL) and a scripted Slack.

Claims, fencing between senders, settling messages in doubt, priority lanes and enqueueing
inside a caller's transaction; tests/scenarios/test_delivery_crash.py kills real senders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.orm import Session

from bot.blocks import context
from bot.clock import FrozenClock
from bot.db import Database
from bot.slack.delivery import (
    GIVE_UP_IN_DOUBT_AFTER,
    IN_DOUBT_AFTER,
    SETTLE_AT_ONCE,
    SETTLE_RETRY,
    Deliverer,
    Pacer,
    Priority,
    enqueue,
)
from models import OutboxMessage, OutboxStatus, Person

TEAM = "T1"
ANA, BEN, CAMILA = "U01ANA", "U02BEN", "U03CAM"


class ScriptedSlack(WebClient):
    """Just enough of Slack for the deliverer: conversations, posts, history, people.

    ``calls`` records (method, args) in order; ``before`` runs a hook before a method answers
    (to act as another sender at a chosen instant); ``errors`` makes a method fail every
    time, ``fails_once`` the next time only.
    """

    def __init__(self) -> None:
        super().__init__(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.before: dict[str, Callable[[], None]] = {}
        self.errors: dict[str, str] = {}
        self.fails_once: dict[str, str] = {}
        self.deleted: set[str] = set()
        self.history: dict[str, list[dict[str, Any]]] = {}
        self._ts = 0

    def _call(self, method: str, args: dict[str, Any]) -> None:
        self.calls.append((method, args))
        hook = self.before.pop(method, None)
        if hook is not None:
            hook()
        error = self.fails_once.pop(method, None) or self.errors.get(method)
        if error is not None:
            response = SlackResponse(
                client=self,
                http_verb="POST",
                api_url=method,
                req_args={},
                data={"ok": False, "error": error},
                headers={},
                status_code=200,
            )
            raise SlackApiError(error, response)

    def conversations_open(self, **kwargs: Any) -> Any:
        self._call("conversations.open", kwargs)
        return {"ok": True, "channel": {"id": "G" + kwargs["users"].replace(",", "-")}}

    def chat_postMessage(self, **kwargs: Any) -> Any:
        self._call("chat.postMessage", kwargs)
        self._ts += 1
        ts = f"1700000000.{self._ts:06d}"
        message = {"ts": ts, "text": kwargs["text"], "metadata": kwargs.get("metadata")}
        self.history.setdefault(kwargs["channel"], []).append(message)
        return {"ok": True, "ts": ts, "channel": kwargs["channel"]}

    def conversations_history(self, **kwargs: Any) -> Any:
        self._call("conversations.history", kwargs)
        return {"ok": True, "messages": list(reversed(self.history.get(kwargs["channel"], [])))}

    def users_info(self, **kwargs: Any) -> Any:
        self._call("users.info", kwargs)
        return {
            "ok": True,
            "user": {"id": kwargs["user"], "deleted": kwargs["user"] in self.deleted},
        }

    def posted(self) -> list[str]:
        """The outbox key of every post, in order."""
        return [
            args["metadata"]["event_payload"]["key"]
            for method, args in self.calls
            if method == "chat.postMessage"
        ]

    def count(self, method: str) -> int:
        return len([m for m, _ in self.calls if m == method])


@pytest.fixture
def slack() -> ScriptedSlack:
    return ScriptedSlack()


def deliverer(db: Database, slack: ScriptedSlack, clock: FrozenClock, **options: Any) -> Deliverer:
    return Deliverer(db, slack, clock, Pacer({}), **options)


def put(
    db: Database,
    clock: FrozenClock,
    key: str,
    recipients: list[str] | None = None,
    **options: Any,
) -> bool:
    with db.session() as session:
        return enqueue(
            session,
            team_id=TEAM,
            key=key,
            recipients=recipients or [ANA, BEN],
            text=f"message {key}",
            now=clock.now(),
            **options,
        )


def row(db: Database, key: str) -> OutboxMessage:
    with db.session() as session:
        return session.scalars(sa.select(OutboxMessage).where(OutboxMessage.key == key)).one()


def set_row(db: Database, key: str, **values: Any) -> None:
    with db.session() as session:
        session.execute(sa.update(OutboxMessage).where(OutboxMessage.key == key).values(**values))


def claimed_elsewhere(db: Database, clock: FrozenClock, key: str, *, ago: timedelta) -> None:
    """As another sender that claimed ``key`` (and opened its conversation) ``ago``."""
    set_row(
        db,
        key,
        status=OutboxStatus.SENDING,
        claim="another-sender",
        claimed_at=clock.now() - ago,
        channel_id=f"G{ANA}-{BEN}",
    )


# -- enqueue ----------------------------------------------------------------------------------


def test_an_enqueue_whose_transaction_rolls_back_leaves_no_message(
    db: Database, clock: FrozenClock
) -> None:
    """The outbox row is the session's first write, and the caller then fails."""
    with pytest.raises(RuntimeError), db.session() as session:
        assert enqueue(
            session, team_id=TEAM, key="intro:1", recipients=[ANA], text="hi", now=clock.now()
        )
        raise RuntimeError("the round could not be stored")

    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_duplicate_key_is_skipped_and_the_transaction_goes_on(
    db: Database, clock: FrozenClock
) -> None:
    def add(session: Session, key: str, text: str) -> bool:
        return enqueue(session, team_id=TEAM, key=key, recipients=[ANA], text=text, now=clock.now())

    with db.session() as session:
        assert add(session, "intro:1", "first")
        assert not add(session, "intro:1", "again")
        assert add(session, "intro:2", "second")

    assert row(db, "intro:1").text == "first"
    assert row(db, "intro:2").priority == Priority.NORMAL
    assert not put(db, clock, "intro:2")


# -- priority lanes ---------------------------------------------------------------------------


def test_replies_go_first_then_normal_messages_then_bulk(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    for n in range(3):
        put(db, clock, f"intro:{n}", priority=Priority.BULK)
    clock.advance(timedelta(seconds=1))
    put(db, clock, "notice:1")
    clock.advance(timedelta(seconds=1))
    put(db, clock, "reply:1", priority=Priority.REPLY)

    assert deliverer(db, slack, clock).deliver_due() == 5
    assert slack.posted() == ["reply:1", "notice:1", "intro:0", "intro:1", "intro:2"]


def test_a_reply_enqueued_while_a_round_is_sending_goes_next(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    for n in range(5):
        put(db, clock, f"intro:{n}", priority=Priority.BULK)
    # While the first introduction is being posted (the batch already claimed), a person asks.
    slack.before["chat.postMessage"] = lambda: put(
        db, clock, "reply:1", [CAMILA], priority=Priority.REPLY
    )

    assert deliverer(db, slack, clock).deliver_due() == 6
    assert slack.posted() == ["intro:0", "reply:1", "intro:1", "intro:2", "intro:3", "intro:4"]


# -- claims and fencing -----------------------------------------------------------------------


def test_a_row_another_sender_claims_between_select_and_update_stays_theirs(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    put(db, clock, "intro:1")
    put(db, clock, "intro:2")
    raced = []

    def another_sender_first(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX") and not raced:
            raced.append(statement)
            with db.engine.connect() as other:
                other.execute(
                    sa.update(OutboxMessage)
                    .where(OutboxMessage.key == "intro:1")
                    .values(status=OutboxStatus.SENDING, claim="x", claimed_at=clock.now())
                )
                other.commit()

    sa.event.listen(db.engine, "before_cursor_execute", another_sender_first)
    try:
        assert deliverer(db, slack, clock).deliver_due() == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", another_sender_first)

    assert raced
    assert slack.posted() == ["intro:2"]
    assert (row(db, "intro:1").status, row(db, "intro:1").claim) == (OutboxStatus.SENDING, "x")


def test_a_row_another_sender_holds_is_not_settled_while_its_post_may_be_in_flight(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    """A deposed leader may be mid-post: its successor must not look, miss it, and resend."""
    put(db, clock, "intro:1")
    claimed_elsewhere(db, clock, "intro:1", ago=IN_DOUBT_AFTER - timedelta(seconds=1))

    assert deliverer(db, slack, clock).deliver_due() == 0
    assert slack.calls == []
    assert row(db, "intro:1").status is OutboxStatus.SENDING

    clock.advance(timedelta(seconds=1))  # no post can still be in flight: look it up
    assert deliverer(db, slack, clock).deliver_due() == 1
    assert [m for m, _ in slack.calls] == ["conversations.history", "chat.postMessage"]
    assert row(db, "intro:1").status is OutboxStatus.SENT


def test_settling_leaves_a_row_whose_sender_rechecked_its_claim_meanwhile(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    put(db, clock, "intro:1")
    claimed_elsewhere(db, clock, "intro:1", ago=IN_DOUBT_AFTER)
    # While the history is read, the old sender wakes up, re-checks its claim and posts.
    slack.before["conversations.history"] = lambda: set_row(db, "intro:1", claimed_at=clock.now())

    assert deliverer(db, slack, clock).settle_in_doubt() == 0
    stored = row(db, "intro:1")
    assert (stored.status, stored.claim) == (OutboxStatus.SENDING, "another-sender")


def test_a_sender_whose_row_was_taken_meanwhile_does_not_post_it(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    put(db, clock, "intro:1")
    # While this sender opens the conversation (its lease lost, a long pause), the row is
    # settled and claimed by its successor.
    slack.before["conversations.open"] = lambda: set_row(db, "intro:1", claim="successor")

    assert deliverer(db, slack, clock).deliver_due() == 0
    assert slack.count("chat.postMessage") == 0
    assert row(db, "intro:1").claim == "successor"


def test_a_deposed_sender_stops_posting_and_hands_back_what_it_claimed(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    for n in range(3):
        put(db, clock, f"intro:{n}")
    leading = [True]
    slack.before["chat.postMessage"] = lambda: leading.clear()  # the lease is lost meanwhile

    assert deliverer(db, slack, clock, still_leading=lambda: bool(leading)).deliver_due() == 1
    assert slack.posted() == ["intro:0"]
    for key in ("intro:1", "intro:2"):
        assert (row(db, key).status, row(db, key).claim) == (OutboxStatus.PENDING, None)

    assert deliverer(db, slack, clock).deliver_due() == 2  # the next leader sends them, once
    assert slack.posted() == ["intro:0", "intro:1", "intro:2"]


# -- messages in doubt ------------------------------------------------------------------------


def test_a_message_in_doubt_whose_history_stays_unreadable_is_given_up_not_sent_blind(
    db: Database, slack: ScriptedSlack, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    put(db, clock, "intro:1")
    claimed_elsewhere(db, clock, "intro:1", ago=IN_DOUBT_AFTER)
    slack.errors["conversations.history"] = "missing_scope"
    sender = deliverer(db, slack, clock)

    assert sender.deliver_due() == 0
    assert sender.deliver_due() == 0  # not looked up again at once: it waits a while
    assert slack.count("conversations.history") == 1
    clock.advance(SETTLE_RETRY)
    sender.deliver_due()
    assert slack.count("conversations.history") == 2
    assert row(db, "intro:1").status is OutboxStatus.SENDING

    clock.advance(GIVE_UP_IN_DOUBT_AFTER)
    with caplog.at_level(logging.ERROR, logger="bot.slack.delivery"):
        assert sender.deliver_due() == 0
    stored = row(db, "intro:1")
    assert (stored.status, stored.error) == (OutboxStatus.FAILED, "in doubt")
    assert "giving up" in caplog.text
    assert slack.count("chat.postMessage") == 0


def test_messages_in_doubt_with_unreadable_history_dont_hold_up_the_queue(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    for n in range(2 * SETTLE_AT_ONCE + 2):
        put(db, clock, f"old:{n}")
        claimed_elsewhere(db, clock, f"old:{n}", ago=IN_DOUBT_AFTER)
    put(db, clock, "reply:1", [CAMILA], priority=Priority.REPLY)
    slack.errors["conversations.history"] = "missing_scope"

    assert deliverer(db, slack, clock).deliver_due() == 1
    methods = [m for m, _ in slack.calls]
    before_the_reply = methods[: methods.index("chat.postMessage")]
    assert before_the_reply.count("conversations.history") == SETTLE_AT_ONCE


# -- people who can't be reached --------------------------------------------------------------


def test_user_not_visible_drops_that_person_and_tells_the_rest(
    db: Database, slack: ScriptedSlack, clock: FrozenClock
) -> None:
    with db.session() as session:
        for user_id in (ANA, BEN):
            now = clock.now()
            session.add(
                Person(team_id=TEAM, user_id=user_id, name=user_id, created_at=now, updated_at=now)
            )
    put(db, clock, "intro:1")
    slack.fails_once["conversations.open"] = "user_not_visible"
    slack.deleted.add(BEN)

    assert deliverer(db, slack, clock).deliver_due() == 1

    stored = row(db, "intro:1")
    assert (stored.status, stored.recipients) == (OutboxStatus.SENT, [ANA])
    note = stored.blocks[0]["elements"][0]["text"]
    assert stored.blocks[0] == context(note).to_dict()
    assert f"<@{BEN}> can no longer be reached" in note
    with db.session() as session:
        assert session.get(Person, (TEAM, BEN)).inactive  # type: ignore[union-attr]
        assert not session.get(Person, (TEAM, ANA)).inactive  # type: ignore[union-attr]


def test_finished_messages_are_forgotten_after_a_month(db: Database) -> None:
    from bot.slack.delivery import Outbox

    start = datetime(2026, 11, 26, tzinfo=UTC)
    clock = FrozenClock(start)
    with db.session() as session:
        enqueue(session, team_id="T1", key="old", recipients=["U1"], text="hi", now=start)
        enqueue(session, team_id="T1", key="waiting", recipients=["U1"], text="hi", now=start)
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.key == "old")
            .values(status=OutboxStatus.SENT)
        )
    clock.advance(timedelta(days=31))
    assert Outbox(db, clock).prune() == 1
    with db.session() as session:
        assert [m.key for m in session.query(OutboxMessage)] == ["waiting"]
