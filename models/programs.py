"""Programs, their owners, and the people who take part in them."""

from __future__ import annotations

import enum
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class ProgramKind(enum.StrEnum):
    MENTORING = "mentoring"
    COFFEE = "coffee"


class Cadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    EVERY_4_WEEKS = "every_4_weeks"

    @property
    def weeks(self) -> int:
        return {"weekly": 1, "biweekly": 2, "every_4_weeks": 4}[self.value]


class Role(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"
    PEER = "peer"

    @property
    def mentors(self) -> bool:
        return self in {Role.MENTOR, Role.BOTH}


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"


def _enum(kind: type[enum.StrEnum]) -> sa.Enum:
    """Store enums as their values in a plain VARCHAR, the same on SQLite and PostgreSQL."""
    return sa.Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (sa.UniqueConstraint("team_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    #: The case-folded name, so "Coffee" and "coffee" cannot both exist in one workspace.
    name_key: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[ProgramKind] = mapped_column(_enum(ProgramKind))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence))
    #: 0 is Monday, as in :meth:`datetime.weekday`.
    weekday: Mapped[int]
    local_time: Mapped[time] = mapped_column(sa.Time)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    channel_id: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    #: Matching and round settings (models.settings.ProgramSettings), defaults where absent.
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    owners: Mapped[list[ProgramOwner]] = relationship(
        back_populates="program", cascade="all, delete-orphan", lazy="selectin"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="program", cascade="all, delete-orphan"
    )

    @property
    def owner_ids(self) -> list[str]:
        return [owner.user_id for owner in self.owners]


class ProgramOwner(Base):
    __tablename__ = "program_owners"

    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32))

    program: Mapped[Program] = relationship(back_populates="owners")


class Membership(Base):
    """One person's place in one program, with the profile they gave for it."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "user_id"),
        sa.ForeignKeyConstraint(
            ["team_id", "user_id"], ["people.team_id", "people.user_id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(sa.String(32))
    role: Mapped[Role] = mapped_column(_enum(Role))
    offers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    wants: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    goals: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int] = mapped_column(default=0)
    status: Mapped[MembershipStatus] = mapped_column(
        _enum(MembershipStatus), default=MembershipStatus.ACTIVE
    )
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Introductions before this don't count towards the unanswered-introductions rule: set
    #: when the rule pauses someone, and again when they choose to stay in.
    ghost_reset_at: Mapped[datetime | None] = mapped_column(default=None)

    program: Mapped[Program] = relationship(back_populates="memberships")
