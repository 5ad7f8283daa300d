"""The mid-point review and the close-out through the sandbox, driven by the real jobs on a
moved clock: asked once each, private where they should be, shared only where chosen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

import models
from bot.clock import FrozenClock
from bot.mentoring.pairs import past_midpoint
from bot.scheduling import jobs
from models import CloseOut, Goal, GoalOutcome, GoalStatus, Mentorship, Review
from sandbox import Message, SlackSandbox, seeded_workspace
from sandbox.time_machine import TimeMachine
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, all_messages, texts
from tests.scenarios.test_agreements import BEN, EMEKA, FINN, agree, form_pair
from tests.scenarios.time_travel import paused_scheduler

TEAM = "T0SPROUT"
KEEP = "keep-our-walks-8c1f"
CHANGE = "change-the-agenda-2b7e"
HELPED = "helped-the-honest-questions-41aa"
APPLY = "apply-weekly-retros-9d03"
THANKS = "Thank you for every Tuesday, Finn."
#: Friday 26 February 2027, 10:00 UTC: the working morning after the default term's midpoint
#: in London (10:00) and Lagos (11:00).
MORNING_AFTER_MIDPOINT = datetime(2027, 2, 26, 10, tzinfo=UTC)


@pytest.fixture
def sandbox(clock: FrozenClock) -> Iterator[SlackSandbox]:
    """Messages dated by the bot's clock, so their ts says when the bot sent them."""
    with SlackSandbox(seeded_workspace(), wall_clock=lambda: clock.now().timestamp()) as running:
        yield running


@pytest.fixture
def scheduler(bot: RunningBot) -> Iterator[BackgroundScheduler]:
    """The real standing jobs on the real job store, paused: only the time machine fires them."""
    with paused_scheduler(bot) as scheduler:
        yield scheduler


def asked(bot: RunningBot, user_id: str, marker: str) -> list[Message]:
    return [m for m in bot.sandbox.inbox(user_id) if marker in m.text]


def mentorship(bot: RunningBot) -> Mentorship:
    with bot.sprout.services.db.session() as session:
        # The first: a round after its term may pair the two again.
        return session.scalars(sa.select(Mentorship).order_by(Mentorship.id).limit(1)).one()


def sent_at(message: Message) -> datetime:
    return datetime.fromtimestamp(float(Decimal(message.ts)), UTC)


def assert_working_morning(instant: datetime, timezone: str) -> None:
    """At the program's check-in hour (10:00) or the window after it, Monday to Friday."""
    local = instant.astimezone(ZoneInfo(timezone))
    assert local.weekday() < 5 and 10 <= local.hour < 13, local


def goal_id(bot: RunningBot) -> int:
    with bot.sprout.services.db.session() as session:
        return session.scalars(sa.select(Goal.id)).one()


