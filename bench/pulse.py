"""Computing a pulse survey's results: 50 closed waves, 100,000 answers, against a plain query.

Why this exists: results are computed on every `/mentor pulse results` and every admin's Home
tab, from the whole history of a survey, with the k-rule, role cuts and comments on top. The claim
is that this costs about what the database needs for a bare COUNT/AVG over the same rows, because
all of it is one grouped query (wave, question, role, value, choice) plus one read of the comments
that passed their threshold, never a query per wave. That is a claim about a figure, so it is
measured here, on the same table, in the same run.

    .venv/bin/python bench/pulse.py [--database-url URL] [--runs 7]

Without a URL it runs on a fresh SQLite file in a temporary folder. With ``--database-url`` (or
TEST_DATABASE_URL set) it runs on PostgreSQL too: the schema is brought to head by the migrations,
the bench's rows go in under their own workspace id and are deleted at the end, so a development
database is left as it was (nothing else in it is touched).

The data (seeded, the same every run): one survey of one program with six questions (a 1-5
scale, a 0-10 recommend question, a three-option choice, two more scales and a comment) and 50
weekly waves, all closed. Each wave asked 500 people and 400 answered (80%), as mentors (40%) or
mentees (60%); everyone answered the first four questions, three in four the fifth (it is
optional) and one in four wrote a comment: 2,000 answers a wave, 100,000 in all. Answers are
inserted in bulk (the bench times reading, not casting).

What is timed (median of ``--runs`` after one warm-up, each in a fresh session):

- results: ``bot.pulse.results.load`` for the 50-wave survey, with comments: every wave's
  participation, every question's distribution, mean or eNPS, role cuts and the trend.
- plain: ``SELECT wave_id, question, COUNT(*), AVG(value) FROM pulse_answers GROUP BY wave_id,
  question`` over the whole table, rows fetched.
- chart (for information): rendering the survey's PNG from those results.

The last line is JSON with results_seconds, plain_query_seconds, ratio_vs_plain_query (results
divided by plain), chart_seconds, answers and waves, per database.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db import Database, upgrade
from bot.pulse.charts import survey_chart
from bot.pulse.results import SurveyResults, load
from models import (
    Cadence,
    Program,
    ProgramKind,
    PulseAnswer,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
)

T = TypeVar("T")
TEAM = "TBENCHPULSE"
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
QUESTIONS = [
    {"kind": "scale", "text": "How useful were your sessions?", "options": ["Not", "Very"]},
    {"kind": "enps", "text": "Would you recommend the program?", "options": []},
    {"kind": "choice", "text": "How often do you meet?", "options": ["Weekly", "Biweekly", "Less"]},
    {"kind": "scale", "text": "How well do you agree goals?", "options": ["Badly", "Well"]},
    {"kind": "scale", "text": "How much do you learn? (optional)", "options": ["Little", "Lots"]},
    {"kind": "comment", "text": "Anything else?", "options": []},
]
WAVES, INVITED, RESPONDENTS = 50, 500, 400


def timed(work: Callable[[], T]) -> tuple[float, T]:
    gc.collect()
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def _program(session: Any) -> Program:
    program = Program(
        team_id=TEAM,
        name=f"Bench {uuid.uuid4().hex[:8]}",
        name_key=f"bench {uuid.uuid4().hex}",
        kind=ProgramKind.MENTORING,
        cadence=Cadence.WEEKLY,
        weekday=0,
        local_time=clock_time(10),
        timezone="UTC",
        created_at=START,
        updated_at=START,
    )
    session.add(program)
    session.flush()
    return program


def _survey(session: Any, program: Program, name: str, questions: list[dict[str, Any]]) -> int:
    survey = PulseSurvey(
        team_id=TEAM,
        program_id=program.id,
        name=name,
        questions=questions,
        schedule=PulseSchedule.WEEKLY,
        starts_at=START,
        created_at=START,
    )
    session.add(survey)
    session.flush()
    return survey.id


def _wave(session: Any, survey_id: int, number: int, invited: int, answered: int) -> int:
    opens = START + timedelta(weeks=number - 1)
    wave = PulseWave(
        team_id=TEAM,
        survey_id=survey_id,
        number=number,
        opens_at=opens,
        closes_at=opens + timedelta(days=3),
        closed_at=opens + timedelta(days=3),
        invited=invited,
        answered=answered,
    )
    session.add(wave)
    session.flush()
    return wave.id


def _row(wave_id: int, question: int, role: str, **answer: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "wave_id": wave_id,
        "team_id": TEAM,
        "question": question,
        "role": role,
        "value": answer.get("value"),
        "choice": answer.get("choice"),
        "comment": answer.get("comment"),
    }


def seed(db: Database) -> tuple[int, int]:
    """The survey and its answers; returns (its id, answers inserted)."""
    rng = random.Random(20260105)
    rows: list[dict[str, Any]] = []
    with db.session() as session:
        program = _program(session)
        survey_id = _survey(session, program, "Program pulse", QUESTIONS)
        for number in range(1, WAVES + 1):
            wave_id = _wave(session, survey_id, number, INVITED, RESPONDENTS)
            better = number / WAVES  # answers get a little better over the year
            for person in range(RESPONDENTS):
                role = "mentor" if rng.random() < 0.4 else "mentee"
                useful = min(5, rng.randint(1, 4) + (rng.random() < better))
                rows.append(_row(wave_id, 0, role, value=useful))
                rows.append(_row(wave_id, 1, role, value=rng.choice((3, 6, 7, 8, 9, 9, 10))))
                rows.append(_row(wave_id, 2, role, choice=rng.choice((0, 0, 1, 2))))
                rows.append(_row(wave_id, 3, role, value=rng.randint(2, 5)))
                if person % 4:
                    rows.append(_row(wave_id, 4, role, value=rng.randint(1, 5)))
                else:
                    rows.append(_row(wave_id, 5, role, comment=f"comment {rng.random():.6f}"))
        for start in range(0, len(rows), 10_000):
            session.execute(sa.insert(PulseAnswer), rows[start : start + 10_000])
    return survey_id, len(rows)


def cleanup(db: Database) -> None:
    with db.session() as session:
        session.execute(sa.delete(Program).where(Program.team_id == TEAM))


PLAIN = sa.text(
    "SELECT wave_id, question, COUNT(*), AVG(value) FROM pulse_answers GROUP BY wave_id, question"
)


def results_once(db: Database, survey_id: int) -> SurveyResults:
    with db.session() as session:
        survey = session.get(PulseSurvey, survey_id)
        assert survey is not None
        return load(session, survey)


def plain_once(db: Database) -> int:
    with db.session() as session:
        return len(session.execute(PLAIN).all())


def bench(url: str, runs: int) -> dict[str, Any]:
    db = Database.from_url(url)
    upgrade(db.engine)
    backend = db.engine.url.get_backend_name()
    try:
        cleanup(db)
        seconds_seed, (survey_id, answers) = timed(lambda: seed(db))
        if backend == "postgresql":
            with db.engine.connect() as connection:
                connection.execute(sa.text("ANALYZE pulse_answers"))
                connection.execute(sa.text("ANALYZE pulse_waves"))
                connection.commit()
        results_once(db, survey_id)  # warm-up: caches, plans, imports
        plain_once(db)
        results_times, plain_times = [], []
        results: SurveyResults | None = None
        groups = 0
        for _ in range(runs):  # interleaved, so drift in the machine hits both alike
            seconds, results = timed(lambda: results_once(db, survey_id))
            results_times.append(seconds)
            seconds, groups = timed(lambda: plain_once(db))
            plain_times.append(seconds)
        assert results is not None
        chart_seconds, png = timed(lambda: survey_chart(results))
        assert png is not None
    finally:
        cleanup(db)
        db.engine.dispose()
    latest = results.latest_shown
    assert latest is not None and len(results.waves) == WAVES
    checked = latest.question(0)
    assert checked is not None and checked.stats is not None
    results_seconds = statistics.median(results_times)
    plain_seconds = statistics.median(plain_times)
    print(f"{backend}: {answers:,} answers seeded in {seconds_seed:.1f} s")
    print(
        f"  results of {len(results.waves)} waves (survey of "
        f"{sum(w.answered for w in results.waves):,} respondents): median {results_seconds:.4f} s"
        f" (min {min(results_times):.4f}, max {max(results_times):.4f}, {runs} runs)"
    )
    print(
        f"  plain COUNT/AVG over all {answers:,} answers ({groups} groups): median "
        f"{plain_seconds:.4f} s (min {min(plain_times):.4f}, max {max(plain_times):.4f})"
    )
    print(f"  ratio results / plain: {results_seconds / plain_seconds:.2f}")
    print(f"  chart ({len(png):,} bytes PNG): {chart_seconds:.3f} s")
    cuts = len(checked.cuts)
    comments = latest.question(5)
    shown_comments = len(comments.comments or ()) if comments is not None else 0
    print(
        f"  latest wave: participation {latest.participation:.0%}, q1 mean "
        f"{checked.stats.mean:.2f}, {cuts} role cuts, {shown_comments} comments"
    )
    return {
        "database": backend,
        "results_seconds": round(results_seconds, 4),
        "plain_query_seconds": round(plain_seconds, 4),
        "ratio_vs_plain_query": round(results_seconds / plain_seconds, 2),
        "chart_seconds": round(chart_seconds, 3),
        "answers": answers,
        "waves": len(results.waves),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        figures.append(bench(f"sqlite:///{Path(folder) / 'bench.db'}", args.runs))
    if args.database_url:
        figures.append(bench(args.database_url, args.runs))
    summary = dict(figures[0])
    if len(figures) > 1:
        summary["postgresql"] = figures[1]
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
