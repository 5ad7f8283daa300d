"""One mentorship from its introduction to its close-out, with every standing job running.

Finn (London) mentors Kai (Chicago) in a program whose pairs last a month. A round pairs
them on Monday 1 March 2027; they agree their goal through the introduction's buttons; then the
time machine fires every standing job that production installs, across the United States'
clock change (14 March) and Europe's (28 March): check-ins that Kai answers and Finn leaves
(one reminder each, never a second), the mid-point review, the end of the term, and the
close-out, whose thank-you note reaches Finn.

To stay quick, the jobs run every three hours rather than every quarter hour: each person's
window for scheduled questions (three hours from 10:00 on a working day, their time) still
holds exactly one run of each job, so every question is asked inside it, though not
necessarily at 10:00 sharp (tests/scenarios/test_checkins.py pins the exact hours).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.checkins import messages as checkin_messages
from bot.clock import FrozenClock
from models import CheckIn, CloseOut, Goal, GoalStatus, Mentorship, Review
from sandbox import Message, SlackSandbox, seeded_workspace
from sandbox.time_machine import Firing, TimeMachine
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, texts
from tests.scenarios.test_agreements import AGREEMENT, intro_of, proposal_for
from tests.scenarios.test_checkins import check_in_of, key_of, sent_at, tell_more, with_key
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program
from tests.scenarios.time_travel import paused_scheduler

TEAM = "T0SPROUT"
FINN, KAI = "U06FIN", "U11KAI"
ZONES = {FINN: ZoneInfo("Europe/London"), KAI: ZoneInfo("America/Chicago")}
#: Monday 1 March 2027, 08:45 in Chicago and 14:45 in London.
FORMED = datetime(2027, 3, 1, 14, 45, tzinfo=UTC)
GOAL = "Lead a design review on my own"
KEEP = "kai-keep-the-walks-71c2"
THANKS = "Thank you, Finn: the Tuesday walks changed how I run reviews."


@pytest.fixture
def sandbox(clock: FrozenClock) -> Iterator[SlackSandbox]:
    """Messages dated by the bot's clock, so their ts says when the bot sent them."""
    with SlackSandbox(seeded_workspace(), wall_clock=lambda: clock.now().timestamp()) as running:
        yield running


@pytest.fixture
def machine(bot: RunningBot) -> Iterator[TimeMachine]:
    """Every standing job, installed as in production, on the real job store, paused."""
    bot.clock.set(FORMED)
    with paused_scheduler(bot) as scheduler:
        yield TimeMachine(
            scheduler, bot.clock, resolution=timedelta(hours=3), after_each=bot.delivered
        )


def in_working_window(instant: datetime, user_id: str) -> bool:
    """10:00 to 13:00 on a weekday where the person is: where every scheduled question lands."""
    local = instant.astimezone(ZONES[user_id])
    return local.weekday() < 5 and 10 <= local.hour < 13


def asked(bot: RunningBot, user_id: str, marker: str) -> list[Message]:
    return [m for m in bot.sandbox.inbox(user_id) if m.kind == "dm" and marker in m.text]


def advance(machine: TimeMachine, bot: RunningBot, until: datetime, handled: set[str]) -> None:
    """A day at a time; Kai answers each check-in the day it comes, Finn never does."""
    while bot.clock.now() < until:
        fired: list[Firing] = machine.advance_to(min(until, bot.clock.now() + timedelta(days=1)))
        assert not [f.job_id for f in fired if f.failed], "a standing job failed"
        for message in with_key(bot, KAI, "checkin:"):
            if key_of(message) not in handled:
                handled.add(key_of(message))
                [goal] = goal_blocks(bot, message)
                tell_more(bot, KAI, message, met="met", usefulness="4", **{goal: "on_track"})


def goal_blocks(bot: RunningBot, message: Message) -> list[str]:
    """The goal questions of the check-in form behind ``message``, by block id."""
    kai = bot.person(KAI)
    kai.click(checkin_messages.MORE, message)
    blocks = kai.modal()["blocks"]
    labels = [b["label"]["text"] for b in blocks if str(b.get("block_id")).startswith("goal_")]
    assert labels == [f"Goal: {GOAL}"]
    bot.sandbox.clear_modals(KAI)
    return [str(b["block_id"]) for b in blocks if str(b.get("block_id")).startswith("goal_")]


