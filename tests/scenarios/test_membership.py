"""People join, look at, edit, pause, resume and leave their membership, or ask to be forgotten."""

from __future__ import annotations

import pytest

from models import Membership, Person, ProgramOwner
from sandbox.workspace import DEACTIVATED_USER_ID, OTHER_BOT_USER_ID, SEED_ADMIN_ID
from tests.scenarios.conftest import Participant, RunningBot, texts
from tests.scenarios.test_programs import create_program

TEAM = "T0SPROUT"
CAMILA = "U03CAM"
DEVIKA = "U04DEV"


@pytest.fixture
def mentoring(bot: RunningBot) -> RunningBot:
    create_program(bot, "Mentoring", description="Grow with a colleague")
    return bot


def join(person: Participant, **values: object) -> None:
    """Join through the modal and wait for everything the bot does after it acks."""
    person.mentor("join")
    response = person.submit(**values)
    assert response.status == 200 and not response.body.strip(), response.text
    assert "Welcome to" in person.reply().text
    person.home_after()


def test_joining_opens_the_modal_stores_the_profile_and_publishes_home(
    mentoring: RunningBot,
) -> None:
    camila = mentoring.person(CAMILA)
    camila.mentor("join")
    modal = camila.modal()
    assert modal["title"]["text"] == "Join Mentoring"
    assert {b.get("block_id") for b in modal["blocks"]} >= {
        "role",
        "offers",
        "wants",
        "goals",
        "capacity",
    }

    camila.submit(
        role="mentor", offers="Python, Public Speaking, python", goals="Help someone grow"
    )
    assert "Welcome to *Mentoring*" in camila.reply().text
    home = camila.home_after()
    assert "Mentoring* · mentor" in texts(home["blocks"])

    [membership] = mentoring.sprout.services.memberships.profile(TEAM, CAMILA).memberships
    assert membership.offers == ["python", "public speaking"]
    assert membership.capacity == 2
    person = mentoring.sprout.services.memberships.profile(TEAM, CAMILA).person
    assert person is not None
    assert (person.name, person.timezone) == ("camila", "America/Sao_Paulo")


def test_a_mentor_without_skills_gets_an_inline_error_and_nothing_is_stored(
    mentoring: RunningBot,
) -> None:
    camila = mentoring.person(CAMILA)
    camila.mentor("join")
    response = camila.submit(
        role="mentor", offers="  ,  ", wants=", ".join(f"t{n}" for n in range(12))
    )
    assert response.json is not None and response.json["response_action"] == "errors"
    assert response.json["errors"] == {
        "offers": "As a mentor, name at least one thing you can offer.",
        "wants": "At most 10 tags, please (you gave 12).",
    }
    assert mentoring.sprout.services.memberships.profile(TEAM, CAMILA).memberships == []


def test_profile_shows_programs_roles_and_status(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="system design", goals="Lead a project")
    devika.mentor("profile")
    shown = texts(devika.reply().blocks)
    assert "*Mentoring* · mentee" in shown
    assert "Wants to learn: system design" in shown
    assert "Status: *active*" in shown


def test_edit_reopens_the_modal_prefilled_and_saves_changes(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="system design")
    devika.mentor("edit")
    modal = devika.modal()
    wants = next(b for b in modal["blocks"] if b.get("block_id") == "wants")
    assert wants["element"]["initial_value"] == "system design"
    devika.submit(role="both", offers="statistics")
    assert "Saved your profile" in devika.reply().text
    [membership] = mentoring.sprout.services.memberships.profile(TEAM, DEVIKA).memberships
    assert (membership.role.value, membership.offers, membership.wants) == (
        "both",
        ["statistics"],
        ["system design"],
    )


def test_pause_for_two_weeks_then_resume(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="negotiation")
    devika.mentor("pause 2w")
    assert "Paused until Thursday 10 December 2026" in devika.reply().text
    assert "paused until" in texts(devika.home_after()["blocks"])
    devika.mentor("resume")
    assert "active again" in devika.reply().text
    assert mentoring.sprout.services.memberships.profile(TEAM, DEVIKA).paused is False


def test_a_bad_pause_length_explains_itself_with_help(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="negotiation")
    devika.mentor("pause someday")
    reply = devika.reply()
    assert "couldn't read" in reply.text
    assert "/mentor forget-me" in texts(reply.blocks)
    assert mentoring.sprout.services.memberships.profile(TEAM, DEVIKA).paused is False


def test_leaving_asks_first_and_keeps_the_history(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="negotiation")
    devika.mentor("leave")
    question = devika.reply()
    assert "Leave *Mentoring*?" in texts(question.blocks)
    devika.click("membership.leave.confirm", question)
    assert "You left *Mentoring*" in devika.replaced(question).text
    assert mentoring.sprout.services.memberships.profile(TEAM, DEVIKA).memberships == []
    with mentoring.sprout.services.db.session() as session:
        assert session.query(Membership).filter_by(user_id=DEVIKA).one().status.value == "left"


def test_cancelling_a_leave_changes_nothing(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="negotiation")
    devika.mentor("leave")
    question = devika.reply()
    devika.click("membership.leave.cancel", question)
    assert "still in" in devika.replaced(question).text
    assert len(mentoring.sprout.services.memberships.profile(TEAM, DEVIKA).memberships) == 1


