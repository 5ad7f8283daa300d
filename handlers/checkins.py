"""The check-in DM's buttons and its modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.checkins import messages
from bot.checkins.forms import parse_answer
from bot.checkins.service import CheckInView
from bot.services import Services
from handlers.guard import answer_submission, guarded
from handlers.payloads import action_id_value, int_or_none, metadata, read_values, who

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(messages.MET)
    @app.action(messages.RESCHEDULED)
    @app.action(messages.NOT_MET)
    def on_quick_answer(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = who(body)
        answer = messages.ANSWERS[body["actions"][0]["action_id"]]
        with guarded(respond=_refusal(respond)):
            check_in_id = action_id_value(body)
            view = services.checkins.record_met(team_id, user_id, check_in_id, answer)
            text, blocks = messages.recorded(view)
            respond(replace_original=True, text=text, blocks=blocks)

    @app.action(messages.MORE)
    def on_more(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=_refusal(respond)):
            view = services.checkins.view(team_id, user_id, action_id_value(body))
            container = body.get("container") or {}
            client.views_open(
                trigger_id=str(body.get("trigger_id") or ""),
                view=messages.modal(
                    view,
                    channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
                    ts=container.get("message_ts") or (body.get("message") or {}).get("ts"),
                ),
            )

    @app.view(messages.CALLBACK)
    def on_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = who(body)
        meta = metadata(view)
        check_in_id = int_or_none(meta.get("check_in_id")) or 0

        def save() -> CheckInView:
            answer = parse_answer(read_values(view))
            return services.checkins.answer(
                team_id, user_id, check_in_id, answer, submission=str(view.get("id"))
            )

        saved = answer_submission(ack, view, "met", save)
        if saved is None:
            return
        log.info("check-in %d answered", check_in_id)
        channel, ts = meta.get("channel"), meta.get("ts")
        if channel and ts:
            with guarded():
                text, blocks = messages.saved(saved)
                client.chat_update(channel=str(channel), ts=str(ts), text=text, blocks=blocks)


def _refusal(respond: Respond) -> Any:
    """Refusals go to the person alone, and leave the check-in DM as it was."""

    def tell(text: str, **_: Any) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    return tell
