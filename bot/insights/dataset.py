"""What the metrics of a program come back as: plain frozen values, no ORM rows, no names.

Renderers (the App Home, ``/mentor report``, exports, the digest) read these and nothing else,
so every number they can show is here with the counts behind it: a rate travels as a
:class:`Ratio` ("12 of 40") rather than a bare float, and a value that cannot be computed yet
(no groups, no next round, too few raters) is None or absent, never a made-up zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.pulse.results import SurveyResults
from models import ProgramKind


@dataclass(frozen=True)
class Ratio:
    """``count`` out of ``out_of``; ``rate`` is None when there is nothing to divide by."""

    count: int
    out_of: int

    @property
    def rate(self) -> float | None:
        return self.count / self.out_of if self.out_of else None

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.count + other.count, self.out_of + other.out_of)


@dataclass(frozen=True)
class Participants:
    """The program's memberships right now (``now``); they add up to ``total``.

    ``paused`` is an active membership whose person is paused (a pause is per person, across
    programs); ``deactivated`` one whose Slack account is gone (Person.inactive); ``active``
    the rest of the active memberships.
    """

    active: int
    paused: int
    deactivated: int
    left: int

    @property
    def total(self) -> int:
        return self.active + self.paused + self.deactivated + self.left


@dataclass(frozen=True)
class RoundMetrics:
    """One round of the program. See bot/insights/metrics.py for the exact definitions."""

    round_id: int
    number: int
    starts_at: datetime
    #: Introductions made (pairs, trios, small groups).
    groups: int
    #: Distinct people in those groups.
    matched: int
    #: Participants eligible for the round (the coverage denominator).
    eligible: int
    #: Groups where at least one member answered "met".
    met_groups: int
    #: Groups holding a pair already grouped together in an earlier round of the program.
    repeat_groups: int
    #: Median hours from the round's start to a group's first "met" answer; None if none met.
    hours_to_first_meeting: float | None
    #: People of this round also in round number + 1; None while there is no such round.
    retained_next: int | None

    @property
    def coverage(self) -> Ratio:
        return Ratio(self.matched, self.eligible)

    @property
    def met_rate(self) -> Ratio:
        return Ratio(self.met_groups, self.groups)

    @property
    def repeat_rate(self) -> Ratio:
        return Ratio(self.repeat_groups, self.groups)

    @property
    def retention(self) -> Ratio | None:
        return None if self.retained_next is None else Ratio(self.retained_next, self.matched)


@dataclass(frozen=True)
class MonthlyUsefulness:
    """Check-in usefulness (1-5) answered in one UTC month, shown only with >= 3 raters."""

    month: date
    mean: float
    ratings: int
    raters: int


@dataclass(frozen=True)
class GoalCounts:
    """Goals set in the window, by their status now."""

    open: int
    met: int
    partly: int
    not_met: int
    dropped: int

    @property
    def set(self) -> int:
        return self.open + self.met + self.partly + self.not_met + self.dropped

    @property
    def met_rate(self) -> Ratio:
        return Ratio(self.met, self.set)


@dataclass(frozen=True)
class Reflection:
    """A close-out reflection its author agreed to have quoted: the words only, no one's name."""

    helped: str | None
    will_apply: str | None


@dataclass(frozen=True)
class ProgramMetrics:
    """Everything the insights report shows for one program over one window."""

    team_id: str
    program_id: int
    program_name: str
    kind: ProgramKind
    #: The window: from ``since`` (None: from the beginning) up to ``now``.
    since: datetime | None
    now: datetime
    participants: Participants
    #: Rounds that started in the window, oldest first.
    rounds: tuple[RoundMetrics, ...]
    #: Median over all groups of the window (not a median of the rounds' medians).
    hours_to_first_meeting: float | None
    #: Memberships paused by the unanswered-introductions rule / memberships introduced.
    ghost_rate: Ratio
    #: Check-ins answered / check-ins sent.
    check_in_response: Ratio
    usefulness_trend: tuple[MonthlyUsefulness, ...]
    goals: GoalCounts
    #: Mentorships started in the window.
    mentorships_started: int
    #: Mentorships ended early (before their term, not by it) / mentorships ended.
    early_closure: Ratio
    #: People who were mentees and later mentor (see metrics.py).
    mentees_became_mentors: int
    #: Pairs with a meeting recorded after their term / pairs whose full term is over.
    still_meeting_after_term: Ratio
    #: Close-outs with a reflection the author agreed to share / close-outs submitted.
    reflections_shared: Ratio
    #: The program's pulse surveys, thresholds applied by bot.pulse.results (waves opened in
    #: the window only).
    pulse: tuple[SurveyResults, ...]

    @property
    def met_rate(self) -> Ratio:
        """Groups met over all rounds of the window, pooled."""
        return sum((r.met_rate for r in self.rounds), Ratio(0, 0))

    @property
    def met_rate_trend(self) -> list[tuple[int, float]]:
        """(round number, met rate) for each round with groups, oldest first."""
        return [(r.number, rate) for r in self.rounds if (rate := r.met_rate.rate) is not None]

    @property
    def coverage(self) -> Ratio:
        return sum((r.coverage for r in self.rounds), Ratio(0, 0))

    @property
    def repeat_rate(self) -> Ratio:
        return sum((r.repeat_rate for r in self.rounds), Ratio(0, 0))

    @property
    def retention(self) -> Ratio:
        """Pooled over the rounds that have a next round: sum retained / sum matched."""
        return sum((r for x in self.rounds if (r := x.retention) is not None), Ratio(0, 0))

    @property
    def usefulness_trend_points(self) -> list[tuple[date, float]]:
        return [(m.month, m.mean) for m in self.usefulness_trend]
