"""Program insights against a dataset seeded by hand, every number worked out in the comments.

The workspace T1 has a mentoring program (three rounds that have started and one that hasn't,
eleven mentorships ended every way there is, check-ins, goals, close-outs, a pulse survey), a
coffee program sharing two of its people (trios, a repeat), and a leadership program whose
mentorships are the "earlier mentee" history. Workspace T2 reuses a user id, so that nothing
leaks across workspaces. NOW is 2027-03-01 09:00 UTC; SINCE (for the windowed figures) is
2027-01-01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import ProgramNotFound
from bot.insights.dataset import (
    GoalCounts,
    MonthlyUsefulness,
    Participants,
    ProgramMetrics,
    Ratio,
    Reflection,
)
from bot.insights.metrics import program_metrics, quotable_reflections
from bot.pulse.ballots import Answer as Ballot
from bot.pulse.ballots import cast, close, new_token_key
from bot.pulse.results import load
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
    PulseInvitation,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
    Role,
    Round,
    Unmatched,
)

T1, T2 = "T1", "T2"


def at(text: str) -> datetime:
    """'2026-10-05 09:00' as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NOW = at("2027-03-01 09:00")
SINCE = at("2027-01-01 00:00")
SCALE = {"kind": "scale", "text": "How useful is the program?", "options": ["Not", "Very"]}


@dataclass
class Seeded:
    mentoring: int = 0
    coffee: int = 0
    leadership: int = 0
    elsewhere: int = 0  # T2's program
    survey: int = 0
    mentorships: dict[str, int] = field(default_factory=dict)


# -- building blocks ------------------------------------------------------------------------------


def program(session: Session, team: str, name: str, kind: ProgramKind) -> int:
    row = Program(
        team_id=team,
        name=name,
        name_key=name.casefold(),
        kind=kind,
        cadence=Cadence.EVERY_4_WEEKS,
        weekday=0,
        local_time=time(9),
        timezone="UTC",
        created_at=at("2026-08-01 09:00"),
        updated_at=at("2026-08-01 09:00"),
    )
    session.add(row)
    session.flush()
    return row.id


def person(
    session: Session,
    user: str,
    *,
    team: str = T1,
    paused: bool = False,
    until: str | None = None,
    inactive: bool = False,
) -> None:
    session.add(
        Person(
            team_id=team,
            user_id=user,
            name=user,
            paused=paused,
            paused_until=at(until) if until else None,
            inactive=inactive,
            created_at=at("2026-08-01 09:00"),
            updated_at=at("2026-08-01 09:00"),
        )
    )


def member(
    session: Session,
    program_id: int,
    user: str,
    role: Role,
    joined: str,
    *,
    left: str | None = None,
    ghost: str | None = None,
) -> None:
    session.add(
        Membership(
            team_id=T1,
            program_id=program_id,
            user_id=user,
            role=role,
            joined_at=at(joined),
            status=MembershipStatus.LEFT if left else MembershipStatus.ACTIVE,
            left_at=at(left) if left else None,
            ghost_reset_at=at(ghost) if ghost else None,
        )
    )


def round_(session: Session, program_id: int, number: int, starts: str) -> int:
    start = at(starts)
    row = Round(
        team_id=T1,
        program_id=program_id,
        period=start.date().isoformat(),
        number=number,
        starts_at=start,
        ends_at=start + timedelta(weeks=4),
        created_at=start,
    )
    session.add(row)
    session.flush()
    return row.id


def group(
    session: Session, round_id: int, members: dict[str, tuple[str, Answer | None, str | None]]
) -> int:
    """``members``: user -> (role, answer, answered at)."""
    row = Group(team_id=T1, round_id=round_id, starter_key="story")
    session.add(row)
    session.flush()
    for user, (role, answer, when) in members.items():
        session.add(
            GroupMember(
                group_id=row.id,
                user_id=user,
                team_id=T1,
                role=role,
                answer=answer,
                answered_at=at(when) if when else None,
            )
        )
    session.flush()
    return row.id


def mentorship(
    session: Session,
    program_id: int,
    mentor: str,
    mentee: str,
    started: str,
    term_ends: str,
    *,
    group_id: int | None = None,
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
        started_at=at(started),
        term_ends_at=at(term_ends),
        ended_at=at(ended) if ended else None,
        end_reason=reason,
    )
    session.add(row)
    session.flush()
    return row.id


def check_in(
    session: Session,
    mentorship_id: int,
    user: str,
    number: int,
    sent: str | None,
    answered: str | None = None,
    met: MeetingAnswer | None = None,
    usefulness: int | None = None,
) -> None:
    due = at(sent) if sent else at("2027-03-24 09:00")
    session.add(
        CheckIn(
            team_id=T1,
            mentorship_id=mentorship_id,
            user_id=user,
            number=number,
            due_at=due,
            sent_at=at(sent) if sent else None,
            answered_at=at(answered) if answered else None,
            met=met,
            usefulness=usefulness,
        )
    )


