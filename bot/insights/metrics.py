"""Program insights, computed in SQL: a fixed handful of aggregate queries per program.

Nothing here loops over rows in Python: each query groups in the database and returns at most
one row per round or per month, so the cost follows the database's scans, not the number of
check-ins (see bench/report.py). The queries are SQLAlchemy Core and run on SQLite and
PostgreSQL; what the two spell differently is in bot/insights/sql.py, and where one database
has a much faster shape for the same numbers (medians by percentile_cont, which SQLite lacks;
usefulness by hashing) the query says so.

The window
----------
Every metric covers the events from ``since`` (None: the beginning) up to ``now``, each event at
its own time:

* a round by its ``starts_at`` (rounds that have not started by ``now`` are left out);
* a check-in by its ``sent_at``;
* a mentorship by the instant the metric is about: ``started_at`` for "started",
  ``ended_at`` for closures, ``term_ends_at`` for "still meeting after the term";
* a goal by its ``created_at``; a close-out by its ``submitted_at``;
* a pulse wave by its ``opens_at``.

Participants are a snapshot at ``now``, whatever ``since`` is. History the metrics look back on
(an earlier round for repeats, an earlier mentorship for "became a mentor") is read from before
``since`` too.

The definitions
---------------
Per round (:class:`RoundMetrics`):

* groups: introductions the round made. matched: distinct people in them.
* eligible: the people the round could have placed, approximated from memberships, since
  pauses have no history: memberships of the program that had joined by the round's start and
  had not left by then (``joined_at <= starts_at`` and ``left_at`` NULL or after it), plus
  anyone the round grouped or recorded as unmatched who is not among them (someone who left
  and re-joined has a newer ``joined_at``). coverage = matched / eligible.
* met rate = groups in which at least one member answered "met" / groups.
* time to first meeting: for each group with a "met" answer, the hours from the round's
  ``starts_at`` to the earliest "met" ``answered_at`` in the group (0 if earlier); the round's
  value is the median of those (the mean of the two middle values for an even count).
* repeat rate = groups containing a pair of people who had been in one group together in an
  earlier round (lower number) of the same program / groups.
* retention = people in this round's groups who are also in round number + 1's groups / matched;
  None while round number + 1 has not started.

Per program (:class:`ProgramMetrics`); pooled figures add up the counts, not the rates:

* participants: memberships now: left (status left); deactivated (active, Slack account gone);
  paused (active, the person paused at ``now``: ``paused`` and ``paused_until`` NULL or later);
  active (the rest).
* met rate, coverage, repeat rate, retention: the rounds' counts summed; the met-rate trend is
  the per-round series. Time to first meeting: the median over all groups of the window.
* ghost rate = memberships whose ``ghost_reset_at`` (set when the three-unanswered-introductions
  rule paused them, and again if they chose to stay in) falls in the window / memberships whose
  person was introduced in a round of the window.
* check-in response rate = check-ins answered (``answered_at`` set) / check-ins sent (``sent_at``
  set), of the program's mentorships.
* usefulness trend: per UTC month of ``answered_at``, the mean usefulness (1-5) over the rated
  check-ins sent in the window; a month appears only when at least 3 distinct people rated in
  it (MIN_RATERS), and says how many ratings and raters stand behind it.
* goals: the goals of the program's pairs set in the window, counted by their status now.
* early-closure rate = mentorships ended in the window with an ``end_reason`` other than
  ``"term"`` and ``ended_at`` before ``term_ends_at`` / mentorships ended in the window.
* mentees who became mentors: distinct people who were a mentee and later a mentor, by any of
  (a) they are the mentor of a mentorship of this program started in the window, and were the
  mentee of a mentorship anywhere in the workspace that started before it; (b) they hold the
  role "mentor" in this program, joined it in the window, and had been the mentee of a workspace
  mentorship started before they joined; (c) they hold the role "mentor" in this program and
  were the mentee of a mentorship of this same program started in the window (a mentor-only role
  after being a mentee here is a role change). Roles keep no history, so the moment of a change
  is not known; a "both" role counts only through (a), as it may have been "both" all along.
* still meeting after the term = pairs whose term is over and who recorded a meeting after it /
  pairs whose term ended in the window and that were not closed before it (``ended_at`` NULL or
  not before ``term_ends_at``). Sprout stops asking when a term ends, so the evidence is what was
  answered after ``term_ends_at`` (and by ``now``): a check-in of the pair answered "met" (it may
  have been sent before ``since``), or a "met" answer in the pair's own introduction group. A
  pair introduced again in a later round starts a new mentorship and is counted there, not here.
* reflections shared = close-outs submitted in the window whose author agreed to be quoted and
  wrote something (``helped`` or ``will_apply`` not blank) / close-outs submitted in the window.
* pulse: each of the program's surveys through :func:`bot.pulse.results.load`, which applies the
  survey's thresholds; only waves opened in the window are kept, nothing is recomputed here.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from bot.errors import ProgramNotFound
from bot.insights.dataset import (
    GoalCounts,
    MonthlyUsefulness,
    Participants,
    ProgramMetrics,
    Ratio,
    Reflection,
    RoundMetrics,
)
from bot.insights.sql import bytewise, greatest, hours_between, month_of, month_start
from bot.pulse.results import SurveyResults, load
from models import (
    Answer,
    CheckIn,
    CloseOut,
    Goal,
    GoalStatus,
    Group,
    GroupMember,
    MeetingAnswer,
    Membership,
    MembershipStatus,
    Mentorship,
    Person,
    Program,
    PulseSurvey,
    Role,
    Round,
    Unmatched,
)

#: The end_reason of a mentorship that ran its full term (bot.pairing.rounds.end_finished_terms).
END_BY_TERM = "term"
#: A month of usefulness shows only with at least this many distinct raters.
MIN_RATERS = 3


@dataclasses.dataclass(frozen=True)
class Window:
    """From ``since`` (inclusive; None: the beginning) up to ``now`` (inclusive)."""

    since: datetime | None
    now: datetime

    def holds(self, column: Any) -> ColumnElement[bool]:
        if self.since is None:
            return sa.and_(column.is_not(None), column <= self.now)
        return sa.and_(column >= self.since, column <= self.now)


def program_metrics(
    session: Session,
    team_id: str,
    program_id: int,
    *,
    since: datetime | None,
    now: datetime,
    pulse_comments: bool = False,
) -> ProgramMetrics:
    """The insights of one program of ``team_id`` over ``since``..``now``.

    Raises ProgramNotFound when the program is not this workspace's. ``pulse_comments`` reads
    the newest pulse wave's comments (above their threshold) as well; the Home tab doesn't.
    """
    program = session.scalar(
        sa.select(Program).where(Program.id == program_id, Program.team_id == team_id)
    )
    if program is None:
        raise ProgramNotFound("That program doesn't exist in this workspace.")
    if session.get_bind().dialect.name == "postgresql":
        # The sorts of a big program (check-ins by month, people by round) spill to disk at the
        # default 4 MB. And a big program's estimates sit near jit_above_cost: compiling a
        # query costs tens of milliseconds, more than it saves on these sub-second aggregates.
        # SET LOCAL lasts until the end of the caller's transaction.
        session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
        session.execute(sa.text("SET LOCAL jit = off"))
    window = Window(since, now)
    rounds = _rounds(session, program_id, window)
    mentorships = _mentorships(session, program_id, window)
    check_ins = _check_in_counts(session, program_id, window)
    still_meeting = check_ins.met_after_term + _met_after_term_in_group_only(
        session, program_id, window
    )
    return ProgramMetrics(
        team_id=team_id,
        program_id=program_id,
        program_name=program.name,
        kind=program.kind,
        since=since,
        now=now,
        participants=_participants(session, program_id, now),
        rounds=rounds.rounds,
        hours_to_first_meeting=rounds.median_hours,
        ghost_rate=rounds.ghost_rate,
        check_in_response=check_ins.response,
        usefulness_trend=_usefulness(session, program_id, window),
        goals=_goals(session, program_id, window),
        mentorships_started=mentorships.started,
        early_closure=mentorships.early_closure,
        mentees_became_mentors=_became_mentors(session, team_id, program_id, window),
        still_meeting_after_term=Ratio(still_meeting, mentorships.term_over),
        reflections_shared=_reflections_shared(session, program_id, window),
        pulse=_pulse(session, team_id, program_id, window, comments=pulse_comments),
    )


def quotable_reflections(
    session: Session, team_id: str, program_id: int, since: datetime | None
) -> list[Reflection]:
    """The reflections of the program's close-outs whose authors agreed to be quoted.

    Only the words: no names, no dates, no pair, and in a fresh random order on every call, so
    the order cannot be matched against who closed out when. Blank reflections are left out.
    """
    query = (
        sa.select(CloseOut.helped, CloseOut.will_apply)
        .join(Mentorship, Mentorship.id == CloseOut.mentorship_id)
        .where(
            Mentorship.program_id == program_id,
            Mentorship.team_id == team_id,
            CloseOut.team_id == team_id,
            CloseOut.submitted_at.is_not(None),
            _shared(),
        )
    )
    if since is not None:
        query = query.where(CloseOut.submitted_at >= since)
    found = [
        Reflection(_text(helped), _text(will_apply))
        for helped, will_apply in session.execute(query)
    ]
    random.SystemRandom().shuffle(found)
    return found


# -- rounds -----------------------------------------------------------------------------------


def _eligible_at(starts_at: Any) -> ColumnElement[bool]:
    """A membership that had joined by ``starts_at`` and not left by then."""
    return sa.and_(
        Membership.joined_at <= starts_at,
        sa.or_(Membership.left_at.is_(None), Membership.left_at > starts_at),
    )


@dataclasses.dataclass(frozen=True)
class _Rounds:
    rounds: tuple[RoundMetrics, ...]
    median_hours: float | None
    ghost_rate: Ratio


def _rounds(session: Session, program_id: int, window: Window) -> _Rounds:
    """The rounds of the window, the median hours to a first meeting over all their groups,
    and the ghost rate (it is about the people the rounds introduced)."""
    in_window = sa.and_(Round.program_id == program_id, window.holds(Round.starts_at))
    listed = session.execute(
        sa.select(Round.id, Round.number, Round.starts_at).where(in_window).order_by(Round.number)
    ).all()
    if not listed:
        return _Rounds((), None, Ratio(0, 0))
    numbers = {number for _, number, _ in listed}
    groups = _count_by(
        session,
        sa.select(Group.round_id, sa.func.count())
        .join(Round, Round.id == Group.round_id)
        .where(in_window)
        .group_by(Group.round_id),
    )
    met, median_hours = _first_meetings(session, in_window)
    people = _people_per_round(session, program_id, window, in_window)
    eligible = _eligible_per_round(session, program_id, in_window)
    repeats = _repeats(session, program_id, window)
    rounds = []
    for round_id, number, starts_at in listed:
        met_groups, median = met.get(round_id, (0, None))
        counts = people.get(number, _PeopleCounts(0, 0, 0, Ratio(0, 0)))
        rounds.append(
            RoundMetrics(
                round_id=round_id,
                number=number,
                starts_at=starts_at,
                groups=groups.get(round_id, 0),
                matched=counts.matched,
                eligible=eligible.get(round_id, 0) + counts.not_approximated,
                met_groups=met_groups,
                repeat_groups=repeats.get(round_id, 0),
                hours_to_first_meeting=median,
                retained_next=counts.retained if number + 1 in numbers else None,
            )
        )
    ghosts = sum((c.ghosts for c in people.values()), Ratio(0, 0))
    return _Rounds(tuple(rounds), median_hours, ghosts)


def _first_meetings(
    session: Session, in_window: ColumnElement[bool]
) -> tuple[dict[int, tuple[int, float | None]], float | None]:
    """Per round: groups where someone said "met" and the median hours to the first "met";
    and that median over all those groups together.

    Only the "met" answers are read, one row per group that met. PostgreSQL takes the medians
    with percentile_cont(0.5) (the mean of the two middle values for an even count), per round
    and over all in one GROUPING SETS pass; SQLite, which has no percentile_cont, averages the
    middle row(s) of ROW_NUMBER() windows.
    """
    # A "met" before the round's start counts as 0 hours.
    hours = greatest(hours_between(Round.starts_at, sa.func.min(GroupMember.answered_at)), 0.0)
    per_group = (
        sa.select(Group.round_id.label("round_id"), hours.label("hours"))
        .join(Round, Round.id == Group.round_id)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(in_window, GroupMember.answer == Answer.MET, GroupMember.answered_at.is_not(None))
        .group_by(Group.round_id, Group.id, Round.starts_at)
        .subquery("per_group")
    )
    if session.get_bind().dialect.name == "postgresql":
        return _medians_by_percentile(session, per_group)
    return _medians_by_row_number(session, per_group)


def _medians_by_percentile(
    session: Session, per_group: sa.Subquery
) -> tuple[dict[int, tuple[int, float | None]], float | None]:
    hours, round_id = per_group.c.hours, per_group.c.round_id
    found: dict[int, tuple[int, float | None]] = {}
    overall: float | None = None
    for round_key, overall_row, met_groups, median in session.execute(
        sa.select(
            round_id,
            sa.func.grouping(round_id),
            sa.func.count(),
            sa.func.percentile_cont(0.5).within_group(hours),
        ).group_by(sa.func.grouping_sets(sa.tuple_(round_id), sa.tuple_()))
    ):
        if overall_row:
            overall = _float(median)
        else:
            found[int(round_key)] = (int(met_groups), _float(median))
    return found, overall


def _medians_by_row_number(
    session: Session, per_group: sa.Subquery
) -> tuple[dict[int, tuple[int, float | None]], float | None]:
    hours, round_id = per_group.c.hours, per_group.c.round_id
    whole = (None, None)  # the frame of the whole partition, so count() shares rn's sort
    ranked = sa.select(
        round_id,
        hours,
        sa.func.row_number().over(partition_by=round_id, order_by=hours).label("rn"),
        sa.func.count().over(partition_by=round_id, order_by=hours, rows=whole).label("n"),
        sa.func.row_number().over(order_by=hours).label("rn_all"),
        sa.func.count().over(order_by=hours, rows=whole).label("n_all"),
    ).subquery("ranked")

    def middle(rn: Any, n: Any) -> ColumnElement[bool]:
        return sa.or_(rn == (n + 1) // 2, rn == (n + 2) // 2)

    in_round_middle = middle(ranked.c.rn, ranked.c.n)
    in_overall_middle = middle(ranked.c.rn_all, ranked.c.n_all)
    found: dict[int, tuple[int, float | None]] = {}
    overall_sum, overall_n = 0.0, 0
    # Only the middle rows go on to the GROUP BY (every round that met has one), so it sorts a
    # hundred rows rather than every group again; n is each round's count.
    for round_key, met_groups, median, middle_sum, middle_n in session.execute(
        sa.select(
            ranked.c.round_id,
            sa.func.max(ranked.c.n),
            sa.func.avg(sa.case((in_round_middle, ranked.c.hours))),
            sa.func.sum(sa.case((in_overall_middle, ranked.c.hours))),
            sa.func.count(sa.case((in_overall_middle, 1))),
        )
        .where(sa.or_(in_round_middle, in_overall_middle))
        .group_by(ranked.c.round_id)
    ):
        found[int(round_key)] = (int(met_groups), _float(median))
        overall_sum += float(middle_sum or 0.0)
        overall_n += int(middle_n)
    return found, (overall_sum / overall_n if overall_n else None)


@dataclasses.dataclass(frozen=True)
class _PeopleCounts:
    matched: int
    retained: int
    not_approximated: int
    #: Of the memberships whose person was last introduced (in the window) in this round: those
    #: the unanswered-introductions rule paused in the window. Only the sum over rounds is a
    #: figure (each person is counted once, in one round).
    ghosts: Ratio


def _people_per_round(
    session: Session, program_id: int, window: Window, in_window: ColumnElement[bool]
) -> dict[int, _PeopleCounts]:
    """Per round number: people grouped, of them those grouped in the next round too, those
    the membership approximation misses, and the ghost rate's counts.

    One window over each person's group memberships in round order: LEAD gives the round of
    their next group, so the last row of each (person, round) run counts the person once (a
    mentor in two groups of a round has two rows) and says whether they came back next round;
    the row without a next round is the person's last in the window, where their membership
    is counted once for the ghost rate. The partition only brings a person's rows together,
    so it compares ids byte by byte (:class:`bytewise`).
    """
    grouped = (
        sa.select(
            Round.number.label("number"),
            Round.starts_at.label("starts_at"),
            GroupMember.user_id.label("user_id"),
            sa.func.lead(Round.number)
            .over(partition_by=bytewise(GroupMember.user_id), order_by=Round.number)
            .label("next"),
        )
        .join(Group, Group.round_id == Round.id)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(in_window)
        .subquery("grouped")
    )
    last_of_round = sa.or_(grouped.c.next.is_(None), grouped.c.next != grouped.c.number)
    missed = sa.case((Membership.id.is_(None), 1), (~_eligible_at(grouped.c.starts_at), 1))
    introduced = sa.and_(grouped.c.next.is_(None), Membership.id.is_not(None))
    ghosted = sa.and_(introduced, window.holds(Membership.ghost_reset_at))
    return {
        int(number): _PeopleCounts(
            int(matched), int(retained), int(extra), Ratio(int(ghosts), int(introductions))
        )
        for number, matched, retained, extra, introductions, ghosts in session.execute(
            sa.select(
                grouped.c.number,
                sa.func.count(),
                sa.func.count(sa.case((grouped.c.next == grouped.c.number + 1, 1))),
                sa.func.count(missed),
                sa.func.count(sa.case((introduced, 1))),
                sa.func.count(sa.case((ghosted, 1))),
            )
            .select_from(grouped)
            .outerjoin(
                Membership,
                sa.and_(
                    Membership.program_id == program_id, Membership.user_id == grouped.c.user_id
                ),
            )
            .where(last_of_round)
            .group_by(grouped.c.number)
        )
    }


def _eligible_per_round(
    session: Session, program_id: int, in_window: ColumnElement[bool]
) -> dict[int, int]:
    """Per round: the memberships that approximate the eligible, plus the people the round
    recorded as unmatched who are not among them (a round records as unmatched only people it
    did not group, bot.pairing.rounds)."""
    approximated = _count_by(
        session,
        sa.select(Round.id, sa.func.count(Membership.id))
        .select_from(Round)
        .outerjoin(
            Membership,
            sa.and_(Membership.program_id == Round.program_id, _eligible_at(Round.starts_at)),
        )
        .where(in_window)
        .group_by(Round.id),
    )
    unmatched = _count_by(
        session,
        sa.select(Unmatched.round_id, sa.func.count(sa.distinct(Unmatched.user_id)))
        .join(Round, Round.id == Unmatched.round_id)
        .outerjoin(
            Membership,
            sa.and_(Membership.program_id == program_id, Membership.user_id == Unmatched.user_id),
        )
        .where(
            in_window,
            sa.or_(Membership.id.is_(None), ~_eligible_at(Round.starts_at)),
        )
        .group_by(Unmatched.round_id),
    )
    return {r: approximated.get(r, 0) + unmatched.get(r, 0) for r in approximated | unmatched}


def _repeats(session: Session, program_id: int, window: Window) -> dict[int, int]:
    """Per round: groups holding a pair an earlier round of the program had put together.

    Every pair of every round up to ``now`` is read (before ``since`` too), and a window MIN
    over each pair's rounds finds its first round; only the later ones are counted. A pair is
    its two ids in byte order (:class:`bytewise`): any fixed order names each pair once.
    """
    first, second = aliased(GroupMember), aliased(GroupMember)
    columns: list[Any] = [
        Round.id.label("round_id"),
        Round.number.label("number"),
        Group.id.label("group_id"),
        sa.func.min(Round.number)
        .over(partition_by=[bytewise(first.user_id), bytewise(second.user_id)])
        .label("earliest"),
    ]
    if window.since is not None:  # else a column every pair would carry through the sort
        columns.append(Round.starts_at.label("starts_at"))
    pairs = (
        sa.select(*columns)
        .select_from(Round)
        .join(Group, Group.round_id == Round.id)
        .join(first, first.group_id == Group.id)
        .join(
            second,
            sa.and_(
                second.group_id == Group.id, bytewise(second.user_id) > bytewise(first.user_id)
            ),
        )
        .where(Round.program_id == program_id, Round.starts_at <= window.now)
        .subquery("pairs")
    )
    query = (
        sa.select(pairs.c.round_id, sa.func.count(sa.distinct(pairs.c.group_id)))
        .where(pairs.c.number > pairs.c.earliest)
        .group_by(pairs.c.round_id)
    )
    if window.since is not None:
        query = query.where(pairs.c.starts_at >= window.since)
    return _count_by(session, query)


def _count_by(session: Session, query: sa.Select[Any, Any]) -> dict[int, int]:
    """A (key, count) query as a dict."""
    return {int(key): int(n or 0) for key, n in session.execute(query)}


# -- people -----------------------------------------------------------------------------------


def _participants(session: Session, program_id: int, now: datetime) -> Participants:
    paused_now = sa.and_(
        Person.paused.is_(True), sa.or_(Person.paused_until.is_(None), Person.paused_until > now)
    )
    left = Membership.status == MembershipStatus.LEFT
    kind = sa.case(
        (left, "left"),
        (Person.inactive.is_(True), "deactivated"),
        (paused_now, "paused"),
        else_="active",
    ).label("kind")
    counts: dict[str, int] = {
        str(k): int(n)
        for k, n in session.execute(
            sa.select(kind, sa.func.count())
            .select_from(Membership)
            .join(
                Person,
                sa.and_(Person.team_id == Membership.team_id, Person.user_id == Membership.user_id),
            )
            .where(Membership.program_id == program_id)
            .group_by(kind)
        )
    }
    return Participants(
        active=counts.get("active", 0),
        paused=counts.get("paused", 0),
        deactivated=counts.get("deactivated", 0),
        left=counts.get("left", 0),
    )


def _became_mentors(session: Session, team_id: str, program_id: int, window: Window) -> int:
    later, earlier = aliased(Mentorship), aliased(Mentorship)
    mentored_after = sa.select(later.mentor_id.label("user_id")).where(
        later.program_id == program_id,
        window.holds(later.started_at),
        sa.select(earlier.id)
        .where(
            earlier.team_id == team_id,
            earlier.mentee_id == later.mentor_id,
            earlier.started_at < later.started_at,
        )
        .exists(),
    )
    mentor_now = sa.and_(Membership.program_id == program_id, Membership.role == Role.MENTOR)
    joined_as_mentor = sa.select(Membership.user_id.label("user_id")).where(
        mentor_now,
        window.holds(Membership.joined_at),
        sa.select(earlier.id)
        .where(
            earlier.team_id == team_id,
            earlier.mentee_id == Membership.user_id,
            earlier.started_at < Membership.joined_at,
        )
        .exists(),
    )
    switched_here = sa.select(Membership.user_id.label("user_id")).where(
        mentor_now,
        sa.select(earlier.id)
        .where(
            earlier.program_id == program_id,
            earlier.mentee_id == Membership.user_id,
            window.holds(earlier.started_at),
        )
        .exists(),
    )
    people = sa.union(mentored_after, joined_as_mentor, switched_here).subquery("people")
    return int(session.scalar(sa.select(sa.func.count()).select_from(people)) or 0)


# -- mentorships ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _MentorshipCounts:
    started: int
    early_closure: Ratio
    term_over: int


def _mentorships(session: Session, program_id: int, window: Window) -> _MentorshipCounts:
    ended = window.holds(Mentorship.ended_at)
    early = sa.and_(
        ended,
        sa.or_(Mentorship.end_reason.is_(None), Mentorship.end_reason != END_BY_TERM),
        Mentorship.ended_at < Mentorship.term_ends_at,
    )
    row = session.execute(
        sa.select(
            sa.func.count(sa.case((window.holds(Mentorship.started_at), 1))),
            sa.func.count(sa.case((ended, 1))),
            sa.func.count(sa.case((early, 1))),
            sa.func.count(sa.case((_term_over(window), 1))),
        ).where(Mentorship.program_id == program_id)
    ).one()
    started, ended_n, early_n, term_over = (int(v or 0) for v in row)
    return _MentorshipCounts(started, Ratio(early_n, ended_n), term_over)


def _term_over(window: Window) -> ColumnElement[bool]:
    """A mentorship whose full term ended in the window (not closed before it)."""
    return sa.and_(
        window.holds(Mentorship.term_ends_at),
        sa.or_(Mentorship.ended_at.is_(None), Mentorship.ended_at >= Mentorship.term_ends_at),
    )


def _met_after_term(window: Window) -> ColumnElement[bool]:
    """A check-in (joined to its mentorship) that shows the pair met after its full term.

    The cheap, mostly false test comes first: it is evaluated for every check-in.
    """
    return sa.and_(
        CheckIn.answered_at > Mentorship.term_ends_at,
        CheckIn.met == MeetingAnswer.MET,
        CheckIn.answered_at <= window.now,
        _term_over(window),
    )


@dataclasses.dataclass(frozen=True)
class _CheckInCounts:
    response: Ratio
    #: Pairs whose full term is over with a check-in answered "met" after it.
    met_after_term: int


def _check_in_counts(session: Session, program_id: int, window: Window) -> _CheckInCounts:
    """One pass over the program's check-ins sent by ``now``, without grouping: the response
    rate, and the pairs that a check-in shows still meeting after their term (such a check-in
    may have been sent before ``since``, so the window's start is applied per column)."""
    # FILTER, not COUNT(DISTINCT CASE ...): the rows it leaves out never reach the DISTINCT,
    # which on SQLite costs as much for a NULL as for a value.
    pairs_met_after = sa.func.count(sa.distinct(CheckIn.mentorship_id)).filter(
        _met_after_term(window)
    )
    if window.since is None:
        sent, answered = sa.func.count(), sa.func.count(CheckIn.answered_at)
    else:
        recent = CheckIn.sent_at >= window.since
        sent = sa.func.count(sa.case((recent, 1)))
        answered = sa.func.count(sa.case((sa.and_(recent, CheckIn.answered_at.is_not(None)), 1)))
    row = session.execute(
        sa.select(sent, answered, pairs_met_after)
        .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
        .where(Mentorship.program_id == program_id, CheckIn.sent_at <= window.now)
    ).one()
    sent_n, answered_n, met_after = (int(v or 0) for v in row)
    return _CheckInCounts(Ratio(answered_n, sent_n), met_after)


def _met_after_term_in_group_only(session: Session, program_id: int, window: Window) -> int:
    """Pairs whose full term is over, with a "met" in their introduction group answered after
    it, and no check-in saying so (those are counted by _check_in_counts already)."""
    by_check_in = (
        sa.select(CheckIn.id)
        .where(CheckIn.mentorship_id == Mentorship.id, _met_after_term(window))
        .exists()
    )
    by_group = (
        sa.select(GroupMember.user_id)
        .where(
            GroupMember.group_id == Mentorship.group_id,
            GroupMember.answer == Answer.MET,
            GroupMember.answered_at > Mentorship.term_ends_at,
            GroupMember.answered_at <= window.now,
        )
        .exists()
    )
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(
                Mentorship.program_id == program_id, _term_over(window), by_group, ~by_check_in
            )
        )
        or 0
    )


