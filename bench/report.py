"""The insights dashboard of a program with 10,000 members and 1,000,000 check-ins.

Why this exists: ``bot.insights.metrics.program_metrics`` is what the report, the App Home and
the exports call for a program, and the issue asks for it under 2 s on SQLite and on PostgreSQL
for a big workspace. Its claim is that every metric is a database aggregate, a fixed handful of
queries whatever the size; that is a claim about a figure, so it is measured here.

    .venv/bin/python bench/report.py [--database-url URL] [--runs 5]

Without a URL it runs on a fresh SQLite file in a temporary folder. With ``--database-url`` it
runs on that database instead (PostgreSQL): the schema is brought to head by the migrations, the
bench's rows go in under their own workspace id and are deleted at the end, so a development
database is left as it was.

The data (seeded, the same every run), in one workspace:

* A mentoring program with 10,000 members: 3,500 mentors, 5,500 mentees and 1,000 "both",
  joined over the first year; 8% have left, 5% are paused, 1% deactivated, 3% were paused by
  the unanswered-introductions rule. 40 rounds, four weeks apart (about three years), each
  pairing 2,500 mentees with mentors (a mentor takes up to two), 300 people unmatched a round:
  100,000 groups, 200,000 group members, 12,000 unmatched rows. In 65% of groups someone says
  "met" (1 to 400 hours after the start), in 10% "scheduled" only.
* One mentorship per group (100,000), a 12-week term: of those whose term is over, 75% end by
  their term, 20% early (left, ended, owner), 5% are never ended.
* Ten check-ins per mentorship, five per side, every two weeks from the start: 1,000,000
  check-ins; those due after "now" are unsent. 72% of the sent are answered within 3 days,
  80% of answers rate usefulness 1-5.
* Two goals per mentorship (200,000); a close-out from each side of an ended pair with
  probability 0.6, quotable with 0.3.
* A pulse survey with 24 monthly waves of 300 answers (the pulse module's own bench times it at
  size; here it is only part of the dashboard).
* A coffee program of 2,000 of the same people, 40 rounds of pairs (40,000 groups), timed too.

What is timed: ``program_metrics(session, team, program, since=None, now=NOW)`` in a fresh
session, the median of ``--runs`` runs after one warm-up; also with ``since`` one year back, the
coffee program, and, for scale, ``SELECT COUNT(answered_at) FROM check_ins`` (the floor of any
query that reads every check-in). One more run records each statement's time with its rows fetched,
printed slowest first with the function that ran it.

The last line is JSON with dashboard_seconds (the mentoring program, whole history), database,
members, check_ins, and the other figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db import Database, upgrade
from bot.insights.dataset import ProgramMetrics
from bot.insights.metrics import program_metrics
from models import (
    Answer,
    Cadence,
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
    ProgramKind,
    PulseAnswer,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
    Role,
    Round,
    Unmatched,
)

T = TypeVar("T")
TEAM = "TBENCHREPORT"
START = datetime(2024, 1, 8, 9, tzinfo=UTC)
ROUNDS = 40
NOW = START + timedelta(weeks=4 * ROUNDS)  # the last round's four weeks are over
MENTORS, MENTEES, BOTH = 3_500, 5_500, 1_000
MEMBERS = MENTORS + MENTEES + BOTH
PAIRS_PER_ROUND = 2_500
UNMATCHED_PER_ROUND = 300
CHECK_INS_PER_SIDE = 5
TERM = timedelta(weeks=12)
COFFEE_PEERS = 2_000
BATCH = 20_000


def timed(work: Callable[[], T]) -> tuple[float, T]:
    gc.collect()
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


class Inserter:
    """Core INSERTs in big executemany batches; each table flushed when its batch fills."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.pending: dict[Any, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        rows = self.pending.setdefault(model, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(model)

    def flush(self, model: Any = None) -> None:
        for each in [model] if model is not None else list(self.pending):
            rows = self.pending.get(each)
            if rows:
                self.connection.execute(sa.insert(each), rows)
                name = each.__tablename__
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                rows.clear()

    def returning_ids(self, model: Any, rows: list[dict[str, Any]]) -> list[int]:
        """Insert ``rows`` and give back their new ids, in the order of ``rows``."""
        ids: list[int] = []
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            result = self.connection.execute(
                sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk
            )
            ids.extend(int(i) for i in result.scalars())
        name = model.__tablename__
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        return ids


