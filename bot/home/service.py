"""Publishing the App Home tab: what each person sees, gathered from the services."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import Access
from bot.db import Database
from bot.home.messages import home_view
from bot.insights.report import MAX_HOME_PROGRAMS, HomeHeadline, slack_file_ids, without_images
from bot.insights.snapshots import InsightSnapshots
from bot.membership.profiles import MembershipService
from bot.membership.programs import ProgramService, ProgramSummary
from bot.pairing.latest import latest_pairings
from bot.pulse.report import MAX_HOME_SURVEYS
from bot.pulse.results_service import PulseResultsService

log = logging.getLogger(__name__)

#: What Slack answers when a view's image names a file it can't show (views.* report block
#: problems as invalid_arguments; messages as invalid_blocks).
CHART_REFUSALS = frozenset({"invalid_arguments", "invalid_blocks"})


class HomeService:
    def __init__(
        self,
        client: WebClient,
        db: Database,
        programs: ProgramService,
        memberships: MembershipService,
        access: Access,
        pulse_results: PulseResultsService | None = None,
        *,
        insights: InsightSnapshots | None = None,
    ) -> None:
        self._client = client
        self._db = db
        self._programs = programs
        self._memberships = memberships
        self._access = access
        self._pulse_results = pulse_results
        self._insights = insights

    def view_for(self, team_id: str, user_id: str) -> dict[str, Any]:
        profile = self._memberships.profile(team_id, user_id)
        summaries = self._programs.summaries(team_id)
        programs = [s.program for s in summaries]
        is_admin = self._access.is_admin(team_id, user_id)
        if is_admin:
            admin: list[ProgramSummary] | None = summaries
        else:
            owned = [s for s in summaries if user_id in s.program.owner_ids]
            admin = owned or None
        latest = latest_pairings(self._db, team_id, user_id) if profile.memberships else {}
        pulse = (
            self._pulse_results.headlines(team_id, user_id, MAX_HOME_SURVEYS)
            if self._pulse_results is not None and admin is not None
            else []
        )
        insights: list[HomeHeadline] = []
        if self._insights is not None and admin is not None:
            run = [s.program for s in admin[:MAX_HOME_PROGRAMS]]
            insights = self._insights.home_headlines(team_id, run)
        return home_view(
            profile,
            programs,
            admin,
            can_create=is_admin,
            latest=latest,
            pulse_results=pulse,
            insights=insights,
            insights_hidden=len(admin or []) - len(insights),
        )

    def publish(self, team_id: str, user_id: str) -> None:
        """Publish the Home tab; if Slack refuses a chart's file, publish it without charts.

        A chart file can vanish (deleted in Slack by an admin) or not be readable yet; the
        numbers still show, and the snapshot forgets the file so the next refresh uploads the
        chart again.
        """
        view = self.view_for(team_id, user_id)
        try:
            self._client.views_publish(user_id=user_id, view=view)
        except SlackApiError as failure:
            charts = slack_file_ids(view["blocks"])
            if not charts or failure.response.get("error") not in CHART_REFUSALS:
                raise
            log.warning("Home charts refused (%s); publishing without them", charts)
            if self._insights is not None:
                for file_id in charts:
                    self._insights.forget_chart(team_id, file_id)
            view = {**view, "blocks": without_images(view["blocks"])}
            self._client.views_publish(user_id=user_id, view=view)
