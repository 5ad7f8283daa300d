"""Event plumbing: each event_id once, and a pointer to /mentor for people who DM Sprout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.services import Services
from bot.slack.delivery import Priority
from handlers.guard import guarded

DM_REPLY = (
    "Hi! I work through the `/mentor` command: `/mentor help` lists what I can do, "
    "and my Home tab shows your programs."
)


def register(app: App, services: Services) -> None:
    @app.middleware
    def handle_each_event_once(
        body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Slack retries an event it thinks we missed; the retry is acknowledged and dropped."""
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            team_id = str(body.get("team_id") or "")
            if not services.events.first_delivery(team_id, str(event_id)):
                return BoltResponse(status=200, body="")
        return next()

    @app.event("message")
    def on_direct_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        # Edits, joins and bot messages carry a subtype or bot_id; only people get an answer.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        with guarded():
            services.outbox.send(
                str(body.get("team_id") or ""),
                f"dm-reply:{body.get('event_id') or event.get('ts')}",
                [str(event.get("user") or "")],
                DM_REPLY,
                priority=Priority.REPLY,
            )
