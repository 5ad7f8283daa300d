"""`/mentor feedback @person` through the sandbox: only within an active pair, shaped as
situation, behaviour and impact, delivered to the partner by DM and kept nowhere else."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

import models
from bot.logs import QUIET_LIBRARIES, configure_logging
from bot.scheduling import jobs
from models import FeedbackSent
from tests.scenarios.conftest import RunningBot, all_messages, texts
from tests.scenarios.test_agreements import BEN, EMEKA, FINN, form_pair

SECRET = "said-only-to-finn-5d1e"
FEEDBACK = {
    "situation": "In Tuesday's planning meeting",
    "behaviour": f"You asked me to explain the estimate before you gave yours ({SECRET})",
    "impact": "I thought it through aloud and found the gap myself",
    "went_well": "You listened without jumping in",
    "try_next": "What if you tried sharing your own first estimate afterwards?",
}


@pytest.fixture
def debug_logging() -> Iterator[None]:
    """LOG_LEVEL=DEBUG as app.py sets it, before the bot is built (see test_privacy)."""
    levels = {name: logging.getLogger(name).level for name in (*QUIET_LIBRARIES, "")}
    logging.getLogger().setLevel(logging.DEBUG)
    configure_logging(logging.DEBUG)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_feedback_reaches_the_partner_by_dm_and_no_table_keeps_its_words(
    debug_logging: None, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form_pair(bot)
    emeka = bot.person(EMEKA)
    emeka.mentor("feedback <@U06FIN>")
    modal = emeka.modal()
    assert modal["title"]["text"] == "Feedback"
    assert "Feedback for <@U06FIN>" in texts(modal["blocks"])

    response = emeka.submit(**{**FEEDBACK, "impact": "x" * 501})
    assert response.json == {
        "response_action": "errors",
        "errors": {"impact": "Keep this under 500 characters."},
    }
    response = emeka.submit(**FEEDBACK)
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()

    received = bot.sandbox.wait_for_message(FINN, lambda m: "sent you some feedback" in m.text)
    assert received.kind == "dm"
    shown = texts(received.blocks)
    for words in FEEDBACK.values():
        assert words in shown
    assert shown.index("What went well") < shown.index("The situation")  # encouragement first
    confirmation = emeka.reply()
    assert "<@U06FIN> has your feedback by DM" in confirmation.text
    assert SECRET not in repr(confirmation)
    carrying = [(m.channel, m.ts) for m in all_messages(bot.sandbox) if SECRET in repr(m)]
    assert carrying == [(received.channel, received.ts)]
    assert not [m for m in bot.sandbox.inbox(EMEKA) if SECRET in repr(m)]

    with bot.sprout.services.db.session() as session:
        [sent] = session.scalars(sa.select(FeedbackSent)).all()
        assert sent.from_user == EMEKA
    jobs.bind(bot.sprout.services)
    jobs.ask_close_outs()  # its housekeeping blanks delivered words
    with bot.sprout.services.db.engine.connect() as connection:
        for table in models.Base.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                assert SECRET not in repr(tuple(row)), f"{table.name} keeps the feedback"
    assert caplog.records, "nothing was logged, so the next line would prove nothing"
    assert SECRET not in caplog.text


def test_feedback_is_refused_outside_an_active_pair_without_opening_a_form(
    bot: RunningBot,
) -> None:
    form_pair(bot)
    ben, emeka = bot.person(BEN), bot.person(EMEKA)
    ben.mentor("feedback <@U06FIN>")
    assert "only to your mentoring partner" in ben.reply().text
    assert bot.sandbox.modal_of(BEN) is None
    emeka.mentor("feedback <@U05EME>")
    assert "not to yourself" in emeka.reply().text
    emeka.mentor("feedback")
    assert "Name one person with an @mention" in texts(emeka.reply().blocks)

    emeka.mentor("end")
    emeka.reply()
    emeka.mentor("feedback <@U06FIN>")
    assert "aren't in an active one together" in emeka.reply().text
    assert bot.sandbox.modal_of(EMEKA) is None


def test_a_form_opened_before_the_pair_ended_sends_nothing(bot: RunningBot) -> None:
    form_pair(bot)
    emeka = bot.person(EMEKA)
    emeka.mentor("feedback <@U06FIN>")
    emeka.modal()
    bot.sprout.services.rounds.end_mentorship("T0SPROUT", FINN, [])
    response = emeka.submit(**FEEDBACK)
    assert response.json == {
        "response_action": "errors",
        "errors": {"situation": "That mentorship has ended."},
    }
    bot.delivered()
    assert not [m for m in bot.sandbox.inbox(FINN) if "sent you some feedback" in m.text]
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(FeedbackSent)) == 0
