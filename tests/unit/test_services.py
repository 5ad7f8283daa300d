"""Membership and program services against a real database (SQLite and PostgreSQL)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.access import Access
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import NotAllowed, NotAMember, ProgramNotFound
from bot.events import EventLedger
from bot.membership.profiles import MembershipService
from bot.membership.programs import ProgramService
from bot.slack.people import PeopleDirectory, SlackPerson
from models import Membership, MembershipStatus, Person, ProgramOwner
from models.forms import FormErrors, ProfileInput, ProgramInput
from sandbox import SlackSandbox, seeded_workspace

TEAM = "T1"


def person(user_id: str, tz: str = "Europe/Berlin") -> SlackPerson:
    return SlackPerson(user_id, user_id.title(), tz, False, False, False)


ADMIN = "U0ADMIN"


@pytest.fixture
def people(clock: FrozenClock) -> Iterator[PeopleDirectory]:
    """users.info answered by the sandbox; ADMIN is an admin through SPROUT_ADMINS."""
    with SlackSandbox(seeded_workspace()) as sandbox:
        client = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
        yield PeopleDirectory(client, clock)


@pytest.fixture
def programs(db: Database, clock: FrozenClock, people: PeopleDirectory) -> ProgramService:
    return ProgramService(db, clock, Access(people, {ADMIN}), people)


@pytest.fixture
def members(db: Database, clock: FrozenClock, people: PeopleDirectory) -> MembershipService:
    return MembershipService(db, clock, people)


def mentoring(name: str = "Mentoring", **extra: object) -> ProgramInput:
    return ProgramInput.model_validate({"name": name, "kind": "mentoring", **extra})


def test_program_names_are_unique_per_workspace_ignoring_case(programs: ProgramService) -> None:
    programs.create(TEAM, ADMIN, mentoring("Design"))
    with pytest.raises(FormErrors) as caught:
        programs.create(TEAM, ADMIN, mentoring("design"))
    assert caught.value.errors == {"name": "A program with this name exists already."}
    programs.create("T2", ADMIN, mentoring("design"))  # another workspace may use it


def test_resolve_needs_no_name_when_there_is_one_program(programs: ProgramService) -> None:
    with pytest.raises(ProgramNotFound, match="no programs yet"):
        programs.resolve(TEAM, None)
    only = programs.create(TEAM, ADMIN, mentoring())
    assert programs.resolve(TEAM, None).id == only.id
    programs.create(TEAM, ADMIN, mentoring("Coffee", kind="coffee"))
    with pytest.raises(ProgramNotFound, match="Which program"):
        programs.resolve(TEAM, None)
    assert programs.resolve(TEAM, "  coffee ").name == "Coffee"
    with pytest.raises(ProgramNotFound, match="don't know a program called"):
        programs.resolve(TEAM, "Chess")


def test_owners_are_replaced_on_edit(programs: ProgramService) -> None:
    program = programs.create(TEAM, ADMIN, mentoring(owners=["U1", "U2"]))
    updated = programs.update(TEAM, ADMIN, program.id, mentoring(owners=["U2", "U3"]))
    assert sorted(updated.owner_ids) == ["U2", "U3"]


def test_kind_cannot_change_once_people_joined(
    programs: ProgramService, members: MembershipService
) -> None:
    program = programs.create(TEAM, ADMIN, mentoring())
    members.join(TEAM, person("U1"), program, ProfileInput(role="mentee", wants="go"))
    with pytest.raises(FormErrors) as caught:
        programs.update(TEAM, ADMIN, program.id, mentoring(kind="coffee"))
    assert "kind" in caught.value.errors


def test_counts_split_active_paused_and_left(
    programs: ProgramService, members: MembershipService, clock: FrozenClock
) -> None:
    program = programs.create(TEAM, ADMIN, mentoring())
    for user in ("U1", "U2", "U3", "U4"):
        members.join(TEAM, person(user), program, ProfileInput(role="mentee", wants="go"))
    members.pause(TEAM, "U2", None)
    members.pause(TEAM, "U3", clock.now() + timedelta(days=1))
    members.leave(TEAM, "U4", program.id)
    [summary] = programs.summaries(TEAM)
    assert (summary.counts.active, summary.counts.paused, summary.counts.left) == (1, 2, 1)
    clock.advance(timedelta(days=2))  # U3's dated pause has ended by itself
    [summary] = programs.summaries(TEAM)
    assert (summary.counts.active, summary.counts.paused, summary.counts.left) == (2, 1, 1)


def test_joining_again_after_leaving_reactivates_the_membership(
    programs: ProgramService, members: MembershipService
) -> None:
    program = programs.create(TEAM, ADMIN, mentoring())
    members.join(TEAM, person("U1"), program, ProfileInput(role="mentee", wants="sql"))
    members.leave(TEAM, "U1", program.id)
    assert members.profile(TEAM, "U1").memberships == []
    _, newly = members.join(TEAM, person("U1"), program, ProfileInput(role="mentor", offers="go"))
    assert newly
    [membership] = members.profile(TEAM, "U1").memberships
    assert membership.role.value == "mentor" and membership.capacity == 2


def test_a_peer_cannot_join_a_mentoring_program(
    programs: ProgramService, members: MembershipService
) -> None:
    program = programs.create(TEAM, ADMIN, mentoring())
    with pytest.raises(FormErrors) as caught:
        members.join(TEAM, person("U1"), program, ProfileInput(role="peer"))
    assert "role" in caught.value.errors


def test_leaving_twice_is_refused(programs: ProgramService, members: MembershipService) -> None:
    program = programs.create(TEAM, ADMIN, mentoring())
    members.join(TEAM, person("U1"), program, ProfileInput(role="mentee", wants="go"))
    members.leave(TEAM, "U1", program.id)
    with pytest.raises(NotAMember):
        members.leave(TEAM, "U1", program.id)


def test_pausing_needs_a_membership(members: MembershipService) -> None:
    with pytest.raises(NotAMember):
        members.pause(TEAM, "U9", None)


def test_forget_deletes_every_row_that_names_the_person(
    db: Database, programs: ProgramService, members: MembershipService
) -> None:
    program = programs.create(TEAM, ADMIN, mentoring(owners=["U1", "U2"]))
    other = programs.create(TEAM, ADMIN, mentoring("Coffee", kind="coffee"))
    members.join(TEAM, person("U1"), program, ProfileInput(role="mentor", offers="go"))
    members.join(TEAM, person("U1"), other, ProfileInput(role="peer"))
    members.join(TEAM, person("U2"), program, ProfileInput(role="mentee", wants="go"))
    members.forget(TEAM, "U1")
    with db.session() as session:
        assert session.get(Person, (TEAM, "U1")) is None
        assert session.query(Membership).filter_by(user_id="U1").count() == 0
        assert session.query(ProgramOwner).filter_by(user_id="U1").count() == 0
        # everyone else's data stays
        assert session.get(Person, (TEAM, "U2")) is not None
        assert session.query(Membership).filter_by(user_id="U2").one().status is (
            MembershipStatus.ACTIVE
        )


def test_an_event_is_handled_once_and_old_ids_are_pruned(db: Database, clock: FrozenClock) -> None:
    ledger = EventLedger(db, clock)
    assert ledger.first_delivery(TEAM, "Ev1")
    assert not ledger.first_delivery(TEAM, "Ev1")
    assert ledger.first_delivery("T2", "Ev1")
    clock.advance(timedelta(days=2))
    assert ledger.prune() == 2
    assert ledger.first_delivery(TEAM, "Ev1")


def test_only_admins_create_and_only_admins_or_owners_edit(programs: ProgramService) -> None:
    with pytest.raises(NotAllowed):
        programs.create(TEAM, "U0NOBODY", mentoring())
    program = programs.create(TEAM, ADMIN, mentoring(owners=["U0OWNER"]))
    programs.update(TEAM, "U0OWNER", program.id, mentoring(description="Owned", owners=["U0OWNER"]))
    with pytest.raises(NotAllowed):
        programs.update(TEAM, "U0NOBODY", program.id, mentoring())
