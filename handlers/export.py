"""/mentor export: a program's CSV files, uploaded into the requester's DM."""

from __future__ import annotations

from slack_bolt import App

from bot.insights.export_service import sent_text
from bot.services import Services
from handlers.router import CommandContext, Router


def register(app: App, router: Router, services: Services) -> None:
    @router.add(
        "export",
        "[program]",
        "A program's data as CSV files, sent to your DM (admins and the program's owners).",
    )
    def export(ctx: CommandContext) -> None:
        sent = services.exports.send(ctx.team_id, ctx.user_id, ctx.args or None)
        ctx.respond(text=sent_text(sent))
