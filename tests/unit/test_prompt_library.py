"""The shipped prompt library, its loader, and how prompts are drawn for pairs and workspaces."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, cast

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.access import Access
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.prompts.library import (
    DEPTHS,
    PRACTICES,
    STAGES,
    Choice,
    LibraryEntry,
    LibraryError,
    depth_for,
    draw_for_pair,
    parse_choice,
    parse_library,
    shipped_library,
    sync_prompts,
)
from bot.prompts.service import PromptInput, PromptService
from bot.slack.people import PeopleDirectory
from models import Mentorship, OutboxMessage, Program, Prompt, PromptUse
from models.forms import FormErrors
from tests import factories

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LIBRARY = shipped_library()


def raw_library() -> list[dict[str, Any]]:
    text = resources.files("bot.prompts").joinpath("library.json").read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = json.loads(text)
    return entries


# The shipped library ------------------------------------------------------------------------


def test_the_library_is_large_enough_to_rotate() -> None:
    stages = Counter(e.stage for e in LIBRARY)
    assert len(LIBRARY) >= 70
    assert stages["regular"] >= 20
    assert stages["mid-point"] >= 6
    assert stages["close-out"] >= 6


def test_every_stage_and_practice_is_present() -> None:
    assert {e.stage for e in LIBRARY} == set(STAGES)
    assert {e.practice for e in LIBRARY} == set(PRACTICES)


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_goes_from_light_to_deep(stage: str) -> None:
    depths = {e.depth for e in LIBRARY if e.stage == stage}
    assert {1, 3} <= depths


def test_regular_check_ins_cover_every_practice_at_every_depth() -> None:
    regular = [e for e in LIBRARY if e.stage == "regular"]
    assert {e.practice for e in regular} == set(PRACTICES)
    assert {e.depth for e in regular} == set(DEPTHS)
    # A pair's first four check-ins are light then medium: there must be enough of each.
    depths = Counter(e.depth for e in regular)
    assert depths[1] >= 4 and depths[2] >= 4 and depths[3] >= 4


def test_keys_are_unique_and_texts_clean() -> None:
    raw = raw_library()
    keys = [e["key"] for e in raw]
    assert len(keys) == len(set(keys))
    for entry in raw:
        text = entry["text"]
        assert 10 <= len(text) <= 500, entry["key"]
        assert text == text.strip(), entry["key"]
        assert "  " not in text, entry["key"]
        assert not entry["key"].startswith("custom-")


def test_the_existing_keys_stay() -> None:
    """Pairs' histories and rounds' starters name prompts by key; renaming one loses that."""
    keys = {e.key for e in LIBRARY}
    for kept in ("kickoff-turning-point", "kickoff-how-we-work", "coffee-light-weekend"):
        assert kept in keys


# The loader ---------------------------------------------------------------------------------

GOOD = {"key": "a-b", "stage": "regular", "practice": "feedback", "depth": 2, "text": "Hello there"}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"stage": "weekly"}, "unknown stage 'weekly'"),
        ({"practice": "coaching"}, "unknown practice 'coaching'"),
        ({"depth": 4}, "depth must be"),
        ({"depth": 0}, "depth must be"),
        ({"depth": True}, "depth must be"),
        ({"depth": "2"}, "depth must be"),
        ({"text": "   "}, "text is empty"),
        ({"text": "x" * 501}, "at most 500"),
        ({"text": "trailing "}, "trimmed"),
        ({"key": "Has Spaces"}, "lower-case"),
        ({"key": "custom-mine"}, "never custom-"),
        ({"key": "k" * 65}, "at most 64"),
        ({"extra": 1}, "exactly key"),
    ],
)
def test_the_loader_names_what_is_wrong(change: dict[str, object], complaint: str) -> None:
    with pytest.raises(LibraryError, match=complaint):
        parse_library(json.dumps([{**GOOD, **change}]))


def test_the_loader_refuses_a_key_used_twice() -> None:
    with pytest.raises(LibraryError, match="appears twice"):
        parse_library(json.dumps([GOOD, {**GOOD, "text": "Another one"}]))


def test_the_loader_refuses_what_is_not_a_list() -> None:
    with pytest.raises(LibraryError):
        parse_library('{"key": "a"}')
    with pytest.raises(LibraryError):
        parse_library("[not json")


def test_the_loader_reads_a_good_entry() -> None:
    assert parse_library(json.dumps([GOOD])) == [
        LibraryEntry("a-b", "regular", "feedback", 2, "Hello there")
    ]


@pytest.mark.parametrize(
    ("typed", "choice"),
    [
        ("", Choice()),
        ("feedback", Choice(practice="feedback")),
        ("Close Out", Choice(stage="close-out")),
        ("close-out", Choice(stage="close-out")),
        ("midpoint", Choice(stage="mid-point")),
        ("SELF-DOUBT", Choice(practice="self-doubt")),
        ("listening", Choice(practice="active listening")),
        ("sharing stories", Choice(practice="sharing stories")),
        ("coffee", Choice(stage="coffee")),
    ],
)
def test_stages_and_practices_are_named_loosely(typed: str, choice: Choice) -> None:
    assert parse_choice(typed) == choice


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(LookupError):
        parse_choice("dance")


# Syncing into the database ------------------------------------------------------------------


def test_sync_loads_everything_once(db: Database) -> None:
    with db.session() as session:
        assert sync_prompts(session) == len(LIBRARY)
    with db.session() as session:
        assert sync_prompts(session) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Prompt)) == len(LIBRARY)


def test_sync_refreshes_shipped_text_but_never_touches_admin_prompts(db: Database) -> None:
    with db.session() as session:
        sync_prompts(session)
        session.add(admin_prompt("custom-T1-abc", "T1"))
        session.get_one(Prompt, "coffee-light-desk").text = "An old wording"
    changed = [
        LibraryEntry("coffee-light-desk", "coffee", "informal chat", 1, "A new wording here"),
        # A clash of keys with an admin's prompt: the admin's wins.
        LibraryEntry("custom-T1-abc", "regular", "feedback", 1, "Shipped text, not theirs"),
    ]
    with db.session() as session:
        assert sync_prompts(session, changed) == 1
    with db.session() as session:
        assert session.get_one(Prompt, "coffee-light-desk").text == "A new wording here"
        mine = session.get_one(Prompt, "custom-T1-abc")
        assert (mine.text, mine.team_id, mine.added_by) == ("Ours, for T1 only", "T1", "U1")
    with db.session() as session:
        sync_prompts(session)  # the full library again: nothing an admin added goes away
        assert session.get(Prompt, "custom-T1-abc") is not None


# Drawing for a pair -------------------------------------------------------------------------


def admin_prompt(key: str, team_id: str, stage: str = "regular", depth: int = 1) -> Prompt:
    return Prompt(
        key=key,
        stage=stage,
        practice="feedback",
        depth=depth,
        text="Ours, for T1 only" if team_id == "T1" else f"Ours, for {team_id} only",
        team_id=team_id,
        added_by="U1",
    )


def pair(session: Session, team_id: str = "T1", mentor: str = "UMEN", mentee: str = "UMEE") -> int:
    program = session.scalars(sa.select(Program).where(Program.team_id == team_id)).first()
    program = program or factories.program(at=NOW, team_id=team_id)
    session.add(program)
    session.flush()
    mentorship = Mentorship(
        team_id=team_id,
        program_id=program.id,
        mentor_id=mentor,
        mentee_id=mentee,
        started_at=NOW,
        term_ends_at=NOW + timedelta(days=90),
    )
    session.add(mentorship)
    session.flush()
    return mentorship.id


@pytest.fixture
def loaded(db: Database) -> Database:
    with db.session() as session:
        sync_prompts(session)
    return db


def draw_many(
    db: Database, mentorship_id: int, n: int, team_id: str = "T1", **kwargs: Any
) -> list[Prompt]:
    rng = random.Random(7)
    drawn = []
    for i in range(n):
        with db.session() as session:
            drawn.append(
                draw_for_pair(
                    session,
                    team_id=team_id,
                    mentorship_id=mentorship_id,
                    stage=kwargs.get("stage", "regular"),
                    now=NOW + timedelta(minutes=i),
                    rng=rng,
                    practice=kwargs.get("practice"),
                )
            )
    return drawn


def test_a_pair_never_gets_the_same_prompt_twice(loaded: Database) -> None:
    with loaded.session() as session:
        mentorship_id = pair(session)
    regular = [e for e in LIBRARY if e.stage == "regular"]
    drawn = draw_many(loaded, mentorship_id, len(regular))
    assert len({p.key for p in drawn}) == len(regular)
    with loaded.session() as session:
        uses = session.scalars(sa.select(PromptUse).where(PromptUse.mentorship_id == mentorship_id))
        assert len(list(uses)) == len(regular)


def test_a_pair_starts_light_and_goes_deeper(loaded: Database) -> None:
    with loaded.session() as session:
        mentorship_id = pair(session)
    deep = sum(1 for e in LIBRARY if e.stage == "regular" and e.depth == 3)
    depths = [p.depth for p in draw_many(loaded, mentorship_id, 4 + deep)]
    assert depths[:4] == [1, 1, 2, 2]
    assert depths == sorted(depths)
    assert [depth_for(n) for n in range(6)] == [1, 1, 2, 2, 3, 3]


def test_when_every_prompt_was_had_the_least_recently_used_comes_round(loaded: Database) -> None:
    with loaded.session() as session:
        mentorship_id = pair(session)
    regular = sum(1 for e in LIBRARY if e.stage == "regular")
    drawn = draw_many(loaded, mentorship_id, regular + 2)
    assert [p.key for p in drawn[regular:]] == [p.key for p in drawn[:2]]


def test_a_practice_can_be_asked_for_without_repeats(loaded: Database) -> None:
    with loaded.session() as session:
        mentorship_id = pair(session)
    feedback = [e.key for e in LIBRARY if e.stage == "regular" and e.practice == "feedback"]
    drawn = draw_many(loaded, mentorship_id, len(feedback), practice="feedback")
    assert sorted(p.key for p in drawn) == sorted(feedback)


def test_a_workspaces_own_prompts_stay_in_that_workspace(loaded: Database) -> None:
    with loaded.session() as session:
        session.add(admin_prompt("custom-T2-1", "T2"))
        ours = pair(session, "T1")
        theirs = pair(session, "T2")
    regular = sum(1 for e in LIBRARY if e.stage == "regular")
    assert "custom-T2-1" not in {p.key for p in draw_many(loaded, ours, regular + 3)}
    assert "custom-T2-1" in {p.key for p in draw_many(loaded, theirs, regular + 1, "T2")}


# The service: on demand, and admins adding prompts ------------------------------------------


class NobodyElse:
    """users.info for everyone who isn't in SPROUT_ADMINS: not a workspace admin."""

    def lookup(self, team_id: str, user_id: str) -> None:
        return None