def _program(connection: sa.Connection, name: str, kind: ProgramKind) -> int:
    return int(
        connection.execute(
            sa.insert(Program)
            .values(
                team_id=TEAM,
                name=name,
                name_key=name.casefold(),
                kind=kind,
                description="",
                cadence=Cadence.EVERY_4_WEEKS,
                weekday=0,
                local_time=clock_time(9),
                timezone="UTC",
                settings={},
                created_at=START - timedelta(days=30),
                updated_at=START - timedelta(days=30),
            )
            .returning(Program.id)
        ).scalar_one()
    )


def _people() -> tuple[list[str], list[str], list[str]]:
    mentors = [f"UM{i:05d}" for i in range(MENTORS)]
    mentees = [f"UE{i:05d}" for i in range(MENTEES)]
    both = [f"UB{i:05d}" for i in range(BOTH)]
    return mentors, mentees, both


def seed(db: Database) -> dict[str, Any]:
    """Everything above; returns the programs' ids and the row counts."""
    rng = random.Random(20240108)
    mentors, mentees, both = _people()
    everyone = mentors + mentees + both
    with db.engine.begin() as connection:
        out = Inserter(connection)
        mentoring = _program(connection, "Bench mentoring", ProgramKind.MENTORING)
        coffee = _program(connection, "Bench coffee", ProgramKind.COFFEE)
        joined: dict[str, datetime] = {}
        left: dict[str, datetime] = {}
        for user in everyone:
            draw = rng.random()
            out.add(
                Person,
                {
                    "team_id": TEAM,
                    "user_id": user,
                    "name": user,
                    "timezone": "UTC",
                    "inactive": draw < 0.01,
                    "paused": 0.01 <= draw < 0.06,
                    "paused_until": None,
                    "created_at": START,
                    "updated_at": START,
                },
            )
            # Most were there for the first round; the rest joined over the first year.
            early = rng.random() < 0.85
            joined[user] = START + timedelta(
                hours=-rng.randrange(1, 24 * 180) if early else rng.randrange(24 * 365)
            )
            if rng.random() < 0.08:
                left[user] = joined[user] + timedelta(hours=rng.randrange(24 * 700))
        out.flush(Person)
        roles = (
            [(u, Role.MENTOR) for u in mentors]
            + [(u, Role.MENTEE) for u in mentees]
            + [(u, Role.BOTH) for u in both]
        )
        for user, role in roles:
            gone = left.get(user)
            out.add(
                Membership,
                {
                    "team_id": TEAM,
                    "program_id": mentoring,
                    "user_id": user,
                    "role": role,
                    "offers": [],
                    "wants": [],
                    "goals": "",
                    "capacity": 2 if role.mentors else 0,
                    "status": MembershipStatus.LEFT if gone else MembershipStatus.ACTIVE,
                    "joined_at": joined[user],
                    "left_at": gone,
                    "ghost_reset_at": (
                        joined[user] + timedelta(days=120) if rng.random() < 0.03 else None
                    ),
                },
            )
        peers = rng.sample(everyone, COFFEE_PEERS)
        for user in peers:
            out.add(
                Membership,
                {
                    "team_id": TEAM,
                    "program_id": coffee,
                    "user_id": user,
                    "role": Role.PEER,
                    "offers": [],
                    "wants": [],
                    "goals": "",
                    "capacity": 0,
                    "status": MembershipStatus.ACTIVE,
                    "joined_at": START - timedelta(days=7),
                    "left_at": None,
                    "ghost_reset_at": None,
                },
            )
        out.flush(Membership)

        round_starts = [START + timedelta(weeks=4 * k) for k in range(ROUNDS)]
        round_ids = out.returning_ids(Round, _round_rows(mentoring, round_starts))
        givers = mentors + both
        takers = mentees + both
        group_rows: list[dict[str, Any]] = []
        planned: list[tuple[int, datetime, str, str]] = []
        for round_id, starts in zip(round_ids, round_starts, strict=True):
            present = [u for u in takers if joined[u] <= starts and left.get(u, NOW) > starts]
            chosen = rng.sample(present, min(PAIRS_PER_ROUND, len(present)))
            for mentee in chosen:
                mentor = mentee
                while mentor == mentee:
                    mentor = givers[rng.randrange(len(givers))]
                group_rows.append(
                    {"team_id": TEAM, "round_id": round_id, "score": 0, "reasons": [],
                     "starter_key": "story"}
                )  # fmt: skip
                planned.append((round_id, starts, mentor, mentee))
            placed = set(chosen)
            for user in rng.sample(everyone, UNMATCHED_PER_ROUND):
                if user not in placed:
                    out.add(
                        Unmatched,
                        {"round_id": round_id, "team_id": TEAM, "user_id": user,
                         "reason": "No fit"},
                    )  # fmt: skip
        group_ids = out.returning_ids(Group, group_rows)
        mentorship_rows = []
        for group_id, (_, starts, mentor, mentee) in zip(group_ids, planned, strict=True):
            _group_members(out, rng, group_id, starts, mentor, mentee)
            mentorship_rows.append(
                _mentorship_row(rng, mentoring, group_id, starts, mentor, mentee)
            )
        del group_rows
        mentorship_ids = out.returning_ids(Mentorship, mentorship_rows)
        for mentorship_id, row in zip(mentorship_ids, mentorship_rows, strict=True):
            _pair_history(out, rng, mentorship_id, row)
        out.flush()
        del mentorship_rows, planned

        coffee_ids = out.returning_ids(Round, _round_rows(coffee, round_starts))
        coffee_starts = dict(zip(coffee_ids, round_starts, strict=True))
        coffee_groups: list[tuple[str, str]] = []
        coffee_rows: list[dict[str, Any]] = []
        for round_id in coffee_ids:
            shuffled = rng.sample(peers, len(peers))
            for a, b in zip(shuffled[0::2], shuffled[1::2], strict=True):
                coffee_rows.append(
                    {"team_id": TEAM, "round_id": round_id, "score": 0, "reasons": [],
                     "starter_key": "story"}
                )  # fmt: skip
                coffee_groups.append((a, b))
        for group_id, (a, b), row in zip(
            out.returning_ids(Group, coffee_rows), coffee_groups, coffee_rows, strict=True
        ):
            _group_members(out, rng, group_id, coffee_starts[row["round_id"]], a, b, role="peer")
        out.flush()

        _pulse(connection, mentoring, rng)
    return {"mentoring": mentoring, "coffee": coffee, "counts": out.counts}


