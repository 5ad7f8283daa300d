"""Rows that many tests build by hand: a mentoring program, its people and their memberships,
a pulse survey and one of its waves.

Each factory fills the columns a row needs with the values most tests want, stamped with the
time a test gives it; a test names only what it is about and overrides anything else by
keyword. The rows are not in a session: :func:`added` puts one there and flushes it, so its id
is known, and tests of pure logic use them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bot.pulse.ballots import new_token_key
from models import (
    Cadence,
    Membership,
    Person,
    Program,
    ProgramKind,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
    Role,
)

TEAM = "T1"
Row = TypeVar("Row")


def added(session: Session, row: Row) -> Row:
    """``row``, added to ``session`` and flushed, so its id is known."""
    session.add(row)
    session.flush()
    return row


def program(*, at: datetime, team_id: str = TEAM, **fields: Any) -> Program:
    """A weekly mentoring program, "Mentoring", on Mondays at 10:00 UTC, created ``at``."""
    values: dict[str, Any] = {
        "team_id": team_id,
        "name": "Mentoring",
        "name_key": "mentoring",
        "kind": ProgramKind.MENTORING,
        "cadence": Cadence.WEEKLY,
        "weekday": 0,
        "local_time": time(10),
        "timezone": "UTC",
        "created_at": at,
        "updated_at": at,
    }
    return Program(**(values | fields))


def person(user_id: str, *, at: datetime, team_id: str = TEAM, **fields: Any) -> Person:
    """Someone Sprout knows, named by their user id, first seen ``at``."""
    values: dict[str, Any] = {
        "team_id": team_id,
        "user_id": user_id,
        "name": user_id,
        "created_at": at,
        "updated_at": at,
    }
    return Person(**(values | fields))


def membership(
    program_id: int, user_id: str, role: Role, *, at: datetime, team_id: str = TEAM
) -> Membership:
    """``user_id`` in the program ``program_id`` as ``role``, joined ``at``."""
    return Membership(
        team_id=team_id, program_id=program_id, user_id=user_id, role=role, joined_at=at
    )


def survey(
    program_id: int,
    questions: Sequence[Any],
    *,
    at: datetime,
    schedule: PulseSchedule = PulseSchedule.WEEKLY,
    team_id: str = TEAM,
    **fields: Any,
) -> PulseSurvey:
    """A pulse survey, "Program pulse", of the program ``program_id``, created and starting
    ``at``."""
    values: dict[str, Any] = {
        "team_id": team_id,
        "program_id": program_id,
        "name": "Program pulse",
        "questions": list(questions),
        "schedule": schedule,
        "starts_at": at,
        "created_at": at,
    }
    return PulseSurvey(**(values | fields))


def wave(
    survey_id: int,
    number: int,
    *,
    opens: datetime,
    days: int = 3,
    team_id: str = TEAM,
    **fields: Any,
) -> PulseWave:
    """Wave ``number`` of a survey, open from ``opens`` for ``days`` days, with its token key."""
    values: dict[str, Any] = {
        "team_id": team_id,
        "survey_id": survey_id,
        "number": number,
        "opens_at": opens,
        "closes_at": opens + timedelta(days=days),
        "token_key": new_token_key(),
    }
    return PulseWave(**(values | fields))
