"""Check-ins through the sandbox: three months of a program on a moved clock, and the edges.

The long test walks two mentoring pairs from their round through three months of real
scheduled jobs (the paused scheduler and the time machine fire them where their triggers say),
across the spring clock changes of Chicago (14 March 2027) and London and Berlin (28 March).
The sandbox dates every message by the bot's clock, so a message's ts is when the bot sent it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

import models
from bot.blocks import escape
from bot.checkins import messages
from bot.checkins import service as service_module
from bot.checkins.digest import DigestWeek, compile_digest
from bot.clock import FrozenClock
from models import (
    Agreement,
    CheckIn,
    Goal,
    GoalProgress,
    GoalProgressLevel,
    GoalStatus,
    MeetingAnswer,
    Mentorship,
    OutboxMessage,
    Person,
    Program,
    Prompt,
    PromptUse,
)
from sandbox import Message, SlackSandbox, seeded_workspace
from sandbox.time_machine import TimeMachine
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, eventually, texts
from tests.scenarios.test_agreements import intro_of, proposal_for, propose
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program
from tests.scenarios.time_travel import keep_only, paused_scheduler

TEAM = "T0SPROUT"
FINN, KAI = "U06FIN", "U11KAI"  # London mentor, Chicago mentee
GRETA, EMEKA = "U07GRE", "U05EME"  # Berlin mentor, Lagos mentee
ADA = SEED_ADMIN_ID  # New York, the program's owner
ZONES = {
    FINN: "Europe/London",
    KAI: "America/Chicago",
    GRETA: "Europe/Berlin",
    EMEKA: "Africa/Lagos",
}
#: A Saturday: every check-in's nominal day (14, 28, 56 and 84 days on) is a Saturday too.
#: A quarter to the hour, so the quarter-hourly job installed now fires on the hour.
FORMED = datetime(2027, 2, 6, 13, 45, tzinfo=UTC)
FINN_NOTE = "finn-private-note-5e1b"
KAI_NOTE = "kai-private-note-90ad"
KAI_HELP = "I'd like advice on how to raise a team change with my manager."


@pytest.fixture
def sandbox(clock: FrozenClock) -> Iterator[SlackSandbox]:
    """Messages dated by the bot's clock, so their ts says when the bot sent them."""
    with SlackSandbox(seeded_workspace(), wall_clock=lambda: clock.now().timestamp()) as running:
        yield running


@pytest.fixture
def pairs(bot: RunningBot) -> RunningBot:
    """Finn mentors Kai and Greta mentors Emeka, paired on Saturday 6 February 2027."""
    bot.clock.set(FORMED)
    create_program(bot, "Mentoring", owners=[ADA])
    join(bot.person(FINN), role="mentor", offers="python", capacity="1")
    join(bot.person(GRETA), role="mentor", offers="design", capacity="1")
    join(bot.person(KAI), role="mentee", wants="python")
    join(bot.person(EMEKA), role="mentee", wants="design")
    add_prompts(bot)
    result = bot.sprout.services.rounds.run(TEAM, 1)
    assert result.plan is not None
    assert sorted(tuple(u for u, _ in g.members) for g in result.plan.groups) == [
        (FINN, KAI),
        (GRETA, EMEKA),
    ]
    bot.sprout.services.checkins.run_due()  # the job's first pass, right after the round
    bot.delivered()
    return bot


def add_prompts(bot: RunningBot) -> None:
    """Check-in prompts of this workspace, light to deep, beside any the library ships."""
    with bot.sprout.services.db.session() as session:
        for i, depth in enumerate((1, 1, 1, 2, 2, 2, 3, 3, 3), start=1):
            session.add(
                Prompt(
                    key=f"custom-test-checkin-{i}",
                    stage="regular",
                    practice="reflection",
                    depth=depth,
                    text=f"Test prompt {i} at depth {depth}: what did you notice this month?",
                    team_id=TEAM,
                    added_by=ADA,
                )
            )


@pytest.fixture
def machine(bot: RunningBot) -> Iterator[TimeMachine]:
    """The real scheduler on the real job store, paused, with the check-in job installed.

    Every standing job is installed as in production; those of other capabilities are then
    removed, because they have their own tests and would only slow a three-month walk.
    """
    with paused_scheduler(bot) as scheduler:
        assert "checkins.send_due" in {j.id for j in scheduler.get_jobs()}
        keep_only(scheduler, "checkins.")
        # The quarter-hourly job runs once an hour here, on the hour: every zone in this test is
        # a whole number of hours from UTC, so 10:00 local is still met exactly, in a quarter of
        # the time. (tests/unit/test_checkin_schedule.py covers the half- and quarter-hour zones.)
        yield TimeMachine(
            scheduler, bot.clock, resolution=timedelta(hours=1), after_each=bot.delivered
        )


# -- reading what people got ------------------------------------------------------------


def key_of(message: Message) -> str:
    return str(((message.metadata or {}).get("event_payload") or {}).get("key") or "")


def sent_at(message: Message) -> datetime:
    return datetime.fromtimestamp(float(Decimal(message.ts)), UTC)


