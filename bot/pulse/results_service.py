"""Who may read a survey's results, and sending them: a chart into the DM and the same numbers
as text.

Results are for Sprout admins, the owners of the survey's program and the survey's creator (the
people told when a wave closes). The chart goes up with
Slack's external upload (files:write) into the person's DM with Sprout; the text goes through the
outbox, so it is paced and sent once per request. If the upload fails (an install from before
files:write was added answers ``missing_scope``), the text still goes, and says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import Access
from bot.blocks import clip
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.pulse.charts import survey_chart
from bot.pulse.report import results_message
from bot.pulse.results import SurveyResults, load
from bot.slack.delivery import Outbox, Priority
from bot.slack.files import upload_to_dm
from models import Program, ProgramOwner, PulseSurvey

log = logging.getLogger(__name__)

NOT_ALLOWED = (
    "Pulse results are for Sprout admins, the owners of a survey's program and whoever created it."
)


class SurveyNotFound(UserFacingError):
    pass


@dataclass(frozen=True)
class SurveyChoice:
    """The survey a request means, and the others the person may read (newest first)."""

    survey: PulseSurvey
    others: list[PulseSurvey]


@dataclass(frozen=True)
class Sent:
    survey_name: str
    #: Slack's id of the uploaded chart, or None when there was no chart (or it failed).
    file_id: str | None
    #: Slack's error code when the chart could not be uploaded.
    upload_error: str | None = None


class PulseResultsService:
    def __init__(self, db: Database, client: WebClient, access: Access, outbox: Outbox) -> None:
        self._db = db
        self._client = client
        self._access = access
        self._outbox = outbox

    def visible_surveys(self, team_id: str, user_id: str) -> list[PulseSurvey]:
        """The surveys whose results ``user_id`` may read, newest first."""
        query = sa.select(PulseSurvey).where(PulseSurvey.team_id == team_id)
        if not self._access.is_admin(team_id, user_id):
            owned = sa.select(ProgramOwner.program_id).where(
                ProgramOwner.team_id == team_id, ProgramOwner.user_id == user_id
            )
            query = query.where(
                sa.or_(PulseSurvey.program_id.in_(owned), PulseSurvey.created_by == user_id)
            )
        query = query.order_by(PulseSurvey.created_at.desc(), PulseSurvey.id.desc())
        with self._db.session() as session:
            return list(session.scalars(query))

    def choose(self, team_id: str, user_id: str, name: str | None) -> SurveyChoice:
        """The survey called ``name`` (any case), or the newest one when no name is given."""
        visible = self.visible_surveys(team_id, user_id)
        if name:
            wanted = name.casefold().strip()
            for survey in visible:
                if survey.name.casefold().strip() == wanted:
                    return SurveyChoice(survey, [s for s in visible if s is not survey])
            if self._exists(team_id, wanted):
                raise NotAllowed(NOT_ALLOWED)
            known = ", ".join(f"“{s.name}”" for s in visible[:10])
            raise SurveyNotFound(
                f"I don't know a pulse survey called “{clip(name, 60)}”."
                + (f" Yours: {known}." if known else "")
            )
        if visible:
            return SurveyChoice(visible[0], visible[1:])
        if not self._access.is_admin(team_id, user_id) and not self._owns_a_program(
            team_id, user_id
        ):
            raise NotAllowed(NOT_ALLOWED)
        raise SurveyNotFound("There are no pulse surveys yet.")

    def results(self, survey_id: int, *, comments: bool = True) -> SurveyResults:
        with self._db.session() as session:
            survey = session.get(PulseSurvey, survey_id)
            if survey is None:
                raise SurveyNotFound("That pulse survey no longer exists.")
            return load(session, survey, comments=comments)

    def headlines(self, team_id: str, user_id: str, limit: int) -> list[SurveyResults]:
        """The newest surveys' results without comments, for the Home tab."""
        surveys = self.visible_surveys(team_id, user_id)
        return [self.results(s.id, comments=False) for s in surveys[:limit]]

    def check_can_read(self, team_id: str, user_id: str, survey_id: int) -> PulseSurvey:
        for survey in self.visible_surveys(team_id, user_id):
            if survey.id == survey_id:
                return survey
        raise NotAllowed(NOT_ALLOWED)

    def send(self, team_id: str, user_id: str, survey_id: int, request: str) -> Sent:
        """DM ``user_id`` the survey's chart and its text, once per ``request`` (a trigger id)."""
        survey = self.check_can_read(team_id, user_id, survey_id)
        results = self.results(survey.id)
        with self._db.session() as session:
            program = session.get(Program, survey.program_id)
            program_name = program.name if program is not None else ""
        png = survey_chart(results)
        file_id: str | None = None
        error: str | None = None
        if png is not None and results.latest_shown is not None:
            number = results.latest_shown.number
            try:
                file_id = upload_to_dm(
                    self._client,
                    user_id,
                    png,
                    filename=f"pulse-{survey.id}-wave-{number}.png",
                    title=clip(f"{survey.name}: results up to wave {number}", 200),
                    comment=f"Chart of “{survey.name}”, up to wave {number}",
                    alt_text=clip(
                        f"Chart of {survey.name}: participation per wave, and per question "
                        "the trend and the latest wave's distribution",
                        1000,
                    ),
                )
            except SlackApiError as failure:
                error = str(failure.response.get("error"))
                log.warning("pulse chart upload failed for survey %s: %s", survey.id, error)
        text, blocks = results_message(
            results, program_name, chart_attached=file_id is not None, chart_error=error
        )
        self._outbox.send(
            team_id,
            clip(f"pulse-results:{survey.id}:{user_id}:{request}", 160),
            [user_id],
            text,
            blocks,
            priority=Priority.REPLY,
        )
        return Sent(survey.name, file_id, error)

    def _exists(self, team_id: str, wanted: str) -> bool:
        with self._db.session() as session:
            names = session.scalars(
                sa.select(PulseSurvey.name).where(PulseSurvey.team_id == team_id)
            )
            return any(n.casefold().strip() == wanted for n in names)

    def _owns_a_program(self, team_id: str, user_id: str) -> bool:
        with self._db.session() as session:
            return (
                session.scalar(
                    sa.select(ProgramOwner.program_id)
                    .where(ProgramOwner.team_id == team_id, ProgramOwner.user_id == user_id)
                    .limit(1)
                )
                is not None
            )
