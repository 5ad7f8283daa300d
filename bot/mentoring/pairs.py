"""Finding a person's mentoring pair and reading what it holds, for every step of the loop.

Services hand plain snapshots (:class:`Pair`, :class:`GoalView`) to messages and handlers, so
nothing outside a session touches a lazy ORM attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.checkins.schedule import Cadence, in_window
from bot.errors import NotAllowed, UserFacingError
from bot.slack.delivery import Priority, enqueue
from models import Agreement, CloseOut, Goal, GoalStatus, Mentorship, Person, Program, Review
from models.settings import ProgramSettings

GONE = "That mentorship no longer exists."
ENDED = "That mentorship has ended."
NOT_YOURS = "Only the two people in this mentorship can do that."
#: A row that records one side being asked for something and, later, their answer.
Asked = TypeVar("Asked", Review, CloseOut)
#: The Julian day number of 1970-01-01 00:00 UTC, to turn SQLite's julianday() into seconds.
UNIX_EPOCH_JULIAN_DAY = 2440587.5


@dataclass(frozen=True)
class Pair:
    id: int
    team_id: str
    program_id: int
    program_name: str
    mentor_id: str
    mentee_id: str
    group_id: int | None
    started_at: datetime
    term_ends_at: datetime
    ended_at: datetime | None

    @property
    def members(self) -> list[str]:
        return [self.mentor_id, self.mentee_id]

    def partner_of(self, user_id: str) -> str:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id

    def role_of(self, user_id: str) -> str:
        """The side someone is on, for keys of messages to the other side: such a key names
        a role, not an id, since forget-me finds messages by their recipients and text only.
        """
        return "mentor" if user_id == self.mentor_id else "mentee"

    @property
    def midpoint(self) -> datetime:
        return self.started_at + (self.term_ends_at - self.started_at) / 2


@dataclass(frozen=True)
class GoalView:
    id: int
    position: int
    what: str
    measure: str
    due_on: date | None
    status: GoalStatus


@dataclass(frozen=True)
class AgreementView:
    """An agreement as proposed (``accepted_by`` None) or agreed, with its goals."""

    pair: Pair
    cadence: str
    channel: str
    proposed_by: str
    proposed_at: datetime
    accepted_by: str | None
    accepted_at: datetime | None
    goals: tuple[GoalView, ...]

    @property
    def accepted(self) -> bool:
        return self.accepted_by is not None


def snapshot(mentorship: Mentorship, program: Program) -> Pair:
    return Pair(
        id=mentorship.id,
        team_id=mentorship.team_id,
        program_id=program.id,
        program_name=program.name,
        mentor_id=mentorship.mentor_id,
        mentee_id=mentorship.mentee_id,
        group_id=mentorship.group_id,
        started_at=mentorship.started_at,
        term_ends_at=mentorship.term_ends_at,
        ended_at=mentorship.ended_at,
    )


def load(
    session: Session,
    team_id: str,
    mentorship_id: int,
    user_id: str,
    *,
    active: bool = True,
    lock: bool = False,
) -> tuple[Mentorship, Pair]:
    """The mentorship a button or form names, if ``user_id`` is one of its two people.

    ``lock`` takes a row lock (PostgreSQL) so two sides saving at once queue up.
    """
    query = sa.select(Mentorship).where(Mentorship.id == mentorship_id)
    if lock:
        query = query.with_for_update()
    mentorship = session.scalar(query)
    if mentorship is None or mentorship.team_id != team_id:
        raise UserFacingError(GONE)
    if user_id not in (mentorship.mentor_id, mentorship.mentee_id):
        raise NotAllowed(NOT_YOURS)
    if active and mentorship.ended_at is not None:
        raise UserFacingError(ENDED)
    program = session.get(Program, mentorship.program_id)
    if program is None:
        raise UserFacingError(GONE)
    return mentorship, snapshot(mentorship, program)


def active_pairs(session: Session, team_id: str, user_id: str) -> list[Pair]:
    rows = session.execute(
        sa.select(Mentorship, Program)
        .join(Program, Program.id == Mentorship.program_id)
        .where(
            Mentorship.team_id == team_id,
            Mentorship.ended_at.is_(None),
            sa.or_(Mentorship.mentor_id == user_id, Mentorship.mentee_id == user_id),
        )
        .order_by(Mentorship.started_at, Mentorship.id)
    ).all()
    return [snapshot(m, p) for m, p in rows]


def choose_pair(pairs: Sequence[Pair], user_id: str, partner_id: str | None, usage: str) -> Pair:
    """The one active pair a command means: with ``partner_id``, or the only one there is."""
    if partner_id is not None:
        chosen = [p for p in pairs if p.partner_of(user_id) == partner_id]
        if not chosen:
            raise UserFacingError(
                f"You and <@{partner_id}> aren't in an active mentorship together."
            )
        return chosen[0]
    if not pairs:
        raise UserFacingError(
            "You're not in an active mentorship right now. Once a round pairs you, this "
            "is where you'll find it."
        )
    if len(pairs) > 1:
        partners = ", ".join(f"<@{p.partner_of(user_id)}>" for p in pairs)
        raise UserFacingError(
            f"You're in several mentorships ({partners}); name one: `{usage} @name`."
        )
    return pairs[0]


def goals_of(session: Session, mentorship_id: int, *, live_only: bool = False) -> list[GoalView]:
    """The pair's goals in order; ``live_only`` leaves out the ones they dropped."""
    query = sa.select(Goal).where(Goal.mentorship_id == mentorship_id).order_by(Goal.position)
    goals = [
        GoalView(g.id, g.position, g.what, g.measure, g.due_on, g.status)
        for g in session.scalars(query)
    ]
    return [g for g in goals if g.status is not GoalStatus.DROPPED] if live_only else goals


