"""Pulse answers and comments never reach the logs, at any level, nor the outbox.

Everything runs with LOG_LEVEL=DEBUG as app.py sets it up, and then every logger on the path
of an answer (Bolt, slack_sdk, SQLAlchemy, waitress, Sprout's own) is opened up to DEBUG as
well, beyond the floors bot.logs keeps in production, and captured: creating a pulse, its
invitation, answering with a distinctive comment, a refused second answer, the close.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.logs import QUIET_LIBRARIES, configure_logging
from bot.pulse import messages
from models import OutboxMessage, PulseAnswer, PulseWave
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, all_messages, texts
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program

GRETA = "U07GRE"  # Berlin
COMMENT = "pulse-secret-comment-3e9d: my mentor keeps cancelling"
#: Monday 1 March 2027; the pulse opens on Tuesday, 09:00 UTC is 10:00 in Berlin.
CREATED = datetime(2027, 3, 1, 12, tzinfo=UTC)
INVITED = datetime(2027, 3, 2, 9, tzinfo=UTC)
#: Every logger on the path of an answer, opened up to DEBUG beyond the floors bot.logs keeps.
OPENED_UP = ("", *QUIET_LIBRARIES, "sprout.bolt", "waitress", "urllib3", "sqlalchemy")
SECRET = "pulse-secret-comment"


def open_up(sqlalchemy_level: int) -> Iterator[None]:
    """LOG_LEVEL=DEBUG as app.py applies it, then every library on the path opened up too."""
    levels = {name: logging.getLogger(name).level for name in OPENED_UP}
    logging.getLogger().setLevel(logging.DEBUG)
    configure_logging(logging.DEBUG)
    for name in OPENED_UP:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy").setLevel(sqlalchemy_level)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def everything_at_debug() -> Iterator[None]:
    """SQLAlchemy at INFO: every statement is logged (its parameters hidden by the engine)."""
    yield from open_up(logging.INFO)


@pytest.fixture
def sqlalchemy_at_debug() -> Iterator[None]:
    """SQLAlchemy at DEBUG as well, where it logs every result row it reads."""
    yield from open_up(logging.DEBUG)


def answer_and_close(bot: RunningBot) -> None:
    """Create a pulse, answer it with distinctive words, be refused a second time, close it."""
    services = bot.sprout.services
    bot.clock.set(CREATED)
    create_program(bot, "Mentoring", owners=[SEED_ADMIN_ID])
    join(bot.person(GRETA), role="mentor", offers="design", capacity="1")

    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("pulse new")
    ada.modal()
    ada.submit(
        starts_on="2027-03-02",
        q4_kind="choice",
        q4_text="Which part helps most?",
        q4_options="The intro\nThe check-ins\nThe prompts",
        q5_kind="comment",
        q5_text="Anything else?",
    )
    assert "Created the pulse" in ada.reply().text

    bot.clock.set(INVITED)
    services.pulses.run_due()
    bot.delivered()
    [dm] = [m for m in bot.sandbox.inbox(GRETA) if "Answer anonymously" in texts(m.blocks)]

    greta = bot.person(GRETA)
    greta.click(messages.ANSWER, dm)
    greta.modal()
    response = greta.submit(q0="2", q1="3", q2=COMMENT, q3="1", q4=COMMENT + " (again)")
    assert response.json is not None and response.json["response_action"] == "update"
    greta.click(messages.ANSWER, dm)
    assert "already answered" in greta.reply().text

    with services.db.session() as session:
        [wave] = session.scalars(sa.select(PulseWave)).all()
        stored = sorted(
            (a.question, a.value, a.choice, a.comment)
            for a in session.scalars(sa.select(PulseAnswer))
        )
    assert stored == [
        (0, 2, None, None),
        (1, 3, None, None),
        (2, None, None, COMMENT),
        (3, None, 1, None),
        (4, None, None, COMMENT + " (again)"),
    ]
    bot.clock.set(wave.closes_at)
    services.pulses.run_due()  # closing reads the answers back to reshuffle them
    bot.delivered()
    ada.mentor("pulse list")
    ada.reply()


def assert_never_logged(caplog: pytest.LogCaptureFixture, layers: set[str]) -> None:
    names = {record.name.split(".")[0] for record in caplog.records}
    assert layers <= names, names  # the capture saw every layer, so its silence means something
    for record in caplog.records:
        shown = record.getMessage() + repr(record.args) + (record.exc_text or "")
        assert SECRET not in shown, record.name
        assert "selected_option" not in shown, record.name  # no submitted view state
    assert SECRET not in caplog.text


def test_answers_and_comments_never_reach_the_logs_or_the_outbox(
    everything_at_debug: None, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer_and_close(bot)
    assert_never_logged(caplog, {"sqlalchemy", "handlers", "bot"})
    with bot.sprout.services.db.session() as session:
        outbox = [json.dumps([m.text, m.blocks]) for m in session.scalars(sa.select(OutboxMessage))]
    assert outbox and not any(SECRET in m for m in outbox)
    for message in all_messages(bot.sandbox):
        assert SECRET not in message.text + texts(message.blocks)


def test_even_sqlalchemy_at_debug_logs_no_comment(
    sqlalchemy_at_debug: None, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer_and_close(bot)
    assert_never_logged(caplog, {"sqlalchemy", "handlers", "bot"})