def test_a_mentorship_from_introduction_to_close_out(bot: RunningBot, machine: TimeMachine) -> None:
    create_program(bot, "Mentoring", owners=[SEED_ADMIN_ID], term_months="1")
    join(bot.person(FINN), role="mentor", offers="design", capacity="1")
    join(bot.person(KAI), role="mentee", wants="design")
    bot.sprout.services.rounds.run(TEAM, 1)
    bot.delivered()
    with bot.sprout.services.db.session() as session:
        pair = session.scalars(sa.select(Mentorship)).one()
    assert (pair.mentor_id, pair.mentee_id) == (FINN, KAI)
    assert pair.term_ends_at == FORMED + timedelta(days=30)  # Wednesday 31 March

    # The kick-off: Kai proposes from the introduction, Finn agrees in their group DM.
    kai, finn = bot.person(KAI), bot.person(FINN)
    kai.click("mentoring.agreement.open", intro_of(bot, KAI))
    response = kai.submit(
        **{**AGREEMENT, "goal1_what": GOAL, "goal1_due": date(2027, 3, 26)},
    )
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    proposal = proposal_for(bot, FINN)
    finn.click("mentoring.agreement.agree", proposal)
    assert "Agreed: our mentoring agreement" in texts(finn.replaced(proposal).blocks)
    bot.delivered()

    # A month of standing jobs, across both clock changes, up to the day before the term ends.
    handled: set[str] = set()
    advance(machine, bot, datetime(2027, 3, 30, 15, tzinfo=UTC), handled)

    # Two check-ins each, on the Mondays two and four weeks on, in each one's working morning,
    # whatever their clocks did: Finn's came at GMT, then at BST, an hour earlier in UTC.
    for user_id in (FINN, KAI):
        dms = with_key(bot, user_id, "checkin:")
        assert [sent_at(m).astimezone(ZONES[user_id]).date() for m in dms] == [
            date(2027, 3, 15),
            date(2027, 3, 29),
        ], user_id
        assert all(in_working_window(sent_at(m), user_id) for m in dms), user_id
    finn_dms = with_key(bot, FINN, "checkin:")
    offsets = [sent_at(m).astimezone(ZONES[FINN]).utcoffset() for m in finn_dms]
    assert offsets == [timedelta(0), timedelta(hours=1)]
    # Kai answered both; Finn answered neither, and got one reminder for each, two days on.
    assert [check_in_of(bot, m).usefulness for m in with_key(bot, KAI, "checkin:")] == [4, 4]
    assert with_key(bot, KAI, "checkin-reminder:") == []
    reminders = with_key(bot, FINN, "checkin-reminder:")
    assert [check_in_of(bot, m).number for m in reminders] == [1]
    assert all(in_working_window(sent_at(m), FINN) for m in reminders)
    assert sent_at(reminders[0]).astimezone(ZONES[FINN]).date() == date(2027, 3, 17)

    # The mid-point review came once to each, in their working morning, and Kai answered it.
    [kai_review] = asked(bot, KAI, "halfway through")
    [finn_review] = asked(bot, FINN, "halfway through")
    with bot.sprout.services.db.session() as session:
        review_asked = {r.user_id: r.asked_at for r in session.scalars(sa.select(Review))}
    assert review_asked[KAI] >= pair.started_at + (pair.term_ends_at - pair.started_at) / 2
    for user_id, message in ((KAI, kai_review), (FINN, finn_review)):
        assert sent_at(message) == review_asked[user_id]
        assert in_working_window(review_asked[user_id], user_id), user_id
    kai.click("mentoring.review.open", kai_review)
    assert GOAL in texts(kai.modal()["blocks"])
    response = kai.submit(keep=KEEP, change="shorter agendas")
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    assert KEEP not in "".join(m.text + texts(m.blocks) for m in bot.sandbox.inbox(FINN))

    # The term ends; Finn's second reminder is the last thing his check-ins send him.
    advance(machine, bot, datetime(2027, 4, 2, 15, tzinfo=UTC), handled)
    reminders = with_key(bot, FINN, "checkin-reminder:")
    assert [check_in_of(bot, m).number for m in reminders] == [1, 2]
    with bot.sprout.services.db.session() as session:
        ended = session.get(Mentorship, pair.id)
        assert ended is not None and ended.end_reason == "term" and ended.ended_at is not None
        assert ended.ended_at - pair.term_ends_at <= timedelta(hours=6)
        assert session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 4
        close_asked = {c.user_id: c.asked_at for c in session.scalars(sa.select(CloseOut))}
        assert session.scalars(sa.select(Goal.status)).one() is GoalStatus.OPEN

    # Both were asked to close out, once, in their working morning.
    [kai_close] = asked(bot, KAI, "has come to a close")
    [finn_close] = asked(bot, FINN, "has come to a close")
    assert in_working_window(close_asked[KAI], KAI) and in_working_window(close_asked[FINN], FINN)
    assert sent_at(finn_close) == close_asked[FINN]
    kai.click("mentoring.closeout.open", kai_close)
    [goal_block] = [
        b["block_id"] for b in kai.modal()["blocks"] if str(b.get("block_id")).startswith("goal_")
    ]
    response = kai.submit(
        **{goal_block: "met"}, helped="the walks", will_apply="run reviews alone", thanks=THANKS
    )
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    thanks = bot.sandbox.wait_for_message(FINN, lambda m: "thank-you note" in m.text)
    assert THANKS in texts(thanks.blocks)
    assert "the walks" not in thanks.text + texts(thanks.blocks)  # the reflection stays
    with bot.sprout.services.db.session() as session:
        assert session.scalars(sa.select(Goal.status)).one() is GoalStatus.MET