def test_forget_me_deletes_everything_after_a_confirmation(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="negotiation", goals="Private goals")
    devika.mentor("forget-me")
    question = devika.reply()
    devika.click("membership.forget.confirm", question)
    assert "holds nothing about you" in devika.replaced(question).text
    with mentoring.sprout.services.db.session() as session:
        assert session.get(Person, (TEAM, DEVIKA)) is None
        assert session.query(Membership).filter_by(user_id=DEVIKA).count() == 0


@pytest.mark.parametrize(
    ("user_id", "reason"),
    [(DEACTIVATED_USER_ID, "Deactivated accounts"), (OTHER_BOT_USER_ID, "Bots can't join")],
)
def test_bots_and_deactivated_people_cannot_join(
    mentoring: RunningBot, user_id: str, reason: str
) -> None:
    someone = mentoring.person(user_id)
    someone.mentor("join")
    assert reason in someone.reply().text
    assert mentoring.sandbox.modal_of(user_id) is None


def test_a_channel_program_is_only_for_that_channels_members(bot: RunningBot) -> None:
    create_program(bot, "Circle", audience="channel", channel_id="C0MENTORS")
    outsider = bot.person("U02BEN")
    outsider.mentor("join")
    assert "is for members of <#C0MENTORS>" in outsider.reply().text
    insider = bot.person(CAMILA)
    insider.mentor("join")
    assert insider.modal()["title"]["text"] == "Join Circle"


def test_with_two_programs_join_needs_a_name(bot: RunningBot) -> None:
    create_program(bot, "Mentoring")
    create_program(bot, "Coffee", kind="coffee")
    devika = bot.person(DEVIKA)
    devika.mentor("join")
    assert "Which program?" in devika.reply().text
    devika.mentor("join coffee")
    modal = devika.modal()
    assert "role" not in {b.get("block_id") for b in modal["blocks"]}
    devika.submit(offers="hiking")
    assert "Welcome to *Coffee*" in devika.reply().text
    [membership] = bot.sprout.services.memberships.profile(TEAM, DEVIKA).memberships
    assert membership.role.value == "peer"


def test_home_shows_programs_to_join_and_the_join_button_works(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    home = devika.open_home()
    assert "Programs you can join" in texts(home["blocks"])
    devika.click("home.join", home)
    devika.submit(role="mentee", wants="negotiation")
    home = devika.home_after()
    assert "*Mentoring* · mentee" in texts(home["blocks"])
    devika.click("home.pause", home)
    assert "paused until you resume" in texts(devika.home_after()["blocks"])


def test_admins_see_every_program_with_counts_on_home(mentoring: RunningBot) -> None:
    join(mentoring.person(DEVIKA), role="mentee", wants="negotiation")
    ada = mentoring.person(SEED_ADMIN_ID)
    home = texts(ada.open_home()["blocks"])
    assert "Programs you run" in home
    assert "1 active · 0 paused · 0 left" in home
    devika_home = texts(mentoring.person(DEVIKA).open_home()["blocks"])
    assert "Programs you run" not in devika_home


def test_home_buttons_edit_the_profile_leave_and_resume(mentoring: RunningBot) -> None:
    devika = mentoring.person(DEVIKA)
    join(devika, role="mentee", wants="negotiation")
    home = devika.open_home()
    devika.click("home.edit_profile", home)
    wants = next(b for b in devika.modal()["blocks"] if b.get("block_id") == "wants")
    assert wants["element"]["initial_value"] == "negotiation"
    devika.submit(wants="negotiation, storytelling")
    assert "Saved your profile" in devika.reply().text
    home = devika.home_after()

    devika.click("home.pause", home)
    home = devika.home_after()
    devika.click("home.resume", home)
    home = devika.home_after()
    assert "You are *active*" in texts(home["blocks"])

    devika.click("home.leave", home)
    home = devika.home_after()
    assert "Programs you can join" in texts(home["blocks"])
    assert mentoring.sprout.services.memberships.profile(TEAM, DEVIKA).memberships == []


def test_admins_create_and_edit_programs_from_home(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    home = ada.open_home()
    ada.click("home.program_new", home)
    ada.submit(name="Design circle", kind="coffee")
    assert "Created *Design circle*" in ada.reply().text
    home = ada.home_after()
    program = bot.sprout.services.programs.resolve(TEAM, "Design circle")
    ada.click("home.program_edit", home, value=str(program.id))
    ada.submit(description="Show and tell")
    assert "Updated *Design circle*" in ada.reply().text
    assert bot.sprout.services.programs.get(TEAM, program.id).description == "Show and tell"


def test_forget_me_removes_program_ownerships_and_republishes_home(bot: RunningBot) -> None:
    create_program(bot, "Mentoring", owners=[DEVIKA])
    devika = bot.person(DEVIKA)
    join(devika, role="mentee", wants="negotiation")
    devika.mentor("forget-me")
    question = devika.reply()
    devika.click("membership.forget.confirm", question)
    devika.replaced(question)
    home = devika.home_after()
    assert "Programs you run" not in texts(home["blocks"])
    with bot.sprout.services.db.session() as session:
        assert session.query(ProgramOwner).filter_by(user_id=DEVIKA).count() == 0
