"""/mentor round preview and run, end, avoid; the buttons on introductions and notices."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.errors import NotAllowed, UserFacingError
from bot.pairing import messages
from bot.services import Services
from handlers.guard import guarded
from handlers.payloads import action_id_value, action_value, int_or_none, mentioned_users, who
from handlers.router import CommandContext, Router, UsageError
from models import Answer, Program

log = logging.getLogger(__name__)

ANSWERS = {
    messages.MET: Answer.MET,
    messages.SCHEDULED: Answer.SCHEDULED,
    messages.CANT: Answer.CANT,
}


def register(app: App, router: Router, services: Services) -> None:
    def program_to_run(ctx: CommandContext) -> Program:
        program = services.programs.resolve(ctx.team_id, ctx.args or None)
        if not services.programs.can_run(ctx.team_id, ctx.user_id, program):
            raise NotAllowed(f"Only admins and owners of “{program.name}” can run its rounds.")
        return program

    @router.add("round preview", "[program]", "Show who would meet whom, sending nothing.")
    def preview(ctx: CommandContext) -> None:
        program = program_to_run(ctx)
        plan = services.rounds.plan(ctx.team_id, program.id)
        ctx.respond(text=f"Preview of {program.name}", blocks=messages.preview_blocks(plan))

    @router.add("round run", "[program]", "Start this period's round now.")
    def run(ctx: CommandContext) -> None:
        program = program_to_run(ctx)
        result = services.rounds.run(ctx.team_id, program.id, actor_id=ctx.user_id)
        ctx.respond(text=messages.run_reply(program, result))

    @router.add("end", "[@person]", "End your mentorship (owners: name both people).")
    def end(ctx: CommandContext) -> None:
        people = mentioned_users(ctx.args)
        if ctx.args and not people:
            raise UsageError("Name the person with an @mention: `/mentor end @name`.")
        services.rounds.end_mentorship(ctx.team_id, ctx.user_id, people)
        ctx.respond(text=messages.ENDED_REPLY)

    @router.add("avoid", "[@person]", "Never be paired with someone (only you will know).")
    def avoid(ctx: CommandContext) -> None:
        people = mentioned_users(ctx.args)
        if ctx.args and not people:
            raise UsageError("Name the person with an @mention: `/mentor avoid @name`.")
        for other in people:
            services.rounds.avoid(ctx.team_id, ctx.user_id, other)
        ctx.respond(text=messages.avoided_text(services.rounds.avoided(ctx.team_id, ctx.user_id)))

    @router.add("unavoid", "<@person>", "Allow pairing with someone again.")
    def unavoid(ctx: CommandContext) -> None:
        people = mentioned_users(ctx.args)
        if not people:
            raise UsageError("Name the person with an @mention: `/mentor unavoid @name`.")
        removed = [u for u in people if services.rounds.unavoid(ctx.team_id, ctx.user_id, u)]
        ctx.respond(text="Done." if removed else "You weren't avoiding them; nothing changed.")

    @app.action(messages.MET)
    @app.action(messages.SCHEDULED)
    @app.action(messages.CANT)
    def on_answer(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = who(body)
        action_id = body["actions"][0]["action_id"]
        with guarded(respond=respond):
            group_id = action_id_value(body)
            program = services.rounds.answer(team_id, user_id, group_id, ANSWERS[action_id])
            respond(
                text=messages.answer_text(action_id, program),
                response_type="ephemeral",
                replace_original=False,
            )
            try:
                services.home.publish(team_id, user_id)
            except SlackApiError as error:  # the answer is saved and confirmed; Home catches up
                log.warning("home refresh failed: %s", error.response.get("error"))

    @app.action(messages.SKIP)
    def on_skip(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=respond):
            raw_id, _, period = action_value(body).partition(":")
            program_id = int_or_none(raw_id)
            if program_id is None or not period:
                raise UserFacingError("That button no longer works.")
            program = services.rounds.skip(team_id, user_id, program_id, period)
            respond(replace_original=True, text=messages.skipped_text(program))

    @app.action(messages.GHOST_STAY)
    @app.action(messages.GHOST_PAUSE)
    @app.action(messages.GHOST_LEAVE)
    def on_ghost_choice(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = who(body)
        choice = body["actions"][0]["action_id"]
        with guarded(respond=respond):
            program_id = action_id_value(body)
            program = services.rounds.ghost_choice(team_id, user_id, program_id, choice)
            respond(replace_original=True, text=messages.ghost_choice_text(choice, program))
            services.home.publish(team_id, user_id)