def _usefulness(session: Session, program_id: int, window: Window) -> tuple[MonthlyUsefulness, ...]:
    """Rated check-ins sent in the window, by the UTC month of the answer; only months in which
    at least MIN_RATERS different people rated.

    The same numbers in the shape each database computes fastest: PostgreSQL hashes (month,
    person) and then months, where COUNT(DISTINCT) would sort every month's rows once more;
    SQLite, which sorts for every GROUP BY, does one sort by month and counts people as it goes.
    """
    month = month_of(CheckIn.answered_at).label("month")
    rated = sa.and_(
        Mentorship.program_id == program_id,
        window.holds(CheckIn.sent_at),
        CheckIn.usefulness.is_not(None),
        CheckIn.answered_at.is_not(None),
    )
    query: sa.Select[Any]
    if session.get_bind().dialect.name == "postgresql":
        per_person = (
            sa.select(
                month,
                sa.func.count().label("ratings"),
                sa.func.sum(CheckIn.usefulness).label("total"),
            )
            .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
            .where(rated)
            .group_by(month, CheckIn.user_id)
            .subquery("per_person")
        )
        query = sa.select(
            per_person.c.month,
            sa.func.sum(per_person.c.ratings),
            sa.func.sum(per_person.c.total),
            sa.func.count(),
        ).group_by(per_person.c.month)
    else:
        query = (
            sa.select(
                month,
                sa.func.count(),
                sa.func.sum(CheckIn.usefulness),
                sa.func.count(sa.distinct(CheckIn.user_id)),
            )
            .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
            .where(rated)
            .group_by(month)
        )
    rows = session.execute(query).all()
    trend = []
    for month_key, ratings, total, raters in rows:
        if month_key is None or int(raters) < MIN_RATERS:
            continue
        trend.append(
            MonthlyUsefulness(
                month=month_start(month_key),
                mean=float(total or 0) / int(ratings),
                ratings=int(ratings),
                raters=int(raters),
            )
        )
    return tuple(sorted(trend, key=lambda m: m.month))