def _round_rows(program_id: int, starts: list[datetime]) -> list[dict[str, Any]]:
    return [
        {
            "team_id": TEAM,
            "program_id": program_id,
            "period": start.date().isoformat(),
            "number": number,
            "starts_at": start,
            "ends_at": start + timedelta(weeks=4),
            "created_at": start,
            "followed_up_at": None,
        }
        for number, start in enumerate(starts, start=1)
    ]


def _group_members(
    out: Inserter,
    rng: random.Random,
    group_id: int,
    starts: datetime,
    first: str,
    second: str,
    *,
    role: str = "",
) -> None:
    draw = rng.random()
    answers: dict[str, tuple[Answer | None, datetime | None]] = {first: (None, None)}
    answers[second] = (None, None)
    who = first if rng.random() < 0.5 else second
    if draw < 0.65:
        answers[who] = (Answer.MET, starts + timedelta(hours=rng.randint(1, 400)))
    elif draw < 0.75:
        answers[who] = (Answer.SCHEDULED, starts + timedelta(hours=rng.randint(1, 100)))
    elif draw < 0.8:
        answers[who] = (Answer.CANT, starts + timedelta(hours=rng.randint(1, 100)))
    for user, side in ((first, role or "mentor"), (second, role or "mentee")):
        answer, when = answers[user]
        out.add(
            GroupMember,
            {"group_id": group_id, "user_id": user, "team_id": TEAM, "role": side,
             "answer": answer, "answered_at": when},
        )  # fmt: skip