def goal(session: Session, mentorship_id: int, position: int, created: str, status: GoalStatus):
    session.add(
        Goal(
            team_id=T1,
            mentorship_id=mentorship_id,
            position=position,
            what="Run a design review",
            measure="One review led",
            status=status,
            created_at=at(created),
            updated_at=at(created),
        )
    )


def close_out(
    session: Session,
    mentorship_id: int,
    user: str,
    submitted: str | None,
    *,
    quotable: bool,
    helped: str | None = None,
    will_apply: str | None = None,
) -> None:
    session.add(
        CloseOut(
            mentorship_id=mentorship_id,
            user_id=user,
            team_id=T1,
            asked_at=at("2026-12-28 09:00"),
            submitted_at=at(submitted) if submitted else None,
            helped=helped,
            will_apply=will_apply,
            quotable=quotable,
        )
    )


def pulse_wave(
    session: Session, survey: PulseSurvey, number: int, opens: str, values: list[int]
) -> None:
    """A wave with one scale answer per value, cast and closed through bot.pulse.ballots."""
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
    people = [f"UP{number}{i}" for i in range(len(values) + 1)]  # one invited person abstains
    session.add_all(
        PulseInvitation(wave_id=wave.id, user_id=u, team_id=T1, due_at=start) for u in people
    )
    session.flush()
    for user, value in zip(people, values, strict=False):
        cast(session, wave, user_id=user, role=None, answers=[Ballot(0, value=value)], now=start)
    close(session, wave, wave.closes_at)
    session.flush()


def survey(session: Session, program_id: int, name: str) -> PulseSurvey:
    row = PulseSurvey(
        team_id=T1,
        program_id=program_id,
        name=name,
        questions=[SCALE],
        schedule=PulseSchedule.MONTHLY,
        starts_at=at("2026-11-02 09:00"),
        min_answers=3,
        min_comments=3,
        created_at=at("2026-11-01 09:00"),
    )
    session.add(row)
    session.flush()
    return row


# -- the dataset ----------------------------------------------------------------------------------

MET, SCHEDULED, CANT = Answer.MET, Answer.SCHEDULED, Answer.CANT


