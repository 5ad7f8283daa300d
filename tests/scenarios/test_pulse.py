"""Pulse surveys through the sandbox: an admin creates one, the real job delivers it on each
person's working morning, people answer anonymously, a second answer is refused, one reminder
reaches only those who haven't answered, and the wave closes and forgets who answered.

The paused scheduler and the time machine fire the real quarter-hourly job where its trigger
says; the sandbox dates every message by the bot's clock, so a message's ts is when it was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.clock import FrozenClock
from bot.pulse import messages
from models import (
    OutboxMessage,
    PulseAnswer,
    PulseInvitation,
    PulseSurvey,
    PulseToken,
    PulseWave,
)
from sandbox import Message, SlackSandbox, seeded_workspace
from sandbox.time_machine import TimeMachine
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, texts
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program
from tests.scenarios.time_travel import keep_only, paused_scheduler

TEAM = "T0SPROUT"
ADA = SEED_ADMIN_ID  # New York: the program's owner, and the pulse's creator
FINN, KAI, GRETA, EMEKA = "U06FIN", "U11KAI", "U07GRE", "U05EME"
DEVIKA, HIRO = "U04DEV", "U08HIR"
ZONES = {
    FINN: "Europe/London",
    KAI: "America/Chicago",
    GRETA: "Europe/Berlin",
    EMEKA: "Africa/Lagos",
    DEVIKA: "Asia/Kolkata",
    HIRO: "Asia/Tokyo",
}
#: Monday 1 March 2027, a quarter to the hour, so the quarter-hourly job fires on the quarters.
CREATED = datetime(2027, 3, 1, 13, 45, tzinfo=UTC)
#: The pulse's first (only) day: Tuesday 2 March, from midnight in New York (05:00 UTC).
STARTS_ON = "2027-03-02"
COMMENTS = {
    FINN: "finn-comment-c41f: more time for questions",
    GRETA: "greta-comment-77ab: pair us across teams",
    EMEKA: "emeka-comment-0d2e: shorter check-ins",
    KAI: "kai-comment-5b90: a kick-off for mentees",
}


@pytest.fixture
def sandbox(clock: FrozenClock) -> Iterator[SlackSandbox]:
    """Messages dated by the bot's clock, so their ts says when the bot sent them."""
    with SlackSandbox(seeded_workspace(), wall_clock=lambda: clock.now().timestamp()) as running:
        yield running


@pytest.fixture
def program(bot: RunningBot) -> RunningBot:
    """A mentoring program in New York's zone, owned by Ada, with six people around the world."""
    bot.clock.set(CREATED)
    create_program(bot, "Mentoring", owners=[ADA])
    join(bot.person(FINN), role="mentor", offers="python", capacity="1")
    join(bot.person(GRETA), role="mentor", offers="design", capacity="1")
    join(bot.person(HIRO), role="mentor", offers="sql", capacity="1")
    join(bot.person(KAI), role="mentee", wants="python")
    join(bot.person(EMEKA), role="mentee", wants="design")
    join(bot.person(DEVIKA), role="mentee", wants="sql")
    bot.delivered()
    return bot


@pytest.fixture
def machine(bot: RunningBot) -> Iterator[TimeMachine]:
    """The real scheduler on the real job store, paused, with only the pulse job left in it."""
    with paused_scheduler(bot) as scheduler:
        assert "pulse.run_due" in {j.id for j in scheduler.get_jobs()}
        keep_only(scheduler, "pulse.")
        yield TimeMachine(scheduler, bot.clock, after_each=bot.delivered)


# -- reading what people got and what is stored ---------------------------------------------


def key_of(message: Message) -> str:
    return str(((message.metadata or {}).get("event_payload") or {}).get("key") or "")


def sent_at(message: Message) -> datetime:
    return datetime.fromtimestamp(float(Decimal(message.ts)), UTC)


def with_key(bot: RunningBot, user_id: str, prefix: str) -> list[Message]:
    return [m for m in bot.sandbox.inbox(user_id) if key_of(m).startswith(prefix)]


def the_wave(bot: RunningBot) -> PulseWave:
    with bot.sprout.services.db.session() as session:
        [wave] = session.scalars(sa.select(PulseWave)).all()
        return wave