def with_key(bot: RunningBot, user_id: str, prefix: str) -> list[Message]:
    return [m for m in bot.sandbox.inbox(user_id) if key_of(m).startswith(prefix)]


def check_in_of(bot: RunningBot, message: Message) -> CheckIn:
    check_in_id = int(key_of(message).rsplit(":", 1)[1])
    with bot.sprout.services.db.session() as session:
        row = session.get(CheckIn, check_in_id)
        assert row is not None
        return row


def everything_seen(bot: RunningBot, user_id: str) -> str:
    return "\n".join(m.text + "\n" + texts(m.blocks) for m in bot.sandbox.inbox(user_id))


# -- what people do ---------------------------------------------------------------------


def tap(bot: RunningBot, user_id: str, action_id: str, message: Message) -> Message:
    """One tap on a quick button; the DM is replaced with what was noted."""
    person = bot.person(user_id)
    person.click(action_id, message)
    return person.replaced(message)


def tell_more(bot: RunningBot, user_id: str, message: Message, **values: object) -> Any:
    """Open the modal from the DM and save it; the DM then shows the answers were saved."""
    person = bot.person(user_id)
    person.click(messages.MORE, message)
    person.modal()
    response = person.submit(**values)
    assert response.status == 200 and not response.body.strip(), response.text
    eventually(
        lambda: "saved" in (bot.sandbox.find_message(message.channel, message.ts) or message).text,
        what="the check-in DM to show it was saved",
    )
    bot.delivered()
    return response


def answer_as_planned(bot: RunningBot, handled: set[str]) -> None:
    """What each person does with a check-in DM or reminder that has just arrived.

    Kai answers each check-in the day it comes, Finn ignores his first until its reminder,
    Greta answers only the fourth, and Emeka answers his first late with "Not yet", after
    his second has arrived.
    """
    for user_id in ZONES:
        for message in bot.sandbox.inbox(user_id):
            key = key_of(message)
            if key in handled or not key.startswith(("checkin:", "checkin-reminder:")):
                continue
            handled.add(key)
            reminder = key.startswith("checkin-reminder:")
            number = check_in_of(bot, message).number
            if user_id == KAI and number in (1, 2):
                tap(bot, KAI, messages.MET, message)
            elif user_id == KAI and number == 3:
                tell_more(
                    bot,
                    KAI,
                    message,
                    met="met",
                    usefulness="4",
                    note=KAI_NOTE,
                    help=["yes"],
                    help_text=KAI_HELP,
                )
            elif user_id == KAI and number == 4:
                tell_more(bot, KAI, message, met="met", usefulness="5")
            elif user_id == FINN and number == 1 and reminder:
                tap(bot, FINN, messages.MET, message)
            elif user_id == FINN and number > 1:
                tell_more(bot, FINN, message, met="met", usefulness="4", note=FINN_NOTE)
            elif user_id == GRETA and number == 4:
                tell_more(bot, GRETA, message, met="rescheduled", usefulness="2")
            elif user_id == EMEKA and number == 2 and not reminder:
                [first] = [
                    m for m in with_key(bot, EMEKA, "checkin:") if check_in_of(bot, m).number == 1
                ]
                tap(bot, EMEKA, messages.NOT_MET, first)


# -- three months ---------------------------------------------------------------------------


