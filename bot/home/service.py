"""Publishing the App Home tab: what each person sees, gathered from the services."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import Access
from bot.db import Database
from bot.home.messages import home_view
from bot.insights.report import MAX_HOME_PROGRAMS, HomeHeadline
from bot.insights.snapshots import InsightSnapshots
from bot.membership.profiles import MembershipService
from bot.membership.programs import ProgramService, ProgramSummary
from bot.pairing.latest import latest_pairings
from bot.pulse.report import MAX_HOME_SURVEYS
from bot.pulse.results_service import PulseResultsService

log = logging.getLogger(__name__)


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
        """Publish the Home tab; if Slack refuses a chart's file, publish it without that chart.

        A chart file can vanish (deleted in Slack by an admin) or still be in processing; the
        numbers still show. Only a refusal that names the chart blocks is handled here: any
        other is a real error and is raised.
        """
        view = self.view_for(team_id, user_id)
        try:
            self._client.views_publish(user_id=user_id, view=view)
        except SlackApiError as failure:
            refused = refused_images(view["blocks"], failure)
            if not refused:
                raise
            log.warning("Home charts refused by Slack: %s", sorted(refused.values()))
            if self._insights is not None:
                for file_id in refused.values():
                    self._insights.forget_refused_chart(team_id, file_id)
            blocks = [b for i, b in enumerate(view["blocks"]) if i not in refused]
            self._client.views_publish(user_id=user_id, view={**view, "blocks": blocks})


#: Slack's complaint about an image's file: "[ERROR] invalid slack file [json-pointer:...]".
_REFUSED_FILE = re.compile(r"invalid slack file \[json-pointer:/view/blocks/(\d+)/slack_file\]")


def refused_images(blocks: list[dict[str, Any]], failure: SlackApiError) -> dict[int, str]:
    """The image blocks (index: file id) whose ``slack_file`` Slack said it can't show."""
    messages = (failure.response.get("response_metadata") or {}).get("messages") or []
    found: dict[int, str] = {}
    for message in messages:
        match = _REFUSED_FILE.search(str(message))
        if match is None:
            continue
        index = int(match.group(1))
        if index < len(blocks) and blocks[index].get("type") == "image":
            reference = blocks[index].get("slack_file") or {}
            if isinstance(reference.get("id"), str):
                found[index] = reference["id"]
    return found
