"""The one path by which Sprout sends messages on its own: an outbox, paced and crash-safe.

Services *enqueue* a message under an idempotency key inside their own transaction, so a round
and its introductions are stored together or not at all, and enqueuing twice is a no-op. The
:class:`Deliverer` (run by the process holding the scheduler lease) sends what is due:

- it paces each Web API method to its rate tier and honours a 429's Retry-After;
- it marks a row "sending" before the call and "sent" after, and stamps every message with
  its key in Slack's message metadata, so after a crash a "sending" row is looked up in the
  conversation's history and settled, never sent twice and never dropped;
- it treats errors that retrying cannot fix (a deactivated or unknown user) as permanent:
  the person is marked inactive, and the rest of their group still gets the message, told why.
"""

from __future__ import annotations

import logging
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

from bot.clock import Clock
from bot.db import Database
from models import Conversation, OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)

METADATA_EVENT = "sprout_message"
MAX_ATTEMPTS = 8
#: How far back (in pages of 200, newest first) a message in doubt is looked for.
HISTORY_PAGES = 5
#: What a history lookup can say besides a ts.
NOT_FOUND = object()
UNKNOWN = object()

#: Errors that say a person can no longer be reached; retrying will not help.
GONE = frozenset({"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot"})
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
    not_before: datetime | None = None,
) -> bool:
    """Record a message to send, once per ``key``; returns whether it was new.

    Runs in the caller's transaction, so the message exists exactly when the thing it announces
    does. A savepoint keeps a duplicate key from spoiling that transaction.
    """
    if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                OutboxMessage(
                    team_id=team_id,
                    key=key,
                    recipients=sorted(set(recipients)),
                    text=text,
                    blocks=blocks or [],
                    next_attempt_at=not_before or now,
                    created_at=now,
                )
            )
    except sa.exc.IntegrityError:
        return False
    return True


