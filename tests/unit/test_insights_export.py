"""The CSV export of a program, against a dataset seeded by hand, every cell worked out here.

Workspace T1 has a mentoring program "Mentoring" in Los Angeles time (so a day or a month in
the program's zone differs from UTC's), a coffee program, and T2 a program that reuses a user id.
NOW is 2027-03-10 17:00 UTC: January and February 2027 have ended in Los Angeles, March has not.
Every private text (notes, goal words, agreements, reviews, close-outs, pulse comments) contains
"SECRET", so one search shows that none of it leaves.
"""

from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db import Database, upgrade
from bot.errors import ProgramNotFound
from bot.insights.export import FILES, export_program, guard, to_csv
from bot.pulse.ballots import Answer as Ballot
from bot.pulse.ballots import cast, close, new_token_key
from models import (
    Agreement,
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
    Mentorship,
    Person,
    Program,
    ProgramKind,
    PulseInvitation,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
    Review,
    Role,
    Round,
)
from tests.unit.test_config import run_app

T1, T2 = "T1", "T2"
NOW = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)
MET, MOVED, MISSED = MeetingAnswer.MET, MeetingAnswer.RESCHEDULED, MeetingAnswer.NOT_MET
QUESTIONS = [
    {"kind": "scale", "text": "How useful was it?", "options": ["Not", "Very"]},
    {"kind": "choice", "text": "Where do you meet?", "options": ["Video", "Office"]},
    {"kind": "comment", "text": "Anything else?", "options": []},
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Seeded:
    mentoring: int = 0
    coffee: int = 0
    elsewhere: int = 0
    ms1: int = 0
    ms2: int = 0
    g1: int = 0
    g2: int = 0


def add_program(session: Session, team: str, name: str, kind: ProgramKind, tz: str) -> int:
    row = Program(
        team_id=team,
        name=name,
        name_key=name.casefold(),
        kind=kind,
        cadence=Cadence.BIWEEKLY,
        weekday=0,
        local_time=time(9),
        timezone=tz,
        created_at=at("2026-12-01 09:00"),
        updated_at=at("2026-12-01 09:00"),
    )
    session.add(row)
    session.flush()
    return row.id


def add_person(session: Session, user: str, name: str, team: str = T1) -> None:
    session.add(
        Person(
            team_id=team,
            user_id=user,
            name=name,
            created_at=at("2026-12-01 09:00"),
            updated_at=at("2026-12-01 09:00"),
        )
    )


def add_group(
    session: Session,
    round_id: int,
    score: int,
    reasons: list[str],
    members: list[tuple[str, str, Answer | None, str | None]],
    team: str = T1,
) -> int:
    group = Group(
        team_id=team, round_id=round_id, score=score, reasons=reasons, starter_key="story"
    )
    session.add(group)
    session.flush()
    for user, role, answer, when in members:
        session.add(
            GroupMember(
                group_id=group.id,
                user_id=user,
                team_id=team,
                role=role,
                answer=answer,
                answered_at=at(when) if when else None,
            )
        )
    session.flush()
    return group.id


def add_round(session: Session, program_id: int, number: int, starts: str, team: str = T1) -> int:
    start = at(starts)
    row = Round(
        team_id=team,
        program_id=program_id,
        period=(start - timedelta(hours=8)).date().isoformat(),
        number=number,
        starts_at=start,
        ends_at=start + timedelta(weeks=2),
        created_at=start,
    )
    session.add(row)
    session.flush()
    return row.id


def add_check_in(
    session: Session,
    mentorship_id: int,
    user: str,
    number: int,
    sent: str | None,
    met: MeetingAnswer | None = None,
    usefulness: int | None = None,
    *,
    answered: bool = True,
    team: str = T1,
) -> None:
    session.add(
        CheckIn(
            team_id=team,
            mentorship_id=mentorship_id,
            user_id=user,
            number=number,
            due_at=at(sent) if sent else at("2027-04-01 17:00"),
            sent_at=at(sent) if sent else None,
            answered_at=at(sent) + timedelta(hours=5) if sent and answered else None,
            met=met,
            usefulness=usefulness,
            note=f"NOTE-SECRET {user} {number}" if answered else None,
        )
    )


def add_wave(
    session: Session,
    survey: PulseSurvey,
    number: int,
    opens: str,
    ballots: list[tuple[str, list[Ballot]]],
    *,
    closed: bool = True,
) -> None:
    """Everyone in the program is invited; ``ballots`` are cast through bot.pulse.ballots."""
    start = at(opens)
    wave = PulseWave(
        team_id=T1,
        survey_id=survey.id,
        number=number,
        opens_at=start,
        closes_at=start + timedelta(days=3),
        token_key=new_token_key(),
    )
    session.add(wave)
    session.flush()
    session.add_all(
        PulseInvitation(wave_id=wave.id, user_id=u, team_id=T1, due_at=start) for u in PULSE_ROLES
    )
    session.flush()
    for user, answers in ballots:
        cast(session, wave, user_id=user, role=PULSE_ROLES[user], answers=answers, now=start)
    if closed:
        close(session, wave, wave.closes_at)
    session.flush()


PULSE_ROLES = {
    "UP1": "mentor",
    "UP2": "mentor",
    "UP3": "mentor",
    "UP4": "mentee",
    "UP5": "mentee",
    "UP6": "mentee",
}


def ballot(scale: int, choice: int, comment: str | None = None) -> list[Ballot]:
    answers = [Ballot(0, value=scale), Ballot(1, choice=choice)]
    if comment is not None:
        answers.append(Ballot(2, comment=comment))
    return answers


def seed(db: Database) -> Seeded:
    ids = Seeded()
    with db.session() as session:
        ids.mentoring = add_program(
            session, T1, "Mentoring", ProgramKind.MENTORING, "America/Los_Angeles"
        )
        ids.coffee = add_program(session, T1, "Coffee", ProgramKind.COFFEE, "UTC")
        ids.elsewhere = add_program(session, T2, "Mentoring", ProgramKind.MENTORING, "UTC")

        # Names that a spreadsheet would run as formulas, and ordinary ones.
        add_person(session, "U1M", '=HYPERLINK("http://evil.example","x")')
        add_person(session, "U2E", "Eve Example")
        add_person(session, "U3M", "@mallory")
        add_person(session, "U4E", "Ben Carter")
        add_person(session, "U1M", "T2-ONLY-NAME", team=T2)
        for user in PULSE_ROLES:
            add_person(session, user, f"Pulse {user}")
        session.flush()
        for user, role in [("U1M", Role.MENTOR), ("U2E", Role.MENTEE)] + [
            (u, Role(r)) for u, r in PULSE_ROLES.items()
        ]:
            session.add(
                Membership(
                    team_id=T1,
                    program_id=ids.mentoring,
                    user_id=user,
                    role=role,
                    goals="PROFILE-SECRET goals",
                    joined_at=at("2026-12-01 09:00"),
                )
            )
        session.flush()

        # Round 1 starts Monday 2027-01-04 09:00 in Los Angeles (17:00 UTC).
        r1 = add_round(session, ids.mentoring, 1, "2027-01-04 17:00")
        ids.g1 = add_group(
            session,
            r1,
            12,
            ["=cmd|' /C calc'!A0", 'Both like "python", and, lines\nof text'],
            [
                # 03:00 UTC on the 6th is still the 5th in Los Angeles.
                ("U2E", "mentee", Answer.SCHEDULED, "2027-01-05 18:00"),
                ("U1M", "mentor", Answer.MET, "2027-01-06 03:00"),
            ],
        )
        ids.g2 = add_group(
            session, r1, 5, [], [("U3M", "mentor", None, None), ("U4E", "mentee", None, None)]
        )
        ids.ms1 = _mentorship(
            session, ids.mentoring, "U1M", "U2E", ids.g1, ended="2027-02-11 06:00", reason="left"
        )
        ids.ms2 = _mentorship(session, ids.mentoring, "U3M", "U4E", ids.g2)

        # Check-ins. January in Los Angeles runs 2027-01-01 08:00 to 2027-02-01 08:00 UTC.
        add_check_in(session, ids.ms1, "U1M", 1, "2027-01-11 17:00", MET, 4)
        add_check_in(session, ids.ms1, "U2E", 1, "2027-01-11 17:00", MET, 5)
        add_check_in(session, ids.ms2, "U3M", 1, "2027-01-11 17:00", MOVED, 3)
        add_check_in(session, ids.ms2, "U4E", 1, "2027-01-11 17:00", answered=False)
        # 03:00 UTC on 1 February is the evening of 31 January in Los Angeles.
        add_check_in(session, ids.ms1, "U1M", 2, "2027-02-01 03:00", MISSED, 2)
        # February: four ratings, but only two different people rated.
        add_check_in(session, ids.ms1, "U2E", 2, "2027-02-08 17:00", MET, 5)
        add_check_in(session, ids.ms2, "U3M", 2, "2027-02-08 17:00", MET, 4)
        add_check_in(session, ids.ms2, "U4E", 2, "2027-02-08 17:00", MISSED)
        add_check_in(session, ids.ms2, "U3M", 3, "2027-02-22 17:00", MET, 1)
        add_check_in(session, ids.ms1, "U2E", 3, "2027-02-22 17:00", MET, 2)
        # March has not ended; a check-in not sent yet counts nowhere.
        add_check_in(session, ids.ms2, "U4E", 3, "2027-03-08 17:00", MET, 5)
        add_check_in(session, ids.ms2, "U4E", 4, None, answered=False)

        # Goals, with their words, which must never leave.
        for mentorship_id, position, status, due, created, updated in [
            (ids.ms1, 1, GoalStatus.MET, date(2027, 3, 1), "2027-01-06 03:00", "2027-02-11 06:00"),
            (ids.ms1, 2, GoalStatus.DROPPED, None, "2027-01-06 03:00", "2027-01-20 17:00"),
            (ids.ms2, 1, GoalStatus.OPEN, date(2027, 4, 2), "2027-01-07 17:00", "2027-01-07 17:00"),
        ]:
            session.add(
                Goal(
                    team_id=T1,
                    mentorship_id=mentorship_id,
                    position=position,
                    what=f"GOAL-SECRET what {position}",
                    measure=f"GOAL-SECRET measure {position}",
                    due_on=due,
                    status=status,
                    created_at=at(created),
                    updated_at=at(updated),
                )
            )
        session.add(
            Agreement(
                mentorship_id=ids.ms1,
                team_id=T1,
                cadence="AGREEMENT-SECRET cadence",
                channel="AGREEMENT-SECRET channel",
                proposed_by="U1M",
                proposed_at=at("2027-01-05 17:00"),
            )
        )
        session.add(
            Review(
                mentorship_id=ids.ms1,
                user_id="U2E",
                team_id=T1,
                asked_at=at("2027-02-01 17:00"),
                submitted_at=at("2027-02-02 17:00"),
                keep="REVIEW-SECRET keep",
                change="REVIEW-SECRET change",
                wants_rematch=True,
            )
        )
        session.add(
            CloseOut(
                mentorship_id=ids.ms1,
                user_id="U1M",
                team_id=T1,
                asked_at=at("2027-02-11 06:00"),
                submitted_at=at("2027-02-12 06:00"),
                helped="CLOSEOUT-SECRET helped",
                will_apply="CLOSEOUT-SECRET apply",
                quotable=True,
            )
        )

        # Pulse: k = 3. Wave 1 has two answers (hidden), wave 2 six (shown, with role cuts and
        # four comments, which pass their threshold but are never exported), wave 3 is open.
        survey = PulseSurvey(
            team_id=T1,
            program_id=ids.mentoring,
            name="Monthly pulse",
            questions=QUESTIONS,
            schedule=PulseSchedule.MONTHLY,
            starts_at=at("2027-01-15 17:00"),
            min_answers=3,
            min_comments=3,
            created_at=at("2027-01-10 17:00"),
        )
        session.add(survey)
        session.flush()
        add_wave(
            session,
            survey,
            1,
            "2027-01-15 17:00",
            [("UP1", ballot(1, 1, "PULSE-SECRET early")), ("UP4", ballot(1, 1))],
        )
        add_wave(
            session,
            survey,
            2,
            "2027-02-15 17:00",
            [
                ("UP1", ballot(5, 0, "PULSE-SECRET one")),
                ("UP2", ballot(5, 0, "PULSE-SECRET two")),
                ("UP3", ballot(4, 1, "PULSE-SECRET three")),
                ("UP4", ballot(3, 1, "PULSE-SECRET four")),
                ("UP5", ballot(2, 1)),
                ("UP6", ballot(3, 0)),
            ],
        )
        add_wave(session, survey, 3, "2027-03-09 17:00", [("UP2", ballot(5, 0))], closed=False)

        # The coffee program: one trio; T2: a pair whose check-ins must not count in T1.
        c1 = add_round(session, ids.coffee, 1, "2027-01-04 09:00")
        add_group(
            session,
            c1,
            3,
            ["-hiking"],
            [
                ("U4E", "peer", Answer.CANT, "2027-01-05 09:00"),
                ("U2E", "peer", None, None),
                ("U3M", "peer", Answer.MET, "2027-01-06 09:00"),
            ],
        )
        t2 = add_round(session, ids.elsewhere, 1, "2027-01-04 09:00", team=T2)
        g = add_group(session, t2, 1, [], [("U1M", "mentor", None, None)], team=T2)
        other = _mentorship(session, ids.elsewhere, "U1M", "U9", g, team=T2)
        add_check_in(session, other, "U1M", 1, "2027-01-11 17:00", MET, 1, team=T2)
    return ids


def _mentorship(
    session: Session,
    program_id: int,
    mentor: str,
    mentee: str,
    group_id: int,
    *,
    ended: str | None = None,
    reason: str | None = None,
    team: str = T1,
) -> int:
    row = Mentorship(
        team_id=team,
        program_id=program_id,
        mentor_id=mentor,
        mentee_id=mentee,
        group_id=group_id,
        started_at=at("2027-01-04 17:00"),
        term_ends_at=at("2027-03-29 17:00"),
        ended_at=at(ended) if ended else None,
        end_reason=reason,
    )
    session.add(row)
    session.flush()
    return row.id


def export(db: Database, program_id: int, team: str = T1) -> dict[str, bytes]:
    with db.session() as session:
        return export_program(session, team, program_id, now=NOW)


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed(db)


# -- the files --------------------------------------------------------------------------------


def test_every_file_is_utf8_csv_with_a_header_and_crlf_lines(db: Database, seeded: Seeded) -> None:
    files = export(db, seeded.mentoring)
    assert list(files) == [f.name for f in FILES]
    for data in files.values():
        text = data.decode("utf-8")
        assert text.endswith("\r\n") and text.splitlines()[0].count(",") >= 3
    assert files["goals.csv"].startswith(
        b"mentorship_id,goal_position,status,due_on,created_on,updated_on\r\n"
    )


def test_pairings_list_each_group_with_members_roles_and_the_mentorship(
    db: Database, seeded: Seeded
) -> None:
    g1, g2 = rows_of(export(db, seeded.mentoring)["pairings.csv"])
    assert g1 == {
        "round": "1",
        "round_start": "2027-01-04",
        "group_id": str(seeded.g1),
        "user_ids": "U1M; U2E",  # the mentor first
        # A formula-looking cell gets a leading quote; the rest is as stored.
        "names": '\'=HYPERLINK("http://evil.example","x"); Eve Example',
        "roles": "mentor; mentee",
        "score": "12",
        "reasons": "'=cmd|' /C calc'!A0; Both like \"python\", and, lines\nof text",
        "mentorship_id": str(seeded.ms1),
        "mentorship_started": "2027-01-04",
        # 06:00 UTC on the 11th is the 10th in Los Angeles.
        "mentorship_ended": "2027-02-10",
        "end_reason": "left",
    }
    assert g2["names"] == "'@mallory; Ben Carter" and g2["reasons"] == ""
    assert (g2["mentorship_id"], g2["mentorship_ended"], g2["end_reason"]) == (
        str(seeded.ms2),
        "",
        "",
    )


def test_meetings_are_one_row_per_member_answer_with_the_local_day(
    db: Database, seeded: Seeded
) -> None:
    rows = rows_of(export(db, seeded.mentoring)["meetings.csv"])
    assert [(r["group_id"], r["user_id"], r["answer"], r["answered_on"]) for r in rows] == [
        (str(seeded.g1), "U1M", "met", "2027-01-05"),
        (str(seeded.g1), "U2E", "scheduled", "2027-01-05"),
        (str(seeded.g2), "U3M", "none", ""),
        (str(seeded.g2), "U4E", "none", ""),
    ]
    assert {r["round"] for r in rows} == {"1"}


def test_check_in_aggregates_by_ended_month_in_the_programs_zone(
    db: Database, seeded: Seeded
) -> None:
    january, february = rows_of(export(db, seeded.mentoring)["checkin_aggregates.csv"])
    # January: five sent (one on 31 January local time), four answered. T2's check-in of the
    # same month is not here. Nothing about what anyone answered is exported.
    assert january == {
        "month": "2027-01",
        "checkins_sent": "5",
        "checkins_answered": "4",
        "response_rate": "0.8",
    }
    assert february == {
        "month": "2027-02",
        "checkins_sent": "5",
        "checkins_answered": "5",
        "response_rate": "1.0",
    }


def test_goals_carry_status_and_dates_but_never_their_words(db: Database, seeded: Seeded) -> None:
    rows = rows_of(export(db, seeded.mentoring)["goals.csv"])
    assert [list(r.values()) for r in rows] == [
        [str(seeded.ms1), "1", "met", "2027-03-01", "2027-01-05", "2027-02-10"],
        [str(seeded.ms1), "2", "dropped", "", "2027-01-05", "2027-01-20"],
        [str(seeded.ms2), "1", "open", "2027-04-02", "2027-01-07", "2027-01-07"],
    ]


def test_pulse_results_are_only_what_the_thresholds_show(db: Database, seeded: Seeded) -> None:
    rows = rows_of(export(db, seeded.mentoring)["pulse_results.csv"])
    numbers = ("invited", "answered", "participation", "answers", "mean", "enps", "distribution")
    hidden = [r for r in rows if r["wave"] == "1"]
    assert len(hidden) == 1
    [wave_1] = hidden
    assert wave_1["status"] == "hidden: fewer than k answered" and wave_1["k"] == "3"
    assert all(wave_1[column] == "" for column in (*numbers, "question", "role"))

    shown = [r for r in rows if r["wave"] == "2"]
    summary = [(r["question_number"], r["role"], r["status"], r["answers"]) for r in shown]
    assert summary == [
        ("1", "all", "shown", "6"),
        ("1", "mentee", "shown", "3"),
        ("1", "mentor", "shown", "3"),
        ("2", "all", "shown", "6"),
        ("2", "mentee", "shown", "3"),
        ("2", "mentor", "shown", "3"),
        ("3", "", "comments are not exported", ""),
    ]
    scale_all, scale_mentees, scale_mentors = shown[:3]
    assert (scale_all["invited"], scale_all["answered"], scale_all["participation"]) == (
        "6",
        "6",
        "1.0",
    )
    assert scale_all["mean"] == "3.67"  # (5 + 5 + 4 + 3 + 2 + 3) / 6
    assert scale_all["distribution"] == "1: 0; 2: 1; 3: 2; 4: 1; 5: 2"
    assert (scale_mentors["mean"], scale_mentees["mean"]) == ("4.67", "2.67")
    choice = shown[3]
    assert choice["distribution"] == "Video: 3; Office: 3" and choice["mean"] == ""
    assert all(r["k"] == "3" for r in rows)

    [still_open] = [r for r in rows if r["wave"] == "3"]
    assert still_open["status"].startswith("open") and still_open["wave_closed"] == "2027-03-12"
    assert all(still_open[column] == "" for column in numbers)


def test_nothing_private_appears_in_any_file(db: Database, seeded: Seeded) -> None:
    everything = b"".join(export(db, seeded.mentoring).values()).decode("utf-8")
    assert "SECRET" not in everything
    assert "T2-ONLY-NAME" not in everything


def test_a_coffee_program_has_no_mentorship_columns_and_empty_mentoring_files(
    db: Database, seeded: Seeded
) -> None:
    files = export(db, seeded.coffee)
    [trio] = rows_of(files["pairings.csv"])
    assert trio == {
        "round": "1",
        "round_start": "2027-01-04",
        "group_id": trio["group_id"],
        "user_ids": "U2E; U3M; U4E",
        "names": "Eve Example; @mallory; Ben Carter",  # the quote guards only a cell's start
        "roles": "peer; peer; peer",
        "score": "3",
        "reasons": "'-hiking",
    }
    assert rows_of(files["goals.csv"]) == rows_of(files["checkin_aggregates.csv"]) == []
    assert rows_of(files["pulse_results.csv"]) == []


def test_another_workspaces_program_is_not_found(db: Database, seeded: Seeded) -> None:
    with pytest.raises(ProgramNotFound):
        export(db, seeded.elsewhere, team=T1)


# -- the guard --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@mallory", "'@mallory"),
        ("\tindented", "'\tindented"),
        ("\r=1", "'\r=1"),
        ("a=b", "a=b"),
        ("", ""),
        (-20, -20),  # a number we computed (an eNPS) stays a number
        (3.5, 3.5),
        (None, None),
    ],
)
def test_the_formula_guard_quotes_only_text_that_starts_like_a_formula(
    cell: str | int | float | None, written: str | int | float | None
) -> None:
    assert guard(cell) == written