ADMIN = "UADMIN"


@pytest.fixture
def service(loaded: Database, clock: FrozenClock) -> PromptService:
    access = Access(cast(PeopleDirectory, NobodyElse()), {ADMIN})
    return PromptService(loaded, clock, access, random.Random(3))


def prompt_input(**change: object) -> PromptInput:
    values = {
        "stage": "regular",
        "practice": "feedback",
        "depth": "2",
        "text": "Mentee: what was hard?",
    }
    return PromptInput.model_validate({**values, **change})


def test_outside_a_pair_a_prompt_comes_from_coffee_or_regular(service: PromptService) -> None:
    for _ in range(20):
        drawn = service.on_demand("T1", "ULONE", Choice())
        assert drawn.stage in {"coffee", "regular"} and drawn.partner_id is None
    assert service.on_demand("T1", "ULONE", Choice(stage="close-out")).stage == "close-out"
    assert service.on_demand("T1", "ULONE", Choice(practice="self-doubt")).practice == "self-doubt"


def test_in_a_pair_a_prompt_counts_for_the_pair(service: PromptService, loaded: Database) -> None:
    with loaded.session() as session:
        mentorship_id = pair(session)
    first = service.on_demand("T1", "UMEE", Choice())
    second = service.on_demand("T1", "UMEN", Choice())
    assert first.partner_id == "UMEN" and second.partner_id == "UMEE"
    assert first.key != second.key
    with loaded.session() as session:
        keys = set(
            session.scalars(
                sa.select(PromptUse.prompt_key).where(PromptUse.mentorship_id == mentorship_id)
            )
        )
    assert keys == {first.key, second.key}


