"""Who may read a program's insights, and sending them: a chart into the DM and the numbers as
text. (The Home tab's headlines are bot/insights/snapshots.py.)

Insights are for Sprout admins and the program's owners. The chart goes up with Slack's
external upload (bot/slack/files.py, files:write) into the person's DM with Sprout; the text
goes through the outbox, so it is paced and sent once per request. If the upload fails, the
text still goes, and says so.

Usefulness by month never depends on ``since``: its figures are read over every check-in and
only the months the window reaches are kept. A month cut by the window's start would differ
from the same month in a report without ``since`` by the ratings of the check-ins sent before
it, and a difference of one person's ratings is that person's answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import Access
from bot.blocks import clip
from bot.checkins.schedule import local_instant, zone
from bot.clock import Clock
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.insights.charts import chart_alt_text, program_chart
from bot.insights.dataset import MonthlyUsefulness, ProgramMetrics
from bot.insights.metrics import program_metrics, quotable_reflections
from bot.insights.report import report_message
from bot.membership.programs import ProgramService
from bot.slack.delivery import Outbox, Priority
from bot.slack.files import upload_to_dm
from models import Program

log = logging.getLogger(__name__)

NOT_ALLOWED = "Program reports are for Sprout admins and the program's owners."

Upload = Callable[..., str]


@dataclass(frozen=True)
class Sent:
    program_name: str
    #: Slack's id of the uploaded chart, or None when there was no chart (or it failed).
    file_id: str | None
    #: Slack's error code when the chart could not be uploaded.
    upload_error: str | None = None


class InsightsService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        client: WebClient,
        access: Access,
        programs: ProgramService,
        outbox: Outbox,
        upload: Upload = upload_to_dm,
    ) -> None:
        self._db = db
        self._clock = clock
        self._client = client
        self._access = access
        self._programs = programs
        self._outbox = outbox
        self._upload = upload

    # -- who may read what --------------------------------------------------------------------

    def choose(self, team_id: str, user_id: str, name: str | None) -> Program:
        """The program ``name`` means, or the only one ``user_id`` runs when no name is given.

        Refused (NotAllowed) when the person is neither an admin nor an owner of it.
        """
        if name:
            program = self._programs.resolve(team_id, name)
            if not self._access.can_run(team_id, user_id, program):
                raise NotAllowed(NOT_ALLOWED)
            return program
        programs = self._programs.programs(team_id)
        if not programs:
            return self._programs.resolve(team_id, None)  # "There are no programs yet."
        admin = self._access.is_admin(team_id, user_id)
        mine = [p for p in programs if admin or user_id in p.owner_ids]
        if not mine:
            raise NotAllowed(NOT_ALLOWED)
        return self._programs.resolve(team_id, None, among=mine)

    def check_can_read(self, team_id: str, user_id: str, program_id: int) -> Program:
        program = self._programs.get(team_id, program_id)
        if not self._access.can_run(team_id, user_id, program):
            raise NotAllowed(NOT_ALLOWED)
        return program

    def window_start(self, program: Program, since: date | None) -> datetime | None:
        """The start of ``since`` in the program's zone; a day still to come is refused."""
        if since is None:
            return None
        start = local_instant(since, 0, zone(program.timezone))
        if start > self._clock.now():
            raise UserFacingError(
                f"{since.isoformat()} hasn't come yet: give a day up to today, "
                "`/mentor report [program] since YYYY-MM-DD`."
            )
        return start

    # -- the report ---------------------------------------------------------------------------

    def report(
        self,
        team_id: str,
        user_id: str,
        program_ref: str | None,
        since: date | None,
        *,
        request: str,
    ) -> Sent:
        """DM ``user_id`` the program's chart and full report, once per ``request``."""
        program = self.choose(team_id, user_id, program_ref)
        return self.send(team_id, user_id, program.id, since, request=request)

    def send(
        self, team_id: str, user_id: str, program_id: int, since: date | None, *, request: str
    ) -> Sent:
        """The chart (uploaded into the DM) and the text (through the outbox) of one program."""
        program = self.check_can_read(team_id, user_id, program_id)
        start = self.window_start(program, since)
        now = self._clock.now()
        with self._db.session() as session:
            metrics = program_metrics(session, team_id, program.id, since=start, now=now)
            usefulness = metrics.usefulness_trend
            if start is not None:
                usefulness = usefulness_reaching(
                    program_metrics(session, team_id, program.id, since=None, now=now), start
                )
            reflections = quotable_reflections(session, team_id, program.id, start)
        png = program_chart(metrics, usefulness, program.timezone)
        file_id: str | None = None
        error: str | None = None
        if png is not None:
            try:
                file_id = self._upload(
                    self._client,
                    user_id,
                    png,
                    filename=f"insights-{program.id}.png",
                    title=clip(f"{program.name}: program insights", 200),
                    comment=f"Chart of “{program.name}”",
                    alt_text=chart_alt_text(metrics),
                )
            except SlackApiError as failure:
                error = str(failure.response.get("error"))
                log.warning("insights chart upload failed for program %s: %s", program.id, error)
        text, blocks = report_message(
            metrics,
            timezone=program.timezone,
            usefulness=usefulness,
            reflections=reflections,
            chart_attached=file_id is not None,
            chart_error=error,
        )
        self._outbox.send(
            team_id,
            clip(f"insights-report:{program.id}:{user_id}:{request}", 160),
            [user_id],
            text,
            blocks,
            priority=Priority.REPLY,
        )
        return Sent(program.name, file_id, error)


def usefulness_reaching(metrics: ProgramMetrics, start: datetime) -> tuple[MonthlyUsefulness, ...]:
    """The months (whole, over every check-in) that the window from ``start`` reaches."""
    first = start.astimezone(UTC).date().replace(day=1)
    return tuple(m for m in metrics.usefulness_trend if m.month >= first)