def test_a_pair_is_reviewed_at_half_term_and_closed_out_at_its_end(
    bot: RunningBot, scheduler: BackgroundScheduler
) -> None:
    form_pair(bot)
    agree(bot)
    pair = mentorship(bot)
    midpoint = pair.started_at + (pair.term_ends_at - pair.started_at) / 2
    # A day at a time: every job keeps the time of day it was installed at (START, 09:00 UTC),
    # so the quarter-hourly ones run at 09:15 and the hourly ones at 10:00, in London's and
    # Lagos's working morning. Jobs run at night are called directly.
    machine = TimeMachine(
        scheduler, bot.clock, resolution=timedelta(days=1), after_each=bot.delivered
    )

    machine.advance_to(midpoint - timedelta(days=1))
    assert not asked(bot, EMEKA, "halfway through") and not asked(bot, FINN, "halfway through")
    # Half the term is over on Thursday 25 February at 21:00 UTC: night in London and Lagos,
    # so the job that runs then asks nobody; the next morning's run asks both.
    assert midpoint == datetime(2027, 2, 25, 21, tzinfo=UTC)
    machine.advance_to(midpoint + timedelta(minutes=30))
    jobs.ask_mid_point_reviews()
    assert not asked(bot, EMEKA, "halfway through") and not asked(bot, FINN, "halfway through")
    machine.advance(timedelta(days=10))  # the job keeps running; nobody is asked twice
    [emeka_ask] = asked(bot, EMEKA, "halfway through")
    [finn_ask] = asked(bot, FINN, "halfway through")
    assert emeka_ask.kind == "dm" and "<@U06FIN>" in emeka_ask.text
    with bot.sprout.services.db.session() as session:
        asked_at = {r.user_id: r.asked_at for r in session.scalars(sa.select(Review))}
    assert_working_morning(asked_at[EMEKA], "Africa/Lagos")
    assert_working_morning(asked_at[FINN], "Europe/London")

    emeka, finn = bot.person(EMEKA), bot.person(FINN)
    emeka.click("mentoring.review.open", emeka_ask)
    modal = emeka.modal()
    assert modal["title"]["text"] == "Mid-point review"
    # The goals are shown to look back at, not asked: nothing here changes what Finn sees.
    assert "Run a design review on my own" in texts(modal["blocks"])
    assert not [b for b in modal["blocks"] if str(b.get("block_id")).startswith("goal_")]
    assert "Nothing in this review changes them" in texts(modal["blocks"])
    response = emeka.submit(keep=KEEP, change=CHANGE, rematch=["yes"])
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    request = bot.sandbox.wait_for_message(SEED_ADMIN_ID, lambda m: "different match" in m.text)
    assert "<@U05EME> would like a different match" in request.text
    assert "<@U06FIN>" in request.text
    assert KEEP not in request.text and CHANGE not in request.text
    assert "<@U06FIN> isn't told" in emeka.reply().text
    emeka.click("mentoring.review.open", emeka_ask)
    assert "sent your mid-point review already" in emeka.reply().text

    finn.click("mentoring.review.open", finn_ask)
    response = finn.submit(keep="more stories", change="shorter")
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    assert not [m for m in bot.sandbox.inbox(FINN) if "different match" in m.text]
    for message in all_messages(bot.sandbox):
        assert KEEP not in repr(message) and CHANGE not in repr(message)
    with bot.sprout.services.db.session() as session:
        reviews = {r.user_id: r for r in session.scalars(sa.select(Review))}
        assert reviews[EMEKA].wants_rematch and not reviews[FINN].wants_rematch
        assert reviews[EMEKA].keep == KEEP
        assert session.scalars(sa.select(Goal.status)).one() is GoalStatus.OPEN

    # The goal is still open, so the next check-in (Thursday 18 March) still asks about it.
    machine.advance_to(datetime(2027, 3, 18, 15, tzinfo=UTC))
    check_in = [m for m in bot.sandbox.inbox(EMEKA) if m.text.startswith("Check-in:")][-1]
    submitted = reviews[EMEKA].submitted_at
    assert submitted is not None and sent_at(check_in) > submitted
    emeka.click("checkins.more", check_in)
    labels = texts(emeka.modal()["blocks"])
    assert "Goal: Run a design review on my own" in labels
    bot.sandbox.clear_modals(EMEKA)

    # The term ends on Friday 28 May at 09:00 UTC, and the six-hourly job ends the pair that
    # day. Each side is asked to close out at their own working morning: not that night, not
    # at the weekend (the Saturday run at 09:15 UTC is 10:15 in London), but on Monday.
    assert pair.term_ends_at == datetime(2027, 5, 28, 9, tzinfo=UTC)
    machine.advance_to(datetime(2027, 5, 28, 22, tzinfo=UTC))
    ended = mentorship(bot)
    assert ended.ended_at is not None and ended.end_reason == "term"
    jobs.ask_close_outs()
    machine.advance_to(datetime(2027, 5, 30, 23, tzinfo=UTC))
    assert not asked(bot, EMEKA, "has come to a close") and not asked(bot, FINN, "has come")
    machine.advance_to(datetime(2027, 5, 31, 15, tzinfo=UTC))
    [emeka_close] = asked(bot, EMEKA, "has come to a close")
    [finn_close] = asked(bot, FINN, "has come to a close")
    with bot.sprout.services.db.session() as session:
        close_asked = {c.user_id: c.asked_at for c in session.scalars(sa.select(CloseOut))}
    assert_working_morning(close_asked[EMEKA], "Africa/Lagos")
    assert_working_morning(close_asked[FINN], "Europe/London")

    emeka.click("mentoring.closeout.open", emeka_close)
    assert emeka.modal()["title"]["text"] == "Close out"
    response = emeka.submit(
        **{f"goal_{goal_id(bot)}": "met"}, helped=HELPED, will_apply=APPLY, thanks=THANKS
    )
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    thanks = bot.sandbox.wait_for_message(FINN, lambda m: "thank-you note" in m.text)
    assert THANKS in texts(thanks.blocks)
    assert "stays private" in emeka.reply().text

    finn.click("mentoring.closeout.open", finn_close)
    response = finn.submit(
        **{f"goal_{goal_id(bot)}": "partly"}, helped="h", will_apply="a", quotable=["yes"]
    )
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    for message in all_messages(bot.sandbox):
        assert HELPED not in repr(message) and APPLY not in repr(message)
    with bot.sprout.services.db.session() as session:
        close_outs = {c.user_id: c for c in session.scalars(sa.select(CloseOut))}
        assert close_outs[EMEKA].quotable is False  # nobody ticked it for her
        assert close_outs[FINN].quotable is True
        assert close_outs[EMEKA].thanked_at is not None and close_outs[FINN].thanked_at is None
        outcomes = {o.user_id: o.outcome for o in session.scalars(sa.select(GoalOutcome))}
        assert outcomes == {EMEKA: GoalStatus.MET, FINN: GoalStatus.PARTLY}
        # The mentee's judgement settles the shared goal.
        assert session.scalars(sa.select(Goal.status)).one() is GoalStatus.MET