def seed(db: Database) -> Seeded:
    ids = Seeded()
    with db.session() as session:
        ids.mentoring = program(session, T1, "Mentoring", ProgramKind.MENTORING)
        ids.coffee = program(session, T1, "Coffee", ProgramKind.COFFEE)
        ids.leadership = program(session, T1, "Leadership", ProgramKind.MENTORING)
        ids.elsewhere = program(session, T2, "Mentoring", ProgramKind.MENTORING)

        # People. Pauses and deactivation are per person, across programs.
        person(session, "m1")
        person(session, "m2", paused=True)  # paused until resumed
        person(session, "m3", paused=True, until="2027-02-01 09:00")  # over by NOW
        person(session, "e1")
        person(session, "e2", paused=True)  # left the program; "left" wins
        person(session, "e3", paused=True, until="2027-06-01 09:00")  # still paused at NOW
        person(session, "e4", inactive=True, paused=True)  # deactivated wins over paused
        for user in ("e5", "e6", "x1", "m9", "p1", "p2"):
            person(session, user)
        person(session, "m2", team=T2)

        # Mentoring memberships. e4 left and re-joined on 12-20 (joined_at is the re-join);
        # e5 changed role from mentee to mentor; e3 is "both" but never mentored.
        mp = ids.mentoring
        member(session, mp, "m1", Role.MENTOR, "2026-09-01 09:00")
        member(session, mp, "m2", Role.MENTOR, "2026-09-01 09:00")
        member(session, mp, "m3", Role.MENTOR, "2026-10-20 09:00")
        member(session, mp, "e1", Role.BOTH, "2026-09-01 09:00")
        member(session, mp, "e2", Role.MENTEE, "2026-09-01 09:00", left="2026-12-01 09:00")
        member(session, mp, "e3", Role.BOTH, "2026-09-15 09:00", ghost="2026-11-30 09:00")
        member(session, mp, "e4", Role.MENTEE, "2026-12-20 09:00")
        member(session, mp, "e5", Role.MENTOR, "2026-09-01 09:00", ghost="2027-01-20 09:00")
        # e6 was paused by the rule but never introduced in a round that has started.
        member(session, mp, "e6", Role.MENTEE, "2026-10-01 09:00", ghost="2026-12-01 09:00")
        member(session, mp, "x1", Role.MENTOR, "2026-12-10 09:00")
        session.flush()

        # Rounds of the mentoring program.
        r1 = round_(session, mp, 1, "2026-10-05 09:00")
        r2 = round_(session, mp, 2, "2026-11-02 09:00")
        r3 = round_(session, mp, 3, "2027-01-04 09:00")
        r4 = round_(session, mp, 4, "2027-03-15 09:00")  # starts after NOW: left out
        g1 = group(
            session,
            r1,
            {
                "m1": ("mentor", MET, "2026-10-07 09:00"),  # 48 h after the start
                "e1": ("mentee", MET, "2026-10-08 09:00"),
            },
        )
        g2 = group(
            session,
            r1,
            {
                "m2": ("mentor", MET, "2026-10-09 21:00"),  # 4 days 12 h = 108 h
                "e2": ("mentee", SCHEDULED, "2026-10-06 09:00"),
            },
        )
        g3 = group(session, r1, {"m1": ("mentor", None, None), "e4": ("mentee", None, None)})
        g4 = group(
            session,
            r1,
            {
                # Said "met" long after, past the pair's term: 86 days = 2064 h.
                "m2": ("mentor", MET, "2026-12-30 09:00"),
                "e5": ("mentee", CANT, "2026-10-06 09:00"),
            },
        )
        session.add(Unmatched(round_id=r1, team_id=T1, user_id="e3", reason="No fit"))
        g5 = group(
            session,
            r2,
            {"m1": ("mentor", None, None), "e1": ("mentee", MET, "2026-11-02 19:00")},  # 10 h
        )
        g6 = group(session, r2, {"m3": ("mentor", None, None), "e5": ("mentee", None, None)})
        g7 = group(
            session,
            r2,
            # Answered 3 h before the round's start: counts as 0 h.
            {"m2": ("mentor", MET, "2026-11-02 06:00"), "e3": ("mentee", None, None)},
        )
        session.add(Unmatched(round_id=r2, team_id=T1, user_id="e4", reason="No fit"))
        g8 = group(
            session,
            r3,
            {
                "e1": ("mentor", MET, "2027-01-04 15:00"),  # 6 h
                "e5": ("mentee", MET, "2027-01-05 09:00"),
            },
        )
        g9 = group(
            session,
            r3,
            {"m2": ("mentor", MET, "2027-01-06 09:00"), "e3": ("mentee", None, None)},  # 48 h
        )
        g10 = group(
            session,
            r3,
            {"m1": ("mentor", None, None), "e4": ("mentee", CANT, "2027-01-05 09:00")},
        )
        g12 = group(session, r4, {"m3": ("mentor", None, None), "e6": ("mentee", None, None)})

        # Mentorships: one per group, a 12-week term.
        def pair(name: str, gid: int, mentor: str, mentee: str, start: str, term: str, **kw):
            ids.mentorships[name] = mentorship(
                session, mp, mentor, mentee, start, term, group_id=gid, **kw
            )

        r1s, r1t = "2026-10-05 09:00", "2026-12-28 09:00"
        r2s, r2t = "2026-11-02 09:00", "2027-01-25 09:00"
        r3s, r3t = "2027-01-04 09:00", "2027-03-29 09:00"
        pair("M1", g1, "m1", "e1", r1s, r1t, ended=r1t, reason="term")
        pair("M2", g2, "m2", "e2", r1s, r1t, ended="2026-12-01 09:00", reason="left")
        pair("M3", g3, "m1", "e4", r1s, r1t, ended="2026-11-15 09:00", reason="ended")
        pair("M4", g4, "m2", "e5", r1s, r1t, ended="2026-12-29 09:00", reason="term")
        pair("M5", g5, "m1", "e1", r2s, r2t, ended="2027-01-20 09:00", reason="owner")
        pair("M6", g6, "m3", "e5", r2s, r2t, ended=r2t, reason="term")
        pair("M7", g7, "m2", "e3", r2s, r2t)  # term over, never ended (m2 is paused)
        pair("M8", g8, "e1", "e5", r3s, r3t)  # e1 now mentors
        pair("M9", g9, "m2", "e3", r3s, r3t, ended="2027-02-10 09:00", reason="left")
        # "term" as the reason although before the term: not early, by the reason.
        pair("M10", g10, "m1", "e4", r3s, r3t, ended="2027-02-15 09:00", reason="term")
        pair("M11", g12, "m3", "e6", "2027-03-15 09:00", "2027-06-07 09:00")  # after NOW
        # The leadership program: x1 was a mentee before joining Mentoring as a mentor; m3
        # became a mentee after mentoring. T2 has a "m2" who was a mentee: another person.
        lp = ids.leadership
        q1 = mentorship(
            session, lp, "m9", "x1", "2026-10-01 09:00", "2026-12-24 09:00",
            ended="2026-12-24 09:00", reason="term",
        )  # fmt: skip
        mentorship(session, lp, "m9", "m3", "2027-02-01 09:00", "2027-04-26 09:00")
        mentorship(
            session, ids.elsewhere, "z1", "m2", "2026-01-01 09:00", "2026-03-26 09:00", team=T2
        )
        m = ids.mentorships

        # Check-ins: (pair, who, number, sent, answered, met, usefulness).
        met, moved, missed = MeetingAnswer.MET, MeetingAnswer.RESCHEDULED, MeetingAnswer.NOT_MET
        rows = [
            (m["M1"], "m1", 1, "2026-11-02 10:00", "2026-11-03 10:00", met, 4),
            (m["M1"], "e1", 1, "2026-11-02 10:00", "2026-11-04 10:00", met, 5),
            (m["M4"], "e5", 1, "2026-11-02 10:00", "2026-11-05 10:00", missed, 2),
            (m["M4"], "m2", 1, "2026-11-02 10:00", None, None, None),
            (m["M1"], "e1", 2, "2026-11-16 10:00", "2026-11-17 10:00", met, 3),
            (m["M7"], "e3", 1, "2026-12-01 10:00", "2026-12-02 10:00", met, 5),
            (m["M7"], "m2", 1, "2026-12-01 10:00", "2026-12-03 10:00", met, 1),
            (m["M6"], "m3", 1, "2026-12-01 10:00", "2026-12-02 10:00", moved, None),
            (m["M6"], "e5", 1, "2026-12-01 10:00", None, None, None),
            # Sent in December, answered in January, after M1's term: a meeting after it.
            (m["M1"], "e1", 3, "2026-12-27 10:00", "2027-01-10 10:00", met, 4),
            (m["M6"], "m3", 2, "2027-01-18 10:00", "2027-01-20 10:00", met, 2),
            (m["M7"], "e3", 2, "2027-01-18 10:00", "2027-01-19 10:00", met, 4),
            (m["M8"], "e5", 1, "2027-01-18 10:00", "2027-01-19 10:00", met, 5),
            (m["M8"], "e1", 1, "2027-01-18 10:00", None, None, None),
            # M5 was closed early: a "met" after its term end does not make it "still meeting".
            (m["M5"], "m1", 1, "2027-01-18 10:00", "2027-01-28 10:00", met, 3),
            (m["M7"], "e3", 3, "2027-02-01 10:00", "2027-02-01 12:00", met, 5),
            (m["M6"], "e5", 2, "2027-02-01 10:00", "2027-02-02 10:00", missed, 1),
            (m["M8"], "e5", 2, "2027-02-01 10:00", "2027-02-03 10:00", met, 4),
            (m["M8"], "e1", 2, "2027-03-10 10:00", None, None, None),  # sent after NOW
            (m["M8"], "e1", 3, None, None, None, None),  # not sent yet
            (q1, "x1", 1, "2026-11-02 10:00", "2026-11-03 10:00", met, 1),  # another program
        ]
        for row in rows:
            check_in(session, *row)

        goal(session, m["M1"], 1, "2026-10-10 09:00", GoalStatus.MET)
        goal(session, m["M1"], 2, "2026-10-10 09:00", GoalStatus.PARTLY)
        goal(session, m["M4"], 1, "2026-10-12 09:00", GoalStatus.NOT_MET)
        goal(session, m["M7"], 1, "2026-11-05 09:00", GoalStatus.DROPPED)
        goal(session, m["M8"], 1, "2027-01-06 09:00", GoalStatus.OPEN)
        goal(session, m["M8"], 2, "2027-01-06 09:00", GoalStatus.MET)
        goal(session, m["M9"], 1, "2027-01-07 09:00", GoalStatus.OPEN)
        goal(session, q1, 1, "2026-10-10 09:00", GoalStatus.MET)  # another program

        close_out(
            session, m["M1"], "m1", "2026-12-29 09:00", quotable=True,
            helped="Listening first", will_apply="Ask more questions",
        )  # fmt: skip
        close_out(session, m["M1"], "e1", "2026-12-30 09:00", quotable=False, helped="Private")
        close_out(session, m["M4"], "e5", "2027-01-02 09:00", quotable=True, helped="   ")
        close_out(
            session, m["M6"], "m3", "2027-01-26 09:00", quotable=True,
            helped="Weekly walks", will_apply="  Try pairing  ",
        )  # fmt: skip
        close_out(session, m["M6"], "e5", None, quotable=True, helped="Not sent")
        close_out(
            session, m["M5"], "m1", "2027-01-22 09:00", quotable=True, will_apply="Feedback early"
        )
        close_out(session, q1, "x1", "2026-12-25 09:00", quotable=True, helped="Other program")

        # The coffee program: m1 and e1 are in it too (they were paired in Mentoring round 1
        # as well, which must not make their trio here a repeat).
        cp = ids.coffee
        for user in ("m1", "e1", "p1", "p2"):
            member(session, cp, user, Role.PEER, "2026-09-20 09:00")
        c1 = round_(session, cp, 1, "2026-10-05 09:00")
        c2 = round_(session, cp, 2, "2026-10-19 09:00")
        group(
            session,
            c1,
            {
                "m1": ("peer", None, None),
                "e1": ("peer", None, None),
                "p1": ("peer", MET, "2026-10-06 09:00"),  # 24 h
            },
        )
        session.add(Unmatched(round_id=c1, team_id=T1, user_id="p2", reason="Odd one out"))
        group(session, c2, {"m1": ("peer", None, None), "p1": ("peer", None, None)})  # repeat
        group(
            session,
            c2,
            {"e1": ("peer", MET, "2026-10-20 09:00"), "p2": ("peer", None, None)},  # 24 h
        )

        # Pulse: waves of 3 and 4 answers show (k = 3); the one of 2 answers does not.
        mentoring_survey = survey(session, mp, "Program pulse")
        pulse_wave(session, mentoring_survey, 1, "2026-11-02 09:00", [2, 3, 4])
        pulse_wave(session, mentoring_survey, 2, "2026-12-07 09:00", [5, 5])
        pulse_wave(session, mentoring_survey, 3, "2027-01-11 09:00", [4, 4, 5, 3])
        ids.survey = mentoring_survey.id
        coffee_survey = survey(session, cp, "Coffee pulse")
        pulse_wave(session, coffee_survey, 1, "2026-11-02 09:00", [1, 1, 1])
    return ids


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed(db)


