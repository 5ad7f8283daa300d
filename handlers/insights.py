"""/mentor report and the Home tab's "Send me the report with charts": insights into the DM."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.blocks import clip
from bot.insights import report
from bot.services import Services
from bot.slack.delivery import Priority
from handlers.guard import guarded
from handlers.payloads import action_id_value, who
from handlers.router import CommandContext, Router, UsageError

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
USAGE = "`/mentor report [program] [since YYYY-MM-DD]`"


def parse_report_args(args: str) -> tuple[str | None, date | None]:
    """``[program] [since YYYY-MM-DD]`` as (program name, first day); a bad date is refused.

    Everything after the last word ``since`` is the date, so "Mentoring since 1 March" is
    explained rather than taken for a program's name.
    """
    words = args.split()
    marks = [i for i, word in enumerate(words) if word.casefold() == "since"]
    if not marks:
        return " ".join(words) or None, None
    name, day = " ".join(words[: marks[-1]]) or None, " ".join(words[marks[-1] + 1 :])
    if not day:
        raise UsageError(f"Add the first day after `since`: {USAGE}.")
    try:
        if not ISO_DAY.fullmatch(day):
            raise ValueError(day)
        return name, date.fromisoformat(day)
    except ValueError:
        raise UsageError(
            f"“{clip(day, 20)}” isn't a date I can read: write it as YYYY-MM-DD, {USAGE}."
        ) from None


def register(app: App, router: Router, services: Services) -> None:
    @router.add(
        "report",
        "[program] [since YYYY-MM-DD]",
        "A program's insights (meetings, check-ins, goals, impact, pulse, reflections) with "
        "charts, sent to your DM (admins and the program's owners).",
    )
    def send_report(ctx: CommandContext) -> None:
        name, since = parse_report_args(ctx.args)
        insights = services.insights
        program = insights.choose(ctx.team_id, ctx.user_id, name)
        insights.window_start(program, since)  # a day to come is refused before we start
        ctx.respond(text=report.SENDING)
        insights.send(ctx.team_id, ctx.user_id, program.id, since, request=ctx.trigger_id)

    def tell(body: dict[str, Any]) -> Callable[..., None]:
        """Home has no response_url: a refusal goes to the person's DM, once per click."""
        team_id, user_id = who(body)

        def reply(text: str, **_: Any) -> None:
            click = body.get("trigger_id") or body.get("actions", [{}])[0].get("action_ts")
            services.outbox.send(
                team_id, f"home-reply:{click}", [user_id], text, priority=Priority.REPLY
            )

        return reply

    @app.action(report.SEND_REPORT)
    def on_send_report(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=tell(body)):
            request = str(body.get("trigger_id") or body["actions"][0].get("action_ts") or "")
            services.insights.send(team_id, user_id, action_id_value(body), None, request=request)
