"""/mentor goals and feedback; the agreement, review and close-out buttons and their modals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.errors import UserFacingError
from bot.mentoring import messages, modals
from bot.services import Services
from handlers.guard import answer_submission, guarded
from handlers.payloads import (
    action_id_value,
    action_value,
    int_or_none,
    mentioned_users,
    metadata,
    read_values,
    who,
)
from handlers.router import CommandContext, Router, UsageError

log = logging.getLogger(__name__)


def _mentorship_id(view: dict[str, Any]) -> int:
    return int_or_none(metadata(view).get("mentorship_id")) or 0


def _one_person(ctx: CommandContext, usage: str, *, required: bool) -> str | None:
    people = mentioned_users(ctx.args)
    if (ctx.args or required) and len(people) != 1:
        raise UsageError(f"Name one person with an @mention: `{usage}`.")
    return people[0] if people else None


@contextmanager
def _clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> Iterator[tuple[str, str]]:
    """Ack a click and give who made it (team, user); a refusal or failure in the block is
    answered to them alone, leaving the message they clicked as it was."""
    ack()
    clicker = who(body)
    with guarded(
        respond=lambda **kw: respond(
            text=kw["text"], blocks=None, response_type="ephemeral", replace_original=False
        )
    ):
        yield clicker


def _save(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    fallback_block: str,
    save: Callable[[str, str, int, dict[str, Any]], object],
) -> None:
    """A modal about one mentorship: ``save(team, user, mentorship id, values)`` before the ack,
    so that whatever it refuses shows inline."""
    team_id, user_id = who(body)
    answer_submission(
        ack,
        view,
        fallback_block,
        lambda: save(team_id, user_id, _mentorship_id(view), read_values(view)),
    )


def register(app: App, router: Router, services: Services) -> None:
    mentoring = services.mentoring

    @router.add("goals", "[@person]", "Show and update the goals you agreed with your partner.")
    def goals(ctx: CommandContext) -> None:
        partner = _one_person(ctx, "/mentor goals @name", required=False)
        overview = mentoring.goals.overview(ctx.team_id, ctx.user_id, partner)
        text, blocks = messages.goals_overview(overview.pair, ctx.user_id, overview.agreement)
        ctx.respond(text=text, blocks=blocks)

    @router.add("feedback", "<@person>", "Send your mentoring partner structured feedback.")
    def feedback(ctx: CommandContext) -> None:
        partner = _one_person(ctx, "/mentor feedback @name", required=True)
        assert partner is not None
        pair = mentoring.feedback.pair_with(ctx.team_id, ctx.user_id, partner)
        ctx.client.views_open(
            trigger_id=ctx.trigger_id, view=modals.feedback_modal(pair, ctx.user_id)
        )

    # -- the kick-off agreement ----------------------------------------------------------

    @app.action(messages.AGREEMENT_FROM_INTRO)
    def on_agreement_from_intro(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        with _clicked(ack, body, respond) as (team_id, user_id):
            form = mentoring.agreements.form_for_group(team_id, user_id, action_id_value(body))
            view = modals.agreement_modal(form.pair, user_id, form.draft, form.last_day)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(messages.AGREEMENT_CHANGE)
    def on_agreement_change(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        with _clicked(ack, body, respond) as (team_id, user_id):
            form = mentoring.agreements.form(team_id, user_id, action_id_value(body))
            view = modals.agreement_modal(form.pair, user_id, form.draft, form.last_day)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(messages.AGREEMENT_CALLBACK)
    def on_agreement_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _save(
            ack,
            body,
            view,
            "goal1_what",
            partial(mentoring.agreements.propose, submission=str(view.get("id"))),
        )

    @app.action(messages.AGREE)
    def on_agree(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        with _clicked(ack, body, respond) as (team_id, user_id):
            raw_id, _, digest = action_value(body).partition(":")
            mentorship_id = int_or_none(raw_id)
            if mentorship_id is None or not digest:
                raise UserFacingError("That button no longer works.")
            agreed = mentoring.agreements.accept(team_id, user_id, mentorship_id, digest)
            text, blocks = messages.proposal_settled(agreed)
            respond(text=text, blocks=blocks, replace_original=True)

    # -- goals after the agreement -------------------------------------------------------

    @app.action(messages.GOALS_EDIT)
    def on_goals_edit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        with _clicked(ack, body, respond) as (team_id, user_id):
            form = mentoring.goals.form(team_id, user_id, action_id_value(body))
            view = modals.goals_modal(form.pair, form.goals, form.last_day)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(messages.GOALS_CALLBACK)
    def on_goals_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _save(
            ack,
            body,
            view,
            "goal1_what",
            partial(mentoring.goals.save, submission=str(view.get("id"))),
        )

    # -- feedback ------------------------------------------------------------------------

    @app.view(messages.FEEDBACK_CALLBACK)
    def on_feedback_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _save(
            ack,
            body,
            view,
            "situation",
            partial(mentoring.feedback.send, submission=str(view.get("id"))),
        )

    # -- mid-point review and close-out --------------------------------------------------

    @app.action(messages.REVIEW_OPEN)
    def on_review_open(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        with _clicked(ack, body, respond) as (team_id, user_id):
            form = mentoring.reviews.form(team_id, user_id, action_id_value(body))
            view = modals.review_modal(form.pair, user_id, form.goals)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(messages.REVIEW_CALLBACK)
    def on_review_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _save(ack, body, view, "keep", mentoring.reviews.submit)

    @app.action(messages.CLOSE_OUT_OPEN)
    def on_close_out_open(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        with _clicked(ack, body, respond) as (team_id, user_id):
            form = mentoring.closeouts.form(team_id, user_id, action_id_value(body))
            view = modals.close_out_modal(form.pair, form.goals)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(messages.CLOSE_OUT_CALLBACK)
    def on_close_out_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _save(ack, body, view, "helped", mentoring.closeouts.submit)