def _goals(session: Session, program_id: int, window: Window) -> GoalCounts:
    """One count per status in a single pass: a GROUP BY would sort every goal on SQLite."""
    statuses = (
        GoalStatus.OPEN,
        GoalStatus.MET,
        GoalStatus.PARTLY,
        GoalStatus.NOT_MET,
        GoalStatus.DROPPED,
    )
    row = session.execute(
        sa.select(*(sa.func.count().filter(Goal.status == status) for status in statuses))
        .join(Mentorship, Mentorship.id == Goal.mentorship_id)
        .where(Mentorship.program_id == program_id, window.holds(Goal.created_at))
    ).one()
    open_, met, partly, not_met, dropped = (int(n or 0) for n in row)
    return GoalCounts(open=open_, met=met, partly=partly, not_met=not_met, dropped=dropped)


def _not_blank(column: Any) -> ColumnElement[bool]:
    return sa.func.length(sa.func.trim(sa.func.coalesce(column, ""))) > 0


def _shared() -> ColumnElement[bool]:
    """A close-out whose author agreed to be quoted and who wrote something to quote."""
    wrote = sa.or_(_not_blank(CloseOut.helped), _not_blank(CloseOut.will_apply))
    return sa.and_(CloseOut.quotable.is_(True), wrote)


def _reflections_shared(session: Session, program_id: int, window: Window) -> Ratio:
    row = session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.case((_shared(), 1))))
        .join(Mentorship, Mentorship.id == CloseOut.mentorship_id)
        .where(Mentorship.program_id == program_id, window.holds(CloseOut.submitted_at))
    ).one()
    return Ratio(int(row[1]), int(row[0]))


# -- pulse ------------------------------------------------------------------------------------


def _pulse(
    session: Session, team_id: str, program_id: int, window: Window, *, comments: bool
) -> tuple[SurveyResults, ...]:
    """The program's surveys as bot.pulse.results shows them, keeping the window's waves."""
    surveys = session.scalars(
        sa.select(PulseSurvey)
        .where(PulseSurvey.team_id == team_id, PulseSurvey.program_id == program_id)
        .order_by(PulseSurvey.created_at, PulseSurvey.id)
    )
    found = []
    for survey in surveys:
        results = load(session, survey, comments=comments)
        kept = tuple(
            w
            for w in results.waves
            if w.opens_at <= window.now and (window.since is None or w.opens_at >= window.since)
        )
        found.append(dataclasses.replace(results, waves=kept))
    return tuple(found)


# -- values -----------------------------------------------------------------------------------


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None