def metrics(db: Database, program_id: int, since: datetime | None = None) -> ProgramMetrics:
    with db.session() as session:
        return program_metrics(session, T1, program_id, since=since, now=NOW)


def round_row(result: ProgramMetrics, number: int) -> tuple[object, ...]:
    r = next(r for r in result.rounds if r.number == number)
    return (
        r.groups,
        r.matched,
        r.eligible,
        r.met_groups,
        r.repeat_groups,
        r.hours_to_first_meeting,
        r.retained_next,
    )


# -- the mentoring program, from the beginning ----------------------------------------------------


def test_rounds_from_the_beginning(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring)
    # Round 4 starts on 03-15, after NOW.
    assert [r.number for r in result.rounds] == [1, 2, 3]
    assert result.rounds[0].starts_at == at("2026-10-05 09:00")

    # Round 1: groups G1-G4; matched {m1, e1, m2, e2, e4, e5} = 6.
    # Eligible: memberships joined by 10-05 and not left then: m1 m2 e1 e2 e3 e5 e6 = 7, plus e4
    # (grouped, but its joined_at is the 12-20 re-join) = 8; e3 is unmatched but already counted.
    # Met: G1, G2, G4 = 3 (G2's "scheduled" alone would not count; m2 said met).
    # Hours to the first "met": G1 48, G2 108, G4 2064 -> median 108.
    # Retained: round 2 has {m1, e1, m3, e5, m2, e3}; of round 1's six: m1 e1 m2 e5 = 4.
    assert round_row(result, 1) == (4, 6, 8, 3, 0, pytest.approx(108.0), 4)

    # Round 2: G5-G7; matched 6. Eligible: m1 m2 m3 e1 e2 e3 e5 e6 = 8 (e2 leaves on 12-01,
    # m3 joined 10-20), plus e4, unmatched and not yet (re-)joined = 9.
    # Met: G5 (10 h), G7 (-3 h, counted as 0) -> median (0 + 10) / 2 = 5.
    # Repeats: G5 is m1 + e1 again (G1). Retained in round 3 {e1, e5, m2, e3, m1, e4}: 5.
    assert round_row(result, 2) == (3, 6, 9, 2, 1, pytest.approx(5.0), 5)

    # Round 3: G8-G10; matched 6. Eligible: m1 m2 m3 e1 e3 e4 e5 e6 x1 = 9 (e2 has left).
    # Met: G8 (6 h: e1's answer, before e5's), G9 (48 h) -> median 27.
    # Repeats: G9 (m2 + e3, as G7) and G10 (m1 + e4, as G3) = 2; G8 (e1 + e5) is new.
    # Round 4 has not started: no retention yet.
    assert round_row(result, 3) == (3, 6, 9, 2, 2, pytest.approx(27.0), None)

    r1 = result.rounds[0]
    assert r1.coverage == Ratio(6, 8) and r1.coverage.rate == 0.75
    assert r1.met_rate == Ratio(3, 4) and r1.repeat_rate == Ratio(0, 4)
    assert r1.retention == Ratio(4, 6) and result.rounds[2].retention is None

    # Pooled over rounds: met (3 + 2 + 2) / (4 + 3 + 3); coverage 18 / (8 + 9 + 9);
    # repeats 3 / 10; retention (4 + 5) / (6 + 6) over the rounds that have a next one.
    assert result.met_rate == Ratio(7, 10)
    assert result.met_rate_trend == [
        (1, pytest.approx(0.75)),
        (2, pytest.approx(2 / 3)),
        (3, pytest.approx(2 / 3)),
    ]
    assert result.coverage == Ratio(18, 26)
    assert result.repeat_rate == Ratio(3, 10)
    assert result.retention == Ratio(9, 12)
    # All seven met groups: 0, 6, 10, 48, 48, 108, 2064 -> the 4th, 48.
    assert result.hours_to_first_meeting == pytest.approx(48.0)


