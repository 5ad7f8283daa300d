"""A program's data as CSV files for its owners: pairings, meetings, check-in and goal figures,
and pulse results.

What leaves, and what deliberately stays behind:

* pairings.csv and meetings.csv name people: the owner runs the program and already sees who
  was introduced to whom and whether they said they met.
* checkin_aggregates.csv holds only per-month counts of check-ins sent and answered, computed in
  SQL; nothing about what anyone answered, because a late or changed answer would move a past
  month's figure by one person's answer between two exports.
* goals.csv has each goal's status and dates, never its words (``what`` and ``measure``): the
  pair wrote them for each other, and a goal says more about a person than any number here.
* pulse_results.csv is what :func:`bot.pulse.results.load` shows and nothing else: a wave or a
  question below *k* is a row saying so, with no number; comments are never exported.

Dates are days in the program's own time zone. Every text cell is guarded against formula
injection: a spreadsheet would run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some read the same way), so such a cell gets a leading single quote.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.checkins.schedule import zone
from bot.errors import ProgramNotFound
from bot.pulse.results import Question, QuestionResult, Stats, SurveyResults, WaveResult, load
from models import (
    CheckIn,
    Goal,
    Group,
    Mentorship,
    Person,
    Program,
    ProgramKind,
    PulseSurvey,
    QuestionKind,
    Round,
)

#: A month's usefulness mean is shown only when at least this many different people rated in it.
#: Cells starting with one of these are read as formulas by spreadsheets (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROLE_ORDER = {"mentor": 0, "both": 1, "mentee": 2, "peer": 3}

Cell = str | int | float | None


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: its name and what a reader finds in it (and what not)."""

    name: str
    holds: str


FILES: tuple[ExportFile, ...] = (
    ExportFile(
        "pairings.csv",
        "one row per group per round: its members (ids, names, roles), score and why they "
        "were matched; for mentoring, the mentorship's start, end and end reason",
    ),
    ExportFile(
        "meetings.csv",
        "each member's answer to each introduction (met, scheduled, cant or none) and the day",
    ),
    ExportFile(
        "checkin_aggregates.csv",
        "per ended month: check-ins sent and answered, and the response rate; nothing anyone "
        "answered (usefulness by month is in /mentor report, once final)",
    ),
    ExportFile(
        "goals.csv",
        "each goal's mentorship, position, status and dates; not its words, which stay "
        "between the pair",
    ),
    ExportFile(
        "pulse_results.csv",
        "pulse results as the results DM shows them: nothing below the survey's minimum, "
        "no comments",
    ),
)


def export_program(
    session: Session, team_id: str, program_id: int, *, now: datetime
) -> dict[str, bytes]:
    """The program's CSV files by name (see :data:`FILES`), UTF-8 with a header row each."""
    program = session.get(Program, program_id)
    if program is None or program.team_id != team_id:
        raise ProgramNotFound("That program no longer exists.")
    tz = zone(program.timezone)
    tables = {
        "pairings.csv": pairings(session, program, tz),
        "meetings.csv": meetings(session, program, tz),
        "checkin_aggregates.csv": checkin_aggregates(session, program, tz, now),
        "goals.csv": goals(session, program, tz),
        "pulse_results.csv": pulse_results(session, program, tz),
    }
    return {name: to_csv(rows) for name, rows in tables.items()}


# -- CSV --------------------------------------------------------------------------------------


