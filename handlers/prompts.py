"""/mentor prompt, prompt add and prompt list, with the add-a-prompt modal."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.prompts import messages
from bot.prompts.library import parse_choice
from bot.prompts.service import PromptInput
from bot.services import Services
from handlers.guard import answer_submission
from handlers.payloads import mentioned_users, read_values, who
from handlers.router import CommandContext, Router, UsageError

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def register(app: App, router: Router, services: Services) -> None:
    @router.add(
        "prompt",
        "[stage or practice] [@partner]",
        "A conversation prompt now; in a mentorship, one the two of you haven't had.",
    )
    def prompt(ctx: CommandContext) -> None:
        partners = mentioned_users(ctx.args)
        words = " ".join(_MENTION.sub(" ", ctx.args).split())
        try:
            choice = parse_choice(words)
        except LookupError:
            raise UsageError(messages.unknown_choice_text(words)) from None
        drawn = services.prompts.on_demand(ctx.team_id, ctx.user_id, choice, partners)
        text, blocks = messages.prompt_reply(drawn)
        ctx.respond(text=text, blocks=blocks)

    @router.add("prompt add", "", "Add a prompt to this workspace's library.", admin=True)
    def add(ctx: CommandContext) -> None:
        services.prompts.check_can_edit(ctx.team_id, ctx.user_id)
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=messages.add_modal())

    @router.add(
        "prompt list", "", "Count the prompts per stage; list this workspace's own.", admin=True
    )
    def list_prompts(ctx: CommandContext) -> None:
        overview = services.prompts.overview(ctx.team_id, ctx.user_id)
        ctx.respond(text="Prompt library", blocks=messages.overview_blocks(overview))

    @app.view(messages.ADD_CALLBACK)
    def on_add_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = who(body)

        def save() -> object:
            data = PromptInput.model_validate(read_values(view))
            return services.prompts.add(team_id, user_id, data, submission=str(view.get("id")))

        answer_submission(ack, view, "text", save)