def test_people_and_pairs_from_the_beginning(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring)
    assert (result.program_name, result.kind) == ("Mentoring", ProgramKind.MENTORING)
    assert (result.since, result.now) == (None, NOW)
    # left: e2; deactivated: e4 (also paused); paused: m2 (no end), e3 (until June);
    # active: m1, m3 (pause over), e1, e5, e6, x1.
    assert result.participants == Participants(active=6, paused=2, deactivated=1, left=1)
    assert result.participants.total == 10

    # Introduced in rounds 1-3: m1 e1 m2 e2 e4 e5 m3 e3 = 8; paused by the rule: e3, e5 = 2.
    # (e6's reset doesn't count: only round 4, which hasn't started, introduces e6.)
    assert result.ghost_rate == Ratio(2, 8)

    # Sent by NOW: 18 (one sent after NOW, one unsent); unanswered: 3 -> 15 / 18.
    assert result.check_in_response == Ratio(15, 18)
    # By the month of the answer; a month shows with >= 3 distinct raters:
    # Nov: 4 (m1) 5 (e1) 2 (e5) 3 (e1) -> 14 / 4 = 3.5, raters m1 e1 e5 = 3;
    # Dec: e3 and m2 only (m3 answered without a rating) -> hidden;
    # Jan: 4 (e1) 2 (m3) 4 (e3) 5 (e5) 3 (m1) -> 18 / 5 = 3.6, 5 raters;
    # Feb: e3, e5, e5 -> three ratings but two raters -> hidden.
    assert result.usefulness_trend == (
        MonthlyUsefulness(date(2026, 11, 1), pytest.approx(3.5), 4, 3),
        MonthlyUsefulness(date(2027, 1, 1), pytest.approx(3.6), 5, 5),
    )
    assert result.usefulness_trend_points == [
        (date(2026, 11, 1), pytest.approx(3.5)),
        (date(2027, 1, 1), pytest.approx(3.6)),
    ]

    # Goals set: met (M1, M8), partly (M1), not met (M4), dropped (M7), open (M8, M9) = 7.
    assert result.goals == GoalCounts(open=2, met=2, partly=1, not_met=1, dropped=1)
    assert result.goals.set == 7 and result.goals.met_rate == Ratio(2, 7)

    # Started by NOW: M1-M10 (M11 starts 03-15).
    assert result.mentorships_started == 10
    # Ended: M1 M2 M3 M4 M5 M6 M9 M10 = 8; early (not "term", before the term's end):
    # M2 (left), M3 (ended), M5 (owner), M9 (left) = 4. M6 ended on its term's last instant,
    # M10's reason is "term".
    assert result.early_closure == Ratio(4, 8)
    # Full term over by NOW: M1, M4, M6 (ended at or after it), M7 (never ended) = 4.
    # Met after the term: M1 (check-in 01-10), M4 (G4's answer 12-30), M7 (check-in 02-01);
    # M6's only answer after the term is "not met" -> 3 / 4.
    assert result.still_meeting_after_term == Ratio(3, 4)
    # e1: mentee of M1 (10-05), mentor of M8 (01-04); x1: Leadership mentee (10-01), joined as
    # a mentor on 12-10; e5: mentee here, now has the role "mentor". Not m3 (a mentee only
    # after mentoring), not e3 ("both", never mentored), not m2 (T2's "m2" is someone else).
    assert result.mentees_became_mentors == 3
    # Submitted: 5 (M6/e5's was never sent); shared: M1/m1, M6/m3, M5/m1 (M4/e5's is blank,
    # M1/e1 said no) = 3.
    assert result.reflections_shared == Ratio(3, 5)