def every_row(bot: RunningBot) -> dict[str, list[str]]:
    """Every row of every table in the database, as text, by table (the job store too)."""
    metadata = sa.MetaData()
    engine = bot.sprout.services.db.engine
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: [repr(tuple(row)) for row in connection.execute(sa.select(table))]
            for table in metadata.sorted_tables
        }


def tables_naming(rows: dict[str, list[str]], text: str) -> set[str]:
    return {name for name, found in rows.items() if any(text in row for row in found)}


# -- what people do ---------------------------------------------------------------------------


def create_pulse(bot: RunningBot, **values: object) -> dict[str, Any]:
    """Ada fills in the new-pulse modal (the template is already in it) and submits it."""
    ada = bot.person(ADA)
    ada.mentor("pulse new")
    modal = ada.modal()
    response = ada.submit(**{"starts_on": STARTS_ON, **values})
    assert response.status == 200 and not response.body.strip(), response.text
    assert "Created the pulse" in ada.reply().text
    return modal


def answer(bot: RunningBot, user_id: str, dm: Message, **values: object) -> dict[str, Any]:
    """Open the questions from the DM and send them; returns what the modal turned into."""
    person = bot.person(user_id)
    person.click(messages.ANSWER, dm)
    person.modal()
    response = person.submit(**values)
    assert response.json is not None and response.json["response_action"] == "update"
    return person.modal()


# -- the whole thing --------------------------------------------------------------------------