def _mentorship_row(
    rng: random.Random, program_id: int, group_id: int, starts: datetime, mentor: str, mentee: str
) -> dict[str, Any]:
    term_ends = starts + TERM
    ended_at: datetime | None = None
    reason: str | None = None
    draw = rng.random()
    if draw < 0.2:
        ended_at = starts + timedelta(hours=rng.randrange(1, 24 * 83))
        reason = rng.choice(("left", "ended", "owner"))
    elif term_ends <= NOW and draw < 0.95:
        ended_at, reason = term_ends + timedelta(hours=rng.randrange(24)), "term"
    if ended_at is not None and ended_at > NOW:
        ended_at, reason = None, None
    return {
        "team_id": TEAM,
        "program_id": program_id,
        "mentor_id": mentor,
        "mentee_id": mentee,
        "group_id": group_id,
        "started_at": starts,
        "term_ends_at": term_ends,
        "ended_at": ended_at,
        "end_reason": reason,
    }


MEETINGS = (MeetingAnswer.MET, MeetingAnswer.MET, MeetingAnswer.RESCHEDULED, MeetingAnswer.NOT_MET)
STATUSES = (GoalStatus.MET, GoalStatus.PARTLY, GoalStatus.NOT_MET, GoalStatus.DROPPED)


def _pair_history(
    out: Inserter, rng: random.Random, mentorship_id: int, pair: dict[str, Any]
) -> None:
    """A pair's check-ins, goals and close-outs."""
    starts: datetime = pair["started_at"]
    for user in (pair["mentor_id"], pair["mentee_id"]):
        # Some pairs go on past their term: their last check-in comes after it.
        late = rng.random() < 0.15
        for number in range(1, CHECK_INS_PER_SIDE + 1):
            weeks = 13 if late and number == CHECK_INS_PER_SIDE else 2 * number
            due = starts + timedelta(weeks=weeks, hours=rng.randrange(8))
            sent = due if due <= NOW else None
            answered = met = usefulness = None
            if sent is not None and rng.random() < 0.72:
                answered = sent + timedelta(hours=rng.randrange(1, 72))
                met = MEETINGS[rng.randrange(len(MEETINGS))]
                usefulness = rng.randint(1, 5) if rng.random() < 0.8 else None
            out.add(
                CheckIn,
                {"team_id": TEAM, "mentorship_id": mentorship_id, "user_id": user,
                 "number": number, "due_at": due, "prompt_key": None, "sent_at": sent,
                 "reminded_at": None, "answered_at": answered, "met": met,
                 "usefulness": usefulness, "note": None, "help_requested_at": None},
            )  # fmt: skip
    ended: datetime | None = pair["ended_at"]
    for position in (1, 2):
        status = GoalStatus.OPEN if ended is None else STATUSES[rng.randrange(len(STATUSES))]
        out.add(
            Goal,
            {"team_id": TEAM, "mentorship_id": mentorship_id, "position": position,
             "what": "Lead a review", "measure": "One led", "due_on": None, "status": status,
             "created_at": starts + timedelta(days=3), "updated_at": starts + timedelta(days=3)},
        )  # fmt: skip
    if ended is None:
        return
    for user in (pair["mentor_id"], pair["mentee_id"]):
        if rng.random() < 0.6:
            quotable = rng.random() < 0.3
            out.add(
                CloseOut,
                {"mentorship_id": mentorship_id, "user_id": user, "team_id": TEAM,
                 "asked_at": ended, "submitted_at": ended + timedelta(days=2),
                 "helped": "Regular honest feedback", "will_apply": "Ask earlier",
                 "quotable": quotable, "thanked_at": None},
            )  # fmt: skip


