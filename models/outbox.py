"""Every message Sprout sends on its own initiative, recorded before it is sent.

The unique ``key`` says what the message is ("intro:42", "followup:42", ...), so enqueuing it
twice is a no-op; the status walks pending -> sending -> sent (or failed), so a crash between
sending and recording is found and settled on restart instead of sending twice. ``priority``
puts replies to people ahead of a round's bulk introductions (see bot/slack/delivery.py).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.programs import _enum


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    #: What the sender asks for: due rows of a status, most urgent lane first, oldest first.
    __table_args__ = (sa.Index("ix_outbox_due", "status", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    #: Who it goes to: a DM or group DM with these people, opened with conversations.open.
    recipients: Mapped[list[str]] = mapped_column(sa.JSON)
    text: Mapped[str] = mapped_column(sa.Text)
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    #: 0 = a reply to something a person just did, 1 = normal, 2 = bulk (a round's intros).
    priority: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    channel_id: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    ts: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    #: When a sender took it (refreshed just before the post); a "sending" row is checked
    #: against Slack only once this is old enough that no send can still be in flight.
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The token of the claim that made the row "sending", so a sender only ever writes to (or
    #: posts) the rows it claimed, and nobody settles a row under a sender that re-checked it.
    claim: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    error: Mapped[str | None] = mapped_column(sa.String(80), default=None)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Conversation(Base):
    """The DM or group DM Slack opened for a set of people, so it is opened only once.

    conversations.open is Tier 3 (about 50 a minute); remembering its answer keeps notices,
    follow-ups and check-ins from spending that budget again.
    """

    __tablename__ = "conversations"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    #: The member ids, sorted and comma-joined.
    members: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(32))