def test_create_deliver_answer_refuse_remind_once_and_close(
    program: RunningBot, machine: TimeMachine
) -> None:
    bot = program
    services = bot.sprout.services

    # The modal opens with the "program pulse" template and sensible defaults.
    modal = create_pulse(bot)
    fields = {b.get("block_id"): b for b in modal["blocks"]}
    assert fields["name"]["element"]["initial_value"] == "Program pulse"
    assert fields["q1_kind"]["element"]["initial_option"]["value"] == "scale"
    assert fields["q1_text"]["element"]["initial_value"] == (
        "How useful is the program for you right now?"
    )
    assert fields["q1_options"]["element"]["initial_value"] == "Not at all\nVery"
    assert fields["q2_kind"]["element"]["initial_option"]["value"] == "enps"
    assert fields["q3_kind"]["element"]["initial_option"]["value"] == "comment"
    assert "initial_option" not in fields["q4_kind"]["element"]
    assert fields["window_days"]["element"]["initial_option"]["value"] == "3"
    assert fields["program_id"]["element"]["initial_option"]["value"] == "1"
    with services.db.session() as session:
        [survey] = session.scalars(sa.select(PulseSurvey)).all()
    assert survey.reminder and survey.window_days == 3 and survey.created_by == ADA
    assert (survey.min_answers, survey.min_comments) == (5, 10)
    assert fields["min_answers"]["element"]["initial_value"] == "5"
    assert [q["kind"] for q in survey.questions] == ["scale", "enps", "comment"]

    # Delivery: each person's DM comes at 10:00 on a working day where they are.
    machine.advance_to(datetime(2027, 3, 3, 6, tzinfo=UTC))
    wave = the_wave(bot)
    assert wave.opens_at == datetime(2027, 3, 2, 5, tzinfo=UTC)  # midnight in New York
    dms = {}
    for user_id, timezone in ZONES.items():
        [dm] = with_key(bot, user_id, "pulse:")
        assert key_of(dm) == f"pulse:{wave.id}:{user_id}"
        local = sent_at(dm).astimezone(ZoneInfo(timezone))
        assert local.weekday() < 5 and (local.hour, local.minute) == (10, 0), user_id
        assert "Answer anonymously" in texts(dm.blocks)
        dms[user_id] = dm
    # Kolkata's and Tokyo's Tuesday mornings had passed at midnight in New York: Wednesday.
    assert sent_at(dms[DEVIKA]).astimezone(ZoneInfo(ZONES[DEVIKA])).day == 3
    assert sent_at(dms[HIRO]).astimezone(ZoneInfo(ZONES[HIRO])).day == 3
    assert sent_at(dms[FINN]).astimezone(ZoneInfo(ZONES[FINN])).day == 2
    assert with_key(bot, ADA, "pulse:") == []  # the owner isn't a member

    # The questions: a 1-5 scale with its labels, 0-10 to recommend, an optional comment.
    finn = bot.person(FINN)
    finn.click(messages.ANSWER, dms[FINN])
    form = finn.modal()
    assert json.loads(form["private_metadata"]) == {"wave_id": wave.id}
    inputs = [b for b in form["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["q0", "q1", "q2"]
    scale = [o["text"]["text"] for o in inputs[0]["element"]["options"]]
    assert scale == ["1 · Not at all", "2", "3", "4", "5 · Very"]
    assert inputs[1]["element"]["type"] == "static_select"
    assert [o["value"] for o in inputs[1]["element"]["options"]] == [str(n) for n in range(11)]
    assert inputs[2]["optional"] and inputs[2]["element"]["max_length"] == 1000

    # Answering writes nothing that names the person: only a token and three answers.
    bot.delivered()
    before = every_row(bot)
    response = finn.submit(q0="4", q1="9", q2=COMMENTS[FINN])
    assert response.json is not None and response.json["response_action"] == "update"
    thanks = finn.modal()
    assert messages.THANKS in texts(thanks["blocks"]) and not thanks.get("submit")
    assert COMMENTS[FINN] not in str(thanks)
    after = every_row(bot)
    changed = {name for name in after if set(after[name]) != set(before.get(name, []))}
    assert changed == {"pulse_answers", "pulse_tokens"}, changed
    added = [row for name in changed for row in set(after[name]) - set(before[name])]
    assert len(added) == 4 and not any(FINN in row for row in added)

    # A second answer is refused politely, and the DM keeps its button.
    finn.click(messages.ANSWER, dms[FINN])
    refusal = finn.reply()
    assert "already answered" in refusal.text and refusal.kind == "ephemeral"
    assert not (bot.sandbox.modal_of(FINN) or {}).get("submit")  # no new form opened

    for user_id, values in (
        (GRETA, {"q0": "5", "q1": "10", "q2": COMMENTS[GRETA]}),
        (EMEKA, {"q0": "3", "q1": "7", "q2": COMMENTS[EMEKA]}),
    ):
        shown = answer(bot, user_id, dms[user_id], **values)
        assert messages.THANKS in texts(shown["blocks"])

    # A form left open on one device while the person answered on another: refused in place.
    devika = bot.person(DEVIKA)
    devika.click(messages.ANSWER, dms[DEVIKA])
    devika.modal()
    services.pulses.waves.answer(TEAM, DEVIKA, wave.id, {"q0": "2", "q1": "4"})
    response = devika.submit(q0="5", q1="10")
    assert response.json is not None and response.json["response_action"] == "update"
    assert "already answered" in texts(devika.modal()["blocks"])

    # No row anywhere names who answered what.
    rows = every_row(bot)
    allowed = {"people", "memberships", "outbox", "conversations", "pulse_invitations"}
    for user_id in (FINN, GRETA, EMEKA, DEVIKA):
        assert tables_naming(rows, user_id) <= allowed, user_id
        assert tables_naming(rows, user_id) >= {"pulse_invitations"}
    for comment in (COMMENTS[FINN], COMMENTS[GRETA], COMMENTS[EMEKA]):
        assert tables_naming(rows, comment) == {"pulse_answers"}
    with services.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseToken)) == 4
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseAnswer)) == 11

    # One reminder, a working morning before the close, only to Kai and Hiro.
    machine.advance_to(datetime(2027, 3, 4, 17, tzinfo=UTC))  # Thursday, after Kai's 10:00
    [kai_reminder] = with_key(bot, KAI, "pulse-reminder:")
    local = sent_at(kai_reminder).astimezone(ZoneInfo(ZONES[KAI]))
    assert (local.weekday(), local.hour, local.minute) == (3, 10, 0)
    shown = answer(bot, KAI, kai_reminder, q0="4", q1="8", q2=COMMENTS[KAI])
    assert messages.THANKS in texts(shown["blocks"])

    machine.advance_to(datetime(2027, 3, 6, 12, tzinfo=UTC))  # the wave closed at 04:30 UTC
    reminded = {u for u in ZONES if with_key(bot, u, "pulse-reminder:")}
    assert reminded == {KAI, HIRO}
    for user_id in reminded:
        assert len(with_key(bot, user_id, "pulse-reminder:")) == 1
    [hiro_reminder] = with_key(bot, HIRO, "pulse-reminder:")
    local = sent_at(hiro_reminder).astimezone(ZoneInfo(ZONES[HIRO]))
    assert (local.weekday(), local.hour, local.minute) == (4, 10, 0)  # Friday in Tokyo
    assert "only reminder" in texts(hiro_reminder.blocks)

    # Closed: counted, then forgotten; the owner hears the results are ready.
    wave = the_wave(bot)
    assert wave.closes_at == datetime(2027, 3, 6, 4, 30, tzinfo=UTC)
    assert wave.closed_at == wave.closes_at
    assert (wave.invited, wave.answered) == (6, 5)
    assert wave.token_key is None and wave.reminded_at is not None
    with services.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseToken)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseInvitation)) == 0
        outbox = [(m.key, m.recipients) for m in session.scalars(sa.select(OutboxMessage))]
    # Nothing left ties anyone to this wave: no invitation, no invitation or reminder message
    # (a reminder's key said who hadn't answered yet).
    rows = every_row(bot)
    for user_id in ZONES:
        assert tables_naming(rows, user_id) <= {"people", "memberships", "outbox", "conversations"}
        for key, recipients in outbox:
            if user_id in key or user_id in recipients:
                assert not (key.startswith("pulse") and f":{wave.id}:" in key), key
    [ready] = with_key(bot, ADA, "pulse-closed:")
    assert "5 of 6 people answered" in ready.text
    assert "/mentor pulse results Program pulse" in texts(ready.blocks)

    # After the close, the button says so and disappears.
    hiro = bot.person(HIRO)
    hiro.click(messages.ANSWER, dms[HIRO])
    closed = hiro.replaced(dms[HIRO])
    assert "has closed" in closed.text and "Answer anonymously" not in texts(closed.blocks)
    assert bot.sandbox.modal_of(HIRO) is None

    # The owner reads the results: a chart uploaded into her DM beside the numbers. Four
    # comments are fewer than the ten comments need, so none is shown.
    ada = bot.person(ADA)
    ada.mentor("pulse results Program pulse")
    answer_to_ada = bot.sandbox.wait_for_message(ADA, lambda m: m.kind == "ephemeral")
    assert "with a chart" in answer_to_ada.text  # the upload may arrive before this answer
    uploaded = bot.sandbox.wait_for_upload()
    assert uploaded.data.startswith(b"\x89PNG") and uploaded.channels == (
        bot.sandbox.dm_channel_id(ADA),
    )
    numbers = bot.sandbox.wait_for_message(
        ADA, lambda m: m.kind == "dm" and not m.files and m.text.startswith("Pulse results:")
    )
    shown = texts(numbers.blocks)
    assert "5 of 6" in shown
    assert "mean 3.60" in shown  # 4, 5, 3, 2 and 4
    assert "eNPS +20" in shown  # 9 and 10 promote, 4 detracts, of five
    bot.delivered()

    # Nobody ever saw anyone's answers: not the owner, not in any message.
    rows = every_row(bot)
    for comment in COMMENTS.values():
        assert tables_naming(rows, comment) == {"pulse_answers"}
        for user_id in bot.sandbox.workspace.users:
            for message in bot.sandbox.inbox(user_id):
                assert comment not in message.text + texts(message.blocks)
    for user_id in ZONES:
        assert not tables_naming(rows, user_id) & {"pulse_answers", "pulse_tokens", "pulse_waves"}


