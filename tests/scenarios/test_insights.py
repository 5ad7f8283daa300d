"""Program insights through the sandbox: `/mentor report` uploads a chart into the reader's DM
beside the numbers as text, for admins and the program's owners only; the Home tab's headline and
its button; the weekly digest's headline line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.insights.report import SEND_REPORT
from bot.insights.snapshots import MAX_AGE, SETTLE, InsightSnapshots
from models import CloseOut, InsightSnapshot, Mentorship, Program, ProgramOwner
from sandbox import Message
from sandbox.file_store import UploadedFile
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

    uploaded = bot.sandbox.wait_for_upload(in_a_dm)
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
    assert len([f for f in bot.sandbox.uploaded_files() if in_a_dm(f)]) == 1  # the windowed one


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
    assert [f for f in bot.sandbox.uploaded_files() if in_a_dm(f)] == []
    assert not [m for m in bot.sandbox.inbox(CAMILA) if "Program report:" in m.text]


def hourly_refresh(bot: RunningBot) -> None:
    """What the standing job insights.refresh_snapshots does once an hour."""
    bot.sprout.services.insight_snapshots.refresh_all()


def home_charts(home: dict[str, object]) -> list[str]:
    blocks = home["blocks"]
    assert isinstance(blocks, list)
    return [b["slack_file"]["id"] for b in blocks if b["type"] == "image"]


def in_a_dm(uploaded: UploadedFile) -> bool:
    return bool(uploaded.channels)


def test_home_shows_the_headline_and_chart_to_admins_and_owners_and_its_button_sends_the_report(
    bot: RunningBot, program: int
) -> None:
    hourly_refresh(bot)
    [chart] = bot.sandbox.uploaded_files()
    # Uploaded once, shared nowhere: a file the app alone can read, for the image block.
    assert chart.channels == () and chart.data.startswith(PNG_MAGIC)
    for user in (ADA, BEN):
        home = bot.person(user).open_home()
        shown = texts(home["blocks"])
        assert "Program insights" in shown and "*Mentoring*" in shown
        assert "*People:* 5 active · 0 paused · 0 left" in shown
        assert "met in 1 of 2 groups (50%) · coverage 4 of 5 people (80%)" in shown
        assert "Send me the report with charts" in shown and "Updated hourly, last" in shown
        assert home_charts(home) == [chart.id]
    assert "Program insights" not in texts(bot.person(CAMILA).open_home()["blocks"])
    assert len(bot.sandbox.uploaded_files()) == 1  # visits read the snapshot, upload nothing

    ben = bot.person(BEN)
    home = ben.open_home()
    ben.click(SEND_REPORT, home, value=str(program))
    assert bot.sandbox.wait_for_upload(in_a_dm).channels == (bot.sandbox.dm_channel_id(BEN),)
    assert "Coverage: *4 of 5 people (80%)*" in texts(report_dm(bot, BEN).blocks)

    # Ben stops owning the program; the button on the Home he still has open is refused.
    with bot.sprout.services.db.session() as session:
        session.execute(sa.delete(ProgramOwner).where(ProgramOwner.user_id == BEN))
    ben.click(SEND_REPORT, home, value=str(program))
    refusal = bot.sandbox.wait_for_message(BEN, lambda m: "Program reports are for" in m.text)
    assert refusal.kind == "dm"
    bot.delivered()
    assert len([f for f in bot.sandbox.uploaded_files() if in_a_dm(f)]) == 1


def test_the_hourly_refresh_replaces_a_changed_chart_and_keeps_an_unchanged_one(
    bot: RunningBot, program: int
) -> None:
    hourly_refresh(bot)
    [first] = bot.sandbox.uploaded_files()

    bot.clock.advance(timedelta(hours=1))
    hourly_refresh(bot)  # nothing happened: the same chart, nothing uploaded or deleted
    assert [f.id for f in bot.sandbox.uploaded_files()] == [first.id]

    # The other pair meets: the met rate moves, so the chart does.
    intro = group_dms(bot)[1]
    person = bot.person(members_of(bot.sandbox, intro.channel)[0])
    person.click("pairing.met", intro)
    assert "noted that you've met" in person.reply().text
    assert "met in 1 of 2 groups" in texts(bot.person(ADA).open_home()["blocks"])  # as of before

    bot.clock.advance(timedelta(hours=1))
    hourly_refresh(bot)
    # The first chart stays until the next replacement: Homes published before still show it.
    [_, second] = bot.sandbox.uploaded_files()
    assert second.id != first.id and second.channels == ()
    home = bot.person(ADA).open_home()
    assert "met in 2 of 2 groups (100%)" in texts(home["blocks"])
    assert home_charts(home) == [second.id]
    assert bot.sandbox.calls_to("files.delete") == []

    join(bot.person("U04DEV"), role="mentee", wants="Public speaking")  # one more person
    bot.clock.advance(timedelta(hours=1))
    hourly_refresh(bot)
    [_, third] = bot.sandbox.uploaded_files()  # the first is deleted now, the second retired
    assert [c.args["file"] for c in bot.sandbox.calls_to("files.delete")] == [first.id]
    assert home_charts(bot.person(ADA).open_home()) == [third.id]


def test_a_chart_slack_will_not_show_is_left_out_and_uploaded_again(
    bot: RunningBot, program: int
) -> None:
    hourly_refresh(bot)
    [chart] = bot.sandbox.uploaded_files()
    bot.sandbox.delete_file(chart.id)  # say, a workspace admin cleaned up files

    # Just uploaded: the refusal may be Slack still processing the file, so it is kept.
    ada = bot.person(ADA)
    home = ada.open_home()
    refused = [c for c in bot.sandbox.calls_to("views.publish") if not c.ok]
    assert [c.error for c in refused] == ["invalid_arguments"]
    assert "*People:* 5 active" in texts(home["blocks"]) and home_charts(home) == []
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(InsightSnapshot.chart_file_id)) == chart.id

    # Refused again well after its upload: the file is gone, so the snapshot lets it go.
    bot.clock.advance(SETTLE + timedelta(minutes=1))
    assert home_charts(ada.open_home()) == []
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(InsightSnapshot.chart_file_id)) is None

    bot.clock.advance(timedelta(hours=1))
    hourly_refresh(bot)
    [again] = bot.sandbox.uploaded_files()
    assert again.id != chart.id
    assert home_charts(ada.open_home()) == [again.id]


def test_a_failed_upload_keeps_the_numbers_fresh_and_is_tried_again(
    bot: RunningBot, program: int
) -> None:
    services = bot.sprout.services
    unreachable = WebClient(token="xoxb-unreachable", base_url="http://127.0.0.1:9/api/")
    InsightSnapshots(services.db, services.clock, unreachable).refresh_all()
    assert bot.sandbox.uploaded_files() == []
    with services.db.session() as session:
        snapshot = session.scalars(sa.select(InsightSnapshot)).one()
        assert "*People:* 5 active" in snapshot.headline
        assert (snapshot.chart_file_id, snapshot.chart_digest) == (None, None)

    bot.clock.advance(timedelta(hours=1))
    hourly_refresh(bot)  # Slack is back: the same numbers, but the chart is missing, so it goes up
    [chart] = bot.sandbox.uploaded_files()
    assert home_charts(bot.person(ADA).open_home()) == [chart.id]


def test_a_visit_computes_numbers_that_are_missing_or_too_old(
    bot: RunningBot, program: int
) -> None:
    with bot.sprout.services.db.session() as session:
        session.execute(sa.delete(InsightSnapshot))  # as if none had been computed yet
    ada = bot.person(ADA)
    assert "*People:* 5 active" in texts(ada.open_home()["blocks"])  # the visit computed them
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(InsightSnapshot.computed_at)) == bot.clock.now()

    join(bot.person("U04DEV"), role="mentee", wants="Public speaking")
    bot.clock.advance(MAX_AGE - timedelta(minutes=1))
    assert "*People:* 5 active" in texts(ada.open_home()["blocks"])  # young enough: kept
    bot.clock.advance(timedelta(minutes=2))
    assert "*People:* 6 active" in texts(ada.open_home()["blocks"])  # too old: computed again


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
