"""/mentor pulse results and the Home tab's "Send me the charts": results into the person's DM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.pulse import report
from bot.pulse.results import answer_threshold
from bot.services import Services
from bot.slack.delivery import Priority
from handlers.guard import guarded
from handlers.payloads import action_id_value, who
from handlers.router import CommandContext, Router


def register(app: App, router: Router, services: Services) -> None:
    @router.add(
        "pulse results",
        "[survey]",
        "A pulse survey's chart and numbers, sent to your DM (admins and the program's owners).",
    )
    def results(ctx: CommandContext) -> None:
        choice = services.pulse_results.choose(ctx.team_id, ctx.user_id, ctx.args or None)
        sent = services.pulse_results.send(
            ctx.team_id, ctx.user_id, choice.survey.id, request=ctx.trigger_id
        )
        others = [] if ctx.args else [s.name for s in choice.others]
        k = answer_threshold(choice.survey)
        ctx.respond(text=report.sent_text(sent.survey_name, sent.file_id is not None, others, k))

    def tell(body: dict[str, Any]) -> Callable[..., None]:
        """Home has no response_url: a refusal goes to the person's DM, once per click."""
        team_id, user_id = who(body)

        def reply(text: str, **_: Any) -> None:
            click = body.get("trigger_id") or body.get("actions", [{}])[0].get("action_ts")
            services.outbox.send(
                team_id, f"home-reply:{click}", [user_id], text, priority=Priority.REPLY
            )

        return reply

    @app.action(report.SEND_CHARTS)
    def on_send_charts(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=tell(body)):
            request = str(body.get("trigger_id") or body["actions"][0].get("action_ts") or "")
            services.pulse_results.send(team_id, user_id, action_id_value(body), request=request)