def guard(value: Cell) -> Cell:
    """A text cell a spreadsheet will show as text, never evaluate; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Iterable[Sequence[Cell]]) -> bytes:
    """RFC 4180 (CRLF, quotes where needed) in UTF-8; None is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else guard(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def day(instant: datetime | None, tz: tzinfo) -> str | None:
    """The day of ``instant`` in the program's zone, as YYYY-MM-DD."""
    return instant.astimezone(tz).date().isoformat() if instant is not None else None


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


# -- pairings and meetings --------------------------------------------------------------------


def _groups(session: Session, program: Program) -> list[tuple[Round, Group]]:
    rows = session.execute(
        sa.select(Round, Group)
        .join(Group, Group.round_id == Round.id)
        .where(Round.program_id == program.id)
        .order_by(Round.number, Group.id)
    )
    return [(round_, group) for round_, group in rows]


def _names(session: Session, team_id: str, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = session.execute(
        sa.select(Person.user_id, Person.name).where(
            Person.team_id == team_id, Person.user_id.in_(user_ids)
        )
    )
    return {user_id: name for user_id, name in rows}


def pairings(session: Session, program: Program, tz: tzinfo) -> list[list[Cell]]:
    mentoring = program.kind is ProgramKind.MENTORING
    header: list[Cell] = [
        "round",
        "round_start",
        "group_id",
        "user_ids",
        "names",
        "roles",
        "score",
        "reasons",
    ]
    if mentoring:
        header += ["mentorship_id", "mentorship_started", "mentorship_ended", "end_reason"]
    groups = _groups(session, program)
    names = _names(
        session, program.team_id, {m.user_id for _, group in groups for m in group.members}
    )
    by_group: dict[int, list[Mentorship]] = defaultdict(list)
    if mentoring:
        for mentorship in session.scalars(
            sa.select(Mentorship)
            .where(Mentorship.program_id == program.id, Mentorship.group_id.is_not(None))
            .order_by(Mentorship.id)
        ):
            assert mentorship.group_id is not None
            by_group[mentorship.group_id].append(mentorship)
    rows: list[list[Cell]] = [header]
    for round_, group in groups:
        members = sorted(group.members, key=lambda m: (ROLE_ORDER.get(m.role, 9), m.user_id))
        row: list[Cell] = [
            round_.number,
            round_.period,
            group.id,
            "; ".join(m.user_id for m in members),
            "; ".join(names.get(m.user_id, "") for m in members),
            "; ".join(m.role for m in members),
            group.score,
            "; ".join(str(reason) for reason in group.reasons or []),
        ]
        if mentoring:
            pairs = by_group.get(group.id, [])
            row += [
                _joined(str(p.id) for p in pairs),
                _joined(day(p.started_at, tz) for p in pairs),
                _joined(day(p.ended_at, tz) for p in pairs),
                _joined(p.end_reason for p in pairs),
            ]
        rows.append(row)
    return rows


def _joined(values: Iterable[str | None]) -> str | None:
    """One cell for what is usually a single value (a group has one mentorship, if any)."""
    present = [value for value in values if value]
    return "; ".join(present) if present else None


def meetings(session: Session, program: Program, tz: tzinfo) -> list[list[Cell]]:
    rows: list[list[Cell]] = [["round", "group_id", "user_id", "answer", "answered_on"]]
    for round_, group in _groups(session, program):
        for member in sorted(group.members, key=lambda m: m.user_id):
            answer = member.answer.value if member.answer is not None else "none"
            rows.append(
                [round_.number, group.id, member.user_id, answer, day(member.answered_at, tz)]
            )
    return rows


# -- check-ins --------------------------------------------------------------------------------


def _month_start(year: int, month: int, tz: tzinfo) -> datetime:
    return datetime(year, month, 1, tzinfo=tz)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def ended_months(
    first: datetime, now: datetime, tz: tzinfo
) -> list[tuple[str, datetime, datetime]]:
    """(YYYY-MM, start, end) of each month in the program's zone from the one holding ``first``
    up to the last one that ended by ``now``."""
    local = first.astimezone(tz)
    year, month = local.year, local.month
    months: list[tuple[str, datetime, datetime]] = []
    while True:
        start = _month_start(year, month, tz)
        year, month = _next_month(year, month)
        end = _month_start(year, month, tz)
        if end > now:
            return months
        months.append((f"{start:%Y-%m}", start, end))


def checkin_aggregates(
    session: Session, program: Program, tz: tzinfo, now: datetime
) -> list[list[Cell]]:
    """Per month of ``sent_at``: how many check-ins went out and how many were answered.

    Nothing about what people answered: a check-in can be answered, and "did you meet" changed,
    long after its month ended, so any answer-derived count for a past month could move by one
    person's answer between two exports and give it away by subtraction. How useful meetings
    were is in ``/mentor report``, by months whose figure is final.

    The month of a check-in is labelled by a CASE over the months' bounds (computed here in the
    program's zone), in a subquery, so that PostgreSQL groups by a column rather than by an
    expression full of parameters; only one row per month comes back.
    """
    header: list[Cell] = ["month", "checkins_sent", "checkins_answered", "response_rate"]
    of_program = sa.and_(
        Mentorship.id == CheckIn.mentorship_id,
        Mentorship.program_id == program.id,
        CheckIn.sent_at.is_not(None),
    )
    first = session.scalar(sa.select(sa.func.min(CheckIn.sent_at)).where(of_program))
    months = ended_months(first, now, tz) if first is not None else []
    if not months:
        return [header]
    label = sa.case(
        *[
            (sa.and_(CheckIn.sent_at >= start, CheckIn.sent_at < end), name)
            for name, start, end in months
        ],
        else_=None,
    )
    sent = (
        sa.select(label.label("month"), CheckIn.answered_at)
        .where(of_program, CheckIn.sent_at >= months[0][1], CheckIn.sent_at < months[-1][2])
        .subquery("sent")
    )
    query = sa.select(sent.c.month, sa.func.count(), sa.func.count(sent.c.answered_at)).group_by(
        sent.c.month
    )
    found = {row[0]: row[1:] for row in session.execute(query)}
    rows: list[list[Cell]] = [header]
    for name, _, _ in months:
        n_sent, n_answered = found.get(name, (0, 0))
        rows.append([name, int(n_sent), int(n_answered), ratio(int(n_answered), int(n_sent))])
    return rows


# -- goals ------------------------------------------------------------------------------------


def goals(session: Session, program: Program, tz: tzinfo) -> list[list[Cell]]:
    """Each goal's status and dates; ``what`` and ``measure`` are never selected."""
    rows: list[list[Cell]] = [
        ["mentorship_id", "goal_position", "status", "due_on", "created_on", "updated_on"]
    ]
    found = session.execute(
        sa.select(
            Goal.mentorship_id,
            Goal.position,
            Goal.status,
            Goal.due_on,
            Goal.created_at,
            Goal.updated_at,
        )
        .join(Mentorship, Mentorship.id == Goal.mentorship_id)
        .where(Mentorship.program_id == program.id)
        .order_by(Goal.mentorship_id, Goal.position, Goal.id)
    )
    for mentorship_id, position, status, due_on, created_at, updated_at in found:
        rows.append(
            [
                mentorship_id,
                position,
                status.value,
                due_on.isoformat() if isinstance(due_on, date) else None,
                day(created_at, tz),
                day(updated_at, tz),
            ]
        )
    return rows


# -- pulse ------------------------------------------------------------------------------------

PULSE_HEADER: list[Cell] = [
    "survey",
    "k",
    "wave",
    "wave_opened",
    "wave_closed",
    "status",
    "invited",
    "answered",
    "participation",
    "question_number",
    "question_kind",
    "question",
    "role",
    "answers",
    "mean",
    "enps",
    "distribution",
]

SHOWN = "shown"
HIDDEN_WAVE = "hidden: fewer than k answered"
HIDDEN_QUESTION = "hidden: fewer than k answered this question"
COMMENTS_NOT_EXPORTED = "comments are not exported"
COMMENTS_HIDDEN = "hidden: fewer comments than the comment minimum"
STILL_OPEN = "open: results appear once it closes"
NO_WAVE = "no wave yet"


def pulse_results(session: Session, program: Program, tz: tzinfo) -> list[list[Cell]]:
    """Each survey of the program through :func:`load` (thresholds applied), comments unread."""
    rows: list[list[Cell]] = [PULSE_HEADER]
    surveys = session.scalars(
        sa.select(PulseSurvey)
        .where(PulseSurvey.program_id == program.id)
        .order_by(PulseSurvey.created_at, PulseSurvey.id)
    )
    for survey in surveys:
        rows.extend(survey_rows(load(session, survey, comments=False), tz))
    return rows


def survey_rows(results: SurveyResults, tz: tzinfo) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for wave in results.waves:
        rows.extend(_wave_rows(results, wave, tz))
    if results.open_wave is not None:
        number, closes_at = results.open_wave
        rows.append(_row(results, number, None, day(closes_at, tz), STILL_OPEN))
    if not rows:
        rows.append(_row(results, None, None, None, NO_WAVE))
    return rows


def _row(
    results: SurveyResults,
    wave: int | None,
    opened: str | None,
    closed: str | None,
    status: str,
    numbers: Sequence[Cell] = (),
) -> list[Cell]:
    row: list[Cell] = [results.name, results.k, wave, opened, closed, status, *numbers]
    return row + [None] * (len(PULSE_HEADER) - len(row))


def _wave_rows(results: SurveyResults, wave: WaveResult, tz: tzinfo) -> list[list[Cell]]:
    opened, closed = day(wave.opens_at, tz), day(wave.closed_at, tz)
    if not wave.shown:
        return [_row(results, wave.number, opened, closed, HIDDEN_WAVE)]
    participation = wave.participation
    turnout: list[Cell] = [
        wave.invited,
        wave.answered,
        round(participation, 3) if participation is not None else None,
    ]
    rows = []
    for result in wave.questions:
        question = result.question
        about: list[Cell] = [question.index + 1, question.kind.value, question.text]
        for status, role, stats in _question_lines(result):
            numbers: list[Cell] = [*turnout, *about, role]
            if stats is not None:
                numbers += _stats_cells(question, stats)
            rows.append(_row(results, wave.number, opened, closed, status, numbers))
    return rows


def _question_lines(result: QuestionResult) -> list[tuple[str, str | None, Stats | None]]:
    """(status, role, numbers) lines of one question: the whole, then each role cut shown."""
    if result.question.kind is QuestionKind.COMMENT:
        passed = result.comments is not None
        return [(COMMENTS_NOT_EXPORTED if passed else COMMENTS_HIDDEN, None, None)]
    if result.stats is None:
        return [(HIDDEN_QUESTION, None, None)]
    lines: list[tuple[str, str | None, Stats | None]] = [(SHOWN, "all", result.stats)]
    lines.extend((SHOWN, cut.role, cut.stats) for cut in result.cuts)
    return lines


def _stats_cells(question: Question, stats: Stats) -> list[Cell]:
    spread = "; ".join(
        f"{label}: {count}"
        for label, count in zip(question.labels, stats.distribution, strict=True)
    )
    mean = round(stats.mean, 2) if stats.mean is not None else None
    return [stats.count, mean, stats.enps, spread]
