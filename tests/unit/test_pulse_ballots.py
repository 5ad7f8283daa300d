"""Pulse answers are anonymous by the shape of the data: what is stored, and what is forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import UserFacingError
from bot.pulse.ballots import (
    AlreadyAnswered,
    Answer,
    WaveClosed,
    cast,
    close,
    has_answered,
    new_token_key,
)
from models import (
    Base,
    Cadence,
    Program,
    ProgramKind,
    PulseAnswer,
    PulseInvitation,
    PulseSchedule,
    PulseSurvey,
    PulseToken,
    PulseWave,
)

NOW = datetime(2027, 1, 11, 9, tzinfo=UTC)
TEAM = "T1"
#: The only columns an answer may have. Adding one here is a privacy decision: it must not name a
#: person (directly or as a stable pseudonym) or carry a time finer than the wave.
ANSWER_COLUMNS = {"id", "wave_id", "team_id", "question", "role", "value", "choice", "comment"}
TOKEN_COLUMNS = {"wave_id", "token", "team_id"}


def open_wave(session: Session, invited: list[str]) -> PulseWave:
    program = Program(
        team_id=TEAM,
        name="Mentoring",
        name_key="mentoring",
        kind=ProgramKind.MENTORING,
        cadence=Cadence.WEEKLY,
        weekday=0,
        local_time=time(10),
        timezone="UTC",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(program)
    session.flush()
    survey = PulseSurvey(
        team_id=TEAM,
        program_id=program.id,
        name="Program pulse",
        questions=[{"kind": "scale", "text": "How is it going?", "options": ["Bad", "Great"]}],
        schedule=PulseSchedule.ONCE,
        starts_at=NOW,
        created_at=NOW,
    )
    session.add(survey)
    session.flush()
    wave = PulseWave(
        team_id=TEAM,
        survey_id=survey.id,
        number=1,
        opens_at=NOW,
        closes_at=NOW + timedelta(days=3),
        token_key=new_token_key(),
    )
    session.add(wave)
    session.flush()
    session.add_all(
        PulseInvitation(wave_id=wave.id, user_id=u, team_id=TEAM, due_at=NOW) for u in invited
    )
    session.flush()
    return wave


def test_an_answer_table_has_no_column_that_could_name_a_person_or_a_time() -> None:
    answers = Base.metadata.tables["pulse_answers"]
    tokens = Base.metadata.tables["pulse_tokens"]
    assert set(answers.columns.keys()) == ANSWER_COLUMNS
    assert set(tokens.columns.keys()) == TOKEN_COLUMNS
    for table in (answers, tokens):
        for column in table.columns:
            assert not isinstance(column.type, (sa.DateTime, sa.Date, sa.Time)), column
            assert column.autoincrement is not True, column  # no ids in arrival order
        referred = {fk.column.table.name for fk in table.foreign_keys}
        assert referred == {"pulse_waves"}, referred  # nothing that leads to a person
    assert not isinstance(answers.c.id.type, sa.Integer)


def test_one_ballot_per_person_and_only_for_those_invited(db: Database) -> None:
    with db.session() as session:
        wave = open_wave(session, ["UANA", "UBEN"])
        cast(session, wave, user_id="UANA", role="mentee", answers=[Answer(0, value=4)], now=NOW)
        assert has_answered(session, wave, "UANA") and not has_answered(session, wave, "UBEN")
        with pytest.raises(AlreadyAnswered):
            cast(session, wave, user_id="UANA", role="mentee", answers=[Answer(0, 1)], now=NOW)
        with pytest.raises(UserFacingError):
            cast(session, wave, user_id="UZED", role=None, answers=[Answer(0, 5)], now=NOW)
        values = list(session.scalars(sa.select(PulseAnswer.value)))
    assert values == [4]


def test_no_answers_once_the_window_has_passed(db: Database) -> None:
    with db.session() as session:
        wave = open_wave(session, ["UANA"])
        later = wave.closes_at + timedelta(seconds=1)
        with pytest.raises(WaveClosed):
            cast(session, wave, user_id="UANA", role=None, answers=[Answer(0, 3)], now=later)


def test_stored_rows_hold_neither_the_person_nor_their_token_in_the_clear(db: Database) -> None:
    with db.session() as session:
        wave = open_wave(session, ["UANA"])
        cast(
            session,
            wave,
            user_id="UANA",
            role="mentee",
            answers=[Answer(0, value=2), Answer(1, comment="more time, please")],
            now=NOW,
        )
        stored = [
            repr(tuple(row))
            for model in (PulseAnswer, PulseToken)
            for row in session.execute(sa.select(model.__table__))
        ]
    assert stored and not any("UANA" in row for row in stored)


def test_closing_counts_then_forgets_who_answered_and_reshuffles_the_answers(
    db: Database,
) -> None:
    with db.session() as session:
        wave = open_wave(session, ["UANA", "UBEN", "UCAT"])
        for user_id, value in (("UANA", 1), ("UBEN", 5)):
            cast(session, wave, user_id=user_id, role=None, answers=[Answer(0, value)], now=NOW)
        before = {row.id: row.value for row in session.scalars(sa.select(PulseAnswer))}
        close(session, wave, NOW + timedelta(days=3))
        close(session, wave, NOW + timedelta(days=4))  # twice is once
        after = {row.id: row.value for row in session.scalars(sa.select(PulseAnswer))}
        tokens = session.scalar(sa.select(sa.func.count()).select_from(PulseToken))
        assert (wave.invited, wave.answered) == (3, 2)
        assert wave.token_key is None and wave.closed_at == NOW + timedelta(days=3)
        assert tokens == 0
        assert not has_answered(session, wave, "UANA")  # nobody can tell any more
    assert sorted(after.values()) == sorted(before.values()) == [1, 5]
    assert not set(after) & set(before)  # new ids: the old order and ids are gone
