"""Rounds of a program, the groups they introduce, and the mentoring pairs that outlast them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.programs import _enum


class Answer(enum.StrEnum):
    """What a person said about an introduction."""

    MET = "met"
    SCHEDULED = "scheduled"
    CANT = "cant"


class Round(Base):
    """One period of a program; the unique (program, period) makes a double-fired job harmless."""

    __tablename__ = "rounds"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "period"),
        sa.UniqueConstraint("program_id", "number", name="uq_rounds_program_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    #: The local date the period starts on, e.g. "2026-11-30".
    period: Mapped[str] = mapped_column(sa.String(10))
    #: Counts the program's rounds from 1; coffee cooldowns are measured in these.
    number: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime]
    followed_up_at: Mapped[datetime | None] = mapped_column(default=None)

    groups: Mapped[list[Group]] = relationship(back_populates="round", cascade="all, delete-orphan")
    # Loaded when asked for: a button click touches one group, not the whole round.
    unmatched: Mapped[list[Unmatched]] = relationship(cascade="all, delete-orphan")


class Group(Base):
    """People introduced to each other in one round: a pair, a trio, or a small group."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(default=0)
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    starter_key: Mapped[str] = mapped_column(sa.String(64))

    round: Mapped[Round] = relationship(back_populates="groups")
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def user_ids(self) -> list[str]:
        return [m.user_id for m in self.members]

    @property
    def answered(self) -> bool:
        return any(m.answer is not None for m in self.members)


class GroupMember(Base):
    __tablename__ = "group_members"
    __table_args__ = (
        # A group's answers without reading its rows: the insights' first meetings and "met after
        # the term" look a group up by its id and read only these.
        sa.Index("ix_group_members_answers", "group_id", "answer", "answered_at"),
    )

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, index=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))
    #: mentor, mentee or peer.
    role: Mapped[str] = mapped_column(sa.String(16))
    answer: Mapped[Answer | None] = mapped_column(_enum(Answer), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)

    group: Mapped[Group] = relationship(back_populates="members")


class Unmatched(Base):
    """Someone a round could not place, and why; nobody is left out silently."""

    __tablename__ = "unmatched"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.String(300))


class Mentorship(Base):
    """A mentor and mentee paired by a round; it lasts until its term ends or someone ends it."""

    __tablename__ = "mentorships"
    __table_args__ = (
        # Someone's mentorships as a mentee, oldest first: "was a mentee before" (the insights'
        # mentees who became mentors) is one probe. Also every lookup by mentee_id alone.
        sa.Index("ix_mentorships_mentee_started", "mentee_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    mentor_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    mentee_id: Mapped[str] = mapped_column(sa.String(32))
    #: Indexed: deleting groups (a program, its rounds) sets this to null row by row otherwise.
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), default=None, index=True
    )
    started_at: Mapped[datetime]
    term_ends_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(sa.String(32), default=None)


class RoundSkip(Base):
    """Someone who asked to sit out one period of a program."""

    __tablename__ = "round_skips"

    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))


class DoNotPair(Base):
    """Someone asked never to be paired with someone else; the other never learns of it."""

    __tablename__ = "do_not_pair"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    other_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
