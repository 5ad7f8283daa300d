"""Admins create and edit programs through the modal; others are refused."""

from __future__ import annotations

from bot.blocks import escape
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, texts

BEN = "U02BEN"


def create_program(bot: RunningBot, name: str, kind: str = "mentoring", **values: object) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    response = ada.submit(name=name, kind=kind, **values)
    assert response.status == 200 and not response.body.strip(), response.text
    assert f"Created *{escape(name)}*" in ada.reply().text
    ada.home_after()


def test_an_admin_creates_a_program_and_everyone_can_list_it(bot: RunningBot) -> None:
    create_program(bot, "Engineering mentoring", timezone="Europe/Berlin", weekday="2")
    ben = bot.person(BEN)
    ben.mentor("programs")
    listing = texts(ben.reply().blocks)
    assert "Engineering mentoring" in listing
    assert "every 2 weeks on Wednesday at 10:00 (Europe/Berlin)" in listing
    assert "0 active · 0 paused · 0 left" in listing


def test_the_program_modal_starts_in_the_admins_time_zone(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    modal = ada.modal()
    timezone = next(b for b in modal["blocks"] if b.get("block_id") == "timezone")
    assert timezone["element"]["initial_value"] == "America/New_York"


def test_a_non_admin_is_refused_admin_subcommands(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    ben.mentor("program new")
    assert "is for Sprout admins" in ben.reply().text
    assert bot.sandbox.modal_of(BEN) is None


def test_invalid_program_input_gets_inline_errors_and_nothing_is_stored(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    response = ada.submit(name="Chess & tea", kind="coffee", timezone="Moon/Base")
    assert response.json is not None and response.json["response_action"] == "errors"
    assert "IANA" in response.json["errors"]["timezone"]
    assert bot.sprout.services.programs.programs("T0SPROUT") == []
    assert ada.modal()  # still open for the admin to fix


def test_a_duplicate_name_is_an_inline_error(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee")
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    response = ada.submit(name="coffee", kind="coffee")
    assert response.json == {
        "response_action": "errors",
        "errors": {"name": "A program with this name exists already."},
    }


def test_an_owner_may_edit_their_program_and_the_edit_is_prefilled(bot: RunningBot) -> None:
    create_program(bot, "Design circle", owners=[BEN])
    ben = bot.person(BEN)
    ben.mentor("program edit design circle")
    modal = ben.modal()
    name = next(b for b in modal["blocks"] if b.get("block_id") == "name")
    assert name["element"]["initial_value"] == "Design circle"
    ben.submit(description="Monthly design critique and career talk")
    assert "Updated *Design circle*" in ben.reply().text
    [program] = bot.sprout.services.programs.programs("T0SPROUT")
    assert program.description == "Monthly design critique and career talk"


def test_someone_who_neither_owns_nor_administers_cannot_edit(bot: RunningBot) -> None:
    create_program(bot, "Design circle")
    ben = bot.person(BEN)
    ben.mentor("program edit Design circle")
    assert "Only admins and owners" in ben.reply().text


def test_program_edit_needs_no_name_when_there_is_one_program(bot: RunningBot) -> None:
    create_program(bot, "Mentoring")
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program edit")
    assert ada.modal()["title"]["text"] == "Edit program"


def test_program_edit_without_a_name_among_several_explains_and_shows_help(
    bot: RunningBot,
) -> None:
    create_program(bot, "Mentoring")
    create_program(bot, "Coffee", kind="coffee")
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program edit")
    reply = ada.reply()
    assert "Which program?" in reply.text
    assert "/mentor join" in texts(reply.blocks)


def test_a_name_with_an_ampersand_can_be_used_in_commands(bot: RunningBot) -> None:
    create_program(bot, "Chess & tea", kind="coffee")
    create_program(bot, "Mentoring")
    ben = bot.person(BEN)
    ben.mentor("join chess & tea")  # Slack delivers it as "chess &amp; tea"
    assert ben.modal()["title"]["text"] == "Join Chess & tea"


def test_a_private_channel_sprout_cannot_see_is_an_inline_error(bot: RunningBot) -> None:
    bot.sandbox.workspace.add_channel("C0SECRET", "leads", ["U02BEN"], is_private=True)
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    response = ada.submit(name="Leads", kind="mentoring", audience="channel", channel_id="C0SECRET")
    assert response.json is not None
    assert response.json["errors"] == {
        "channel_id": "Sprout can't see who is in that channel: invite @Sprout to it."
    }


def test_choosing_a_channel_audience_needs_a_channel(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    response = ada.submit(name="Leads", kind="mentoring", audience="channel")
    assert response.json is not None
    assert response.json["errors"] == {"channel_id": "Pick the channel whose members may join."}


def test_a_program_can_be_opened_to_everyone_again(bot: RunningBot) -> None:
    create_program(bot, "Circle", audience="channel", channel_id="C0MENTORS")
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program edit")
    ada.submit(audience="everyone")
    assert "Updated *Circle*" in ada.reply().text
    [program] = bot.sprout.services.programs.programs("T0SPROUT")
    assert program.channel_id is None


def test_round_and_matching_settings_are_saved_from_the_modal(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    weights = next(b for b in ada.modal()["blocks"] if b.get("block_id") == "weight_skills")
    assert weights["element"]["initial_value"] == "60"  # the documented default
    ada.submit(
        name="Coffee",
        kind="coffee",
        group_size="3",
        notice_before_round=["yes"],
        followup_days="1",
        weight_skills="70",
    )
    ada.reply()
    [program] = bot.sprout.services.programs.programs("T0SPROUT")
    assert program.settings["group_size"] == 3
    assert program.settings["notice_before_round"] is True
    assert program.settings["followup_days"] == 1
    assert program.settings["weight_skills"] == 70


def test_check_in_cadence_and_reminder_are_set_in_the_program_form(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    hour = next(b for b in ada.modal()["blocks"] if b.get("block_id") == "checkin_local_hour")
    assert hour["element"]["initial_option"]["value"] == "10"  # the documented default
    ada.submit(
        name="Mentoring",
        kind="mentoring",
        checkin_local_hour="9",
        checkin_first_month="1",
        checkin_every_weeks="2",
        reminder_days="0",
    )
    ada.reply()
    [program] = bot.sprout.services.programs.programs("T0SPROUT")
    assert program.settings["checkin_local_hour"] == 9
    assert program.settings["checkin_first_month"] == 1
    assert program.settings["checkin_every_weeks"] == 2
    assert program.settings["reminder_days"] == 0


def test_a_weight_out_of_range_is_an_inline_error(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("program new")
    response = ada.submit(name="Mentoring", kind="mentoring", weight_hours="500")
    assert response.json is not None
    assert response.json["errors"] == {"weight_hours": "Use a number up to 100."}
