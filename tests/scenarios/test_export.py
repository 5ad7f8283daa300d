"""/mentor export through the sandbox: every CSV file arrives in the requester's DM in one message,
for admins and the program's owners only."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.errors import UserFacingError
from bot.insights.export import FILES
from bot.insights.export_service import ExportService
from models import Group, Mentorship, Round
from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, members_of
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program
from tests.scenarios.test_rounds import TEAM, deliver, group_dms, mentoring

__all__ = ["mentoring"]  # the fixture, used by name

BEN, CAMILA = "U02BEN", "U03CAM"


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def ephemeral_reply(bot: RunningBot, user_id: str) -> str:
    return bot.sandbox.wait_for_message(user_id, lambda m: m.kind == "ephemeral").text


def test_an_admin_gets_every_csv_file_in_their_dm_in_one_message(mentoring: RunningBot) -> None:
    bot = mentoring
    bot.sprout.services.rounds.run(TEAM, 1)
    deliver(bot)
    intro = group_dms(bot)[0]
    first = members_of(bot.sandbox, intro.channel)[0]
    bot.person(first).click("pairing.met", intro)
    bot.person(first).reply()

    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("export")
    day = f"{bot.clock.now():%Y-%m-%d}"
    names = [f"mentoring-{day}-{f.name}" for f in FILES]
    assert ephemeral_reply(bot, SEED_ADMIN_ID) == (
        "I've sent 5 CSV files of “Mentoring” to our DM: " + ", ".join(names) + "."
    )

    uploaded = bot.sandbox.uploaded_files()
    dm = bot.sandbox.dm_channel_id(SEED_ADMIN_ID)
    assert [f.filename for f in uploaded] == names
    assert all(f.channels == (dm,) and f.mimetype == "text/csv" for f in uploaded)
    assert uploaded[0].title == f"Mentoring: pairings.csv ({day})"
    # One completion: the five files share one message, whose text says what each holds.
    assert [c.method for c in bot.sandbox.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal"
    ] * 5 + ["files.completeUploadExternal"]
    [shared] = [m for m in bot.sandbox.inbox(SEED_ADMIN_ID) if m.files]
    assert shared.channel == dm and [f["name"] for f in shared.files] == names
    assert shared.text.startswith("Export of *Mentoring* as of ")
    for file in FILES:
        assert f"• `{file.name}`: {file.holds}." in shared.text
    assert "not its words" in shared.text and "no comments" in shared.text

    files = {f.filename.removeprefix(f"mentoring-{day}-"): f.data for f in uploaded}
    with bot.sprout.services.db.session() as session:
        groups = {g.id: sorted(g.user_ids) for g in session.scalars(sa.select(Group).join(Round))}
        pairs = {m.group_id: m.id for m in session.scalars(sa.select(Mentorship))}
    pairings = rows_of(files["pairings.csv"])
    assert {int(r["group_id"]): sorted(r["user_ids"].split("; ")) for r in pairings} == groups
    assert all(r["mentorship_id"] == str(pairs[int(r["group_id"])]) for r in pairings)
    assert all(r["roles"] == "mentor; mentee" for r in pairings)
    meetings = rows_of(files["meetings.csv"])
    assert len(meetings) == sum(len(users) for users in groups.values())
    assert [(r["user_id"], r["answer"]) for r in meetings if r["answer"] != "none"] == [
        (first, "met")
    ]
    assert rows_of(files["goals.csv"]) == rows_of(files["pulse_results.csv"]) == []


def test_an_owner_exports_their_program_and_others_are_refused(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee", owners=[BEN])
    join(bot.person(CAMILA), offers="chess")

    camila = bot.person(CAMILA)
    camila.mentor("export Coffee")
    assert camila.reply().text == "Only admins and owners of “Coffee” can export its data."
    camila.mentor("export Nonesuch")
    assert "I don't know a program called “Nonesuch”. Programs: “Coffee”." in (camila.reply().text)
    assert bot.sandbox.uploaded_files() == []

    ben = bot.person(BEN)
    ben.mentor("export coffee")
    assert ephemeral_reply(bot, BEN).startswith("I've sent 5 CSV files of “Coffee” to our DM")
    uploaded = bot.sandbox.uploaded_files()
    assert len(uploaded) == 5
    assert {f.channels for f in uploaded} == {(bot.sandbox.dm_channel_id(BEN),)}
    pairings = next(f for f in uploaded if f.filename.endswith("pairings.csv"))
    # Coffee chats have no mentorships, so no mentorship columns.
    assert pairings.data.startswith(
        b"round,round_start,group_id,user_ids,names,roles,score,reasons\r\n"
    )


class UploadsRefused(WebClient):
    """files.getUploadURLExternal fails, as it does for an install without files:write."""

    def files_getUploadURLExternal(self, **kwargs: Any) -> Any:
        response = SlackResponse(
            client=self,
            http_verb="POST",
            api_url=self.base_url + "files.getUploadURLExternal",
            req_args={},
            data={"ok": False, "error": "missing_scope"},
            headers={},
            status_code=200,
        )
        raise SlackApiError("missing_scope", response)


def test_a_refused_upload_says_what_to_fix(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee")
    services = bot.sprout.services
    refused = UploadsRefused(token=bot.sandbox.workspace.bot_token, base_url=bot.sandbox.api_url)
    exports = ExportService(services.db, refused, services.clock, services.programs)
    with pytest.raises(UserFacingError) as refusal:
        exports.send(TEAM, SEED_ADMIN_ID, "Coffee")
    assert refusal.value.message == (
        "I couldn't upload the export (Slack said `missing_scope`). Sprout needs the "
        "files:write scope: reinstall the app to grant it."
    )
    assert bot.sandbox.uploaded_files() == []