def test_a_rematch_wish_without_program_owners_reaches_only_the_admins(bot: RunningBot) -> None:
    form_pair(bot, owned=False)
    bot.clock.set(MORNING_AFTER_MIDPOINT)
    jobs.bind(bot.sprout.services)
    jobs.ask_mid_point_reviews()
    jobs.ask_mid_point_reviews()
    bot.delivered()
    [ask] = asked(bot, FINN, "halfway through")
    ben, finn = bot.person(BEN), bot.person(FINN)
    ben.click("mentoring.review.open", ask)
    assert "Only the two people in this mentorship" in ben.reply().text
    assert bot.sandbox.modal_of(BEN) is None

    finn.click("mentoring.review.open", ask)
    response = finn.submit(keep="x" * 501, change="c", rematch=["yes"])
    assert response.json == {
        "response_action": "errors",
        "errors": {"keep": "Keep this under 500 characters."},
    }
    response = finn.submit(keep="k", change="c", rematch=["yes"])
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    told = [
        user_id
        for user_id in bot.sandbox.workspace.users
        if [m for m in bot.sandbox.inbox(user_id) if "would like a different match" in m.text]
    ]
    assert told == [SEED_ADMIN_ID]  # the workspace admin; never Emeka


def test_ending_a_pair_asks_both_to_close_out_with_inline_errors_and_no_quote_by_default(
    bot: RunningBot,
) -> None:
    form_pair(bot)
    emeka, finn, ben = bot.person(EMEKA), bot.person(FINN), bot.person(BEN)
    emeka.mentor("end")
    emeka.reply()
    jobs.bind(bot.sprout.services)
    jobs.ask_close_outs()  # 09:00 in London: Finn's working morning starts at 10:00
    bot.delivered()
    assert len(asked(bot, EMEKA, "has come to a close")) == 1  # 10:00 in Lagos
    assert asked(bot, FINN, "has come to a close") == []
    bot.clock.set(bot.clock.now() + timedelta(hours=1))
    jobs.ask_close_outs()
    jobs.ask_close_outs()
    bot.delivered()
    [ask] = asked(bot, FINN, "has come to a close")
    assert len(asked(bot, EMEKA, "has come to a close")) == 1

    ben.click("mentoring.closeout.open", ask)
    assert "Only the two people in this mentorship" in ben.reply().text
    finn.click("mentoring.closeout.open", ask)
    modal = finn.modal()
    assert "no goals" not in texts(modal["blocks"])
    response = finn.submit(helped="x" * 1001, will_apply="a", thanks="t" * 501)
    assert response.json == {
        "response_action": "errors",
        "errors": {
            "helped": "Keep this under 1000 characters.",
            "thanks": "Keep this under 500 characters.",
        },
    }
    response = finn.submit(helped=HELPED, will_apply=APPLY)
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    assert "stays private" in finn.reply().text
    assert not [m for m in bot.sandbox.inbox(EMEKA) if "thank-you" in m.text]
    with bot.sprout.services.db.session() as session:
        close_out = session.get(CloseOut, (mentorship(bot).id, FINN))
        assert close_out is not None
        assert close_out.quotable is False and close_out.helped == HELPED
        assert close_out.thanked_at is None