def test_three_months_of_check_ins_across_the_clock_changes(
    pairs: RunningBot, machine: TimeMachine
) -> None:
    bot = pairs
    handled: set[str] = set()
    until = datetime(2027, 5, 11, 13, 45, tzinfo=UTC)
    while bot.clock.now() < until:
        fired = machine.advance(timedelta(days=1))
        assert not [f for f in fired if f.failed], "a check-in job failed"
        answer_as_planned(bot, handled)

    # Four check-ins each, every one at 10:00 on a Monday where the person is: the nominal
    # days were Saturdays, so each moved to the Monday after, before and after the clocks
    # changed.
    for user_id, timezone in ZONES.items():
        dms = with_key(bot, user_id, "checkin:")
        local = [sent_at(m).astimezone(ZoneInfo(timezone)) for m in dms]
        assert [t.date().isoformat() for t in local] == [
            "2027-02-22",
            "2027-03-08",
            "2027-04-05",
            "2027-05-03",
        ], user_id
        assert {(t.weekday(), t.hour, t.minute) for t in local} == {(0, 10, 0)}, user_id
    # The same 10:00 is a different UTC hour once summer time starts.
    kai = [sent_at(m).hour for m in with_key(bot, KAI, "checkin:")]
    finn = [sent_at(m).hour for m in with_key(bot, FINN, "checkin:")]
    assert kai == [16, 16, 15, 15] and finn == [10, 10, 9, 9]

    # One reminder for an unanswered check-in, two days on at 10:00 local; none to who answered.
    assert with_key(bot, KAI, "checkin-reminder:") == []
    [finn_reminder] = with_key(bot, FINN, "checkin-reminder:")
    assert check_in_of(bot, finn_reminder).number == 1
    emeka_reminders = with_key(bot, EMEKA, "checkin-reminder:")
    greta_reminders = with_key(bot, GRETA, "checkin-reminder:")
    assert [check_in_of(bot, m).number for m in emeka_reminders] == [1, 2, 3, 4]
    assert [check_in_of(bot, m).number for m in greta_reminders] == [1, 2, 3]
    for user_id, reminders in ((FINN, [finn_reminder]), (EMEKA, emeka_reminders)):
        for reminder in reminders:
            local = sent_at(reminder).astimezone(ZoneInfo(ZONES[user_id]))
            assert (local.weekday(), local.hour, local.minute) == (2, 10, 0)  # Wednesday

    services = bot.sprout.services
    with services.db.session() as session:
        rows = {(c.user_id, c.number): c for c in session.scalars(sa.select(CheckIn))}
        finn_kai = session.scalar(sa.select(Mentorship).where(Mentorship.mentor_id == FINN))
        assert finn_kai is not None
        used = list(
            session.scalars(
                sa.select(PromptUse.prompt_key)
                .where(PromptUse.mentorship_id == finn_kai.id)
                .order_by(PromptUse.used_at)
            )
        )
        prompts = [session.get(Prompt, rows[(KAI, n)].prompt_key) for n in range(1, 5)]
        depths = [p.depth for p in prompts if p is not None]
        prompt_texts = [p.text for p in prompts if p is not None]
    # One prompt per check-in, shared by both sides, never repeated, light before deep.
    finn_prompts = [rows[(FINN, n)].prompt_key for n in range(1, 5)]
    kai_prompts = [rows[(KAI, n)].prompt_key for n in range(1, 5)]
    assert finn_prompts == kai_prompts and None not in kai_prompts
    assert len(set(kai_prompts)) == 4 and set(kai_prompts) <= set(used)
    assert len(depths) == 4 and depths == sorted(depths)
    for text, message in zip(prompt_texts, with_key(bot, KAI, "checkin:"), strict=True):
        assert escape(text) in texts(message.blocks)

    # Answers are per person and check-in; a late answer changed only its own check-in.
    assert rows[(EMEKA, 1)].met is MeetingAnswer.NOT_MET and rows[(EMEKA, 2)].met is None
    assert rows[(FINN, 1)].met is MeetingAnswer.MET and rows[(FINN, 1)].reminded_at is not None
    assert [rows[(FINN, n)].usefulness for n in range(1, 5)] == [None, 4, 4, 4]
    assert rows[(KAI, 3)].note == KAI_NOTE and rows[(KAI, 3)].help_requested_at is not None

    # The partner never sees the other's answers, and nobody but the author sees a note.
    assert FINN_NOTE not in everything_seen(bot, KAI)
    assert KAI_NOTE not in everything_seen(bot, FINN)
    for user_id in bot.sandbox.workspace.users:
        seen = everything_seen(bot, user_id)
        assert FINN_NOTE not in seen and KAI_NOTE not in seen, user_id

    # The owner's help DM carries who, which program, and only the words Kai chose to share.
    [help_dm] = with_key(bot, ADA, "help:")
    shown = help_dm.text + texts(help_dm.blocks)
    assert f"<@{KAI}>" in shown and "Mentoring" in shown
    assert escape(KAI_HELP) in shown
    assert KAI_NOTE not in shown and "useful" not in shown and f"<@{FINN}>" not in shown

    # Every Monday's digest went to Ada once; the last lists the stalled pair only.
    digests = with_key(bot, ADA, "digest:")
    assert len(digests) == len({key_of(m) for m in digests}) == 14  # 8 Feb to 10 May
    for digest in digests:
        local = sent_at(digest).astimezone(ZoneInfo("America/New_York"))
        assert (local.weekday(), local.hour, local.minute) == (0, 10, 0)
    last = texts(digests[-1].blocks)
    assert f"<@{GRETA}> + <@{EMEKA}>" in last
    assert f"<@{FINN}>" not in last and f"<@{KAI}>" not in last
    assert "3 of 4 answered (75%)" in last
    assert "week of 3 May: *3.7*" in last
    assert "week of 26 Apr: fewer than 3 people rated" in last
    early = texts(digests[0].blocks)
    assert "*Stalled pairs:* none" in early  # the pairs were only two days old
    assert FINN_NOTE not in last and KAI_NOTE not in last and KAI_HELP not in last


# -- the edges --------------------------------------------------------------------------------


#: Monday 22 February 2027, 10:00 in Berlin and Lagos: Greta's and Emeka's first check-in.
FIRST = datetime(2027, 2, 22, 9, tzinfo=UTC)


def send_due(bot: RunningBot, at: datetime) -> None:
    bot.clock.set(at)
    bot.sprout.services.checkins.run_due()
    bot.delivered()


