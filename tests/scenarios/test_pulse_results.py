"""Pulse results through the sandbox: a chart uploaded into the reader's DM beside the same numbers
as text, for admins and program owners only, and nothing below k."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from bot.pulse.ballots import Answer, cast, close
from models import (
    Program,
    ProgramOwner,
    PulseInvitation,
)
from sandbox import Message
from sandbox.workspace import SEED_ADMIN_ID
from tests import factories
from tests.factories import added
from tests.scenarios.conftest import RunningBot, texts
from tests.scenarios.test_programs import create_program

TEAM = "T0SPROUT"
BEN = "U02BEN"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
QUESTIONS = [
    {"kind": "scale", "text": "How useful were your sessions?", "options": ["Not", "Very"]},
    {"kind": "enps", "text": "Would you recommend the program?", "options": []},
]


def seed_survey(bot: RunningBot, waves: Sequence[Sequence[tuple[int, int]]]) -> int:
    """A survey of the program "Mentoring" whose waves closed with these (scale, recommend)
    answers, cast through ballots.cast by invited people and closed with ballots.close."""
    now = bot.clock.now()
    with bot.sprout.services.db.session() as session:
        program = session.scalar(sa.select(Program).where(Program.name == "Mentoring"))
        assert program is not None
        survey = added(
            session,
            factories.survey(
                program.id,
                QUESTIONS,
                at=now - timedelta(weeks=len(waves)),
                team_id=TEAM,
                created_by=SEED_ADMIN_ID,
            ),
        )
        for number, answers in enumerate(waves, start=1):
            opens = now - timedelta(weeks=len(waves) - number + 1)
            wave = added(session, factories.wave(survey.id, number, opens=opens, team_id=TEAM))
            people = [f"UP{number}{i:03d}" for i in range(len(answers) + 2)]
            session.add_all(
                PulseInvitation(wave_id=wave.id, user_id=u, team_id=TEAM, due_at=opens)
                for u in people
            )
            session.flush()
            for person, (scale, recommend) in zip(people, answers, strict=False):
                ballot = [Answer(0, value=scale), Answer(1, value=recommend)]
                cast(session, wave, user_id=person, role="mentee", answers=ballot, now=opens)
            close(session, wave, wave.closes_at)
        return survey.id


def answered(bot: RunningBot, user_id: str) -> Message:
    """The ephemeral answer to the person's command (the DM uploads may arrive before it)."""
    return bot.sandbox.wait_for_message(user_id, lambda m: m.kind == "ephemeral")


def results_dm(bot: RunningBot, user_id: str) -> Message:
    """The text beside the chart, which the outbox delivers."""
    return bot.sandbox.wait_for_message(
        user_id, lambda m: m.kind == "dm" and not m.files and m.text.startswith("Pulse results:")
    )


