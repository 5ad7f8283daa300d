"""Pulse answers are anonymous by the shape of the data: what is stored, and what is forgotten."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import UserFacingError
from bot.pulse import ballots
from bot.pulse.ballots import (
    AlreadyAnswered,
    Answer,
    WaveClosed,
    cast,
    close,
    has_answered,
    invitation_key,
    new_token_key,
    reminder_key,
    token_for,
)
from bot.pulse.waves import WaveService
from bot.slack.delivery import enqueue
from bot.slack.people import PeopleDirectory
from models import (
    Base,
    OutboxMessage,
    OutboxStatus,
    PulseAnswer,
    PulseInvitation,
    PulseSchedule,
    PulseToken,
    PulseWave,
    Role,
)
from tests import factories
from tests.factories import added

NOW = datetime(2027, 1, 11, 9, tzinfo=UTC)
TEAM = "T1"
SCALE = {"kind": "scale", "text": "How is it going?", "options": ["Bad", "Great"]}
COMMENT = {"kind": "comment", "text": "Anything else?", "options": []}
#: The only columns an answer may have. Adding one here is a privacy decision: it must not name a
#: person (directly or as a stable pseudonym) or carry a time finer than the wave.
ANSWER_COLUMNS = {"id", "wave_id", "team_id", "question", "role", "value", "choice", "comment"}
TOKEN_COLUMNS = {"wave_id", "token", "team_id"}


def open_wave(
    session: Session,
    invited: list[str],
    *,
    questions: list[dict[str, Any]] | None = None,
    roles: dict[str, Role] | None = None,
    min_answers: int = 5,
) -> PulseWave:
    """A program, a survey and its open wave with ``invited`` asked; ``roles`` their memberships."""
    program = added(session, factories.program(at=NOW, team_id=TEAM))
    survey = added(
        session,
        factories.survey(
            program.id,
            questions or [SCALE],
            at=NOW,
            schedule=PulseSchedule.ONCE,
            team_id=TEAM,
            min_answers=min_answers,
        ),
    )
    wave = added(session, factories.wave(survey.id, 1, opens=NOW, team_id=TEAM))
    session.add_all(
        PulseInvitation(wave_id=wave.id, user_id=u, team_id=TEAM, due_at=NOW) for u in invited
    )
    for user_id, role in (roles or {}).items():
        added(session, factories.person(user_id, at=NOW, team_id=TEAM))
        session.add(factories.membership(program.id, user_id, role, at=NOW, team_id=TEAM))
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
        assert table.autoincrement_column is None, table  # no ids counting up in arrival order
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


# -- what the files keep after the close ------------------------------------------------------


def stored_bytes(db: Database) -> bytes:
    """Every byte the database keeps on disk for the pulse tables and the outbox.

    SQLite: the main file and its write-ahead log, read raw. PostgreSQL: every page of those
    tables and of their indexes, as the server stores them (pageinspect), dead rows included.
    """
    if db.engine.dialect.name == "sqlite":
        path = Path(str(db.engine.url.database))
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    with db.engine.connect() as connection:
        try:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
            connection.commit()
        except sa.exc.DBAPIError:
            pytest.skip("reading PostgreSQL's pages needs the pageinspect extension")
        tables = list(ballots.SCRUBBED_TABLES)
        relations = tables + list(
            connection.scalars(
                sa.text(
                    "SELECT indexrelid::regclass::text FROM pg_index "
                    "WHERE indrelid::regclass::text = ANY(:tables)"
                ),
                {"tables": tables},
            )
        )
        pages = []
        for relation in relations:
            size = connection.scalar(
                sa.text("SELECT pg_relation_size(:r) / current_setting('block_size')::int"),
                {"r": relation},
            )
            for block in range(int(size or 0)):
                pages.append(
                    connection.scalar(
                        sa.text("SELECT get_raw_page(:r, :b)"), {"r": relation, "b": block}
                    )
                )
        return b"".join(bytes(page) for page in pages)


def waves_service(db: Database, now: datetime) -> WaveService:
    clock = FrozenClock(now)
    people = PeopleDirectory(WebClient(base_url="http://127.0.0.1:9/api/"), clock)
    return WaveService(db, clock, people, admins=["UADMIN"])


def test_after_the_close_the_database_files_hold_no_token_key_invitee_or_arrival_order(
    db: Database,
) -> None:
    invited = [f"UP{i:04d}X" for i in range(120)]  # several pages of tokens and answers
    comments = [f"arrival-{i:04d}-comment" for i in range(len(invited))]
    with db.session() as session:
        wave = open_wave(session, invited, questions=[SCALE, COMMENT])
        wave_id, key = wave.id, wave.token_key
        assert key is not None
        tokens = [token_for(key, TEAM, u).encode() for u in invited]
        # One invitation and one reminder message each, in every state a message can be in.
        statuses = [OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.PENDING]
        for user_id in invited:
            for outbox_key in (invitation_key(wave_id, user_id), reminder_key(wave_id, user_id)):
                enqueue(
                    session,
                    team_id=TEAM,
                    key=outbox_key,
                    recipients=[user_id],
                    text="A quick anonymous pulse",
                    now=NOW,
                )
        session.flush()
        for index, message in enumerate(session.scalars(sa.select(OutboxMessage))):
            message.status = statuses[index % len(statuses)]
    for user_id, comment in zip(invited, comments, strict=True):  # one transaction each
        with db.session() as session:
            wave = session.get(PulseWave, wave_id)
            assert wave is not None
            answers = [Answer(0, value=3), Answer(1, comment=comment)]
            cast(session, wave, user_id=user_id, role=None, answers=answers, now=NOW)
    before = stored_bytes(db)
    assert all(token in before for token in tokens[:5]) and key in before  # the test can see

    assert waves_service(db, NOW + timedelta(days=3)).run_due().closed == 1

    after = stored_bytes(db)
    assert key not in after
    assert not [token for token in tokens if token in after]
    assert not [user_id for user_id in invited if user_id.encode() in after]
    if db.engine.dialect.name == "sqlite":
        path = Path(str(db.engine.url.database))
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0  # the log was checkpointed away
    # Each comment is stored once (no older copy left behind), in an order unrelated to arrival.
    places = [after.find(comment.encode()) for comment in comments]
    assert all(place >= 0 for place in places)
    assert all(after.count(comment.encode()) == 1 for comment in comments)
    assert places != sorted(places) and places != sorted(places, reverse=True)
    with db.session() as session:
        left = list(session.scalars(sa.select(OutboxMessage.key)))
        closed = session.get(PulseWave, wave_id)
    assert left == [f"pulse-closed:{wave_id}:UADMIN"]  # only the news to the admin
    assert closed is not None and (closed.invited, closed.answered) == (120, 120)


def test_closing_deletes_the_waves_invitations_and_their_messages_only(db: Database) -> None:
    with db.session() as session:
        wave = open_wave(session, ["UANA", "UBEN", "UCAT"])
        other = added(session, factories.wave(wave.survey_id, 2, opens=NOW, days=30, team_id=TEAM))
        session.add(PulseInvitation(wave_id=other.id, user_id="UANA", team_id=TEAM, due_at=NOW))
        keys = [
            invitation_key(wave.id, "UANA"),
            reminder_key(wave.id, "UBEN"),
            invitation_key(wave.id, "UBEN"),
            invitation_key(other.id, "UANA"),  # another wave's: stays
            f"pulse-closed:{wave.id}:UOWN",  # to an owner, naming no invitee: stays
        ]
        for outbox_key, recipient in zip(
            keys, ["UANA", "UBEN", "UBEN", "UANA", "UOWN"], strict=True
        ):
            enqueue(
                session, team_id=TEAM, key=outbox_key, recipients=[recipient], text="x", now=NOW
            )
        session.flush()
        pending = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.key == keys[2]))
        assert pending is not None and pending.status is OutboxStatus.PENDING
        cast(session, wave, user_id="UANA", role=None, answers=[Answer(0, value=4)], now=NOW)
        close(session, wave, NOW + timedelta(days=3))
        left = sorted(session.scalars(sa.select(OutboxMessage.key)))
        invitations = list(
            session.execute(sa.select(PulseInvitation.wave_id, PulseInvitation.user_id))
        )
        assert (wave.invited, wave.answered) == (3, 1)
        assert left == sorted(keys[3:])
        assert invitations == [(other.id, "UANA")]


# -- which role an answer may carry -----------------------------------------------------------


def roles_of(
    db: Database, roles: dict[str, Role], voters: list[str], *, drop: Sequence[str] = ()
) -> tuple[dict[str, str | None], list[str | None]]:
    """Each voter's role as stored when they answered, then every answer's role after the close.

    ``drop`` are invitations withdrawn before the close (people who left the program).
    """
    stored: dict[str, str | None] = {}
    with db.session() as session:
        wave = open_wave(session, list(roles), roles=roles)
        seen: set[str] = set()
        for user_id in voters:
            role = roles[user_id].value
            cast(session, wave, user_id=user_id, role=role, answers=[Answer(0, 3)], now=NOW)
            session.flush()
            [(answer_id, stored[user_id])] = session.execute(
                sa.select(PulseAnswer.id, PulseAnswer.role).where(PulseAnswer.id.not_in(seen))
            ).all()
            seen.add(answer_id)
        session.execute(
            sa.delete(PulseInvitation).where(
                PulseInvitation.wave_id == wave.id, PulseInvitation.user_id.in_(list(drop))
            )
        )
        close(session, wave, NOW + timedelta(days=3))
        after = list(session.scalars(sa.select(PulseAnswer.role)))
    return stored, after


def people(prefix: str, count: int, role: Role) -> dict[str, Role]:
    return {f"U{prefix}{i:02d}": role for i in range(count)}


def test_the_one_member_who_is_both_answers_without_a_role(db: Database) -> None:
    roles = people("MR", 6, Role.MENTOR) | people("ME", 6, Role.MENTEE) | {"UBOTH": Role.BOTH}
    stored, after = roles_of(db, roles, ["UBOTH", "UMR00", "UME00"])
    # Mentors (6 against 7 others) and mentees each reach k = 5; the one "both" does not.
    assert stored == {"UBOTH": None, "UMR00": "mentor", "UME00": "mentee"}
    assert sorted(after, key=str) == sorted([None, "mentor", "mentee"], key=str)


def test_two_mentors_among_thirty_mentees_answer_without_a_role(db: Database) -> None:
    roles = people("MR", 2, Role.MENTOR) | people("ME", 30, Role.MENTEE)
    stored, _ = roles_of(db, roles, ["UMR00", "UME00", "UME01"])
    # The mentors are too few, and so are the mentees' complement: nobody's role is kept.
    assert stored == {"UMR00": None, "UME00": None, "UME01": None}


@pytest.mark.parametrize("left", [0, 4])
def test_balanced_large_groups_keep_their_roles_unless_they_shrink_before_the_close(
    db: Database, left: int
) -> None:
    roles = people("MR", 8, Role.MENTOR) | people("ME", 9, Role.MENTEE)
    gone = [f"UMR{i:02d}" for i in range(8 - left, 8)]
    stored, after = roles_of(db, roles, ["UMR00", "UMR01", "UME00"], drop=gone)
    assert stored == {"UMR00": "mentor", "UMR01": "mentor", "UME00": "mentee"}
    if not left:
        assert sorted(after, key=str) == ["mentee", "mentor", "mentor"]
    else:  # four mentors left during the wave: 4 mentors against 9 mentees, and 4 < k
        assert after == [None, None, None]


# -- answering and closing at once ------------------------------------------------------------


def test_a_ballot_cast_on_a_wave_read_before_it_closed_is_refused(db: Database) -> None:
    with db.session() as session:
        wave_id = open_wave(session, ["UANA", "UBEN"]).id
    with db.session() as voter:
        stale = voter.get(PulseWave, wave_id)  # read while open: the key is still in memory
        assert stale is not None and stale.token_key is not None
        with db.session() as closer:
            wave = closer.get(PulseWave, wave_id)
            assert wave is not None
            close(closer, wave, NOW + timedelta(days=3))
        with pytest.raises(WaveClosed):
            cast(voter, stale, user_id="UANA", role=None, answers=[Answer(0, 4)], now=NOW)
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseAnswer)) == 0
        closed = session.get(PulseWave, wave_id)
        assert closed is not None and closed.answered == 0


def wait_until_blocked(db: Database, thread: threading.Thread) -> None:
    """Until ``thread`` waits for a row lock on PostgreSQL (or has finished), within 10 s."""
    deadline = monotonic() + 10
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with db.engine.connect() as watcher:
        while not watcher.scalar(waiting) and thread.is_alive():
            assert monotonic() < deadline, "nothing ever waited for the lock"
            watcher.rollback()


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException | None]]:
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_on_postgresql_a_close_and_a_ballot_in_flight_wait_for_each_other(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time in: the race can't happen there")
    with db.session() as session:
        wave_id = open_wave(session, ["UANA", "UBEN"]).id

    def close_it() -> None:
        with db.session() as closer:
            wave = closer.get(PulseWave, wave_id)
            assert wave is not None
            close(closer, wave, NOW + timedelta(days=3))

    def cast_it() -> None:
        with db.session() as voter:
            wave = voter.get(PulseWave, wave_id)
            assert wave is not None
            cast(voter, wave, user_id="UBEN", role=None, answers=[Answer(0, 2)], now=NOW)

    # A ballot not yet committed: the close waits for it, then counts it and deletes its token
    # (counting first and waiting later would miss it and leave its token behind).
    with Session(db.engine) as voter:
        wave = voter.get(PulseWave, wave_id)
        assert wave is not None
        cast(voter, wave, user_id="UANA", role=None, answers=[Answer(0, 4)], now=NOW)
        voter.flush()
        closing, closed_ok = in_thread(close_it)
        wait_until_blocked(db, closing)
        voter.commit()
    closing.join(timeout=10)
    assert not closing.is_alive() and closed_ok == [None]
    with db.session() as session:
        closed = session.get(PulseWave, wave_id)
        assert closed is not None and (closed.invited, closed.answered) == (2, 1)
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseToken)) == 0

    # The other way round: a close not yet committed, and a ballot waits for it, then finds the
    # wave closed (reading it as open without a lock, it would be stored after the count).
    with db.session() as session:
        reopened = session.get(PulseWave, wave_id)
        assert reopened is not None
        reopened.closed_at, reopened.token_key = None, new_token_key()
        session.add(PulseInvitation(wave_id=wave_id, user_id="UBEN", team_id=TEAM, due_at=NOW))
    with Session(db.engine) as closer:
        wave = closer.get(PulseWave, wave_id)
        assert wave is not None
        close(closer, wave, NOW + timedelta(days=3))
        closer.flush()
        voting, voted = in_thread(cast_it)
        wait_until_blocked(db, voting)
        closer.commit()
    voting.join(timeout=10)
    assert not voting.is_alive() and len(voted) == 1
    assert isinstance(voted[0], WaveClosed), voted
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseToken)) == 0