def test_only_the_person_can_answer_their_check_in(pairs: RunningBot) -> None:
    send_due(pairs, FIRST)
    [greta_dm] = with_key(pairs, GRETA, "checkin:")
    emeka = pairs.person(EMEKA)
    emeka.click(messages.MET, greta_dm)
    assert "someone else's" in emeka.reply().text
    emeka.click(messages.MORE, greta_dm)
    assert "someone else's" in emeka.reply().text
    assert pairs.sandbox.modal_of(EMEKA) is None
    assert check_in_of(pairs, greta_dm).met is None
    assert pairs.sandbox.find_message(greta_dm.channel, greta_dm.ts) == greta_dm


def test_the_modal_refuses_a_long_note_and_unticked_help_inline(pairs: RunningBot) -> None:
    send_due(pairs, FIRST)
    [dm] = with_key(pairs, GRETA, "checkin:")
    greta = pairs.person(GRETA)
    greta.click(messages.MORE, dm)
    modal = greta.modal()
    assert {b.get("block_id") for b in modal["blocks"]} >= {
        "met",
        "usefulness",
        "note",
        "help",
        "help_text",
    }
    response = greta.submit(met="met", usefulness="3", note="x" * 1001)
    assert response.json is not None and response.json["response_action"] == "errors"
    assert response.json["errors"] == {"note": "Keep this under 1000 characters."}
    response = greta.submit(met="met", help_text="please call me")
    assert response.json is not None
    assert "Tick" in response.json["errors"]["help_text"]
    row = check_in_of(pairs, dm)
    assert (row.met, row.usefulness, row.note, row.answered_at) == (None, None, None, None)
    pairs.delivered()
    assert with_key(pairs, ADA, "help:") == []


def test_goal_progress_is_asked_per_goal_and_stored_with_the_check_in(pairs: RunningBot) -> None:
    services = pairs.sprout.services
    with services.db.session() as session:
        mentorship = session.scalar(sa.select(Mentorship).where(Mentorship.mentor_id == GRETA))
        assert mentorship is not None
        session.add(
            Agreement(
                mentorship_id=mentorship.id,
                team_id=TEAM,
                cadence="every 2 weeks",
                channel="video call",
                proposed_by=EMEKA,
                proposed_at=FORMED,
                accepted_by=GRETA,
                accepted_at=FORMED,
            )
        )
        for position, what in enumerate(("Ship a design review", "Run a workshop"), start=1):
            session.add(
                Goal(
                    team_id=TEAM,
                    mentorship_id=mentorship.id,
                    position=position,
                    what=what,
                    measure="done",
                    status=GoalStatus.OPEN,
                    created_at=FORMED,
                    updated_at=FORMED,
                )
            )
    send_due(pairs, FIRST)
    [dm] = with_key(pairs, EMEKA, "checkin:")
    emeka = pairs.person(EMEKA)
    emeka.click(messages.MORE, dm)
    modal = emeka.modal()
    goal_blocks = [b for b in modal["blocks"] if str(b.get("block_id")).startswith("goal_")]
    assert [b["label"]["text"] for b in goal_blocks] == [
        "Goal: Ship a design review",
        "Goal: Run a workshop",
    ]
    first = goal_blocks[0]["block_id"]
    emeka.submit(met="met", usefulness="5", **{first: "on_track"})
    saved = emeka.replaced(dm)
    assert "progress noted on 1 of 2" in texts(saved.blocks)
    with services.db.session() as session:
        [progress] = session.scalars(sa.select(GoalProgress)).all()
        assert progress.progress is GoalProgressLevel.ON_TRACK
    # Greta's check-in doesn't show Emeka's answers, and asks about the same goals afresh.
    [greta_dm] = with_key(pairs, GRETA, "checkin:")
    greta = pairs.person(GRETA)
    greta.click(messages.MORE, greta_dm)
    greta_modal = greta.modal()
    for block in greta_modal["blocks"]:
        element = block.get("element") or {}
        assert not element.get("initial_option"), block.get("block_id")


def test_the_confirmation_never_repeats_the_note(pairs: RunningBot) -> None:
    send_due(pairs, FIRST)
    [dm] = with_key(pairs, EMEKA, "checkin:")
    emeka = pairs.person(EMEKA)
    emeka.click(messages.MORE, dm)
    emeka.submit(met="rescheduled", note="emeka-secret-note")
    saved = emeka.replaced(dm)
    shown = saved.text + texts(saved.blocks)
    assert "Your note is saved" in shown and "emeka-secret-note" not in shown
    # Reopening shows the person their own note, prefilled.
    emeka.click(messages.MORE, saved)
    note = next(b for b in emeka.modal()["blocks"] if b.get("block_id") == "note")
    assert note["element"]["initial_value"] == "emeka-secret-note"


