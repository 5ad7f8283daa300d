"""The mid-point review and the close-out through the sandbox, driven by the real jobs on a
moved clock: asked once each, private where they should be, shared only where chosen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

import models
from bot.scheduling import jobs
from bot.scheduling.scheduler import install_standing_jobs
from models import JOBS_TABLE, CloseOut, Goal, GoalOutcome, GoalStatus, Mentorship, Review
from sandbox import Message
from sandbox.time_machine import TimeMachine
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, all_messages, texts
from tests.scenarios.test_agreements import BEN, EMEKA, FINN, agree, form_pair

TEAM = "T0SPROUT"
KEEP = "keep-our-walks-8c1f"
CHANGE = "change-the-agenda-2b7e"
HELPED = "helped-the-honest-questions-41aa"
APPLY = "apply-weekly-retros-9d03"
THANKS = "Thank you for every Tuesday, Finn."


@pytest.fixture
def scheduler(bot: RunningBot) -> Iterator[BackgroundScheduler]:
    """The real standing jobs on the real job store, paused: only the time machine fires them."""
    store = SQLAlchemyJobStore(engine=bot.sprout.services.db.engine, tablename=JOBS_TABLE)
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
    scheduler.start(paused=True)
    jobs.bind(bot.sprout.services)
    install_standing_jobs(scheduler)
    yield scheduler
    scheduler.shutdown(wait=False)


def asked(bot: RunningBot, user_id: str, marker: str) -> list[Message]:
    return [m for m in bot.sandbox.inbox(user_id) if marker in m.text]


def mentorship(bot: RunningBot) -> Mentorship:
    with bot.sprout.services.db.session() as session:
        return session.scalars(sa.select(Mentorship)).one()


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
    machine = TimeMachine(
        scheduler, bot.clock, resolution=timedelta(days=1), after_each=bot.delivered
    )

    machine.advance_to(midpoint - timedelta(days=1))
    assert not asked(bot, EMEKA, "halfway through") and not asked(bot, FINN, "halfway through")
    machine.advance_to(midpoint + timedelta(days=2))
    machine.advance(timedelta(days=10))  # the job keeps running; nobody is asked twice
    [emeka_ask] = asked(bot, EMEKA, "halfway through")
    [finn_ask] = asked(bot, FINN, "halfway through")
    assert emeka_ask.kind == "dm" and "<@U06FIN>" in emeka_ask.text

    emeka, finn = bot.person(EMEKA), bot.person(FINN)
    emeka.click("mentoring.review.open", emeka_ask)
    assert emeka.modal()["title"]["text"] == "Mid-point review"
    response = emeka.submit(
        **{f"goal_{goal_id(bot)}": "partly"}, keep=KEEP, change=CHANGE, rematch=["yes"]
    )
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
    response = finn.submit(
        **{f"goal_{goal_id(bot)}": "partly"}, keep="more stories", change="shorter"
    )
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    assert not [m for m in bot.sandbox.inbox(FINN) if "different match" in m.text]
    for message in all_messages(bot.sandbox):
        assert KEEP not in repr(message) and CHANGE not in repr(message)
    with bot.sprout.services.db.session() as session:
        reviews = {r.user_id: r for r in session.scalars(sa.select(Review))}
        assert reviews[EMEKA].wants_rematch and not reviews[FINN].wants_rematch
        assert reviews[EMEKA].keep == KEEP
        assert session.scalars(sa.select(Goal.status)).one() is GoalStatus.PARTLY

    machine.advance_to(pair.term_ends_at + timedelta(days=1))
    machine.advance(timedelta(days=3))
    ended = mentorship(bot)
    assert ended.ended_at is not None and ended.end_reason == "term"
    [emeka_close] = asked(bot, EMEKA, "has come to a close")
    [finn_close] = asked(bot, FINN, "has come to a close")

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
    pair = mentorship(bot)
    bot.clock.set(pair.started_at + (pair.term_ends_at - pair.started_at) / 2)
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
    bot.clock.set(pair.started_at + (pair.term_ends_at - pair.started_at) / 2)
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
