"""/mentor programs, program new and program edit, with the program modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import NotAllowed
from bot.membership import messages
from bot.services import Services
from handlers.guard import REFUSED_SUBMISSION, guarded, inline_errors
from handlers.payloads import int_or_none, metadata, read_values, who
from handlers.router import CommandContext, Router, UsageError
from models import Program
from models.forms import ProgramInput


def open_program_modal(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    trigger_id: str,
    program: Program | None,
) -> None:
    """The program form: creating needs an admin, editing an admin or the program's owner."""
    if program is None:
        if not services.access.is_admin(team_id, user_id):
            raise NotAllowed("Creating programs is for Sprout admins.")
    elif not services.access.can_run(team_id, user_id, program):
        raise NotAllowed(f"Only admins and owners of “{program.name}” can edit it.")
    person = services.people.lookup(team_id, user_id)
    timezone = person.timezone if person else "UTC"
    client.views_open(trigger_id=trigger_id, view=messages.program_modal(program, timezone))


def register(app: App, router: Router, services: Services) -> None:
    @router.add("programs", "", "List programs with their participant counts.")
    def list_programs(ctx: CommandContext) -> None:
        summaries = services.programs.summaries(ctx.team_id)
        ctx.respond(text="Programs", blocks=messages.programs_blocks(summaries))

    @router.add("program new", "", "Create a program.", admin=True)
    def new_program(ctx: CommandContext) -> None:
        open_program_modal(services, ctx.client, ctx.team_id, ctx.user_id, ctx.trigger_id, None)

    @router.add("program edit", "<name>", "Change a program's settings (admins and owners).")
    def edit_program(ctx: CommandContext) -> None:
        if not ctx.args:
            raise UsageError("Which program? `/mentor program edit <name>`.")
        program = services.programs.resolve(ctx.team_id, ctx.args)
        open_program_modal(services, ctx.client, ctx.team_id, ctx.user_id, ctx.trigger_id, program)

    @app.view(messages.PROGRAM_CALLBACK)
    def on_program_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = who(body)
        program_id = int_or_none(metadata(view).get("program_id"))
        values = read_values(view)
        values["owners"] = values.get("owners") or []
        try:
            data = ProgramInput.model_validate(values)
            if program_id is None:
                if not services.access.is_admin(team_id, user_id):
                    raise NotAllowed("Creating programs is for Sprout admins.")
                program = services.programs.create(team_id, data)
            else:
                current = services.programs.get(team_id, program_id)
                if not services.access.can_run(team_id, user_id, current):
                    raise NotAllowed("Only admins and this program's owners can edit it.")
                program = services.programs.update(team_id, program_id, data)
        except REFUSED_SUBMISSION as error:
            ack(response_action="errors", errors=inline_errors(error, "name"))
            return
        ack()
        with guarded():
            services.client.chat_postMessage(
                channel=user_id, text=messages.program_saved_text(program, program_id is None)
            )
            services.home.publish(team_id, user_id)