def test_paused_people_get_their_check_in_on_the_first_working_morning_back(
    pairs: RunningBot,
) -> None:
    services = pairs.sprout.services
    back = datetime(2027, 2, 27, 12, tzinfo=UTC)  # a Saturday
    with services.db.session() as session:
        emeka = session.get(Person, (TEAM, EMEKA))
        assert emeka is not None
        emeka.paused, emeka.paused_until = True, back
    send_due(pairs, FIRST)
    assert with_key(pairs, EMEKA, "checkin:") == []
    assert len(with_key(pairs, GRETA, "checkin:")) == 1
    send_due(pairs, datetime(2027, 2, 27, 12, tzinfo=UTC))  # back, but a Saturday
    send_due(pairs, datetime(2027, 3, 1, 8, 45, tzinfo=UTC))  # Monday 09:45 in Lagos
    assert with_key(pairs, EMEKA, "checkin:") == []
    send_due(pairs, datetime(2027, 3, 1, 9, tzinfo=UTC))  # Monday 10:00 in Lagos
    [late] = with_key(pairs, EMEKA, "checkin:")
    assert sent_at(late) == datetime(2027, 3, 1, 9, tzinfo=UTC)
    # The next follows the schedule (Monday 8 March), not a day after the late one.
    send_due(pairs, datetime(2027, 3, 8, 9, tzinfo=UTC))
    assert [check_in_of(pairs, m).number for m in with_key(pairs, EMEKA, "checkin:")] == [1, 2]


def test_people_who_left_and_ended_pairs_get_no_check_ins(pairs: RunningBot) -> None:
    kai = pairs.person(KAI)
    kai.mentor("leave")
    question = kai.reply()
    kai.click("membership.leave.confirm", question)
    kai.replaced(question)
    greta = pairs.person(GRETA)
    greta.mentor("end")
    greta.reply()
    send_due(pairs, datetime(2027, 2, 22, 16, tzinfo=UTC))  # 10:00 in Chicago
    send_due(pairs, datetime(2027, 2, 22, 10, tzinfo=UTC) + timedelta(days=7))
    assert with_key(pairs, KAI, "checkin:") == []
    assert with_key(pairs, GRETA, "checkin:") == [] and with_key(pairs, EMEKA, "checkin:") == []
    assert len(with_key(pairs, FINN, "checkin:")) == 1  # Finn's side goes on until the round


def test_a_check_in_of_an_ended_pair_gets_a_clear_answer(pairs: RunningBot) -> None:
    send_due(pairs, FIRST)
    [dm] = with_key(pairs, EMEKA, "checkin:")
    greta = pairs.person(GRETA)
    greta.mentor("end")
    greta.reply()
    emeka = pairs.person(EMEKA)
    emeka.click(messages.MET, dm)
    assert "has ended" in emeka.reply().text
    assert check_in_of(pairs, dm).met is None


def test_without_check_in_prompts_the_questions_go_out_alone(pairs: RunningBot) -> None:
    with pairs.sprout.services.db.session() as session:
        session.execute(sa.delete(Prompt).where(Prompt.stage == "regular"))
    send_due(pairs, FIRST)
    [dm] = with_key(pairs, GRETA, "checkin:")
    assert "Did you meet since you were introduced?" in texts(dm.blocks)
    assert "For your next conversation" not in texts(dm.blocks)
    assert check_in_of(pairs, dm).prompt_key is None


def test_the_job_is_idempotent_and_quiet_between_check_ins(pairs: RunningBot) -> None:
    send_due(pairs, FIRST)
    send_due(pairs, FIRST + timedelta(minutes=15))
    send_due(pairs, FIRST + timedelta(minutes=30))
    assert len(with_key(pairs, GRETA, "checkin:")) == 1
    with pairs.sprout.services.db.session() as session:
        keys = list(session.scalars(sa.select(OutboxMessage.key)))
        waiting = session.scalar(
            sa.select(sa.func.count(CheckIn.id)).where(CheckIn.sent_at.is_(None))
        )
    assert len([k for k in keys if k.startswith("checkin:")]) == 2  # Greta and Emeka
    # Every side has exactly one check-in waiting: Finn's and Kai's first, the others' second.
    assert waiting == 4


def test_help_goes_to_the_admins_when_a_program_has_no_owners(bot: RunningBot) -> None:
    bot.clock.set(FORMED)
    create_program(bot, "Mentoring")
    join(bot.person(GRETA), role="mentor", offers="design", capacity="1")
    join(bot.person(EMEKA), role="mentee", wants="design")
    bot.sprout.services.rounds.run(TEAM, 1)
    bot.delivered()
    send_due(bot, FIRST)
    [dm] = with_key(bot, EMEKA, "checkin:")
    emeka = bot.person(EMEKA)
    emeka.click(messages.MORE, dm)
    emeka.submit(met="not_met", help=["yes"])
    emeka.replaced(dm)
    bot.delivered()
    [help_dm] = with_key(bot, ADA, "help:")  # the workspace's admin
    assert "They didn't add anything" in texts(help_dm.blocks)


