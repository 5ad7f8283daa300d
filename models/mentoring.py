"""What a mentoring pair builds over its term: an agreement, goals, and the prompts it has seen.

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