class Outbox:
    """Enqueue from outside a service's own transaction (replies to clicks and DMs)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def send(
        self,
        team_id: str,
        key: str,
        recipients: Sequence[str],
        text: str,
        blocks: list[dict[str, Any]] | None = None,
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


class Deliverer:
    def __init__(
        self,
        db: Database,
        client: WebClient,
        clock: Clock,
        pacer: Pacer | None = None,
        *,
        batch: int = 25,
    ) -> None:
        self._db = db
        self._client = client
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._batch = batch

    # -- running ------------------------------------------------------------------------

    def deliver_due(self, limit: int | None = None) -> int:
        """Send every message that is due (up to ``limit``); returns how many were sent.

        One sender at a time: the process holding the scheduler lease calls this from one
        thread, so at the start of a pass nothing is in flight and anything "sending" is in doubt.
        """
        self.settle_in_doubt()
        sent = 0
        while limit is None or sent < limit:
            claimed = self._claim(self._batch if limit is None else min(self._batch, limit - sent))
            if not claimed:
                return sent
            for message_id in claimed:
                if self._send(message_id):
                    sent += 1
        return sent

    def settle_in_doubt(self) -> int:
        """Settle messages whose fate is unknown: "sent" if Slack has them, else "pending".

        A row is "sending" only while a send is in flight, so between passes every such row
        belongs to a sender that died or to an answer that never came back. Each one is looked
        up in its conversation's history by the key in its metadata; if the history can't be
        read, the row stays in doubt for the next pass rather than risk a second copy.
        """
        with self._db.session() as session:
            rows = list(
                session.scalars(
                    sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
                )
            )
        settled = 0
        for row in rows:
            found = self._find_in_history(row) if row.channel_id else NOT_FOUND
            if found is UNKNOWN:
                continue
            with self._db.session() as session:
                stored = session.get(OutboxMessage, row.id)
                if stored is None or stored.status is not OutboxStatus.SENDING:
                    continue
                if isinstance(found, str):
                    stored.status, stored.ts, stored.sent_at = (
                        OutboxStatus.SENT,
                        found,
                        self._clock.now(),
                    )
                else:
                    stored.status = OutboxStatus.PENDING
                settled += 1
        if settled:
            log.info("settled %d messages whose delivery was in doubt", settled)
        return settled

    # -- one message --------------------------------------------------------------------

    def _claim(self, count: int) -> list[int]:
        now = self._clock.now()
        with self._db.session() as session:
            due = list(
                session.scalars(
                    sa.select(OutboxMessage.id)
                    .where(
                        OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(count)
                )
            )
            if due:
                session.execute(
                    sa.update(OutboxMessage)
                    .where(OutboxMessage.id.in_(due))
                    .values(status=OutboxStatus.SENDING, claimed_at=now)
                )
        return due

    def _send(self, message_id: int) -> bool:
        with self._db.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.status is not OutboxStatus.SENDING:
                return False
            team_id, recipients = row.team_id, list(row.recipients)
            channel_id, text, blocks, key = row.channel_id, row.text, row.blocks, row.key
        method = "conversations.open"
        try:
            if channel_id is None:
                channel_id = self._open(team_id, recipients)
                self._update(message_id, channel_id=channel_id)
            method = "chat.postMessage"
            self._pacer.wait(method)
            response = self._client.chat_postMessage(
                channel=channel_id,
                text=text,
                blocks=blocks or None,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
                unfurl_links=False,
            )
        except SlackApiError as error:
            self._failed(message_id, team_id, recipients, method, error)
            return False
        except OSError as error:
            log.warning("network error in %s for %s: %s", method, key, type(error).__name__)
            if method == "chat.postMessage":
                # Slack may have the message and only the answer was lost: leave it in doubt,
                # for the next pass to look up, rather than post it again blind.
                self._update(message_id, error="unknown outcome")
            else:
                self._retry_later(message_id, "network")
            return False
        self._update(
            message_id,
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
            self._update(message_id, error="unknown outcome")
        elif error.response.status_code == 429:
            retry_after = float(error.response.headers.get("Retry-After", 1) or 1)
            self._pacer.back_off(method, retry_after)
            self._retry_later(message_id, "ratelimited", delay=retry_after, count=False)
        elif code in GONE:
            self._drop_unreachable(message_id, team_id, recipients, code)
        elif code in BROKEN:
            log.error("message %d can't be sent: %s", message_id, code)
            self._update(message_id, status=OutboxStatus.FAILED, error=code)
        else:
            log.warning("message %d failed with %s; will retry", message_id, code)
            self._retry_later(message_id, code or "error")

    def _retry_later(
        self, message_id: int, reason: str, *, delay: float | None = None, count: bool = True
    ) -> None:
        with self._db.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                return
            if count:
                row.attempts += 1
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.error = OutboxStatus.FAILED, reason
                log.error("message %d failed %d times; giving up", message_id, row.attempts)
                return
            backoff = delay if delay is not None else min(3600.0, 2.0**row.attempts * 5)
            row.status = OutboxStatus.PENDING
            row.error = reason
            row.next_attempt_at = self._clock.now() + timedelta(seconds=backoff)

    def _drop_unreachable(
        self, message_id: int, team_id: str, recipients: list[str], code: str
    ) -> None:
        """Find who can't be reached, mark them inactive, and send to the others, told why."""
        gone = [user_id for user_id in recipients if self._unreachable(user_id)] or (
            recipients if len(recipients) == 1 else []
        )
        if not gone:
            log.warning("message %d: %s but every recipient looks reachable", message_id, code)
            self._retry_later(message_id, code)
            return
        now = self._clock.now()
        with self._db.session() as session:
            session.execute(
                sa.update(Person)
                .where(Person.team_id == team_id, Person.user_id.in_(gone))
                .values(inactive=True, updated_at=now)
            )
            row = session.get(OutboxMessage, message_id)
            if row is None:
                return
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
            row.blocks = [
                {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
                *row.blocks,
            ]
            row.status = OutboxStatus.PENDING
            row.next_attempt_at = now
        log.info(
            "message %d: %d recipient(s) unreachable, sending to the rest", message_id, len(gone)
        )

    def _unreachable(self, user_id: str) -> bool:
        try:
            self._pacer.wait("users.info")
            user = self._client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            return error.response.get("error") in {"user_not_found", "user_not_visible"}
        return bool(user.get("deleted"))

    def _find_in_history(self, row: OutboxMessage) -> str | object:
        """The ts of our message with this key in its conversation, NOT_FOUND, or UNKNOWN.

        Newest first and without an ``oldest`` bound, so the answer doesn't depend on this
        machine's clock agreeing with Slack's; a message in doubt is among the latest ones.
        """
        cursor: str | None = None
        try:
            for _ in range(HISTORY_PAGES):
                self._pacer.wait("conversations.history")
                page = self._client.conversations_history(
                    channel=row.channel_id or "",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
                messages: list[dict[str, Any]] = page.get("messages", [])
                for message in messages:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("key") == row.key:
                        return str(message.get("ts"))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return NOT_FOUND
        except SlackApiError as error:
            log.warning(
                "can't read history to settle %s yet: %s", row.key, error.response.get("error")
            )
            return UNKNOWN
        except OSError as error:
            log.warning("can't read history to settle %s yet: %s", row.key, type(error).__name__)
            return UNKNOWN
        return NOT_FOUND

    def _update(self, message_id: int, **values: Any) -> None:
        with self._db.session() as session:
            session.execute(
                sa.update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
            )


class DeliveryWorker:
    """Drains the outbox on a thread while this process holds the scheduler lease."""

    def __init__(self, deliverer: Deliverer, *, idle_seconds: float = 1.0) -> None:
        self._deliverer = deliverer
        self._idle = idle_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sprout-delivery", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Something was enqueued: look now rather than at the next idle tick."""
        self._wake.set()

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