def test_a_mentor_with_two_mentees_can_name_either(
    service: PromptService, loaded: Database
) -> None:
    with loaded.session() as session:
        first = pair(session, mentee="UONE")
        second = pair(session, mentee="UTWO")
        session.get_one(Mentorship, second).started_at = NOW + timedelta(days=1)
    newest = service.on_demand("T1", "UMEN", Choice())
    assert (newest.partner_id, newest.other_partners) == ("UTWO", ("UONE",))
    named = service.on_demand("T1", "UMEN", Choice(), ["UONE"])
    assert (named.partner_id, named.other_partners) == ("UONE", ("UTWO",))
    with loaded.session() as session:
        counted = session.scalars(sa.select(PromptUse.mentorship_id).order_by(PromptUse.used_at))
        assert sorted(counted) == sorted([first, second])


def test_naming_someone_who_is_not_a_partner_is_refused(
    service: PromptService, loaded: Database
) -> None:
    with loaded.session() as session:
        pair(session)
    with pytest.raises(UserFacingError, match="aren't in an active mentorship with <@UOTHER>"):
        service.on_demand("T1", "UMEE", Choice(), ["UOTHER"])


def test_an_admin_adds_a_prompt_once_per_submission(
    service: PromptService, loaded: Database
) -> None:
    first = service.add("T1", ADMIN, prompt_input(), submission="V1")
    again = service.add("T1", ADMIN, prompt_input(), submission="V1")
    assert first.key == again.key and first.key.startswith("custom-T1-")
    with loaded.session() as session:
        stored = session.get_one(Prompt, first.key)
        assert (stored.team_id, stored.added_by, stored.depth) == ("T1", ADMIN, 2)
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(Prompt).where(Prompt.team_id == "T1")
            )
            == 1
        )
        confirmation = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.key == f"prompt-added:{first.key}")
        ).one()
        assert confirmation.recipients == [ADMIN]


