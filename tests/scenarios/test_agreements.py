"""The kick-off agreement and `/mentor goals` through the sandbox: propose, agree, change."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bot.blocks import escape
from models import Agreement, Goal, GoalStatus, Group, Mentorship, Prompt, PromptUse
from sandbox import Message
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import Participant, RunningBot, texts
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program

TEAM = "T0SPROUT"
FINN, EMEKA, KAI, BEN = "U06FIN", "U05EME", "U11KAI", "U02BEN"
GOAL = {
    "goal1_what": "Run a design review on my own",
    "goal1_measure": "Two reviews run and the team asks for more",
    "goal1_due": date(2027, 2, 15),
}
AGREEMENT = {
    **GOAL,
    "cadence": "biweekly",
    "channel": "video",
    "confidential": ["yes"],
    "no_fault_exit": ["yes"],
}


def form_pair(
    bot: RunningBot, *, mentees: tuple[str, ...] = (EMEKA,), owned: bool = True
) -> Message:
    """Finn mentors Emeka (and any other mentees given); returns their introduction."""
    create_program(bot, "Mentoring", owners=[SEED_ADMIN_ID] if owned else [])
    join(bot.person(FINN), role="mentor", offers="python", capacity=str(len(mentees)))
    for mentee in mentees:
        join(bot.person(mentee), role="mentee", wants="python")
    bot.sprout.services.rounds.run(TEAM, 1)
    bot.delivered()
    return intro_of(bot, mentees[0])


def intro_of(bot: RunningBot, user_id: str) -> Message:
    return bot.sandbox.wait_for_message(
        user_id, lambda m: m.kind == "group_dm" and "Set up our agreement" in texts(m.blocks)
    )


def propose(person: Participant, source: Message, **values: object) -> None:
    """Open the agreement form from ``source`` and submit it; the proposal must be accepted."""
    person.click("mentoring.agreement.open", source)
    response = person.submit(**{**AGREEMENT, **values})
    assert response.status == 200 and not response.body.strip(), response.text


def proposal_for(bot: RunningBot, user_id: str, marker: str = "") -> Message:
    return bot.sandbox.wait_for_message(
        user_id,
        lambda m: (
            "Proposed: our mentoring agreement" in texts(m.blocks) and marker in texts(m.blocks)
        ),
    )


def agree(bot: RunningBot) -> None:
    """Emeka proposes the default agreement and Finn agrees to it."""
    propose(bot.person(EMEKA), intro_of(bot, EMEKA))
    bot.delivered()
    bot.person(FINN).click("mentoring.agreement.agree", proposal_for(bot, FINN))
    bot.delivered()
    bot.sandbox.wait_for_message(EMEKA, lambda m: m.text.endswith("how they'll work together."))


def test_the_intro_invites_both_to_an_agreement_the_other_side_accepts(bot: RunningBot) -> None:
    intro = form_pair(bot)
    assert intro.kind == "group_dm"
    buttons = [
        e["text"]["text"] for b in intro.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [
        "Set up our agreement",
        "We've met",
        "We've scheduled it",
        "Can't make it this time",
    ]
    emeka, finn, ben = bot.person(EMEKA), bot.person(FINN), bot.person(BEN)
    emeka.click("mentoring.agreement.open", intro)
    assert emeka.modal()["title"]["text"] == "Our agreement"
    response = emeka.submit(
        **AGREEMENT,
        goal2_what="Speak at a meetup",
        goal2_measure="A talk given",
        goal2_due=date(2027, 4, 1),
    )
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()

    proposal = proposal_for(bot, FINN)
    assert proposal.channel == intro.channel  # the pair's own group DM
    shown = texts(proposal.blocks)
    assert "Run a design review on my own" in shown and "Speak at a meetup" in shown
    assert "every 2 weeks" in shown and "video call" in shown
    assert "What we share stays between us" in shown

    emeka.click("mentoring.agreement.agree", proposal)
    assert "You proposed this one; <@U06FIN> agrees to it." in emeka.reply().text
    ben.click("mentoring.agreement.agree", proposal)
    assert "Only the two people in this mentorship" in ben.reply().text

    finn.click("mentoring.agreement.agree", proposal)
    settled = finn.replaced(proposal)
    assert "Agreed: our mentoring agreement" in texts(settled.blocks)
    assert not [b for b in settled.blocks if b["type"] == "actions"]
    bot.delivered()
    for user_id in (FINN, EMEKA):
        agreed = bot.sandbox.wait_for_message(
            user_id,
            lambda m: (
                "Our mentoring agreement" in texts(m.blocks) and "agreed this" in texts(m.blocks)
            ),
        )
        assert agreed.channel == intro.channel
        assert "Speak at a meetup" in texts(agreed.blocks)
    with bot.sprout.services.db.session() as session:
        agreement = session.scalars(sa.select(Agreement)).one()
        assert (agreement.proposed_by, agreement.accepted_by) == (EMEKA, FINN)
        assert agreement.cadence == "every 2 weeks" and agreement.channel == "video call"
        assert agreement.confidential and agreement.no_fault_exit
        goals = session.scalars(sa.select(Goal).order_by(Goal.position)).all()
        assert [(g.position, g.what, g.due_on, g.status) for g in goals] == [
            (1, "Run a design review on my own", date(2027, 2, 15), GoalStatus.OPEN),
            (2, "Speak at a meetup", date(2027, 4, 1), GoalStatus.OPEN),
        ]

    # Once agreed, the intro's button points to /mentor goals instead of a second agreement.
    finn.click("mentoring.agreement.open", intro)
    assert "You've agreed already" in finn.reply().text
    assert bot.sandbox.modal_of(FINN) is None


def test_a_bad_agreement_gets_inline_errors_and_nothing_is_stored(bot: RunningBot) -> None:
    intro = form_pair(bot)
    emeka = bot.person(EMEKA)
    emeka.click("mentoring.agreement.open", intro)
    cases = [
        ({"goal1_what": "   "}, {"goal1_what": "Say what you want to achieve."}),
        (
            {"confidential": []},
            {"confidential": "Agree to keep what you share between the two of you."},
        ),
        ({"goal1_measure": "x" * 301}, {"goal1_measure": "Keep this under 300 characters."}),
        ({"goal1_due": date(2026, 11, 20)}, {"goal1_due": "Pick a date after today."}),
        (
            {"goal3_what": "Mentor someone myself"},
            {
                "goal3_measure": "How will you know you got there? Or leave this whole goal empty.",
                "goal3_due": "Pick a date to aim for. Or leave this whole goal empty.",
            },
        ),
    ]
    for changes, errors in cases:
        response = emeka.submit(**{**AGREEMENT, **changes})
        assert response.json == {"response_action": "errors", "errors": errors}
    assert emeka.modal()["title"]["text"] == "Our agreement"  # still open, to fix
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 0


def test_suggesting_changes_replaces_the_draft_and_the_old_proposal_cannot_be_agreed(
    bot: RunningBot,
) -> None:
    intro = form_pair(bot)
    emeka, finn = bot.person(EMEKA), bot.person(FINN)
    propose(emeka, intro)
    bot.delivered()
    first = proposal_for(bot, FINN)

    finn.click("mentoring.agreement.change", first)
    prefilled = finn.modal()
    what = next(b for b in prefilled["blocks"] if b.get("block_id") == "goal1_what")
    assert what["element"]["initial_value"] == "Run a design review on my own"
    response = finn.submit(cadence="monthly", channel="other", channel_detail="walks by the river")
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    second = proposal_for(bot, EMEKA, "walks by the river")
    assert "once a month" in texts(second.blocks)

    emeka.click("mentoring.agreement.agree", first)
    assert "replaced by a newer one" in emeka.reply().text
    finn.click("mentoring.agreement.agree", second)
    assert "You proposed this one" in finn.reply().text
    emeka.click("mentoring.agreement.agree", second)
    emeka.replaced(second)
    with bot.sprout.services.db.session() as session:
        agreement = session.scalars(sa.select(Agreement)).one()
        assert (agreement.proposed_by, agreement.accepted_by) == (FINN, EMEKA)
        assert agreement.channel == "walks by the river"
        assert session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 1


def test_goals_show_status_and_either_side_edits_them(bot: RunningBot) -> None:
    form_pair(bot)
    emeka, finn = bot.person(EMEKA), bot.person(FINN)
    emeka.mentor("goals")
    reply = emeka.reply()
    assert "haven't agreed your goals yet" in texts(reply.blocks)
    emeka.click("mentoring.agreement.change", reply)
    assert emeka.modal()["title"]["text"] == "Our agreement"
    bot.sandbox.clear_modals(EMEKA)

    agree(bot)
    finn.mentor("goals")
    overview = finn.reply()
    shown = texts(overview.blocks)
    assert "Run a design review on my own" in shown and "Mon 15 Feb 2027" in shown
    assert "_open_" in shown
    finn.click("mentoring.goals.edit", overview)
    response = finn.submit(
        goal1_status="partly",
        goal2_what="Speak at a meetup",
        goal2_measure="A talk given",
        goal2_due=date(2027, 4, 1),
    )
    assert response.status == 200 and not response.body.strip(), response.text
    bot.delivered()
    update = bot.sandbox.wait_for_message(EMEKA, lambda m: "updated your mentoring goals" in m.text)
    assert "Speak at a meetup" in texts(update.blocks) and "partly met" in texts(update.blocks)
    with bot.sprout.services.db.session() as session:
        goals = session.scalars(sa.select(Goal).order_by(Goal.position)).all()
        assert [(g.position, g.status) for g in goals] == [
            (1, GoalStatus.PARTLY),
            (2, GoalStatus.OPEN),
        ]

    finn.mentor("goals")
    finn.click("mentoring.goals.edit", finn.reply())
    response = finn.submit(goal1_what="  ", goal2_due=date(2030, 1, 1))
    assert response.json is not None and response.json["errors"] == {
        "goal1_what": "Say what you want to achieve.",
        "goal2_due": response.json["errors"]["goal2_due"],
    }
    assert "when your mentorship's term ends" in response.json["errors"]["goal2_due"]


def test_goals_without_a_pair_or_with_several_pairs_explain_themselves(bot: RunningBot) -> None:
    form_pair(bot, mentees=(EMEKA, KAI))
    ben, finn = bot.person(BEN), bot.person(FINN)
    ben.mentor("goals")
    assert "You're not in an active mentorship" in ben.reply().text
    finn.mentor("goals")
    assert "You're in several mentorships (<@U05EME>, <@U11KAI>)" in finn.reply().text
    finn.mentor("goals <@U11KAI>")
    assert "Your mentorship with <@U11KAI>" in texts(finn.reply().blocks)
    finn.mentor("goals <@U02BEN>")
    assert "aren't in an active mentorship together" in finn.reply().text
    with bot.sprout.services.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Mentorship)) == 2


def test_a_new_proposal_keeps_a_goal_reworded_and_replaces_a_goal_rewritten(
    bot: RunningBot,
) -> None:
    intro = form_pair(bot)
    emeka, finn = bot.person(EMEKA), bot.person(FINN)

    def goal_ids() -> list[int]:
        with bot.sprout.services.db.session() as session:
            return list(session.scalars(sa.select(Goal.id).order_by(Goal.position)))

    propose(emeka, intro)
    bot.delivered()
    [first] = goal_ids()
    finn.click("mentoring.agreement.change", proposal_for(bot, FINN))
    finn.submit(goal1_what="Run a design review on my own!")
    bot.delivered()
    assert goal_ids() == [first]
    emeka.click("mentoring.agreement.change", proposal_for(bot, EMEKA, "on my own!"))
    emeka.submit(goal1_what="Write the team's onboarding guide")
    bot.delivered()
    [second] = goal_ids()
    assert second != first


def test_the_intros_kick_off_prompt_counts_as_the_pairs_own(bot: RunningBot) -> None:
    """`/mentor prompt kick-off` then gives the pair a kick-off prompt they haven't had."""
    with bot.sprout.services.db.session() as session:
        kept = list(
            session.scalars(
                sa.select(Prompt.key)
                .where(Prompt.stage == "kick-off", Prompt.team_id.is_(None))
                .order_by(Prompt.key)
                .limit(2)
            )
        )
        session.execute(sa.delete(Prompt).where(Prompt.stage == "kick-off", ~Prompt.key.in_(kept)))
    intro = form_pair(bot)
    with bot.sprout.services.db.session() as session:
        pair = session.scalars(sa.select(Mentorship)).one()
        starter = session.scalars(sa.select(Group.starter_key)).one()
        uses = list(session.scalars(sa.select(PromptUse).where(PromptUse.mentorship_id == pair.id)))
        texts_of = {p.key: p.text for p in session.scalars(sa.select(Prompt))}
    assert [u.prompt_key for u in uses] == [starter] and starter in kept
    assert escape(texts_of[starter]) in texts(intro.blocks)
    emeka = bot.person(EMEKA)
    emeka.mentor("prompt kick-off")
    shown = emeka.reply().text
    [other] = [k for k in kept if k != starter]
    assert shown == texts_of[other]