def test_an_admin_gets_the_chart_uploaded_and_the_numbers_in_their_dm(bot: RunningBot) -> None:
    create_program(bot, "Mentoring")
    seed_survey(bot, [[(4, 10)] * 3 + [(2, 6)] * 2, [(5, 9)] * 4 + [(3, 7)] * 2])
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("pulse results")

    reply = answered(bot, SEED_ADMIN_ID)
    assert "I've sent the results of “Program pulse” to our DM, with a chart." in reply.text
    uploaded = bot.sandbox.wait_for_upload()
    dm = bot.sandbox.dm_channel_id(SEED_ADMIN_ID)
    assert uploaded.data.startswith(PNG_MAGIC) and uploaded.mimetype == "image/png"
    assert uploaded.channels == (dm,)
    assert uploaded.title == "Program pulse: results up to wave 2"
    assert uploaded.alt_txt and "Program pulse" in uploaded.alt_txt
    assert [c.method for c in bot.sandbox.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert [c.status for c in bot.sandbox.calls_to("upload")] == [200]
    [shared] = [m for m in bot.sandbox.inbox(SEED_ADMIN_ID) if m.files]
    assert shared.channel == dm and shared.files[0]["id"] == uploaded.id

    numbers = texts(results_dm(bot, SEED_ADMIN_ID).blocks)
    assert "participation *75%* (6 of 8 asked)" in numbers  # wave 2
    assert "mean 4.33" in numbers and "eNPS +67" in numbers  # (5*4 + 3*2) / 6; (4 - 0) / 6
    assert "Trend: w1 3.20 → w2 4.33" in numbers and "Trend: w1 +20 → w2 +67" in numbers
    assert "Earlier participation: wave 1 71%" in numbers
    assert "The chart above" in numbers


def test_below_k_there_is_neither_a_chart_nor_a_number(bot: RunningBot) -> None:
    create_program(bot, "Mentoring")
    seed_survey(bot, [[(4, 10)] * 4])  # k - 1
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("pulse results")
    reply = answered(bot, SEED_ADMIN_ID)
    assert "There's no chart yet. Results appear after the wave closes and once at least 5 " in (
        reply.text
    )
    shown = texts(results_dm(bot, SEED_ADMIN_ID).blocks)
    assert "not enough answers" in shown and "mean" not in shown and "4 of" not in shown
    assert bot.sandbox.uploaded_files() == [] and not bot.sandbox.calls_to("upload")


def test_a_participant_is_refused_and_nothing_is_sent(bot: RunningBot) -> None:
    create_program(bot, "Mentoring")
    seed_survey(bot, [[(4, 10)] * 6])
    ben = bot.person(BEN)
    ben.mentor("pulse results")
    assert "Pulse results are for Sprout admins" in ben.reply().text
    ben.mentor("pulse results Program pulse")
    assert "Pulse results are for Sprout admins" in ben.reply().text
    bot.delivered()
    assert bot.sandbox.uploaded_files() == []
    assert [m for m in bot.sandbox.inbox(BEN) if m.kind == "dm"] == []


def test_an_owner_of_the_program_reads_its_survey_by_name(bot: RunningBot) -> None:
    create_program(bot, "Mentoring")
    seed_survey(bot, [[(3, 8)] * 5])
    with bot.sprout.services.db.session() as session:
        program = session.scalar(sa.select(Program).where(Program.name == "Mentoring"))
        assert program is not None
        session.add(ProgramOwner(program_id=program.id, user_id=BEN, team_id=TEAM))
    ben = bot.person(BEN)
    ben.mentor("pulse results program PULSE")
    assert "with a chart" in answered(bot, BEN).text
    assert bot.sandbox.wait_for_upload().channels == (bot.sandbox.dm_channel_id(BEN),)
    assert "mean 3.00" in texts(results_dm(bot, BEN).blocks)
    ben.mentor("pulse results Somebody else's")
    assert "I don't know a pulse survey called “Somebody else's”" in ben.reply().text


def test_home_shows_pulse_results_to_admins_only_and_sends_the_charts(bot: RunningBot) -> None:
    create_program(bot, "Mentoring")
    survey_id = seed_survey(bot, [[(4, 10)] * 5])
    ada = bot.person(SEED_ADMIN_ID)
    home = ada.open_home()
    shown = texts(home["blocks"])
    assert "Pulse results" in shown and "*Program pulse*" in shown
    assert "Wave 1 · participation 71%" in shown and "*mean 4.00*" in shown
    assert "*eNPS +100*" in shown
    ben_home = bot.person(BEN).open_home()
    assert "Pulse results" not in texts(ben_home["blocks"])

    ada.click("home.pulse_results", home, value=str(survey_id))
    uploaded = bot.sandbox.wait_for_upload()
    assert uploaded.channels == (bot.sandbox.dm_channel_id(SEED_ADMIN_ID),)
    assert "mean 4.00" in texts(results_dm(bot, SEED_ADMIN_ID).blocks)