def test_csv_quotes_commas_quotes_and_newlines_per_rfc_4180() -> None:
    data = to_csv([["a", "b"], ['say "hi", then', "two\nlines"], [-1, None]])
    assert data == b'a,b\r\n"say ""hi"", then","two\nlines"\r\n-1,\r\n'


# -- python app.py export ---------------------------------------------------------------------


def test_the_command_line_writes_the_files_and_refuses_clearly(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'sprout.db'}")
    upgrade(database.engine)
    seed(database)
    database.engine.dispose()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'sprout.db'}"}

    def export_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_app("export", *args, env=env, cwd=tmp_path)

    done = export_cli("--program", "mentoring", "--out", "out/march", "--team", T1)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "march"  # created, parents too
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.name for f in FILES)
    assert done.stdout.startswith("Exported “Mentoring” (T1) to out/march:\n")
    assert "out/march/goals.csv: 3 rows;" in done.stdout
    assert "out/march/pairings.csv: 2 rows;" in done.stdout  # a reason spans two lines
    reopened = Database.from_url(env["DATABASE_URL"])
    with reopened.session() as session:
        mentoring = session.scalar(
            sa.select(Program.id).where(Program.team_id == T1, Program.name == "Mentoring")
        )
        assert mentoring is not None
        expected = export_program(session, T1, mentoring, now=NOW)
    reopened.engine.dispose()
    for name in ("pairings.csv", "meetings.csv", "goals.csv", "pulse_results.csv"):
        assert (folder / name).read_bytes() == expected[name]
    assert "SECRET" not in "".join(p.read_text("utf-8") for p in folder.iterdir())

    unknown = export_cli("--program", "Nonesuch", "--out", "elsewhere", "--team", T1)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines()[-1] == (
        "There is no program called “Nonesuch” in T1. Programs: “Coffee”, “Mentoring”."
    )
    assert "Traceback" not in unknown.stderr and not (tmp_path / "elsewhere").exists()

    several = export_cli("--program", "Mentoring", "--out", "x")
    assert several.returncode == 2 and "Traceback" not in several.stderr
    assert "several workspaces; choose one with --team: T1, T2." in several.stderr