def _pulse(connection: sa.Connection, program_id: int, rng: random.Random) -> None:
    survey_id = connection.execute(
        sa.insert(PulseSurvey)
        .values(
            team_id=TEAM,
            program_id=program_id,
            name="Bench pulse",
            role=None,
            questions=[{"kind": "scale", "text": "Useful?", "options": ["Not", "Very"]}],
            schedule=PulseSchedule.MONTHLY,
            starts_at=START,
            window_days=3,
            reminder=True,
            min_answers=5,
            min_comments=10,
            created_by=None,
            created_at=START,
        )
        .returning(PulseSurvey.id)
    ).scalar_one()
    answers = []
    for number in range(1, 25):
        opens = START + timedelta(weeks=4 * (number - 1))
        wave_id = connection.execute(
            sa.insert(PulseWave)
            .values(
                team_id=TEAM,
                survey_id=survey_id,
                number=number,
                opens_at=opens,
                closes_at=opens + timedelta(days=3),
                closed_at=opens + timedelta(days=3),
                invited=400,
                answered=300,
            )
            .returning(PulseWave.id)
        ).scalar_one()
        for _ in range(300):
            answers.append(
                {"id": f"{rng.getrandbits(128):032x}", "wave_id": wave_id, "team_id": TEAM,
                 "question": 0, "role": None, "value": rng.randint(1, 5), "choice": None,
                 "comment": None},
            )  # fmt: skip
    connection.execute(sa.insert(PulseAnswer), answers)


def cleanup(db: Database) -> None:
    """Delete the bench's workspace, pairs first.

    Deleting a group sets ``mentorships.group_id`` to NULL, and that column has no index: with
    the pairs still there, every one of the 140,000 groups would scan all the mentorships.
    """
    with db.session() as session:
        session.execute(sa.delete(Mentorship).where(Mentorship.team_id == TEAM))
    if db.engine.url.get_backend_name() == "postgresql":
        # The deleted rows stay in the table until a vacuum, and each scan would read them.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM mentorships"))
    with db.session() as session:
        session.execute(sa.delete(Program).where(Program.team_id == TEAM))
        session.execute(sa.delete(Person).where(Person.team_id == TEAM))


def dashboard(db: Database, program_id: int, since: datetime | None = None) -> ProgramMetrics:
    with db.session() as session:
        return program_metrics(session, TEAM, program_id, since=since, now=NOW)


def floor_query(db: Database) -> int:
    """One read of a column of every check-in (a bare COUNT(*) would read a small index)."""
    with db.session() as session:
        return int(session.scalar(sa.select(sa.func.count(CheckIn.answered_at))) or 0)


def median_of(runs: int, work: Callable[[], Any]) -> tuple[float, float, float]:
    times = [timed(work)[0] for _ in range(runs)]
    return statistics.median(times), min(times), max(times)


def statement_profile(db: Database, program_id: int) -> list[tuple[float, str]]:
    """Each statement of one dashboard run with its time, slowest first, labelled with the
    function of bot.insights.metrics that ran it.

    A statement's time runs from its start to the next one's (the last one's, to the end of
    the run): it includes fetching the rows, which on SQLite is where a GROUP BY finishes its
    aggregates after the first group, so timing the execute call alone would miss it.
    """
    started: list[tuple[float, str]] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        label = f"{_caller():<30} {' '.join(statement.split())}"
        started.append((time.perf_counter(), label))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        dashboard(db, program_id)
        ended = time.perf_counter()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    ends = [start for start, _ in started[1:]] + [ended]
    return sorted(
        ((end - start, label) for (start, label), end in zip(started, ends, strict=True)),
        reverse=True,
    )


def _caller() -> str:
    """The innermost function of bot.insights.metrics (or bot.pulse) on the stack, past the
    helper that runs (key, count) queries for several of them."""
    for frame in reversed(traceback.extract_stack()):
        if frame.name != "_count_by" and frame.filename.endswith(
            ("insights/metrics.py", "pulse/results.py")
        ):
            return frame.name
    return "?"


