"""The one path by which Sprout sends messages on its own: an outbox, paced and crash-safe.

Services *enqueue* a message under an idempotency key inside their own transaction, so a round
and its introductions are stored together or not at all, and enqueuing twice is a no-op. The
:class:`Deliverer` (run by the process holding the scheduler lease) sends what is due:

- most urgent first: a reply to something a person just did (:attr:`Priority.REPLY`) goes
  ahead of a round's two thousand introductions (:attr:`Priority.BULK`), even mid-batch;
- it paces each Web API method to its rate tier and honours a 429's Retry-After;
- it claims rows atomically under a token (pending -> "sending"), re-checks the claim and
  stamps ``claimed_at`` just before each post, and stamps every message with its key in
  Slack's message metadata; a "sending" row whose claim is old enough that no post can still
  be in flight (:data:`IN_DOUBT_AFTER`) is looked up in its conversation's history and
  settled, so after a crash or a change of leader nothing is sent twice or dropped;
- it treats errors that retrying cannot fix (a deactivated or unknown user) as permanent:
  the person is marked inactive, and the rest of their group still gets the message, told why.
"""

from __future__ import annotations

import enum
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import context as context_block
from bot.clock import Clock
from bot.db import Database, insert_unless_present
from models import Conversation, OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)

METADATA_EVENT = "sprout_message"
MAX_ATTEMPTS = 8
#: How far back (in pages of 200, newest first) a message in doubt is looked for.
HISTORY_PAGES = 5
#: What a history lookup can say besides a ts.
NOT_FOUND = object()
UNKNOWN = object()

#: A "sending" row is looked up in Slack's history only once its ``claimed_at`` is this old.
#: ``claimed_at`` is stamped just before each chat.postMessage, and a post is one HTTP request
#: (``sending_client`` never retries one; its timeout is 15 s), so after this long no sender,
#: not even a deposed leader that hasn't noticed yet, can still have that post in flight. Any
#: sooner and a new leader could look, not find a message that is on its way, and post it
#: again. The margin also covers clocks that disagree between machines. A sender that is
#: certainly dead (a test or bench that killed it) may pass ``in_doubt_after=timedelta(0)``.
IN_DOUBT_AFTER = timedelta(minutes=2)
#: A message in doubt whose history can't be read for this long after its claim is marked
#: failed ("in doubt"): posting it blind could send it twice, and it must not wait forever.
GIVE_UP_IN_DOUBT_AFTER = timedelta(hours=1)
#: How long a message in doubt waits before its history is read again after a failed read.
SETTLE_RETRY = timedelta(minutes=1)
#: At most this many messages in doubt are looked up before each batch is claimed, so a pile
#: of them (or one whose history is unreadable) holds up the queue for seconds, not minutes.
SETTLE_AT_ONCE = 5

#: Errors that say a person can no longer be reached; retrying will not help.
GONE = frozenset(
    {"user_not_found", "user_not_visible", "user_disabled", "account_inactive", "cannot_dm_bot"}
)
#: Errors that say the message itself is wrong; retrying will not help either.
BROKEN = frozenset(
    {
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "is_archived",
        "not_in_channel",
        "channel_not_found",
        "not_authed",
        "invalid_auth",
        "account_inactive_bot",
    }
)


class Priority(enum.IntEnum):
    """The lanes the sender serves, most urgent first; within a lane, oldest first."""

    #: A reply to something a person just did: they are looking at Slack, waiting.
    REPLY = 0
    NORMAL = 1
    #: A round's introductions: thousands at once, paced by conversations.open (Tier 3).
    BULK = 2


def members_key(user_ids: Iterable[str]) -> str:
    return ",".join(sorted(set(user_ids)))