def test_pulse_results_come_through_the_survey_thresholds(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring)
    assert len(result.pulse) == 1  # the coffee program's survey is not this program's
    (pulse,) = result.pulse
    with db.session() as session:
        found = session.get(PulseSurvey, seeded.survey)
        assert found is not None
        assert pulse == load(session, found, comments=False)  # exactly what the survey shows
    assert [(w.number, w.shown) for w in pulse.waves] == [(1, True), (2, False), (3, True)]
    assert pulse.waves[1].questions == ()  # 2 answers < k = 3: no numbers at all
    # Means: (2 + 3 + 4) / 3 = 3.0, (4 + 4 + 5 + 3) / 4 = 4.0.
    assert pulse.trend(0) == [(1, pytest.approx(3.0)), (3, pytest.approx(4.0))]


def test_quotable_reflections_are_words_only(db: Database, seeded: Seeded) -> None:
    with db.session() as session:
        everything = quotable_reflections(session, T1, seeded.mentoring, None)
        windowed = quotable_reflections(session, T1, seeded.mentoring, SINCE)
        other_team = quotable_reflections(session, T2, seeded.mentoring, None)
    assert sorted(everything, key=repr) == sorted(
        [
            Reflection("Listening first", "Ask more questions"),
            Reflection("Weekly walks", "Try pairing"),
            Reflection(None, "Feedback early"),
        ],
        key=repr,
    )
    assert sorted(windowed, key=repr) == sorted(
        [Reflection("Weekly walks", "Try pairing"), Reflection(None, "Feedback early")], key=repr
    )
    assert other_team == []
    # Nobody's name or id travels with the words.
    assert all(set(vars(r)) == {"helped", "will_apply"} for r in everything)


