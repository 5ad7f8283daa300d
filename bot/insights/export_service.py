"""``/mentor export``: a program's CSV files, uploaded together into the requester's DM.

Exports are for Sprout admins and the program's owners, the people who run it. The files go up
with Slack's external upload (files:write) straight into the person's DM with Sprout, as one
message whose text lists what each file holds; nothing is kept on Sprout's side.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import escape
from bot.clock import Clock
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.insights.export import FILES, export_program
from bot.membership.programs import ProgramService
from bot.slack.files import Upload, upload_many_to_dm
from models import Program

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportSent:
    program_name: str
    #: The file names as they arrived in the DM, in the order of :data:`FILES`.
    filenames: list[str]


def slug(name: str, fallback: str) -> str:
    """A file-name-safe form of a program's name: "Design mentoring" -> "design-mentoring"."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or fallback


def export_comment(program: Program, day: str, timezone: str) -> str:
    """The message the files arrive under: whose data, as of when, and what each file holds."""
    lines = [
        f"Export of *{escape(program.name)}* as of {day}; dates are days in the program's "
        f"time zone ({escape(timezone)}).",
        *(f"• `{f.name}`: {f.holds}." for f in FILES),
    ]
    return "\n".join(lines)


def sent_text(sent: ExportSent) -> str:
    return (
        f"I've sent {len(sent.filenames)} CSV files of “{escape(sent.program_name)}” to our DM: "
        + ", ".join(sent.filenames)
        + "."
    )


class ExportService:
    def __init__(
        self, db: Database, client: WebClient, clock: Clock, programs: ProgramService
    ) -> None:
        self._db = db
        self._client = client
        self._clock = clock
        self._programs = programs

    def program_for(self, team_id: str, user_id: str, name: str | None) -> Program:
        """The program ``name`` means (or the only one), if ``user_id`` may export it."""
        program = self._programs.resolve(team_id, name)
        if not self._programs.can_run(team_id, user_id, program):
            raise NotAllowed(f"Only admins and owners of “{program.name}” can export its data.")
        return program

    def send(self, team_id: str, user_id: str, name: str | None) -> ExportSent:
        """Upload the program's files into ``user_id``'s DM with Sprout, all in one message."""
        program = self.program_for(team_id, user_id, name)
        now = self._clock.now()
        with self._db.session() as session:
            files = export_program(session, team_id, program.id, now=now)
        prefix = f"{slug(program.name, f'program-{program.id}')}-{now:%Y-%m-%d}"
        uploads = [
            Upload(
                data=files[f.name],
                filename=f"{prefix}-{f.name}",
                title=f"{program.name}: {f.name} ({now:%Y-%m-%d})",
            )
            for f in FILES
        ]
        comment = export_comment(program, f"{now:%Y-%m-%d %H:%M} UTC", program.timezone)
        try:
            upload_many_to_dm(self._client, user_id, uploads, comment=comment)
        except SlackApiError as failure:
            code = str(failure.response.get("error"))
            log.warning("export upload failed for program %s: %s", program.id, code)
            hint = (
                " Sprout needs the files:write scope: reinstall the app to grant it."
                if code == "missing_scope"
                else " Please try again in a moment."
            )
            raise UserFacingError(
                f"I couldn't upload the export (Slack said `{code}`).{hint}"
            ) from None
        log.info("exported program %s to %s (%d files)", program.id, user_id, len(uploads))
        return ExportSent(program.name, [u.filename for u in uploads])
