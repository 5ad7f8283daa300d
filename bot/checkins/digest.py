"""The owners' weekly digest of a mentoring program: what the check-ins say, in aggregate.

Owners learn which pairs have stalled (nobody says they met in four weeks), how many
check-ins get answered, and how useful people find their meetings week by week. They never see
anyone's individual answers: a week's usefulness is shown only when at least
:data:`MIN_ANSWERS` different people rated it, so one person's rating can't be read off the mean.

Nor can it be read off the difference between two digests. Each digest shows the last
:data:`WEEKS` weeks again, so a week's figure must be final the first time it is shown: a
rating counts in the week its check-in was first answered (not the week it was sent, since
answers come late), only weeks that have ended are shown, and a rating can't be given or
changed once the week of its answer is over (see :func:`usefulness_final`).

Weeks are calendar weeks, Monday to Sunday in the program's time zone: a Monday check-in that
reaches Berlin at 10:00 and Chicago seven hours later belongs to one week, not two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.checkins.schedule import WEEKEND, local_instant, zone
from bot.insights.dataset import ProgramMetrics
from bot.insights.metrics import program_metrics
from models import Answer, CheckIn, GroupMember, MeetingAnswer, Mentorship, OutboxMessage, Program

#: A pair that hasn't said it met for this long, and is at least this old, has stalled.
STALLED_AFTER = timedelta(days=28)
#: How many full weeks the response rate and the usefulness trend look back.
WEEKS = 4
#: A week's mean usefulness is shown only when at least this many different people rated it.
MIN_ANSWERS = 3
#: Digests looked up in the outbox per query.
CHUNK = 200


@dataclass(frozen=True)
class DigestWeek:
    """The ISO week a digest is for (``2027-W10``) and its Monday in the program's zone."""

    key: str
    monday: date


@dataclass(frozen=True)
class WeekOfUsefulness:
    #: The week's Monday, in the program's zone; the last is the week just ended.
    monday: date
    #: How many different people rated a meeting in check-ins first answered that week.
    people: int
    #: None when fewer than :data:`MIN_ANSWERS` people rated it.
    mean: float | None


@dataclass(frozen=True)
class Digest:
    program_id: int
    program_name: str
    week: str
    active_pairs: int
    #: (mentor, mentee) of each stalled pair.
    stalled: list[tuple[str, str]]
    sent: int
    answered: int
    usefulness: list[WeekOfUsefulness]
    help_requests: int
    #: The program's insights since it began, for the headline numbers (counts, no answers).
    insights: ProgramMetrics | None = None

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None

    @property
    def worth_sending(self) -> bool:
        """A program with no pairs and no check-ins has nothing to report."""
        return self.active_pairs > 0 or self.sent > 0


def digest_week(program: Program, now: datetime) -> DigestWeek | None:
    """The week whose digest is due for ``program`` at ``now``, if any.

    Due from Monday at the program's local time, in its zone; a digest missed while nothing
    ran still goes out later that working week, never at the weekend.
    """
    where = zone(program.timezone)
    local = now.astimezone(where)
    if local.weekday() in WEEKEND:
        return None
    monday = local.date() - timedelta(days=local.weekday())
    # The wall-clock time on that Monday, read in the zone (DST-safe, as local_instant is).
    opens = datetime.combine(monday, program.local_time.replace(tzinfo=None), tzinfo=where)
    if now < opens:
        return None
    year, week, _ = monday.isocalendar()
    return DigestWeek(f"{year}-W{week:02d}", monday)


def week_end(instant: datetime, timezone: str | None) -> datetime:
    """When the calendar week (Monday to Sunday, in ``timezone``) holding ``instant`` ends."""
    where = zone(timezone)
    local = instant.astimezone(where).date()
    return local_instant(local + timedelta(days=7 - local.weekday()), 0, where)


def usefulness_final(answered_at: datetime | None, program: Program, now: datetime) -> bool:
    """Whether a check-in's usefulness rating can no longer be given or changed.

    It counts in the digest's figure for the week its check-in was first answered; once that
    week is over the figure may have been shown, and a change would let owners read one
    person's rating off the difference.
    """
    return answered_at is not None and now >= week_end(answered_at, program.timezone)


def digest_key(program_id: int, week: str, owner: str) -> str:
    return f"digest:{program_id}:{week}:{owner}"