#: How alike a goal's old and new words must be for an edit to keep it the same goal.
SAME_GOAL_LIKENESS = 0.8


def same_goal(old: str, new: str) -> bool:
    """Whether rewording a goal leaves it the same goal (a typo fixed, a word changed).

    A goal rewritten into another keeps neither its row nor what check-ins said about it:
    "on track" for "learn SQL" says nothing about "give a talk".
    """

    def plain(text: str) -> str:
        return " ".join(text.casefold().split()).strip(" .!?")

    a, b = plain(old), plain(new)
    return a == b or SequenceMatcher(None, a, b).ratio() >= SAME_GOAL_LIKENESS


def zone_of(session: Session, team_id: str, user_id: str) -> ZoneInfo:
    person = session.get(Person, (team_id, user_id))
    try:
        return ZoneInfo(person.timezone if person else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def dates_for(session: Session, pair: Pair, user_id: str, now: datetime) -> tuple[date, date]:
    """Today and the term's last day, both as the person sees the calendar."""
    zone = zone_of(session, pair.team_id, user_id)
    return now.astimezone(zone).date(), pair.term_ends_at.astimezone(zone).date()


def reachable(
    session: Session, team_id: str, user_id: str, now: datetime, *, local_hour: int
) -> bool:
    """Whether a scheduled question may go to this person now: known, active, not paused,
    and it's their working morning, as for a check-in (``local_hour`` on a working day in
    their own zone, for the window check-ins have). Jobs that ask run more often than the
    window lasts, so someone skipped now is asked on a later pass, never at night.
    """
    person = session.get(Person, (team_id, user_id))
    if person is None or person.inactive or person.is_paused(now):
        return False
    return in_window(now, person.timezone, Cadence(local_hour=local_hour))


def local_hour_of(program: Program) -> int:
    """The program's check-in hour, at which every scheduled question of the loop arrives."""
    return ProgramSettings.of(program.settings).checkin_local_hour


def awaiting(
    session: Session,
    model: type[Asked],
    pair: Pair,
    user_id: str,
    *,
    not_asked: str,
    already_sent: str,
) -> Asked:
    """This person's ``model`` row while it waits for their answer; a form never asked for, or
    sent already, is refused with the message given."""
    row = session.get(model, (pair.id, user_id))
    if row is None:
        raise UserFacingError(not_asked)
    if row.submitted_at is not None:
        raise UserFacingError(already_sent)
    return row


def tell_both(
    session: Session,
    pair: Pair,
    message: tuple[str, list[dict[str, Any]]],
    *,
    key: str,
    now: datetime,
) -> None:
    """Post ``message`` to the pair's group DM as the answer to what one side just did: both
    see the same thing, at reply priority, ahead of scheduled DMs."""
    text, blocks = message
    enqueue(
        session,
        team_id=pair.team_id,
        key=key,
        recipients=pair.members,
        text=text,
        blocks=blocks,
        now=now,
        priority=Priority.REPLY,
    )


def ask_each_side(
    session: Session,
    due: Sequence[tuple[Pair, int]],
    model: type[Review] | type[CloseOut],
    ask: Callable[[Pair, str], tuple[str, list[dict[str, Any]]]],
    *,
    key: str,
    now: datetime,
) -> int:
    """Ask each side of the ``due`` pairs (each with its check-in hour) that hasn't been asked
    for a ``model`` yet and is :func:`reachable` now; returns how many were asked.

    The row that records the asking is added in the same transaction as the DM (key
    ``<key>:<pair>:<person>``), so each side is asked once however often the job runs.
    """
    done = {
        (mentorship_id, user_id)
        for mentorship_id, user_id in session.execute(
            sa.select(model.mentorship_id, model.user_id).where(
                model.mentorship_id.in_([p.id for p, _ in due])
            )
        )
    }
    asked = 0
    for pair, local_hour in due:
        for user_id in pair.members:
            if (pair.id, user_id) in done or not reachable(
                session, pair.team_id, user_id, now, local_hour=local_hour
            ):
                continue
            session.add(
                model(
                    mentorship_id=pair.id,
                    user_id=user_id,
                    team_id=pair.team_id,
                    asked_at=now,
                )
            )
            text, blocks = ask(pair, user_id)
            asked += enqueue(
                session,
                team_id=pair.team_id,
                key=f"{key}:{pair.id}:{user_id}",
                recipients=[user_id],
                text=text,
                blocks=blocks,
                now=now,
            )
    return asked


def epoch_seconds(column: sa.ColumnElement[datetime], dialect: str) -> sa.ColumnElement[Any]:
    """A stored (naive UTC) timestamp as seconds since 1970, so SQL can do sums on it."""
    if dialect == "sqlite":
        return (sa.func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * 86400.0
    return sa.func.extract("epoch", column)


def past_midpoint(dialect: str, now: datetime) -> sa.ColumnElement[bool]:
    """Mentorships halfway through their term at ``now``, as a filter SQL can apply.

    A second's slack covers the rounding of either database's arithmetic; callers check
    :attr:`Pair.midpoint` exactly.
    """
    started = epoch_seconds(Mentorship.__table__.c.started_at, dialect)
    ends = epoch_seconds(Mentorship.__table__.c.term_ends_at, dialect)
    return (started + ends) / 2 <= now.timestamp() + 1


def agreement_of(session: Session, pair: Pair) -> AgreementView | None:
    agreement = session.get(Agreement, pair.id)
    if agreement is None:
        return None
    return AgreementView(
        pair=pair,
        cadence=agreement.cadence,
        channel=agreement.channel,
        proposed_by=agreement.proposed_by,
        proposed_at=agreement.proposed_at,
        accepted_by=agreement.accepted_by,
        accepted_at=agreement.accepted_at,
        goals=tuple(goals_of(session, pair.id)),
    )


def sides_asked(model: type[Review] | type[CloseOut]) -> sa.ScalarSelect[int]:
    """How many sides of the outer query's mentorship have a row of ``model`` (0, 1 or 2)."""
    return (
        sa.select(sa.func.count())
        .where(model.mentorship_id == Mentorship.id)
        .correlate(Mentorship)
        .scalar_subquery()
    )