def enqueue(
    session: Session,
    *,
    team_id: str,
    key: str,
    recipients: Sequence[str],
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    now: datetime,
    priority: int = Priority.NORMAL,
) -> bool:
    """Record a message to send, once per ``key``; returns whether it was new.

    Runs in the caller's transaction, so the message exists exactly when the thing it announces
    does. A duplicate key is skipped by ``INSERT ... ON CONFLICT (key) DO NOTHING``, which
    leaves the transaction intact without a savepoint: on SQLite, pysqlite begins a
    transaction only before a DML statement, so a savepoint that was the session's first
    write is itself the transaction, and releasing it committed the row even when the caller
    then rolled back.
    """
    values = {
        "team_id": team_id,
        "key": key,
        "recipients": sorted(set(recipients)),
        "text": text,
        "blocks": blocks or [],
        "status": OutboxStatus.PENDING,
        "priority": int(priority),
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return insert_unless_present(session, OutboxMessage, values, [OutboxMessage.key])


#: Sent and failed messages (their text names people) are kept this long, then deleted.
KEEP_FINISHED_FOR = timedelta(days=30)


class Outbox:
    """Enqueue from outside a service's own transaction (replies to clicks and DMs)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def prune(self) -> int:
        """Forget finished messages after a while: their idempotency is long past needing."""
        cutoff = self._clock.now() - KEEP_FINISHED_FOR
        with self._db.session() as session:
            result = session.execute(
                sa.delete(OutboxMessage).where(
                    OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
                    OutboxMessage.created_at < cutoff,
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def due_count(self) -> int:
        """Messages waiting to go out now: the try-it page and tests wait for this to reach 0."""
        with self._db.session() as session:
            return int(
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                        OutboxMessage.next_attempt_at <= self._clock.now(),
                    )
                )
                or 0
            )

    def send(
        self,
        team_id: str,
        key: str,
        recipients: Sequence[str],
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        priority: int = Priority.NORMAL,
    ) -> bool:
        with self._db.session() as session:
            return enqueue(
                session,
                team_id=team_id,
                key=key,
                recipients=recipients,
                text=text,
                blocks=blocks,
                now=self._clock.now(),
                priority=priority,
            )


@dataclass(frozen=True)
class Rate:
    """At most ``calls`` in any ``seconds``; Slack's tiers are written this way."""

    calls: int
    seconds: float

    def scaled(self, factor: float) -> Rate:
        return Rate(self.calls, self.seconds / factor)


#: Slack's published tiers for the methods the deliverer calls.
SLACK_RATES: dict[str, Rate] = {
    "conversations.open": Rate(50, 60),  # Tier 3
    "conversations.history": Rate(50, 60),  # Tier 3
    "users.info": Rate(100, 60),  # Tier 4
    "chat.postMessage": Rate(600, 60),  # a workspace allows several hundred a minute
}


class Pacer:
    """Spaces calls to each method evenly, so a tier's limit is never crossed, not even briefly.

    Even spacing (one call every seconds/calls) keeps every sliding window within the limit; a
    429 pushes the method's next slot past its Retry-After.
    """

    def __init__(
        self,
        rates: dict[str, Rate] | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rates = dict(SLACK_RATES if rates is None else rates)
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._sleep = sleep

    def wait(self, method: str) -> None:
        rate = self.rates.get(method)
        if rate is None:
            return
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next.get(method, now))
            self._next[method] = slot + rate.seconds / rate.calls
        if slot > now:
            self._sleep(slot - now)

    def back_off(self, method: str, seconds: float) -> None:
        with self._lock:
            self._next[method] = max(self._next.get(method, 0.0), self._monotonic() + seconds)


def retry_after(error: SlackApiError) -> float:
    return float(error.response.headers.get("Retry-After", 1) or 1)


class _Deposed(Exception):
    """This sender no longer leads: it must not post, and gives back what it claimed."""


@dataclass(frozen=True)
class _InDoubt:
    id: int
    key: str
    channel_id: str | None
    claim: str | None
    since: datetime
    next_attempt_at: datetime


class Deliverer:
    def __init__(
        self,
        db: Database,
        client: WebClient,
        clock: Clock,
        pacer: Pacer | None = None,
        *,
        batch: int = 25,
        still_leading: Callable[[], bool] | None = None,
        in_doubt_after: timedelta = IN_DOUBT_AFTER,
    ) -> None:
        self._db = db
        self._client = client
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._batch = batch
        self._still_leading = still_leading
        self._in_doubt_after = in_doubt_after

    def fenced(self, still_leading: Callable[[], bool]) -> Deliverer:
        """This deliverer (same client, pacer and settings) for a sender that may be deposed.

        ``still_leading`` is asked before each pass and before each chat.postMessage; once it
        says no, the sender posts nothing more and hands back the rows it claimed but hadn't
        posted yet.
        """
        return Deliverer(
            self._db,
            self._client,
            self._clock,
            self._pacer,
            batch=self._batch,
            still_leading=still_leading,
            in_doubt_after=self._in_doubt_after,
        )

    def leading(self) -> bool:
        return self._still_leading is None or self._still_leading()

    # -- running ------------------------------------------------------------------------

    def deliver_due(self, limit: int | None = None) -> int:
        """Send what is due, most urgent first (up to ``limit``); returns how many were sent.

        Before each batch a few messages in doubt are settled, so they neither wait for the
        whole queue nor hold it up. A batch is claimed atomically under a fresh token, so two
        senders at once (a deposed leader that hasn't noticed yet, and its successor) never
        take the same row; a message more urgent than the rest of the batch, enqueued
        meanwhile, sends the rest back to the queue and goes first.
        """
        sent = 0
        while limit is None or sent < limit:
            if not self.leading():
                return sent
            self.settle_in_doubt(SETTLE_AT_ONCE)
            token, claimed = self._claim(
                self._batch if limit is None else min(self._batch, limit - sent)
            )
            if not claimed:
                return sent
            for index, (message_id, priority) in enumerate(claimed):
                if index and priority > Priority.REPLY and self._more_urgent_due(priority):
                    self._release(token, [id_ for id_, _ in claimed[index:]])
                    break
                try:
                    if self._send(message_id, token):
                        sent += 1
                except _Deposed:
                    log.warning("no longer leading: stopping delivery here")
                    self._release(token, [id_ for id_, _ in claimed[index:]])
                    return sent
        return sent

    def settle_in_doubt(self, limit: int | None = None) -> int:
        """Settle messages whose fate is unknown: "sent" if Slack has them, else "pending".

        A row stays "sending" after its sender died, lost its lease, or never heard Slack's
        answer. Once no post of it can still be in flight (:data:`IN_DOUBT_AFTER`), it is
        looked up in its conversation's history by the key in its metadata. If the history
        can't be read, the row is looked at again a minute later rather than risk a second
        copy, and after :data:`GIVE_UP_IN_DOUBT_AFTER` it is marked failed, never sent blind.
        Every write here is conditional on the row being just as it was read (same claim,
        still stale), so a sender that re-checked its claim meanwhile keeps the row.
        """
        now = self._clock.now()
        stale = now - self._in_doubt_after
        with self._db.session() as session:
            query = (
                sa.select(
                    OutboxMessage.id,
                    OutboxMessage.key,
                    OutboxMessage.channel_id,
                    OutboxMessage.claim,
                    sa.func.coalesce(OutboxMessage.claimed_at, OutboxMessage.created_at),
                    OutboxMessage.next_attempt_at,
                )
                .where(
                    OutboxMessage.status == OutboxStatus.SENDING,
                    sa.or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at <= stale),
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
            )
            rows = [
                _InDoubt(*row)
                for row in session.execute(query if limit is None else query.limit(limit))
            ]
        settled = 0
        for row in rows:
            found = self._find_in_history(row.channel_id, row.key) if row.channel_id else NOT_FOUND
            if isinstance(found, str):
                done = self._settle(
                    row, stale, status=OutboxStatus.SENT, ts=found, sent_at=self._clock.now()
                )
            elif found is NOT_FOUND:
                done = self._settle(
                    row,
                    stale,
                    status=OutboxStatus.PENDING,
                    claim=None,
                    next_attempt_at=min(row.next_attempt_at, self._clock.now()),
                )
            elif self._clock.now() - row.since >= GIVE_UP_IN_DOUBT_AFTER:
                log.error(
                    "message %d: can't tell whether Slack has it after %s; giving up on it",
                    row.id,
                    GIVE_UP_IN_DOUBT_AFTER,
                )
                done = self._settle(row, stale, status=OutboxStatus.FAILED, error="in doubt")
            else:
                self._settle(row, stale, next_attempt_at=self._clock.now() + SETTLE_RETRY)
                done = False
            settled += done
        if settled:
            log.info("settled %d messages whose delivery was in doubt", settled)
        return settled

    def _settle(self, row: _InDoubt, stale: datetime, **values: Any) -> bool:
        """Write ``values`` if the row is still as read: in doubt, same claim, still stale."""
        with self._db.session() as session:
            result = session.execute(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claim.is_not_distinct_from(row.claim),
                    sa.or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at <= stale),
                )
                .values(**values)
            )
            return _changed(result)

    # -- claiming -----------------------------------------------------------------------

    def _claim(self, count: int) -> tuple[str, list[tuple[int, int]]]:
        """Take up to ``count`` due rows for this sender: (token, [(id, priority), ...]).

        The UPDATE re-checks "pending", so a row another sender claimed between this SELECT
        and that UPDATE stays theirs; only rows carrying this claim's token are returned.
        """
        now = self._clock.now()
        token = secrets.token_hex(16)
        order = (OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
        with self._db.session() as session:
            due = list(
                session.scalars(
                    sa.select(OutboxMessage.id)
                    .where(
                        OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(*order)
                    .limit(count)
                )
            )
            if not due:
                return token, []
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(due), OutboxMessage.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.SENDING, claimed_at=now, claim=token)
            )
            claimed = session.execute(
                sa.select(OutboxMessage.id, OutboxMessage.priority)
                .where(OutboxMessage.id.in_(due), OutboxMessage.claim == token)
                .order_by(*order)
            )
            return token, [(id_, priority) for id_, priority in claimed]

    def _more_urgent_due(self, priority: int) -> bool:
        with self._db.session() as session:
            return (
                session.scalar(
                    sa.select(OutboxMessage.id)
                    .where(
                        OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.priority < priority,
                        OutboxMessage.next_attempt_at <= self._clock.now(),
                    )
                    .limit(1)
                )
                is not None
            )

    def _release(self, token: str, message_ids: list[int]) -> None:
        """Hand back claimed rows this sender has not posted: pending again, for anyone."""
        with self._db.session() as session:
            session.execute(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(message_ids),
                    OutboxMessage.claim == token,
                    OutboxMessage.status == OutboxStatus.SENDING,
                )
                .values(status=OutboxStatus.PENDING, claim=None)
            )

    # -- one message --------------------------------------------------------------------

    def _send(self, message_id: int, token: str) -> bool:
        with self._db.session() as session:
            row = self._mine(session, message_id, token)
            if row is None:
                return False
            team_id, recipients = row.team_id, list(row.recipients)
            channel_id, text, blocks, key = row.channel_id, row.text, row.blocks, row.key
        method = "conversations.open"
        try:
            if channel_id is None:
                channel_id = self._open(team_id, recipients)
                self._update(message_id, token, channel_id=channel_id)
            method = "chat.postMessage"
            self._pacer.wait(method)
            if not self.leading():
                raise _Deposed
            # Re-check the claim and restart the in-doubt clock right before the post, so
            # nobody settles this row while the post may be in flight (see IN_DOUBT_AFTER).
            if not self._update(message_id, token, claimed_at=self._clock.now()):
                log.warning("message %d is no longer this sender's; not posting it", message_id)
                return False
            response = self._client.chat_postMessage(
                channel=channel_id,
                text=text,
                blocks=blocks or None,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
                unfurl_links=False,
            )
        except SlackApiError as error:
            self._failed(message_id, token, team_id, recipients, method, error)
            return False
        except OSError as error:
            log.warning("network error in %s for %s: %s", method, key, type(error).__name__)
            if method == "chat.postMessage":
                # Slack may have the message and only the answer was lost: leave it in doubt,
                # for a later pass to look up, rather than post it again blind.
                self._update(message_id, token, error="unknown outcome")
            else:
                self._retry_later(message_id, token, "network")
            return False
        self._update(
            message_id,
            token,
            status=OutboxStatus.SENT,
            ts=str(response.get("ts") or ""),
            channel_id=str(response.get("channel") or channel_id),
            sent_at=self._clock.now(),
            error=None,
        )
        return True

    def _open(self, team_id: str, recipients: list[str]) -> str:
        """The DM or group DM for these people, opened once and remembered."""
        key = members_key(recipients)
        with self._db.session() as session:
            known = session.get(Conversation, (team_id, key))
            if known is not None:
                return known.channel_id
        self._pacer.wait("conversations.open")
        response = self._client.conversations_open(users=",".join(sorted(set(recipients))))
        channel_id = str(response["channel"]["id"])
        with self._db.session() as session:
            if session.get(Conversation, (team_id, key)) is None:
                session.add(Conversation(team_id=team_id, members=key, channel_id=channel_id))
        return channel_id

    def _failed(
        self,
        message_id: int,
        token: str,
        team_id: str,
        recipients: list[str],
        method: str,
        error: SlackApiError,
    ) -> None:
        code = str(error.response.get("error") or "")
        if method == "chat.postMessage" and error.response.status_code >= 500:
            log.warning(
                "message %d: Slack answered %d; checking before any retry",
                message_id,
                error.response.status_code,
            )
            self._update(message_id, token, error="unknown outcome")
        elif error.response.status_code == 429:
            delay = retry_after(error)
            self._pacer.back_off(method, delay)
            self._retry_later(message_id, token, "ratelimited", delay=delay, count=False)
        elif code in GONE:
            self._drop_unreachable(message_id, token, team_id, recipients, code)
        elif code in BROKEN:
            log.error("message %d can't be sent: %s", message_id, code)
            self._update(message_id, token, status=OutboxStatus.FAILED, error=code)
        else:
            log.warning("message %d failed with %s; will retry", message_id, code)
            self._retry_later(message_id, token, code or "error")

    def _retry_later(
        self,
        message_id: int,
        token: str,
        reason: str,
        *,
        delay: float | None = None,
        count: bool = True,
    ) -> None:
        with self._db.session() as session:
            row = self._mine(session, message_id, token)
            if row is None:
                return
            if count:
                row.attempts += 1
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.error = OutboxStatus.FAILED, reason
                log.error("message %d failed %d times; giving up", message_id, row.attempts)
                return
            backoff = delay if delay is not None else min(3600.0, 2.0**row.attempts * 5)
            row.status, row.claim = OutboxStatus.PENDING, None
            row.error = reason
            row.next_attempt_at = self._clock.now() + timedelta(seconds=backoff)

    def _drop_unreachable(
        self, message_id: int, token: str, team_id: str, recipients: list[str], code: str
    ) -> None:
        """Find who can't be reached, mark them inactive, and send to the others, told why."""
        gone = [user_id for user_id in recipients if self._unreachable(user_id)] or (
            recipients if len(recipients) == 1 else []
        )
        if not gone:
            log.warning("message %d: %s but every recipient looks reachable", message_id, code)
            self._retry_later(message_id, token, code)
            return
        now = self._clock.now()
        with self._db.session() as session:
            row = self._mine(session, message_id, token)
            if row is None:
                return
            session.execute(
                sa.update(Person)
                .where(Person.team_id == team_id, Person.user_id.in_(gone))
                .values(inactive=True, updated_at=now)
            )
            left = [r for r in row.recipients if r not in gone]
            if not left:
                row.status, row.error = OutboxStatus.FAILED, code
                return
            names = ", ".join(f"<@{user_id}>" for user_id in gone)
            note = (
                f"{names} can no longer be reached on Slack (the account was deactivated), "
                "so this conversation goes on without them."
            )
            row.recipients = left
            row.channel_id = None
            row.text = f"{note}\n{row.text}"
            row.blocks = [context_block(note).to_dict(), *row.blocks]
            row.status, row.claim = OutboxStatus.PENDING, None
            row.next_attempt_at = now
        log.info(
            "message %d: %d recipient(s) unreachable, sending to the rest", message_id, len(gone)
        )

    def _unreachable(self, user_id: str) -> bool:
        try:
            self._pacer.wait("users.info")
            user = self._client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.status_code == 429:
                self._pacer.back_off("users.info", retry_after(error))
            return error.response.get("error") in {"user_not_found", "user_not_visible"}
        return bool(user.get("deleted"))

    def _find_in_history(self, channel_id: str, key: str) -> str | object:
        """The ts of our message with this key in its conversation, NOT_FOUND, or UNKNOWN.

        Newest first and without an ``oldest`` bound, so the answer doesn't depend on this
        machine's clock agreeing with Slack's; a message in doubt is among the latest ones.
        """
        cursor: str | None = None
        try:
            for _ in range(HISTORY_PAGES):
                self._pacer.wait("conversations.history")
                page = self._client.conversations_history(
                    channel=channel_id, include_all_metadata=True, limit=200, cursor=cursor
                )
                messages: list[dict[str, Any]] = page.get("messages", [])
                for message in messages:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("key") == key:
                        return str(message.get("ts"))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return NOT_FOUND
        except SlackApiError as error:
            if error.response.status_code == 429:
                self._pacer.back_off("conversations.history", retry_after(error))
            log.warning("can't read history to settle %s yet: %s", key, error.response.get("error"))
            return UNKNOWN
        except OSError as error:
            log.warning("can't read history to settle %s yet: %s", key, type(error).__name__)
            return UNKNOWN
        return NOT_FOUND

    # -- writing only what this sender claimed ------------------------------------------

    @staticmethod
    def _mine(session: Session, message_id: int, token: str) -> OutboxMessage | None:
        """The row, locked, if it is still "sending" under this sender's claim."""
        return session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.claim == token,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .with_for_update()
        ).one_or_none()

    def _update(self, message_id: int, token: str, **values: Any) -> bool:
        """Write ``values`` if the row is still "sending" under this sender's claim."""
        with self._db.session() as session:
            result = session.execute(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.claim == token,
                    OutboxMessage.status == OutboxStatus.SENDING,
                )
                .values(**values)
            )
            return _changed(result)


def _changed(result: sa.Result[Any]) -> bool:
    rowcount: int = getattr(result, "rowcount", 0)
    return rowcount > 0


class DeliveryWorker:
    """Drains the outbox on a thread while this process holds the scheduler lease."""

    def __init__(self, deliverer: Deliverer, *, idle_seconds: float = 1.0) -> None:
        self._stop = threading.Event()
        leading = deliverer.leading
        # Stopping stops the sender mid-batch too: no post starts after stop() is called.
        self._deliverer = deliverer.fenced(lambda: not self._stop.is_set() and leading())
        self._idle = idle_seconds
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sprout-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self._deliverer.deliver_due()
            except Exception as error:  # a database hiccup must not end delivery for good
                log.error("delivery pass failed: %s", type(error).__name__)
                sent = 0
            if not sent:
                self._wake.wait(self._idle)
                self._wake.clear()