def test_forget_me_leaves_no_check_in_or_message_that_names_the_person(
    pairs: RunningBot, machine: TimeMachine
) -> None:
    machine.advance_to(datetime(2027, 3, 8, 18, tzinfo=UTC))  # two check-ins and digests
    [dm, _] = with_key(pairs, EMEKA, "checkin:")
    emeka = pairs.person(EMEKA)
    emeka.click(messages.MORE, dm)
    emeka.submit(met="not_met", note="emeka-note", help=["yes"], help_text="call me")
    emeka.replaced(dm)
    pairs.delivered()
    assert with_key(pairs, ADA, "help:") and with_key(pairs, ADA, "digest:")
    emeka.mentor("forget-me")
    question = emeka.reply()
    emeka.click("membership.forget.confirm", question)
    emeka.replaced(question)
    with pairs.sprout.services.db.engine.connect() as connection:
        for table in models.Base.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                assert EMEKA not in repr(tuple(row)), f"{table.name} still names them"
                assert "emeka-note" not in repr(tuple(row)), table.name
    with pairs.sprout.services.db.session() as session:
        # Finn's and Kai's check-ins are untouched: two sent each, and the next waiting.
        left = [(c.user_id, c.number) for c in session.scalars(sa.select(CheckIn))]
    assert sorted(left) == [(u, n) for u in (FINN, KAI) for n in (1, 2, 3)]


def test_help_never_reaches_the_partner_even_when_they_own_the_program(bot: RunningBot) -> None:
    bot.clock.set(FORMED)
    create_program(bot, "Mentoring", owners=[GRETA])  # Greta owns it, and mentors Emeka
    join(bot.person(GRETA), role="mentor", offers="design", capacity="1")
    join(bot.person(EMEKA), role="mentee", wants="design")
    bot.sprout.services.rounds.run(TEAM, 1)
    bot.delivered()
    send_due(bot, FIRST)
    [dm] = with_key(bot, EMEKA, "checkin:")
    emeka = bot.person(EMEKA)
    emeka.click(messages.MORE, dm)
    emeka.submit(met="not_met", help=["yes"], help_text="things with my mentor")
    saved = emeka.replaced(dm)
    assert "has been asked to get in touch" in texts(saved.blocks)
    bot.delivered()
    assert with_key(bot, GRETA, "help:") == []
    [help_dm] = with_key(bot, ADA, "help:")  # the workspace's admin instead
    assert "things with my mentor" in texts(help_dm.blocks)


def test_help_with_nobody_outside_the_pair_is_not_sent_and_the_person_is_told(
    bot: RunningBot,
) -> None:
    """Ada owns the program and is the workspace's only admin, and she mentors Emeka."""
    bot.clock.set(FORMED)
    create_program(bot, "Mentoring", owners=[ADA])
    join(bot.person(ADA), role="mentor", offers="design", capacity="1")
    join(bot.person(EMEKA), role="mentee", wants="design")
    bot.sprout.services.rounds.run(TEAM, 1)
    bot.delivered()
    send_due(bot, FIRST)
    [dm] = with_key(bot, EMEKA, "checkin:")
    emeka = bot.person(EMEKA)
    emeka.click(messages.MORE, dm)
    emeka.submit(met="met", usefulness="4", help=["yes"], help_text="about my mentor")
    saved = emeka.replaced(dm)
    shown = texts(saved.blocks)
    assert "help request was *not sent*" in shown and "has been asked" not in shown
    bot.delivered()
    assert with_key(bot, ADA, "help:") == []
    assert "about my mentor" not in everything_seen(bot, ADA)
    row = check_in_of(bot, dm)
    assert row.usefulness == 4 and row.help_requested_at is None  # the rest is saved


# -- the digest's figures are final --------------------------------------------------------


def digest_usefulness(bot: RunningBot, at: datetime) -> str:
    """Send the week's digest at ``at`` and return its usefulness line as Ada reads it."""
    bot.clock.set(at)
    bot.sprout.services.checkins.send_digests()
    bot.delivered()
    latest = with_key(bot, ADA, "digest:")[-1]
    return next(line for line in texts(latest.blocks).splitlines() if "week of" in line)