def test_forget_me_leaves_no_row_of_the_mentorship_loop_that_names_the_person(
    bot: RunningBot,
) -> None:
    form_pair(bot)
    agree(bot)
    services, mentoring = bot.sprout.services, bot.sprout.services.mentoring
    pair = mentorship(bot)
    goal = {f"goal_{goal_id(bot)}": "met"}
    mentoring.feedback.send(
        TEAM,
        FINN,
        pair.id,
        {p: "well done" for p in ("situation", "behaviour", "impact", "went_well", "try_next")},
        submission="V1",
    )
    bot.clock.set(MORNING_AFTER_MIDPOINT)
    mentoring.reviews.ask_due()
    mentoring.reviews.submit(TEAM, EMEKA, pair.id, {**goal, "keep": "k", "change": "c"})
    services.rounds.end_mentorship(TEAM, EMEKA, [])
    mentoring.closeouts.ask_due()
    for user_id in (EMEKA, FINN):
        mentoring.closeouts.submit(
            TEAM, user_id, pair.id, {**goal, "helped": "h", "will_apply": "a", "thanks": "ta"}
        )
    bot.delivered()
    mentoring.scrub_delivered_words()

    emeka = bot.person(EMEKA)
    emeka.mentor("forget-me")
    question = emeka.reply()
    emeka.click("membership.forget.confirm", question)
    emeka.replaced(question)
    with services.db.engine.connect() as connection:
        for table in models.Base.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                assert EMEKA not in repr(tuple(row)), f"{table.name} still names them"


def test_goal_answers_from_an_old_review_form_leave_the_shared_goals_alone(
    bot: RunningBot,
) -> None:
    """Review forms opened before goals left the review may still carry goal answers."""
    form_pair(bot)
    agree(bot)
    pair = mentorship(bot)
    bot.clock.set(MORNING_AFTER_MIDPOINT)
    mentoring = bot.sprout.services.mentoring
    assert mentoring.reviews.ask_due() == 2
    mentoring.reviews.submit(
        TEAM, EMEKA, pair.id, {f"goal_{goal_id(bot)}": "not_met", "keep": "k", "change": "c"}
    )
    bot.delivered()
    with bot.sprout.services.db.session() as session:
        assert session.scalars(sa.select(Goal.status)).one() is GoalStatus.OPEN
    finn = bot.person(FINN)
    finn.mentor("goals")
    shown = texts(finn.reply().blocks)
    assert "_open_" in shown and "not met" not in shown


def test_pairs_past_their_midpoint_are_found_by_the_database(bot: RunningBot) -> None:
    """The hourly review job asks SQL for pairs past half their term, not Python for all."""
    form_pair(bot)
    pair = mentorship(bot)
    midpoint = pair.started_at + (pair.term_ends_at - pair.started_at) / 2
    with bot.sprout.services.db.session() as session:
        dialect = session.get_bind().dialect.name

        def found(at: datetime) -> list[int]:
            query = sa.select(Mentorship.id).where(past_midpoint(dialect, at))
            return list(session.scalars(query))

        assert found(pair.started_at) == []
        assert found(midpoint - timedelta(seconds=5)) == []
        assert found(midpoint) == [pair.id]
        assert found(pair.term_ends_at) == [pair.id]