# -- the edges ----------------------------------------------------------------------------------


def test_only_admins_create_pulses_and_bad_input_gets_inline_errors(program: RunningBot) -> None:
    bot = program
    ben = bot.person("U02BEN")
    ben.mentor("pulse new")
    assert "is for Sprout admins" in ben.reply().text
    assert bot.sandbox.modal_of("U02BEN") is None

    ada = bot.person(ADA)
    ada.mentor("pulse new")
    ada.modal()
    response = ada.submit(
        starts_on="2027-02-01",
        role="peer",
        schedule="weekly",
        window_days="7",
        q1_options="only one label",
        q4_text="A question without a kind",
        q2_kind="choice",
    )
    assert response.json is not None and response.json["response_action"] == "errors"
    errors = response.json["errors"]
    assert "two end labels" in errors["q1_options"]
    assert "2 to 10 options" in errors["q2_options"]
    assert "Pick what kind" in errors["q4_kind"]
    assert "at most 5 days" in errors["window_days"]
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseSurvey)) == 0

    response = ada.submit(starts_on="2027-02-01", role="peer")  # the rest as the template
    assert response.json is not None
    assert set(response.json["errors"]) == {"starts_on", "role"}

    # Comments can't need fewer people than the results do.
    response = ada.submit(starts_on=STARTS_ON, min_answers="7", min_comments="6")
    assert response.json is not None
    assert response.json["errors"] == {
        "min_comments": "Use at least the minimum answers (7): a comment is easier to recognise "
        "than a number."
    }

    response = ada.submit(
        starts_on=STARTS_ON, role="mentee", schedule="monthly", min_answers="7", min_comments="12"
    )
    assert response.status == 200 and not response.body.strip(), response.text
    created = ada.reply().text
    assert "Created the pulse *Program pulse* for the mentees of Mentoring" in created
    assert "Results show once at least 7 people answered a wave, comments once 12" in created
    with bot.sprout.services.db.session() as session:
        [survey] = session.scalars(sa.select(PulseSurvey)).all()
    assert (survey.min_answers, survey.min_comments) == (7, 12)

    ada.mentor("pulse new")
    ada.modal()
    response = ada.submit(name="program PULSE", starts_on=STARTS_ON)
    assert response.json is not None and "exists already" in response.json["errors"]["name"]


