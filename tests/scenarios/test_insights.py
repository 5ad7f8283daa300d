"""Program insights through the sandbox: `/mentor report` uploads a chart into the reader's DM
beside the numbers as text, for admins and the program's owners only; the Home tab's headline and
its button; the weekly digest's headline line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.insights.report import SEND_REPORT
from models import CloseOut, Mentorship, Program, ProgramOwner
from sandbox import Message
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, members_of, texts
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program
from tests.scenarios.test_rounds import MENTEES, MENTORS, group_dms

TEAM = "T0SPROUT"
ADA = SEED_ADMIN_ID
BEN = "U02BEN"  # owns the program, takes no part in it
CAMILA = "U03CAM"  # a mentee: neither admin nor owner
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def program(bot: RunningBot) -> int:
    """Mentoring, owned by Ben: round 1 paired two of the three mentees, and one pair met."""
    create_program(bot, "Mentoring", owners=[BEN])
    for user, offers in MENTORS.items():
        join(bot.person(user), role="mentor", offers=offers, capacity="1")
    for user, wants in MENTEES.items():
        join(bot.person(user), role="mentee", wants=wants)
    with bot.sprout.services.db.session() as session:
        program_id = session.scalar(sa.select(Program.id).where(Program.name == "Mentoring"))
        assert program_id is not None
    bot.sprout.services.rounds.run(TEAM, program_id)
    bot.delivered()
    intro = group_dms(bot)[0]
    person = bot.person(members_of(bot.sandbox, intro.channel)[0])
    person.click("pairing.met", intro)
    assert "noted that you've met" in person.reply().text
    return program_id


def answered(bot: RunningBot, user_id: str) -> Message:
    """The ephemeral answer to the person's command (the DM upload may arrive before it)."""
    return bot.sandbox.wait_for_message(user_id, lambda m: m.kind == "ephemeral")


def report_dm(bot: RunningBot, user_id: str, containing: str = "") -> Message:
    """The report's text, which the outbox delivers beside the chart."""
    return bot.sandbox.wait_for_message(
        user_id,
        lambda m: (
            m.kind == "dm"
            and not m.files
            and m.text.startswith("Program report:")
            and containing in texts(m.blocks)
        ),
    )


def add_close_outs(bot: RunningBot) -> None:
    """A reflection its author agreed to have quoted, and one its author kept private."""
    now = bot.clock.now()
    with bot.sprout.services.db.session() as session:
        mentorship = session.scalars(sa.select(Mentorship).order_by(Mentorship.id)).first()
        assert mentorship is not None
        for user, words, quotable in (
            (mentorship.mentor_id, "Listening before advising", True),
            (mentorship.mentee_id, "private-reflection-7c1f", False),
        ):
            session.add(
                CloseOut(
                    mentorship_id=mentorship.id,
                    user_id=user,
                    team_id=TEAM,
                    asked_at=now,
                    submitted_at=now,
                    helped=words,
                    quotable=quotable,
                )
            )


def test_an_owner_gets_the_chart_and_the_report_in_their_dm(bot: RunningBot, program: int) -> None:
    add_close_outs(bot)
    ben = bot.person(BEN)
    ben.mentor("report")  # Ben runs one program: no name needed
    assert answered(bot, BEN).text == "Your report is on its way to your DM."

    uploaded = bot.sandbox.wait_for_upload()
    dm = bot.sandbox.dm_channel_id(BEN)
    assert uploaded.data.startswith(PNG_MAGIC) and uploaded.mimetype == "image/png"
    assert uploaded.channels == (dm,)
    assert uploaded.title == "Mentoring: program insights"
    assert uploaded.alt_txt and "met rate and coverage of the last 1 rounds" in uploaded.alt_txt
    [shared] = [m for m in bot.sandbox.inbox(BEN) if m.files]
    assert shared.channel == dm and shared.files[0]["id"] == uploaded.id

    shown = texts(report_dm(bot, BEN).blocks)
    # Five people joined before the round; it paired four into two groups, and one met.
    assert "5 active · 0 paused · 0 left" in shown
    assert "Met rate: *1 of 2 groups (50%)*" in shown
    assert "Coverage: *4 of 5 people (80%)*" in shown
    assert "Mentorships started: 2" in shown
    assert "the chart above shows the rounds" in shown
    # Only the reflection its author agreed to share, and nobody's name.
    assert "> *What helped:* Listening before advising" in shown
    assert "private-reflection-7c1f" not in shown
    assert "<@" not in shown


