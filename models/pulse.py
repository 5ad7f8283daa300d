"""Pulse surveys, stored so that an answer cannot be traced to a person.

Anonymity here is a property of the tables, not a flag (see docs/privacy.md):

* :class:`PulseAnswer` holds one answer to one question: a random id, its wave, the role of the
  person in the program (only when that role's invitees and the rest each reach the threshold,
  for cuts shown only above it), and the value. No person id, no pseudonym, no timestamp, and
  no id shared by one person's answers to several questions. When a wave closes its answers
  are rewritten in random order, and the database files are scrubbed of the old rows (the
  files, unlike the rows, keep the order of writes while a wave is open).
* :class:`PulseToken` is who has answered, as a keyed hash of the person under the wave's own
  key: enough to refuse a second answer and to remind only those who haven't answered. The key
  lives on the wave while it is open and is destroyed when it closes, with the tokens.
* :class:`PulseInvitation` is who was asked (for the reminder and the participation rate); it
  never changes when someone answers, so nothing written at answer time names a person. It is
  counted into ``PulseWave.invited`` and deleted when the wave closes.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.programs import _enum


class PulseSchedule(enum.StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class QuestionKind(enum.StrEnum):
    #: 1 to 5 with a label at each end.
    SCALE = "scale"
    #: 0 to 10 "would you recommend", reported as eNPS.
    ENPS = "enps"
    #: One of a few options.
    CHOICE = "choice"
    #: Free text; shown only above its own, higher threshold, shuffled and undated.
    COMMENT = "comment"


class PulseSurvey(Base):
    """A survey an admin set up: its audience, questions, schedule and thresholds."""

    __tablename__ = "pulse_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    #: Only this role of the program (mentor, mentee, peer), or everyone in it.
    role: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    #: [{"kind": QuestionKind, "text": str, "options": [str, ...]}]: for a scale the two end
    #: labels, for a choice its options, for the others nothing.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    schedule: Mapped[PulseSchedule] = mapped_column(_enum(PulseSchedule))
    #: When the first wave opens; later waves follow on the schedule, in the program's zone.
    starts_at: Mapped[datetime]
    window_days: Mapped[int] = mapped_column(default=3)
    reminder: Mapped[bool] = mapped_column(default=True)
    #: Results of a wave (and of each cut) appear only with at least this many answers.
    min_answers: Mapped[int] = mapped_column(default=5)
    #: Comments appear only with at least this many comments.
    min_comments: Mapped[int] = mapped_column(default=10)
    created_by: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    created_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)


class PulseWave(Base):
    """One sending of a survey: open from ``opens_at`` until ``closes_at``."""

    __tablename__ = "pulse_waves"
    __table_args__ = (sa.UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pulse_surveys.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime] = mapped_column(index=True)
    #: The key of this wave's answer tokens; erased when the wave closes, so that afterwards
    #: nobody, Sprout included, can tell whose token is whose.
    token_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary(32), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Counted when the wave closes, before the tokens go.
    invited: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)


class PulseInvitation(Base):
    """Someone asked to answer a wave. Written when the wave opens, never when they answer."""

    __tablename__ = "pulse_invitations"

    wave_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pulse_waves.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: The instant their invitation is due: a working-hours time in their own time zone.
    due_at: Mapped[datetime]


class PulseToken(Base):
    """That someone answered a wave, as HMAC(wave key, user id): no person id, no time."""

    __tablename__ = "pulse_tokens"
    __table_args__ = {"sqlite_with_rowid": False}

    wave_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pulse_waves.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))


class PulseAnswer(Base):
    """One answer to one question, with nothing that leads back to who gave it."""

    __tablename__ = "pulse_answers"
    __table_args__ = {"sqlite_with_rowid": False}

    #: Random (uuid4 hex): ids in arrival order would tell the order people answered in.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pulse_waves.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[str] = mapped_column(sa.String(32))
    question: Mapped[int]
    #: The respondent's role in the program, for cuts shown only when both sides reach k; None
    #: when the wave's invitees of that role, or everyone else, number fewer than k.
    role: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    #: A scale (1-5) or recommend (0-10) answer.
    value: Mapped[int | None] = mapped_column(default=None)
    #: The option chosen, by its position in the question's options.
    choice: Mapped[int | None] = mapped_column(default=None)
    comment: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