def already_sent(session: Session, due: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (program id, week) digests were queued, in one query per few hundred.

    The outbox keeps keys far longer than a week, so a queued digest is found there.
    """
    found: set[tuple[int, str]] = set()
    wanted = set(due)
    pairs = sorted(wanted)
    for i in range(0, len(pairs), CHUNK):
        prefixes = [f"digest:{program_id}:{week}:" for program_id, week in pairs[i : i + CHUNK]]
        for key in session.scalars(
            sa.select(OutboxMessage.key).where(
                sa.or_(*(OutboxMessage.key.startswith(prefix) for prefix in prefixes))
            )
        ):
            _, program_id, week, _ = key.split(":", 3)
            if program_id.isdigit() and (int(program_id), week) in wanted:
                found.add((int(program_id), week))
    return found


def compile_digest(session: Session, program: Program, week: DigestWeek, now: datetime) -> Digest:
    """Count what the owners should see, in a few grouped queries.

    Stalling is judged at ``now``; the response rate (by the week check-ins went out) and
    usefulness (by the week they were first answered) cover the :data:`WEEKS` full weeks
    before ``week``, of which only those over at ``now`` show a usefulness figure.
    """
    where = zone(program.timezone)
    mondays = [week.monday - timedelta(weeks=WEEKS - i) for i in range(WEEKS + 1)]
    bounds = [local_instant(monday, 0, where) for monday in mondays]
    since, until = bounds[0], bounds[-1]

    pairs = list(
        session.execute(
            sa.select(
                Mentorship.id, Mentorship.mentor_id, Mentorship.mentee_id, Mentorship.started_at
            )
            .where(Mentorship.program_id == program.id, Mentorship.ended_at.is_(None))
            .order_by(Mentorship.started_at, Mentorship.id)
        )
    )
    stalled_since = now - STALLED_AFTER
    met = _met_since(session, program.id, stalled_since)
    stalled = [
        (p.mentor_id, p.mentee_id)
        for p in pairs
        if p.started_at <= stalled_since and p.id not in met
    ]

    in_program = CheckIn.mentorship_id.in_(
        sa.select(Mentorship.id).where(Mentorship.program_id == program.id)
    )
    in_weeks = sa.and_(CheckIn.sent_at >= since, CheckIn.sent_at < until)
    sent, answered = session.execute(
        sa.select(sa.func.count(CheckIn.id), sa.func.count(CheckIn.answered_at)).where(
            in_program, in_weeks
        )
    ).one()
    help_requests = session.scalar(
        sa.select(sa.func.count(CheckIn.id)).where(
            in_program, CheckIn.help_requested_at >= now - timedelta(weeks=1)
        )
    )
    ratings: list[list[int]] = [[] for _ in range(WEEKS)]
    raters: list[set[str]] = [set() for _ in range(WEEKS)]
    for answered_at, user_id, rating in session.execute(
        sa.select(CheckIn.answered_at, CheckIn.user_id, CheckIn.usefulness).where(
            in_program,
            CheckIn.answered_at >= since,
            CheckIn.answered_at < until,
            CheckIn.usefulness.is_not(None),
        )
    ):
        if answered_at is None or rating is None:
            continue
        index = next(i for i in range(WEEKS) if answered_at < bounds[i + 1])
        ratings[index].append(int(rating))
        raters[index].add(user_id)
    usefulness = [
        WeekOfUsefulness(
            mondays[i],
            len(raters[i]),
            round(sum(values) / len(values), 1) if len(raters[i]) >= MIN_ANSWERS else None,
        )
        for i, values in enumerate(ratings)
        if bounds[i + 1] <= now  # a week still running may yet change: never shown
    ]
    return Digest(
        program_id=program.id,
        program_name=program.name,
        week=week.key,
        active_pairs=len(pairs),
        stalled=stalled,
        sent=int(sent or 0),
        answered=int(answered or 0),
        usefulness=usefulness,
        help_requests=int(help_requests or 0),
        insights=program_metrics(session, program.team_id, program.id, since=None, now=now),
    )


def _met_since(session: Session, program_id: int, since: datetime) -> set[int]:
    """Active pairs of the program in which someone said they met since ``since``.

    Either side's check-in answer counts, and so does "We've met" on the round's introduction.
    """
    by_check_in = sa.select(CheckIn.mentorship_id).where(
        CheckIn.met == MeetingAnswer.MET,
        sa.or_(CheckIn.sent_at >= since, CheckIn.answered_at >= since),
    )
    by_intro = (
        sa.select(Mentorship.id)
        .join(GroupMember, GroupMember.group_id == Mentorship.group_id)
        .where(GroupMember.answer == Answer.MET, GroupMember.answered_at >= since)
    )
    return set(
        session.scalars(
            sa.select(Mentorship.id).where(
                Mentorship.program_id == program_id,
                Mentorship.ended_at.is_(None),
                sa.or_(Mentorship.id.in_(by_check_in), Mentorship.id.in_(by_intro)),
            )
        )
    )