def test_a_late_or_changed_rating_never_changes_a_week_already_shown(pairs: RunningBot) -> None:
    """A week's figure, once shown, stays what it was: otherwise the next digest's difference
    would give away the one rating that moved it."""
    for at in (FIRST, FIRST + timedelta(hours=1), FIRST + timedelta(hours=7)):
        send_due(pairs, at)  # Greta, Emeka, then Finn, then Kai get their first check-in
    [greta_dm] = with_key(pairs, GRETA, "checkin:")
    [emeka_dm] = with_key(pairs, EMEKA, "checkin:")
    [finn_dm] = with_key(pairs, FINN, "checkin:")
    [kai_dm] = with_key(pairs, KAI, "checkin:")
    tell_more(pairs, GRETA, greta_dm, met="met", usefulness="2")
    tell_more(pairs, EMEKA, emeka_dm, met="met", usefulness="4")
    tell_more(pairs, FINN, finn_dm, met="met", usefulness="3")
    greta = pairs.person(GRETA)
    greta.click(messages.MORE, pairs.sandbox.find_message(greta_dm.channel, greta_dm.ts))
    greta.modal()  # she leaves it open over the weekend

    # Monday 1 March, 10:00 in New York: the week of 22 February has three raters.
    first = digest_usefulness(pairs, datetime(2027, 3, 1, 15, tzinfo=UTC))
    assert "week of 22 Feb: *3.0*" in first

    # Greta tries to change her rating from the form she left open: refused, nothing saved.
    response = greta.submit(met="met", usefulness="5", note="changed my mind")
    assert response.json is not None and response.json["response_action"] == "errors"
    assert "is final" in response.json["errors"]["usefulness"]
    row = check_in_of(pairs, greta_dm)
    assert (row.usefulness, row.note) == (2, None)
    # A fresh form shows the rating as final, and the rest can still change.
    greta.click(messages.MORE, pairs.sandbox.find_message(greta_dm.channel, greta_dm.ts))
    modal = greta.modal()
    assert "usefulness" not in {b.get("block_id") for b in modal["blocks"]}
    assert "How useful it was: 2 of 5. That's final now" in texts(modal["blocks"])
    greta.submit(met="rescheduled", note="we moved it")
    pairs.delivered()
    row = check_in_of(pairs, greta_dm)
    assert (row.met, row.usefulness, row.note) == (MeetingAnswer.RESCHEDULED, 2, "we moved it")

    # Kai answers his check-in of 22 February only now: it counts in this week, not that one.
    tell_more(pairs, KAI, kai_dm, met="met", usefulness="5")
    assert check_in_of(pairs, kai_dm).usefulness == 5

    second = digest_usefulness(pairs, datetime(2027, 3, 8, 15, tzinfo=UTC))
    assert "week of 22 Feb: *3.0*" in second
    assert "week of 1 Mar: fewer than 3 people rated" in second


def test_a_weeks_usefulness_needs_three_different_people_not_three_ratings(
    pairs: RunningBot,
) -> None:
    services = pairs.sprout.services
    answered = datetime(2027, 2, 23, 15, tzinfo=UTC)  # a Tuesday
    week = DigestWeek("2027-W09", date(2027, 3, 1))
    now = datetime(2027, 3, 1, 15, tzinfo=UTC)
    with services.db.session() as session:
        program = session.get(Program, 1)
        assert program is not None
        mentorships = {m.mentor_id: m.id for m in session.scalars(sa.select(Mentorship))}

        def rated(mentor: str, user_id: str, number: int, rating: int) -> None:
            session.add(
                CheckIn(
                    team_id=TEAM,
                    mentorship_id=mentorships[mentor],
                    user_id=user_id,
                    number=number,
                    due_at=answered,
                    sent_at=answered,
                    answered_at=answered,
                    met=MeetingAnswer.MET,
                    usefulness=rating,
                )
            )
            session.flush()

        rated(GRETA, GRETA, 10, 5)
        rated(GRETA, GRETA, 11, 5)
        rated(GRETA, EMEKA, 10, 1)
        [shown] = [
            w
            for w in compile_digest(session, program, week, now).usefulness
            if w.monday == date(2027, 2, 22)
        ]
        assert (shown.people, shown.mean) == (2, None)  # three ratings, but two people
        rated(FINN, FINN, 10, 3)
        [shown] = [
            w
            for w in compile_digest(session, program, week, now).usefulness
            if w.monday == date(2027, 2, 22)
        ]
        assert (shown.people, shown.mean) == (3, 3.5)


# -- goals, and the end of the term -----------------------------------------------------------


def goal_inputs(bot: RunningBot, user_id: str, dm: Message) -> dict[str, Any]:
    """The goal selects of the person's check-in form, opened from ``dm``, by label."""
    person = bot.person(user_id)
    person.click(messages.MORE, bot.sandbox.find_message(dm.channel, dm.ts) or dm)
    modal = person.modal()
    bot.sandbox.clear_modals(user_id)
    return {
        b["label"]["text"]: b for b in modal["blocks"] if str(b.get("block_id")).startswith("goal_")
    }


def test_check_ins_ask_about_goals_only_once_they_are_agreed(pairs: RunningBot) -> None:
    propose(pairs.person(EMEKA), intro_of(pairs, EMEKA))  # not yet agreed by Greta
    pairs.delivered()
    send_due(pairs, FIRST)
    [dm] = with_key(pairs, EMEKA, "checkin:")
    assert goal_inputs(pairs, EMEKA, dm) == {}

    pairs.person(GRETA).click("mentoring.agreement.agree", proposal_for(pairs, GRETA))
    pairs.delivered()
    assert list(goal_inputs(pairs, EMEKA, dm)) == ["Goal: Run a design review on my own"]