# -- the same program since 2027-01-01 --------------------------------------------------------


def test_the_window_since_january(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.mentoring, SINCE)
    assert result.since == SINCE
    # Only round 3 starts in the window; its repeats still look back at rounds 1 and 2.
    assert round_row(result, 3) == (3, 6, 9, 2, 2, pytest.approx(27.0), None)
    assert [r.number for r in result.rounds] == [3]
    assert result.met_rate == Ratio(2, 3) and result.met_rate_trend == [(3, pytest.approx(2 / 3))]
    assert result.coverage == Ratio(6, 9) and result.repeat_rate == Ratio(2, 3)
    assert result.retention == Ratio(0, 0) and result.retention.rate is None
    assert result.hours_to_first_meeting == pytest.approx(27.0)  # 6 and 48
    # Participants are a snapshot at NOW, whatever the window.
    assert result.participants == Participants(active=6, paused=2, deactivated=1, left=1)
    # Introduced in round 3: e1 e5 m2 e3 m1 e4 = 6; reset in the window: e5 (01-20) = 1.
    assert result.ghost_rate == Ratio(1, 6)
    # Sent from 01-01: the eight from 01-18 and 02-01; unanswered: M8/e1 -> 7 / 8.
    assert result.check_in_response == Ratio(7, 8)
    # Jan: 2 (m3) 4 (e3) 5 (e5) 3 (m1) -> 14 / 4 = 3.5 (e1's, sent in December, is out).
    assert result.usefulness_trend == (
        MonthlyUsefulness(date(2027, 1, 1), pytest.approx(3.5), 4, 4),
    )
    # Goals set from 01-01: M8 open + met, M9 open.
    assert result.goals == GoalCounts(open=2, met=1, partly=0, not_met=0, dropped=0)
    assert result.mentorships_started == 3  # M8, M9, M10
    # Ended in the window: M5 (01-20), M6 (01-25), M9 (02-10), M10 (02-15); early: M5, M9.
    assert result.early_closure == Ratio(2, 4)
    # Terms over in the window: M6, M7 (M5 closed early); met after: M7.
    assert result.still_meeting_after_term == Ratio(1, 2)
    # e1 (mentor of M8, started 01-04) and e5 (mentee of M8); x1 joined before the window.
    assert result.mentees_became_mentors == 2
    # Submitted from 01-01: M4/e5 (blank), M6/m3, M5/m1 -> 2 shared of 3.
    assert result.reflections_shared == Ratio(2, 3)
    (pulse,) = result.pulse
    assert [w.number for w in pulse.waves] == [3]  # opened 01-11


# -- the coffee program, and other workspaces -------------------------------------------------


