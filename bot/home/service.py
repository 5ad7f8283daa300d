"""Publishing the App Home tab: what each person sees, gathered from the services."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.access import Access
from bot.db import Database
from bot.home.messages import home_view
from bot.insights.report import MAX_HOME_PROGRAMS, HomeHeadline
from bot.insights.service import InsightsService
from bot.membership.profiles import MembershipService
from bot.membership.programs import ProgramService, ProgramSummary
from bot.pairing.latest import latest_pairings
from bot.pulse.report import MAX_HOME_SURVEYS
from bot.pulse.results_service import PulseResultsService


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
        insights: InsightsService | None = None,
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
        self._client.views_publish(user_id=user_id, view=self.view_for(team_id, user_id))
