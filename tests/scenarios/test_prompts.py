"""Prompts through the sandbox: on demand, in a mentorship without repeats, added by admins."""

from __future__ import annotations

import sqlalchemy as sa

from bot.prompts.library import shipped_library
from models import Mentorship, Prompt, PromptUse
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, texts
from tests.scenarios.test_rounds import TEAM, deliver, mentoring

__all__ = ["mentoring"]  # the fixture, used by name

BEN = "U02BEN"
LIBRARY = shipped_library()


def texts_of(*stages: str) -> set[str]:
    return {e.text for e in LIBRARY if e.stage in stages}


def test_anyone_gets_a_prompt_with_its_practice(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    ben.mentor("prompt")
    reply = ben.reply()
    assert reply.kind == "ephemeral"
    assert reply.text in texts_of("coffee", "regular")
    entry = next(e for e in LIBRARY if e.text == reply.text)
    assert entry.practice.capitalize() in texts(reply.blocks)


def test_a_stage_or_a_practice_can_be_asked_for(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    ben.mentor("prompt close out")
    assert ben.reply().text in texts_of("close-out")
    ben.mentor("prompt Self-Doubt")
    reply = ben.reply()
    assert next(e for e in LIBRARY if e.text == reply.text).practice == "self-doubt"


def test_an_unknown_stage_or_practice_gets_the_choices_and_help(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    ben.mentor("prompt dance")
    shown = texts(ben.reply().blocks)
    assert "I don't know a stage or practice called “dance”" in shown
    assert "kick-off, regular, mid-point, close-out, coffee" in shown
    assert "sharing stories, active listening" in shown
    assert "`/mentor prompt [stage or practice] [@partner]`" in shown


def test_in_a_mentorship_a_prompt_never_repeats_and_starts_light(mentoring: RunningBot) -> None:
    mentoring.sprout.services.rounds.run(TEAM, 1)
    deliver(mentoring)
    with mentoring.sprout.services.db.session() as session:
        pair = session.scalars(sa.select(Mentorship).where(Mentorship.mentee_id == "U05EME")).one()
        mentor_id, pair_id = pair.mentor_id, pair.id
    mentee, mentor = mentoring.person("U05EME"), mentoring.person(mentor_id)
    regular = [e for e in LIBRARY if e.stage == "regular"]
    by_text = {e.text: e for e in regular}
    seen: list[str] = []
    for turn in range(len(regular)):
        person = mentee if turn % 2 == 0 else mentor
        person.mentor("prompt")
        reply = person.reply()
        assert reply.text in by_text, reply.text
        seen.append(reply.text)
        partner = mentor_id if person is mentee else "U05EME"
        assert f"For you and <@{partner}>" in texts(reply.blocks)
    assert len(set(seen)) == len(regular)
    assert [by_text[t].depth for t in seen[:4]] == [1, 1, 2, 2]
    with mentoring.sprout.services.db.session() as session:
        uses = session.scalar(
            sa.select(sa.func.count())
            .select_from(PromptUse)
            .where(PromptUse.mentorship_id == pair_id)
        )
    assert uses == len(regular) + 1  # and the introduction's kick-off prompt


def test_naming_someone_you_are_not_paired_with_is_explained(mentoring: RunningBot) -> None:
    mentoring.sprout.services.rounds.run(TEAM, 1)
    emeka = mentoring.person("U05EME")
    emeka.mentor(f"prompt feedback <@{BEN}|ben>")
    assert f"aren't in an active mentorship with <@{BEN}>" in emeka.reply().text


def test_an_admin_adds_a_prompt_with_inline_errors_first(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("prompt add")
    modal = ada.modal()
    assert modal["title"]["text"] == "Add a prompt"
    assert {b.get("block_id") for b in modal["blocks"]} >= {"stage", "practice", "depth", "text"}

    response = ada.submit(stage="regular", practice="feedback", depth="3", text="Too short")
    assert response.json is not None and response.json["response_action"] == "errors"
    assert "at least 10 characters" in response.json["errors"]["text"]
    assert ada.modal()["title"]["text"] == "Add a prompt"  # still open, nothing lost

    wording = "Mentee: what did you try since we last met, & how did it go?"
    response = ada.submit(stage="regular", practice="feedback", depth="3", text=wording)
    assert response.status == 200 and not response.body.strip(), response.text
    confirmation = ada.reply()
    assert "Added a deep *regular check-in* prompt on feedback" in confirmation.text
    assert "&amp; how did it go?" in confirmation.text
    with bot.sprout.services.db.session() as session:
        stored = session.scalars(sa.select(Prompt).where(Prompt.team_id == TEAM)).one()
        assert (stored.text, stored.added_by, stored.stage, stored.depth) == (
            wording,
            SEED_ADMIN_ID,
            "regular",
            3,
        )

    ada.mentor("prompt list")
    listing = texts(ada.reply().blocks)
    assert "This workspace's own prompts (1)" in listing
    assert "Mentee: what did you try since we last met, &amp; how did it go?" in listing
    assert f"added by <@{SEED_ADMIN_ID}>" in listing


def test_a_non_admin_is_refused_adding_and_listing(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    for sub in ("prompt add", "prompt list"):
        ben.mentor(sub)
        assert f"`/mentor {sub}` is for Sprout admins" in ben.reply().text
    assert bot.sandbox.modal_of(BEN) is None