def test_coffee_trios_repeats_and_empty_figures(db: Database, seeded: Seeded) -> None:
    result = metrics(db, seeded.coffee)
    # Round 1: one trio {m1, e1, p1}, p2 unmatched; eligible m1 e1 p1 p2 = 4; p1 met after
    # 24 h; no repeat (m1 and e1's pairing in Mentoring is another program's). Retained in
    # round 2 {m1, p1, e1, p2}: all 3.
    assert round_row(result, 1) == (1, 3, 4, 1, 0, pytest.approx(24.0), 3)
    # Round 2: {m1, p1} were in the trio -> a repeat; {e1, p2} new and met after 24 h.
    assert round_row(result, 2) == (2, 4, 4, 1, 1, pytest.approx(24.0), None)
    assert result.coverage == Ratio(7, 8) and result.met_rate == Ratio(2, 3)
    assert result.repeat_rate == Ratio(1, 3) and result.retention == Ratio(3, 3)
    assert result.participants == Participants(active=4, paused=0, deactivated=0, left=0)
    assert result.ghost_rate == Ratio(0, 4)
    # No pairs, check-ins, goals or close-outs: counts of zero, rates of None.
    assert result.check_in_response == Ratio(0, 0) and result.check_in_response.rate is None
    assert result.usefulness_trend == ()
    assert result.goals == GoalCounts(0, 0, 0, 0, 0) and result.goals.met_rate.rate is None
    assert result.mentorships_started == 0
    assert result.early_closure == Ratio(0, 0)
    assert result.still_meeting_after_term == Ratio(0, 0)
    assert result.mentees_became_mentors == 0
    assert result.reflections_shared == Ratio(0, 0)
    assert [p.name for p in result.pulse] == ["Coffee pulse"]


def test_a_mentor_in_two_groups_of_their_last_round_counts_once(db: Database) -> None:
    """Retention and the ghost rate read one row per person and round from a window over
    group memberships; a mentor with two mentees in a round has two rows there, and here that
    round is the last one, where the ghost rate counts each person."""
    with db.session() as session:
        pid = program(session, T1, "Two mentees", ProgramKind.MENTORING)
        for user in ("a", "b", "c", "d"):
            person(session, user)
        member(session, pid, "a", Role.MENTOR, "2026-09-01 09:00", ghost="2026-12-01 09:00")
        for user in ("b", "c", "d"):
            member(session, pid, user, Role.MENTEE, "2026-09-01 09:00")
        r1 = round_(session, pid, 1, "2026-10-05 09:00")
        r2 = round_(session, pid, 2, "2026-11-02 09:00")
        group(session, r1, {"a": ("mentor", MET, "2026-10-06 09:00"), "b": ("mentee", None, None)})
        group(session, r2, {"a": ("mentor", None, None), "c": ("mentee", None, None)})
        group(session, r2, {"a": ("mentor", MET, "2026-11-04 09:00"), "d": ("mentee", None, None)})
    result = metrics(db, pid)
    # Round 1: {a, b}, of whom a is back in round 2 ({a, c, d}); round 2 has no next round.
    assert round_row(result, 1) == (1, 2, 4, 1, 0, pytest.approx(24.0), 1)
    assert round_row(result, 2) == (2, 3, 4, 1, 0, pytest.approx(48.0), None)
    # Introduced: a, b, c, d, each once although a has two groups in round 2; paused: a.
    assert result.ghost_rate == Ratio(1, 4)
    assert result.hours_to_first_meeting == pytest.approx(36.0)  # 24 and 48


def test_a_program_without_rounds_and_another_workspaces_program(
    db: Database, seeded: Seeded
) -> None:
    result = metrics(db, seeded.leadership)
    assert result.rounds == () and result.hours_to_first_meeting is None
    assert result.met_rate == Ratio(0, 0) and result.met_rate_trend == []
    assert result.participants.total == 0
    # Its own pair Q1: one check-in answered, one goal met, one quotable close-out.
    assert result.check_in_response == Ratio(1, 1)
    assert result.goals.met_rate == Ratio(1, 1)
    assert result.reflections_shared == Ratio(1, 1)
    assert result.mentorships_started == 2 and result.early_closure == Ratio(0, 1)
    with db.session() as session, pytest.raises(ProgramNotFound):
        program_metrics(session, T1, seeded.elsewhere, since=None, now=NOW)
    with db.session() as session, pytest.raises(ProgramNotFound):
        program_metrics(session, T2, seeded.mentoring, since=None, now=NOW)


def test_the_number_of_queries_does_not_grow_with_the_data(db: Database, seeded: Seeded) -> None:
    """Every metric is an aggregate: the statement count is the same for any program size."""
    counted: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        counted.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        metrics(db, seeded.coffee)
        small = len(counted)
        counted.clear()
        metrics(db, seeded.mentoring)
        large = len(counted)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert small == large
    assert large <= 25
