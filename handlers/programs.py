"""/mentor programs, program new and program edit, with the program modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.membership import messages
from bot.services import Services
from handlers.guard import answer_submission, guarded
from handlers.payloads import int_or_none, metadata, read_values, who
from handlers.router import CommandContext, Router
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
    """The program form, for admins (new) or for admins and the program's owners (edit)."""
    services.programs.check_can_edit(team_id, user_id, program)
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

    @router.add("program edit", "[name]", "Change a program's settings (admins and owners).")
    def edit_program(ctx: CommandContext) -> None:
        program = services.programs.resolve(ctx.team_id, ctx.args or None)
        open_program_modal(services, ctx.client, ctx.team_id, ctx.user_id, ctx.trigger_id, program)

    @app.view(messages.PROGRAM_CALLBACK)
    def on_program_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = who(body)
        program_id = int_or_none(metadata(view).get("program_id"))

        def save() -> Program:
            values = read_values(view)
            values.setdefault("owners", [])
            data = ProgramInput.model_validate(values)
            submission = str(view.get("id"))
            if program_id is None:
                return services.programs.create(team_id, user_id, data, submission=submission)
            return services.programs.update(
                team_id, user_id, program_id, data, submission=submission
            )

        if answer_submission(ack, view, "name", save) is None:
            return
        with guarded():
            services.home.publish(team_id, user_id)
