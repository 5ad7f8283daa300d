"""What a mentoring pair builds over its term: agreement, goals, prompts, check-ins, reviews.

Everything hangs off the mentorship and is deleted with it; each row also carries team_id so
``forget-me`` and per-workspace queries never need a join to find what is whose.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.programs import _enum


class GoalStatus(enum.StrEnum):
    """Where a goal stands; a close-out's met / partly / not met end it."""

    OPEN = "open"
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    DROPPED = "dropped"


class Agreement(Base):
    """How a pair agreed to work: proposed by one side in the kick-off modal, accepted by the other.

    The text fields are the pair's own words, shown only to the two of them.
    """

    __tablename__ = "agreements"

    mentorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: How often they mean to meet, in their words ("every two weeks").
    cadence: Mapped[str] = mapped_column(sa.String(100))
    #: Where they meet ("video call", "coffee on the 3rd floor").
    channel: Mapped[str] = mapped_column(sa.String(100))
    confidential: Mapped[bool] = mapped_column(default=True)
    no_fault_exit: Mapped[bool] = mapped_column(default=True)
    proposed_by: Mapped[str] = mapped_column(sa.String(32))
    proposed_at: Mapped[datetime]
    accepted_by: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)


class Goal(Base):
    """One of a pair's 1 to 3 goals: what, how they will know, and by when."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    mentorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentorships.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    what: Mapped[str] = mapped_column(sa.String(300))
    measure: Mapped[str] = mapped_column(sa.String(300))
    due_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[GoalStatus] = mapped_column(_enum(GoalStatus), default=GoalStatus.OPEN)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PromptUse(Base):
    """A prompt a pair has been given, so none repeats for them and rotations go light to deep."""

    __tablename__ = "prompt_uses"

    mentorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True
    )
    prompt_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    used_at: Mapped[datetime]


class MeetingAnswer(enum.StrEnum):
    """A check-in's first question: did you meet since the last one?"""

    MET = "met"
    RESCHEDULED = "rescheduled"
    NOT_MET = "not_met"


class GoalProgressLevel(enum.StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    DONE = "done"


class CheckIn(Base):
    """One scheduled check-in DM to one side of a pair, and that person's answers.

    Answers belong to the person who gave them: the partner is never shown them, and owners
    see only aggregates and what someone chose to share in a help request.
    """

    __tablename__ = "check_ins"
    __table_args__ = (
        sa.UniqueConstraint("mentorship_id", "user_id", "number"),
        # A pair's check-ins with every column the program insights read (bot.insights.metrics):
        # their scans of a program's check-ins go pair by pair through this index and never
        # touch the table. It also serves every lookup by mentorship_id alone.
        sa.Index(
            "ix_check_ins_mentorship_sent",
            "mentorship_id",
            "sent_at",
            "answered_at",
            "usefulness",
            "met",
            "user_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    mentorship_id: Mapped[int] = mapped_column(sa.ForeignKey("mentorships.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: 1 for the first check-in of this person in this pair, and so on.
    number: Mapped[int]
    #: The instant it is due: a working-day morning in the person's own time zone.
    due_at: Mapped[datetime] = mapped_column(index=True)
    prompt_key: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    met: Mapped[MeetingAnswer | None] = mapped_column(_enum(MeetingAnswer), default=None)
    #: 1 (not useful) to 5 (very useful).
    usefulness: Mapped[int | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    help_requested_at: Mapped[datetime | None] = mapped_column(default=None)


class GoalProgress(Base):
    """How one person saw one goal at one check-in."""

    __tablename__ = "goal_progress"

    check_in_id: Mapped[int] = mapped_column(
        sa.ForeignKey("check_ins.id", ondelete="CASCADE"), primary_key=True
    )
    goal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    progress: Mapped[GoalProgressLevel] = mapped_column(_enum(GoalProgressLevel))


class FeedbackSent(Base):
    """That someone sent their partner structured feedback, and when; the words went by DM."""

    __tablename__ = "feedback_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    mentorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentorships.id", ondelete="CASCADE"), index=True
    )
    from_user: Mapped[str] = mapped_column(sa.String(32), index=True)
    sent_at: Mapped[datetime]


class Review(Base):
    """One side's mid-point review: asked at half the term, answered (or not) in a modal.

    ``wants_rematch`` is the private, no-fault "I'd like a different match": only the
    program's owners are told, never the partner.
    """

    __tablename__ = "reviews"

    mentorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    asked_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    keep: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    change: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    wants_rematch: Mapped[bool] = mapped_column(default=False)


class CloseOut(Base):
    """One side's close-out: goal outcomes, a reflection, and whether it may be quoted.

    ``quotable`` defaults to no: a reflection reaches program owners only if its author said so.
    """

    __tablename__ = "close_outs"

    mentorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    asked_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    helped: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    will_apply: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    quotable: Mapped[bool] = mapped_column(default=False)
    thanked_at: Mapped[datetime | None] = mapped_column(default=None)


class GoalOutcome(Base):
    """How one side of the pair judged a goal at close-out: met, partly met or not met."""

    __tablename__ = "goal_outcomes"

    goal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    outcome: Mapped[GoalStatus] = mapped_column(_enum(GoalStatus))
