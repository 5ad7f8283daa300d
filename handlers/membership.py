"""/mentor join, profile, edit, pause, resume, leave and forget-me, with their modal and buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.errors import UserFacingError
from bot.membership import messages
from bot.membership.pauses import pause_end
from bot.services import Services
from handlers.guard import answer_submission, guarded
from handlers.payloads import action_id_value, int_or_none, metadata, read_values, who
from handlers.router import CommandContext, Router, UsageError
from models import Program

log = logging.getLogger(__name__)


def open_join_modal(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    trigger_id: str,
    program: Program,
) -> None:
    """Open the profile form, prefilled when the person is already in the program."""
    services.memberships.check_can_join(team_id, user_id, program)
    existing = services.memberships.active_membership(team_id, user_id, program.id)
    client.views_open(trigger_id=trigger_id, view=messages.join_modal(program, existing))


def register(app: App, router: Router, services: Services) -> None:
    @router.add("join", "[program]", "Join a program and fill in your profile.")
    def join(ctx: CommandContext) -> None:
        program = services.programs.resolve(ctx.team_id, ctx.args or None)
        open_join_modal(services, ctx.client, ctx.team_id, ctx.user_id, ctx.trigger_id, program)

    @router.add("edit", "[program]", "Change your profile in a program.")
    def edit(ctx: CommandContext) -> None:
        profile = services.memberships.profile(ctx.team_id, ctx.user_id)
        program = services.programs.resolve(
            ctx.team_id, ctx.args or None, among=[m.program for m in profile.memberships]
        )
        open_join_modal(services, ctx.client, ctx.team_id, ctx.user_id, ctx.trigger_id, program)

    @router.add("profile", "", "Show your programs, roles and status.")
    def profile(ctx: CommandContext) -> None:
        mine = services.memberships.profile(ctx.team_id, ctx.user_id)
        ctx.respond(text="Your Sprout profile", blocks=messages.profile_blocks(mine))

    @router.add("pause", "[2w | 10d | until YYYY-MM-DD]", "Pause matches and messages.")
    def pause(ctx: CommandContext) -> None:
        person = services.memberships.profile(ctx.team_id, ctx.user_id).person
        timezone = person.timezone if person else "UTC"
        try:
            until = pause_end(ctx.args, timezone, services.clock.now())
        except UserFacingError as error:
            raise UsageError(error.message) from None
        paused = services.memberships.pause(ctx.team_id, ctx.user_id, until)
        ctx.respond(text=messages.paused_text(until, paused.timezone))
        services.home.publish(ctx.team_id, ctx.user_id)

    @router.add("resume", "", "End a pause.")
    def resume(ctx: CommandContext) -> None:
        lifted = services.memberships.resume(ctx.team_id, ctx.user_id)
        ctx.respond(text="Welcome back: you're active again." if lifted else "You weren't paused.")
        services.home.publish(ctx.team_id, ctx.user_id)

    @router.add("leave", "[program]", "Leave a program (asks first).")
    def leave(ctx: CommandContext) -> None:
        profile = services.memberships.profile(ctx.team_id, ctx.user_id)
        program = services.programs.resolve(
            ctx.team_id, ctx.args or None, among=[m.program for m in profile.memberships]
        )
        ctx.respond(text="Leave?", blocks=messages.leave_confirmation(program))

    @router.add("forget-me", "", "Delete everything Sprout holds about you (asks first).")
    def forget_me(ctx: CommandContext) -> None:
        ctx.respond(text="Delete everything?", blocks=messages.forget_confirmation())

    @app.view(messages.JOIN_CALLBACK)
    def on_join_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = who(body)
        program_id = int_or_none(metadata(view).get("program_id")) or 0

        def save() -> tuple[Program, bool]:
            program = services.programs.get(team_id, program_id)
            _, newly = services.memberships.submit_profile(
                team_id, user_id, program, read_values(view), submission=str(view.get("id"))
            )
            log.info("profile saved: program=%d user=%s new=%s", program.id, user_id, newly)
            return program, newly

        if answer_submission(ack, view, "offers", save) is None:
            return
        with guarded():
            services.home.publish(team_id, user_id)

    @app.action(messages.LEAVE_CONFIRM)
    def on_leave_confirmed(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=respond):
            program = services.memberships.leave(team_id, user_id, action_id_value(body))
            respond(
                replace_original=True,
                text=f"You left *{program.name}*. `/mentor join {program.name}` brings you back.",
            )
            services.home.publish(team_id, user_id)

    @app.action(messages.LEAVE_CANCEL)
    def on_leave_cancelled(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text="Good: you're still in.")

    @app.action(messages.FORGET_CONFIRM)
    def on_forget_confirmed(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=respond):
            services.memberships.forget(team_id, user_id)
            services.people.forget(team_id, user_id)
            respond(
                replace_original=True,
                text="Done: Sprout holds nothing about you any more. "
                "`/mentor join` if you ever want to come back.",
            )
            services.home.publish(team_id, user_id)

    @app.action(messages.FORGET_CANCEL)
    def on_forget_cancelled(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text="Nothing was deleted.")
