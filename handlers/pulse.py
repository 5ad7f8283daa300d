"""/mentor pulse new, list and stop; the "Answer anonymously" button and the answer modal.

Nothing here logs an answer, or even that someone answered: the only record of it is the
ballot itself (bot.pulse.ballots), which names nobody.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.pulse import messages
from bot.pulse.ballots import AlreadyAnswered, WaveClosed
from bot.services import Services
from handlers.guard import answer_submission, guarded
from handlers.payloads import action_id_value, int_or_none, metadata, read_values, who
from handlers.router import CommandContext, Router, UsageError

log = logging.getLogger(__name__)


def register(app: App, router: Router, services: Services) -> None:
    pulses = services.pulses

    def ephemeral(respond: Respond, text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    @router.add("pulse new", "", "Create an anonymous pulse survey for a program.", admin=True)
    def new(ctx: CommandContext) -> None:
        form = pulses.new_form(ctx.team_id, ctx.user_id)
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=messages.survey_modal(form))

    @router.add("pulse list", "", "List pulse surveys and how their waves went.", admin=True)
    def list_surveys(ctx: CommandContext) -> None:
        summaries = pulses.summaries(ctx.team_id, ctx.user_id)
        ctx.respond(text="Pulse surveys", blocks=messages.survey_list(summaries))

    @router.add("pulse stop", "<name>", "Stop a pulse survey: no more waves.", admin=True)
    def stop(ctx: CommandContext) -> None:
        if not ctx.args:
            raise UsageError("Name the pulse to stop: `/mentor pulse stop <name>`.")
        survey = pulses.stop(ctx.team_id, ctx.user_id, ctx.args)
        ctx.respond(text=messages.survey_stopped(survey))

    @app.view(messages.NEW_CALLBACK)
    def on_new_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = who(body)
        answer_submission(
            ack,
            view,
            "name",
            lambda: pulses.create(
                team_id, user_id, read_values(view), submission=str(view.get("id"))
            ),
        )

    @app.action(messages.ANSWER)
    def on_answer(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        with guarded(respond=lambda **kw: ephemeral(respond, kw["text"])):
            try:
                form = pulses.waves.form(team_id, user_id, action_id_value(body))
            except WaveClosed:
                # The button says so from now on: the DM loses it.
                text, blocks = messages.closed_dm()
                respond(text=text, blocks=blocks, replace_original=True)
                return
            except AlreadyAnswered as refusal:
                ephemeral(respond, refusal.message)
                return
            client.views_open(
                trigger_id=str(body.get("trigger_id") or ""), view=messages.answer_modal(form)
            )

    @app.view(messages.ANSWER_CALLBACK)
    def on_answers(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = who(body)
        wave_id = int_or_none(metadata(view).get("wave_id")) or 0
        said: list[str] = []

        def save() -> None:
            try:
                pulses.waves.answer(team_id, user_id, wave_id, read_values(view))
            except (AlreadyAnswered, WaveClosed) as refusal:
                said.append(refusal.message)  # said in place of the form, politely
            else:
                said.append(messages.THANKS)

        def acknowledge(**errors: Any) -> None:
            """Saved (or politely refused): the modal turns into one line, never the answers."""
            if errors:
                ack(**errors)
            else:
                ack(response_action="update", view=messages.answered_view(said[-1]))

        first = next(
            (b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"),
            "q0",
        )
        answer_submission(acknowledge, view, str(first), save)