def test_a_duplicate_prompt_is_refused_under_its_text(service: PromptService) -> None:
    shipped = next(e for e in LIBRARY if e.key == "coffee-light-desk")
    with pytest.raises(FormErrors) as caught:
        service.add("T1", ADMIN, prompt_input(text=shipped.text.upper()), submission="V2")
    assert caught.value.errors == {"text": "This prompt is in the library already."}


def test_only_admins_add_or_list(service: PromptService) -> None:
    with pytest.raises(NotAllowed):
        service.add("T1", "UBEN", prompt_input(), submission="V3")
    with pytest.raises(NotAllowed):
        service.overview("T1", "UBEN")


def test_the_overview_counts_per_stage(service: PromptService) -> None:
    service.add("T1", ADMIN, prompt_input(stage="close-out"), submission="V4")
    overview = service.overview("T1", ADMIN)
    counts = {c.stage: (c.shipped, c.own) for c in overview.counts}
    assert counts["close-out"] == (sum(1 for e in LIBRARY if e.stage == "close-out"), 1)
    assert [p.stage for p in overview.own] == ["close-out"]
    assert service.overview("T2", ADMIN).own == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"text": "  short  "}, "text", "Write at least 10 characters"),
        ({"text": "x" * 501}, "text", "Keep this under 500 characters."),
        ({"stage": "weekly"}, "stage", "Pick one of the stages"),
        ({"practice": "coaching"}, "practice", "Pick one of the practices"),
        ({"depth": "5"}, "depth", "Pick light, medium or deep."),
    ],
)
def test_the_form_explains_each_field(change: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        prompt_input(**change)
    errors = FormErrors.from_validation(caught.value).errors
    assert message in errors[field]


def test_the_form_tidies_spacing_but_keeps_line_breaks() -> None:
    data = prompt_input(text="  Mentor: one   \r\n\n\n\nMentee: two  ")
    assert data.text == "Mentor: one\n\nMentee: two"
    assert data.depth == 2