def test_since_picks_the_window_and_a_bad_date_is_explained(bot: RunningBot, program: int) -> None:
    ben = bot.person(BEN)
    ben.mentor("report Mentoring since 2026-11-01")
    assert "on its way" in ben.reply().text
    assert "Met rate: *1 of 2 groups (50%)*" in texts(
        report_dm(bot, BEN, "From 2026-11-01 to").blocks
    )

    for bad in ("since 2026-02-30", "Mentoring since 1 November"):
        ben.mentor(f"report {bad}")
        reply = ben.reply()
        assert "isn't a date I can read: write it as YYYY-MM-DD" in reply.text
        assert "/mentor report [program] [since YYYY-MM-DD]" in texts(reply.blocks)  # the help
    ben.mentor("report since 2027-01-01")  # the clock says 26 November 2026
    assert "2027-01-01 hasn't come yet" in ben.reply().text
    ben.mentor("report Knitting")
    assert "I don't know a program called “Knitting”" in ben.reply().text
    bot.delivered()
    assert len(bot.sandbox.uploaded_files()) == 1  # the windowed report's only


def test_someone_who_neither_runs_nor_owns_the_program_is_refused(
    bot: RunningBot, program: int
) -> None:
    camila = bot.person(CAMILA)
    for command in ("report", "report Mentoring", "report Mentoring since 2026-11-01"):
        camila.mentor(command)
        assert "Program reports are for Sprout admins and the program's owners." in (
            camila.reply().text
        )
    bot.delivered()
    assert bot.sandbox.uploaded_files() == []
    assert not [m for m in bot.sandbox.inbox(CAMILA) if "Program report:" in m.text]


def test_home_shows_the_headline_to_admins_and_owners_and_its_button_sends_the_report(
    bot: RunningBot, program: int
) -> None:
    for user in (ADA, BEN):
        shown = texts(bot.person(user).open_home()["blocks"])
        assert "Program insights" in shown and "*Mentoring*" in shown
        assert "*People:* 5 active · 0 paused · 0 left" in shown
        assert "met in 1 of 2 groups (50%) · coverage 4 of 5 people (80%)" in shown
        assert "Send me the report with charts" in shown
    assert "Program insights" not in texts(bot.person(CAMILA).open_home()["blocks"])

    ben = bot.person(BEN)
    home = ben.open_home()
    ben.click(SEND_REPORT, home, value=str(program))
    assert bot.sandbox.wait_for_upload().channels == (bot.sandbox.dm_channel_id(BEN),)
    assert "Coverage: *4 of 5 people (80%)*" in texts(report_dm(bot, BEN).blocks)

    # Ben stops owning the program; the button on the Home he still has open is refused.
    with bot.sprout.services.db.session() as session:
        session.execute(sa.delete(ProgramOwner).where(ProgramOwner.user_id == BEN))
    ben.click(SEND_REPORT, home, value=str(program))
    refusal = bot.sandbox.wait_for_message(BEN, lambda m: "Program reports are for" in m.text)
    assert refusal.kind == "dm"
    bot.delivered()
    assert len(bot.sandbox.uploaded_files()) == 1


def test_the_weekly_digest_carries_the_headline(bot: RunningBot, program: int) -> None:
    # Monday 30 November, 11:00 in New York: the program's digest is due.
    bot.clock.set(datetime(2026, 11, 30, 16, tzinfo=UTC))
    assert bot.sprout.services.checkins.send_digests() == 1
    bot.delivered()
    digest = bot.sandbox.wait_for_message(BEN, lambda m: "weekly digest" in texts(m.blocks))
    shown = texts(digest.blocks)
    assert "*Program insights* (since it began)" in shown
    assert "*People:* 5 active · 0 paused · 0 left" in shown
    assert "met in 1 of 2 groups (50%) · coverage 4 of 5 people (80%)" in shown
    assert "*Check-ins answered:* none sent yet" in shown
    assert "*Goals met:* no goals set yet" in shown