def test_a_rewritten_goal_starts_afresh_and_a_reworded_one_keeps_its_progress(
    pairs: RunningBot,
) -> None:
    propose(pairs.person(EMEKA), intro_of(pairs, EMEKA))
    pairs.delivered()
    pairs.person(GRETA).click("mentoring.agreement.agree", proposal_for(pairs, GRETA))
    pairs.delivered()
    send_due(pairs, FIRST)
    [dm] = with_key(pairs, EMEKA, "checkin:")
    [select] = goal_inputs(pairs, EMEKA, dm).values()
    tell_more(pairs, EMEKA, dm, met="met", **{select["block_id"]: "on_track"})

    def edit_goal(what: str) -> None:
        greta = pairs.person(GRETA)
        greta.mentor("goals")
        greta.click("mentoring.goals.edit", greta.reply())
        response = greta.submit(goal1_what=what)
        assert response.status == 200 and not response.body.strip(), response.text
        pairs.delivered()

    def stored() -> tuple[list[int], list[tuple[int, GoalProgressLevel]]]:
        with pairs.sprout.services.db.session() as session:
            goals = list(session.scalars(sa.select(Goal.id)))
            progress = [(p.goal_id, p.progress) for p in session.scalars(sa.select(GoalProgress))]
            return goals, progress

    [goal_id], _ = stored()
    edit_goal("Run a design review on my own.")  # a full stop: the same goal
    assert stored() == ([goal_id], [(goal_id, GoalProgressLevel.ON_TRACK)])
    [select] = goal_inputs(pairs, EMEKA, dm).values()
    assert select["element"]["initial_option"]["value"] == "on_track"

    edit_goal("Give a talk at the team meetup")  # another goal: Emeka's "on track" was not for it
    [new_id], progress = stored()
    assert new_id != goal_id and progress == []
    [(label, select)] = goal_inputs(pairs, EMEKA, dm).items()
    assert label == "Goal: Give a talk at the team meetup"
    assert not select["element"].get("initial_option")


def test_a_check_in_held_up_past_the_terms_end_is_not_sent(pairs: RunningBot) -> None:
    """The job that ends pairs runs every six hours; the check-in job doesn't wait for it."""
    with pairs.sprout.services.db.session() as session:
        session.execute(
            sa.update(Mentorship)
            .where(Mentorship.mentor_id == GRETA)
            .values(term_ends_at=FIRST - timedelta(minutes=5))
        )
    send_due(pairs, FIRST)
    assert with_key(pairs, GRETA, "checkin:") == [] and with_key(pairs, EMEKA, "checkin:") == []
    send_due(pairs, FIRST + timedelta(hours=1))  # Finn's, whose pair goes on, still comes
    assert len(with_key(pairs, FINN, "checkin:")) == 1


def test_one_check_in_that_fails_is_logged_and_the_others_still_go_out(
    pairs: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    build = messages.check_in_dm

    def failing_for_greta(view: Any) -> Any:
        if view.partner_id == EMEKA:  # Greta's check-in
            raise ValueError(GRETA_SECRET)
        return build(view)

    monkeypatch.setattr(messages, "check_in_dm", failing_for_greta)
    send_due(pairs, FIRST)
    assert with_key(pairs, GRETA, "checkin:") == []
    assert len(with_key(pairs, EMEKA, "checkin:")) == 1
    [record] = [r for r in caplog.records if "failed" in r.getMessage()]
    assert record.getMessage().endswith("failed: ValueError")
    assert GRETA_SECRET not in caplog.text and GRETA not in caplog.text

    monkeypatch.setattr(messages, "check_in_dm", build)
    send_due(pairs, FIRST + timedelta(minutes=15))  # the next pass, still her morning
    assert len(with_key(pairs, GRETA, "checkin:")) == 1
    assert len(with_key(pairs, EMEKA, "checkin:")) == 1


GRETA_SECRET = "greta-answer-3c9e"


def test_the_digest_job_looks_at_a_program_once_a_week(
    pairs: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job runs every quarter hour; a program's digest, once settled, isn't recomputed."""
    create_program(pairs, "Quiet circle", owners=[ADA])  # no pairs: nothing to report
    compiled: list[int] = []
    lookups: list[list[tuple[int, str]]] = []
    compile_digest_, already_sent_ = service_module.compile_digest, service_module.already_sent

    def counting_compile(session: Any, program: Any, week: Any, now: datetime) -> Any:
        compiled.append(program.id)
        return compile_digest_(session, program, week, now)

    def counting_lookup(session: Any, due: Any) -> Any:
        lookups.append(list(due))
        return already_sent_(session, due)

    monkeypatch.setattr(service_module, "compile_digest", counting_compile)
    monkeypatch.setattr(service_module, "already_sent", counting_lookup)
    checkins = pairs.sprout.services.checkins
    monday = datetime(2027, 2, 8, 15, tzinfo=UTC)  # 10:00 in New York
    for quarter in range(8):
        pairs.clock.set(monday + timedelta(minutes=15 * quarter))
        checkins.send_digests()
    pairs.delivered()
    assert sorted(compiled) == [1, 2]  # once each, though only Mentoring had something to say
    assert lookups[0] == [(1, "2027-W06"), (2, "2027-W06")] and all(d == [] for d in lookups[1:])
    assert len(with_key(pairs, ADA, "digest:")) == 1

    # A restarted process asks the outbox once, and sends nothing twice.
    restarted = type(checkins)(
        pairs.sprout.services.db, pairs.clock, pairs.sprout.services.people, []
    )
    restarted.send_digests()
    restarted.send_digests()
    pairs.delivered()
    assert len(with_key(pairs, ADA, "digest:")) == 1
    assert sorted(compiled) == [1, 2, 2]  # only the quiet one is looked at again