def test_list_and_stop(program: RunningBot, machine: TimeMachine) -> None:
    bot = program
    create_pulse(bot, schedule="weekly", window_days="2")
    machine.advance_to(datetime(2027, 3, 2, 6, tzinfo=UTC))
    ada = bot.person(ADA)
    ada.mentor("pulse list")
    listing = texts(ada.reply().blocks)
    assert "*Program pulse* · everyone in Mentoring · every week · 3 questions" in listing
    assert "Wave 1 is open until" in listing and "for 6 people" in listing

    ada.mentor("pulse stop program pulse")
    assert "Stopped *Program pulse*" in ada.reply().text
    ada.mentor("pulse stop Program pulse")
    assert "stopped already" in ada.reply().text
    ada.mentor("pulse stop Nope")
    assert "I don't know a pulse called “Nope”" in ada.reply().text

    machine.advance_to(datetime(2027, 3, 17, tzinfo=UTC))  # two more Tuesdays
    with bot.sprout.services.db.session() as session:
        waves = list(session.scalars(sa.select(PulseWave)))
    assert [(w.number, w.closed_at is not None) for w in waves] == [(1, True)]


def test_an_answer_that_does_not_fit_is_refused_inline_and_nothing_is_stored(
    program: RunningBot, machine: TimeMachine
) -> None:
    bot = program
    create_pulse(bot)
    machine.advance_to(datetime(2027, 3, 2, 11, tzinfo=UTC))
    [dm] = with_key(bot, FINN, "pulse:")
    finn = bot.person(FINN)
    finn.click(messages.ANSWER, dm)
    finn.modal()
    response = finn.submit(q0="4", q1="9", q2="x" * 1001)
    assert response.json is not None and response.json["response_action"] == "errors"
    assert response.json["errors"] == {"q2": "Keep this under 1000 characters."}
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseAnswer)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(PulseToken)) == 0
    # Someone the pulse wasn't sent to can't answer it with a forwarded button.
    ada = bot.person(ADA)
    ada.click(messages.ANSWER, dm)
    assert "wasn't sent to you" in ada.reply().text
    assert bot.sandbox.modal_of(ADA) is None
    with bot.sprout.services.db.session() as session:
        keys = list(session.scalars(sa.select(OutboxMessage.key)))
    assert not [k for k in keys if k.startswith("pulse-reminder:")]
