"""The App Home tab: published when opened, and its buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import home
from bot.services import Services
from bot.slack.delivery import Priority
from handlers.guard import guarded
from handlers.membership import open_join_modal
from handlers.payloads import action_id_value, who
from handlers.programs import open_program_modal
from models import Program


def register(app: App, services: Services) -> None:
    def tell(body: dict[str, Any]) -> Callable[..., None]:
        """Home has no response_url: problems go to the person's DM with Sprout, once a click."""
        team_id, user_id = who(body)

        def reply(text: str, **_: Any) -> None:
            click = body.get("trigger_id") or body.get("actions", [{}])[0].get("action_ts")
            services.outbox.send(
                team_id, f"home-reply:{click}", [user_id], text, priority=Priority.REPLY
            )

        return reply

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        with guarded():
            services.home.publish(str(body.get("team_id") or ""), str(event.get("user") or ""))

    def program_from(body: dict[str, Any], team_id: str) -> Program:
        return services.programs.get(team_id, action_id_value(body))

    @app.action(home.JOIN)
    @app.action(home.EDIT_PROFILE)
    def on_join_or_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=tell(body)):
            program = program_from(body, team_id)
            open_join_modal(services, client, team_id, user_id, body["trigger_id"], program)

    @app.action(home.LEAVE)
    def on_leave(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=tell(body)):
            services.memberships.leave(team_id, user_id, program_from(body, team_id).id)
            services.home.publish(team_id, user_id)

    @app.action(home.PAUSE)
    def on_pause(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=tell(body)):
            services.memberships.pause(team_id, user_id, None)
            services.home.publish(team_id, user_id)

    @app.action(home.RESUME)
    def on_resume(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=tell(body)):
            services.memberships.resume(team_id, user_id)
            services.home.publish(team_id, user_id)

    @app.action(home.PROGRAM_EDIT)
    @app.action(home.PROGRAM_NEW)
    def on_program_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=tell(body)):
            editing = body["actions"][0]["action_id"] == home.PROGRAM_EDIT
            program = program_from(body, team_id) if editing else None
            open_program_modal(services, client, team_id, user_id, body["trigger_id"], program)