def _describe(statement: str) -> str:
    """A statement's gist: its caller, then what it reads (from FROM on), clipped."""
    caller, _, sql = statement.partition(" ")
    lowered = sql.lower()
    start = lowered.find(" from ")
    gist = sql[start + 6 :] if start >= 0 else sql.strip()
    return f"{caller:<30} {gist[:80]}"


def bench(url: str, runs: int) -> dict[str, Any]:
    db = Database.from_url(url)
    upgrade(db.engine)
    backend = db.engine.url.get_backend_name()
    try:
        cleanup(db)
        seed_seconds, seeded = timed(lambda: seed(db))
        with db.engine.connect() as connection:  # fresh statistics, as a live database has
            connection.execute(sa.text("ANALYZE"))
            connection.commit()
        mentoring, coffee = seeded["mentoring"], seeded["coffee"]
        counts: dict[str, int] = seeded["counts"]
        result = dashboard(db, mentoring)  # warm-up: caches, plans, imports
        whole = median_of(runs, lambda: dashboard(db, mentoring))
        since = NOW - timedelta(days=365)
        year = median_of(runs, lambda: dashboard(db, mentoring, since))
        coffee_time = median_of(runs, lambda: dashboard(db, coffee))
        floor_query(db)
        floor = median_of(runs, lambda: floor_query(db))
        profile = statement_profile(db, mentoring)
    finally:
        cleanup(db)
        db.engine.dispose()

    print(f"{backend}: seeded in {seed_seconds:.1f} s")
    for table in sorted(counts):
        print(f"  {table:<16} {counts[table]:>10,}")
    print(f"dashboard, median of {runs} runs (min .. max):")
    for label, (median, low, high) in (
        ("mentoring, whole history", whole),
        ("mentoring, the last year", year),
        ("coffee, whole history", coffee_time),
        ("COUNT(answered_at)", floor),
    ):
        print(f"  {label:<26} {median:8.3f} s  ({low:.3f} .. {high:.3f})")
    print(f"statements of one run ({len(profile)}), slowest first:")
    for seconds, statement in profile[:8]:
        print(f"  {seconds:7.3f} s  {_describe(statement)}")
    rounds = result.rounds
    print(
        f"figures: {len(rounds)} rounds, met {result.met_rate.rate:.1%}, coverage "
        f"{result.coverage.rate:.1%}, repeats {result.repeat_rate.rate:.2%}, retention "
        f"{result.retention.rate:.1%}, first meeting {result.hours_to_first_meeting:.0f} h, "
        f"check-ins answered {result.check_in_response.rate:.1%}, early closures "
        f"{result.early_closure.rate:.1%}, still meeting after the term "
        f"{result.still_meeting_after_term.rate:.1%}, "
        f"mentees turned mentors {result.mentees_became_mentors}, usefulness months "
        f"{len(result.usefulness_trend)}"
    )
    assert result.check_in_response.out_of > 0 and len(rounds) == ROUNDS
    return {
        "dashboard_seconds": round(whole[0], 3),
        "database": backend,
        "members": MEMBERS,
        "check_ins": counts.get("check_ins", 0),
        "dashboard_last_year_seconds": round(year[0], 3),
        "coffee_dashboard_seconds": round(coffee_time[0], 3),
        "count_answered_at_seconds": round(floor[0], 4),
        "statements": len(profile),
        "slowest_statement_seconds": round(profile[0][0], 3),
        "groups": counts.get("groups", 0),
        "mentorships": counts.get("mentorships", 0),
        "seed_seconds": round(seed_seconds, 1),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="run on this database instead of a SQLite file")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.database_url:
        summary = bench(args.database_url, args.runs)
    else:
        with tempfile.TemporaryDirectory() as folder:
            summary = bench(f"sqlite:///{Path(folder) / 'bench.db'}", args.runs)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
