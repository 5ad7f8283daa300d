"""Rounds through the sandbox: preview, run, introductions, answers, follow-ups, the ghost rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import models
from bot.errors import UserFacingError
from bot.scheduling import jobs
from models import Answer, GroupMember, Mentorship, OutboxMessage, OutboxStatus, Person, Round
from sandbox import Message
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, all_messages, members_of, texts
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program

TEAM = "T0SPROUT"
PEERS = ["U02BEN", "U03CAM", "U04DEV", "U05EME", "U06FIN"]
MENTORS = {"U06FIN": "python, public speaking", "U07GRE": "design, leadership"}
MENTEES = {"U05EME": "python", "U03CAM": "leadership", "U09ISA": "pottery"}


def deliver(bot: RunningBot) -> None:
    """Let the delivery thread (running as in the lease holder) send what the round queued."""
    bot.delivered()


def group_dms(bot: RunningBot) -> list[Message]:
    return [
        m
        for m in all_messages(bot.sandbox)
        if m.kind == "group_dm" and "We've met" in texts(m.blocks)
    ]


@pytest.fixture
def coffee(bot: RunningBot) -> RunningBot:
    create_program(bot, "Coffee", kind="coffee")
    for user in PEERS:
        join(bot.person(user), offers="hiking, chess")
    return bot


@pytest.fixture
def mentoring(bot: RunningBot) -> RunningBot:
    create_program(bot, "Mentoring", owners=[SEED_ADMIN_ID])
    for user, offers in MENTORS.items():
        join(bot.person(user), role="mentor", offers=offers, capacity="1")
    for user, wants in MENTEES.items():
        join(bot.person(user), role="mentee", wants=wants)
    return bot


def test_preview_shows_groups_and_sends_nothing(coffee: RunningBot) -> None:
    ada = coffee.person(SEED_ADMIN_ID)
    ada.mentor("round preview")
    shown = texts(ada.reply().blocks)
    assert "Preview: round 1 of Coffee" in shown
    assert "2 groups" in shown  # five people: a pair and a trio
    assert "nothing has been sent" in shown
    with coffee.sprout.services.db.session() as session:
        assert session.query(Round).count() == 0
        assert session.query(OutboxMessage).filter(OutboxMessage.key.like("intro:%")).count() == 0


def test_running_a_round_introduces_every_group_in_a_group_dm(coffee: RunningBot) -> None:
    ada = coffee.person(SEED_ADMIN_ID)
    ada.mentor("round run")
    assert "Round 1 of *Coffee* is under way: 2 introductions" in ada.reply().text
    deliver(coffee)
    intros = group_dms(coffee)
    assert len(intros) == 2
    members = sorted(sorted(members_of(coffee.sandbox, m.channel)) for m in intros)
    assert sorted(u for group in members for u in group) == sorted(PEERS)
    assert sorted(len(g) for g in members) == [2, 3]
    with coffee.sprout.services.db.session() as session:
        stored = {group.id: sorted(group.user_ids) for group in session.query(Round).one().groups}
    for intro in intros:
        # Each group DM holds exactly its stored group, and its buttons answer for that group.
        in_dm = sorted(members_of(coffee.sandbox, intro.channel))
        [(group_id, _)] = [(g, m) for g, m in stored.items() if m == in_dm]
        buttons = [e for b in intro.blocks if b["type"] == "actions" for e in b["elements"]]
        assert {e["value"] for e in buttons} == {str(group_id)}
        assert all(f"<@{u}>" in intro.text for u in in_dm)
        shown = texts(intro.blocks)
        assert "Why you were matched" in shown
        assert "Something light:" in shown and "Something deeper:" in shown
        assert [e["text"]["text"] for e in buttons] == [
            "We've met",
            "We've scheduled it",
            "Can't make it this time",
        ]


def test_a_round_runs_once_per_period(coffee: RunningBot) -> None:
    ada = coffee.person(SEED_ADMIN_ID)
    ada.mentor("round run")
    ada.reply()
    deliver(coffee)  # Ada's summary DM arrives too; let it land before she asks again
    ada.mentor("round run")
    assert "is still running (2 groups)" in ada.reply().text
    deliver(coffee)
    assert len(group_dms(coffee)) == 2


def test_we_have_met_is_recorded_per_person(coffee: RunningBot) -> None:
    coffee.sprout.services.rounds.run(TEAM, 1)
    deliver(coffee)
    intro = group_dms(coffee)[0]
    first = members_of(coffee.sandbox, intro.channel)[0]
    person = coffee.person(first)
    person.click("pairing.met", intro)
    assert "noted that you've met" in person.reply().text
    with coffee.sprout.services.db.session() as session:
        answers = {m.user_id: m.answer for m in session.query(GroupMember)}
    assert answers[first] is not None and answers[first].value == "met"
    assert sum(a is not None for a in answers.values()) == 1


def test_only_silent_groups_are_followed_up(coffee: RunningBot) -> None:
    coffee.sprout.services.rounds.run(TEAM, 1)
    deliver(coffee)
    answered, silent = group_dms(coffee)
    coffee.person(members_of(coffee.sandbox, answered.channel)[0]).click(
        "pairing.scheduled", answered
    )
    coffee.sandbox.wait_for("response_url")
    with coffee.sprout.services.db.session() as session:
        ends_at = session.query(Round).one().ends_at
    coffee.clock.set(ends_at - timedelta(days=2))
    jobs.bind(coffee.sprout.services)
    jobs.follow_up_rounds()
    jobs.follow_up_rounds()  # a second tick asks nobody twice
    deliver(coffee)
    follow_ups = [
        m for m in all_messages(coffee.sandbox) if "Did you get a chance to meet?" in m.text
    ]
    assert [m.channel for m in follow_ups] == [silent.channel]


def test_someone_who_ignores_three_introductions_is_paused_and_asked(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee")
    for user in ("U02BEN", "U03CAM"):
        join(bot.person(user))
    rounds = bot.sprout.services.rounds
    for _ in range(3):
        rounds.run(TEAM, 1)
        deliver(bot)
        with bot.sprout.services.db.session() as session:
            ends_at = max(r.ends_at for r in session.query(Round))
        bot.clock.set(ends_at + timedelta(minutes=1))
    result = rounds.run(TEAM, 1)
    assert result.plan is not None and sorted(result.plan.ghosts) == ["U02BEN", "U03CAM"]
    deliver(bot)
    ben = bot.person("U02BEN")
    notice = bot.sandbox.wait_for_message("U02BEN", lambda m: "went unanswered" in m.text)
    with bot.sprout.services.db.session() as session:
        assert session.get(Person, (TEAM, "U02BEN")).paused  # type: ignore[union-attr]
    ben.click("pairing.ghost.stay", notice)
    assert "Welcome back" in ben.replaced(notice).text
    assert not bot.sprout.services.memberships.profile(TEAM, "U02BEN").paused

    # Staying in starts the count afresh: the next round includes Ben and doesn't pause him.
    with bot.sprout.services.db.session() as session:
        ends_at = max(r.ends_at for r in session.query(Round))
    bot.clock.set(ends_at + timedelta(minutes=1))
    following = rounds.plan(TEAM, 1)
    assert "U02BEN" not in following.ghosts
    assert "U02BEN" in {u for g in following.groups for u, _ in g.members} | {
        u for u, _ in following.unmatched
    }


def test_skip_this_round_keeps_someone_out_of_the_next_round(coffee: RunningBot) -> None:
    program = coffee.sprout.services.programs.resolve(TEAM, "Coffee")
    with coffee.sprout.services.db.session() as session:
        stored = session.get(type(program), program.id)
        assert stored is not None
        stored.settings = {"notice_before_round": True}
    slot = coffee.sprout.services.rounds.plan(TEAM, program.id).period.ends_at
    coffee.clock.set(slot - timedelta(days=1))
    assert coffee.sprout.services.rounds.notice(program.id) == len(PEERS)
    deliver(coffee)
    ben = coffee.person("U02BEN")
    notice = coffee.sandbox.wait_for_message(
        "U02BEN", lambda m: "Skip this round" in texts(m.blocks)
    )
    ben.click("pairing.skip", notice)
    assert "sitting out this round" in ben.replaced(notice).text
    coffee.clock.set(slot + timedelta(minutes=1))
    result = coffee.sprout.services.rounds.run(TEAM, program.id)
    assert result.plan is not None
    placed = {u for g in result.plan.groups for u, _ in g.members}
    assert "U02BEN" not in placed and placed == set(PEERS) - {"U02BEN"}


def test_mentoring_round_pairs_by_skill_and_tells_the_unmatched_why(mentoring: RunningBot) -> None:
    ada = mentoring.person(SEED_ADMIN_ID)
    ada.mentor("round preview")
    preview = texts(ada.reply().blocks)
    assert "<@U06FIN> + <@U05EME> · score" in preview
    assert "<@U07GRE> + <@U03CAM> · score" in preview
    assert "<@U09ISA>: no mentor offers what they want to learn" in preview

    ada.mentor("round run")
    ada.reply()
    deliver(mentoring)
    intros = group_dms(mentoring)
    assert len(intros) == 2
    assert "you'll be their mentor" in texts(intros[0].blocks)
    assert "turning point" in texts(intros[0].blocks)
    isabel = mentoring.sandbox.wait_for_message("U09ISA", lambda m: "No match for you" in m.text)
    assert "no mentor in the program offers what you want to learn yet" in isabel.text
    summary = mentoring.sandbox.wait_for_message(SEED_ADMIN_ID, lambda m: "Round 1 of" in m.text)
    assert "2 groups" in summary.text
    with mentoring.sprout.services.db.session() as session:
        assert session.query(Mentorship).filter(Mentorship.ended_at.is_(None)).count() == 2


def test_a_mentoring_round_matches_only_people_not_yet_paired(mentoring: RunningBot) -> None:
    rounds = mentoring.sprout.services.rounds
    rounds.run(TEAM, 1)
    join(mentoring.person("U08HIR"), role="mentor", offers="pottery")
    with mentoring.sprout.services.db.session() as session:
        ends_at = session.query(Round).one().ends_at
    mentoring.clock.set(ends_at + timedelta(minutes=1))
    second = rounds.run(TEAM, 1)
    assert second.plan is not None
    assert [tuple(u for u, _ in g.members) for g in second.plan.groups] == [("U08HIR", "U09ISA")]


def test_ending_a_mentorship_tells_both(mentoring: RunningBot) -> None:
    mentoring.sprout.services.rounds.run(TEAM, 1)
    emeka = mentoring.person("U05EME")
    emeka.mentor("end")
    assert "mentorship has ended" in emeka.reply().text
    deliver(mentoring)
    fin = mentoring.sandbox.wait_for_message("U06FIN", lambda m: "has ended" in m.text)
    assert "one of you ended it" in fin.text


def test_do_not_pair_is_private_and_respected(mentoring: RunningBot) -> None:
    emeka = mentoring.person("U05EME")
    emeka.mentor("avoid <@U06FIN>")
    assert "never pair you with <@U06FIN>" in emeka.reply().text
    plan = mentoring.sprout.services.rounds.plan(TEAM, 1)
    pairs = [tuple(u for u, _ in g.members) for g in plan.groups]
    assert ("U06FIN", "U05EME") not in pairs
    assert not [m for m in mentoring.sandbox.inbox("U06FIN") if "avoid" in m.text]


def test_a_deactivated_member_is_left_out_and_their_group_is_told(coffee: RunningBot) -> None:
    coffee.sprout.services.rounds.run(TEAM, 1)
    with coffee.sprout.services.db.session() as session:
        trio = next(g for g in session.query(Round).one().groups if len(g.members) == 3)
        leaving = trio.members[0].user_id
    coffee.sandbox.workspace.users[leaving].deleted = True
    deliver(coffee)
    told = [m for m in group_dms(coffee) if f"<@{leaving}> can no longer be reached" in m.text]
    assert len(told) == 1
    assert leaving not in members_of(coffee.sandbox, told[0].channel)
    with coffee.sprout.services.db.session() as session:
        assert session.get(Person, (TEAM, leaving)).inactive  # type: ignore[union-attr]
        assert {m.status for m in session.query(OutboxMessage)} == {OutboxStatus.SENT}
    # and the next round leaves them out
    with coffee.sprout.services.db.session() as session:
        ends_at = session.query(Round).one().ends_at
    coffee.clock.set(ends_at + timedelta(minutes=1))
    plan = coffee.sprout.services.rounds.plan(TEAM, 1)
    assert leaving not in {u for g in plan.groups for u, _ in g.members}


def test_a_pair_never_gets_the_same_starter_twice(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee")
    for user in ("U02BEN", "U03CAM"):
        join(bot.person(user))
    rounds = bot.sprout.services.rounds
    for _ in range(8):
        rounds.run(TEAM, 1)
        with bot.sprout.services.db.session() as session:
            for member in session.query(GroupMember):
                member.answer = Answer.MET  # they keep meeting, so nobody is paused
            ends_at = max(r.ends_at for r in session.query(Round))
        bot.clock.set(ends_at + timedelta(minutes=1))
    with bot.sprout.services.db.session() as session:
        keys = [k for r in session.query(Round) for g in r.groups for k in g.starter_key.split("+")]
    assert len(keys) == 16 and len(set(keys)) == 16


def test_forget_me_leaves_no_row_that_names_the_person(coffee: RunningBot) -> None:
    services = coffee.sprout.services
    services.rounds.run(TEAM, 1)
    deliver(coffee)
    services.rounds.avoid(TEAM, "U03CAM", "U02BEN")
    services.rounds.skip(TEAM, "U02BEN", 1, "2026-12-07")
    ben = coffee.person("U02BEN")
    ben.mentor("forget-me")
    question = ben.reply()
    ben.click("membership.forget.confirm", question)
    ben.replaced(question)

    with services.db.engine.connect() as connection:
        for table in models.Base.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                assert "U02BEN" not in repr(tuple(row)), f"{table.name} still names them"
    # the others keep their introduction
    with services.db.session() as session:
        assert session.query(GroupMember).filter(GroupMember.user_id != "U02BEN").count() == 4


def test_a_mentee_whose_fitting_mentor_is_full_is_told_so(mentoring: RunningBot) -> None:
    rounds = mentoring.sprout.services.rounds
    rounds.run(TEAM, 1)  # Finn (capacity 1) now mentors Emeka
    join(mentoring.person("U11KAI"), role="mentee", wants="python")
    with mentoring.sprout.services.db.session() as session:
        ends_at = session.query(Round).one().ends_at
    mentoring.clock.set(ends_at + timedelta(minutes=1))
    plan = rounds.plan(TEAM, 1)
    assert ("U11KAI", "excluded") in plan.unmatched


def test_when_a_mentor_leaves_their_mentee_is_matched_again(mentoring: RunningBot) -> None:
    rounds = mentoring.sprout.services.rounds
    rounds.run(TEAM, 1)
    join(mentoring.person("U04DEV"), role="mentor", offers="python", capacity="1")
    finn = mentoring.person("U06FIN")
    finn.mentor("leave")
    finn.click("membership.leave.confirm", finn.reply())
    with mentoring.sprout.services.db.session() as session:
        ends_at = session.query(Round).one().ends_at
    mentoring.clock.set(ends_at + timedelta(minutes=1))
    second = rounds.run(TEAM, 1)
    assert second.plan is not None
    assert ("U04DEV", "U05EME") in [tuple(u for u, _ in g.members) for g in second.plan.groups]
    deliver(mentoring)
    told = mentoring.sandbox.wait_for_message("U05EME", lambda m: "has ended" in m.text)
    assert "one of you has left the program" in told.text


def test_reasons_show_people_as_mentions(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee")
    join(bot.person("U02BEN"), offers="chess", wants="design")
    join(bot.person("U03CAM"), offers="design", wants="chess")
    bot.sprout.services.rounds.run(TEAM, 1)
    deliver(bot)
    [intro] = group_dms(bot)
    shown = texts(intro.blocks)
    assert "<@U02BEN> can tell <@U03CAM> about chess" in shown or (
        "<@U03CAM> can tell <@U02BEN> about chess" in shown
    )
    assert "&lt;@" not in shown
    assert "<@U02BEN>: can talk about chess; curious about design" in shown


def test_a_cadence_change_mid_round_waits_for_the_running_round(coffee: RunningBot) -> None:
    coffee.sprout.services.rounds.run(TEAM, 1)
    ada = coffee.person(SEED_ADMIN_ID)
    ada.mentor("program edit")
    ada.submit(weekday="3")
    ada.reply()
    ada.mentor("round run")
    assert "is still running" in ada.reply().text
    with coffee.sprout.services.db.session() as session:
        assert session.query(Round).count() == 1


def test_a_round_with_nobody_to_match_is_not_started(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee")
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("round run")
    assert "Nobody in *Coffee* is available" in ada.reply().text
    with bot.sprout.services.db.session() as session:
        assert session.query(Round).count() == 0


def test_a_round_that_started_can_no_longer_be_skipped(coffee: RunningBot) -> None:
    rounds = coffee.sprout.services.rounds
    current = rounds.plan(TEAM, 1).period.key
    with pytest.raises(UserFacingError, match="already started"):
        rounds.skip(TEAM, "U02BEN", 1, current)


def test_the_notice_goes_out_a_day_ahead_across_the_clock_change(bot: RunningBot) -> None:
    # A Sunday 10:00 Berlin round on 2026-10-25, the day summer time ends: 25 hours after
    # Saturday 10:00, which is when the notice job fires.
    create_program(
        bot,
        "Coffee",
        kind="coffee",
        weekday="6",
        timezone="Europe/Berlin",
        notice_before_round=["yes"],
    )
    join(bot.person("U02BEN"))
    bot.clock.set(datetime(2026, 10, 24, 8, 0, tzinfo=UTC))  # Saturday 10:00 CEST
    assert bot.sprout.services.rounds.notice(1) == 1
