"""Block Kit for the mentorship loop's messages: agreements, goals, feedback, reviews, close-outs.

What people typed is escaped everywhere; user ids Sprout itself knows are written as mentions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks import (
    actions,
    button,
    clip,
    context,
    escape,
    fields,
    header,
    section,
    slack_date,
    to_dicts,
)
from bot.mentoring.pairs import AgreementView, GoalView, Pair
from models import GoalStatus
from models.forms import FeedbackInput

# Buttons and modals; the intro's button is AGREEMENT_FROM_INTRO (its value is the group id).
AGREEMENT_FROM_INTRO = "mentoring.agreement.open"
AGREEMENT_CHANGE = "mentoring.agreement.change"
AGREE = "mentoring.agreement.agree"
AGREEMENT_CALLBACK = "mentoring.agreement"
GOALS_EDIT = "mentoring.goals.edit"
GOALS_CALLBACK = "mentoring.goals"
FEEDBACK_CALLBACK = "mentoring.feedback"
REVIEW_OPEN = "mentoring.review.open"
REVIEW_CALLBACK = "mentoring.review"
CLOSE_OUT_OPEN = "mentoring.closeout.open"
CLOSE_OUT_CALLBACK = "mentoring.closeout"

STATUS_LABELS = {
    GoalStatus.OPEN: "open",
    GoalStatus.MET: "met",
    GoalStatus.PARTLY: "partly met",
    GoalStatus.NOT_MET: "not met",
    GoalStatus.DROPPED: "dropped",
}
GROUND_RULES = (
    "• What we share stays between us.\n"
    "• Either of us may end this at any time: no fault, no explanation needed (`/mentor end`)."
)


def day_text(day: date | None) -> str:
    """A calendar date (a goal's by-when), the same for everyone whatever their zone."""
    return "no date" if day is None else f"{day:%a} {day.day} {day:%b %Y}"


def goal_lines(goals: Sequence[GoalView], *, with_status: bool = True) -> str:
    if not goals:
        return "_No goals yet._"
    lines = []
    for goal in goals:
        status = f" · _{STATUS_LABELS[goal.status]}_" if with_status else ""
        lines.append(
            f"*{goal.position}. {escape(goal.what)}*\n"
            f"How we'll know: {escape(goal.measure)}\n"
            f"By {day_text(goal.due_on)}{status}"
        )
    return "\n\n".join(lines)


def _agreement_body(view: AgreementView) -> list[Any]:
    return [
        section(f"*Our goals*\n{goal_lines(view.goals, with_status=view.accepted)}"),
        fields([("How often we meet", escape(view.cadence)), ("Where", escape(view.channel))]),
        section(f"*Ground rules*\n{GROUND_RULES}"),
    ]


def proposal(view: AgreementView, digest: str) -> tuple[str, list[dict[str, Any]]]:
    """The proposed agreement in the pair's group DM, with Agree for the other side."""
    pair, other = view.pair, view.pair.partner_of(view.proposed_by)
    text = f"<@{view.proposed_by}> proposed your mentoring agreement; <@{other}>, does it work?"
    blocks: list[Any] = [
        header("Proposed: our mentoring agreement"),
        section(
            f"<@{view.proposed_by}> proposed how you'll work together in "
            f"*{escape(pair.program_name)}*. <@{other}>: if this works for you, tap *Agree*. "
            "Want something different? *Suggest changes* opens the same form."
        ),
        *_agreement_body(view),
        actions(
            button("Agree", AGREE, f"{pair.id}:{digest}", style="primary"),
            button("Suggest changes", AGREEMENT_CHANGE, str(pair.id)),
        ),
    ]
    return text, to_dicts(blocks)


def proposal_settled(view: AgreementView) -> tuple[str, list[dict[str, Any]]]:
    """What the proposal becomes once agreed: the same words, no buttons left to press."""
    text = f"Agreed by <@{view.accepted_by}>."
    blocks: list[Any] = [
        header("Agreed: our mentoring agreement"),
        *_agreement_body(view),
        context(f"<@{view.accepted_by}> agreed to this; the agreed version follows below."),
    ]
    return text, to_dicts(blocks)


def agreed(view: AgreementView) -> tuple[str, list[dict[str, Any]]]:
    pair = view.pair
    text = f"<@{pair.mentor_id}> and <@{pair.mentee_id}> have agreed how they'll work together."
    blocks: list[Any] = [
        header("Our mentoring agreement"),
        section(
            f"<@{pair.mentor_id}> and <@{pair.mentee_id}> agreed this in "
            f"*{escape(pair.program_name)}*. Come back to it whenever you meet."
        ),
        *_agreement_body(view),
        context(
            "`/mentor goals` shows your goals and lets either of you update them · "
            "`/mentor feedback @name` sends your partner structured feedback"
        ),
    ]
    return text, to_dicts(blocks)


def goals_updated(
    pair: Pair, actor_id: str, goals: Sequence[GoalView]
) -> tuple[str, list[dict[str, Any]]]:
    text = f"<@{actor_id}> updated your mentoring goals."
    blocks: list[Any] = [
        section(f"<@{actor_id}> updated your goals in *{escape(pair.program_name)}*."),
        section(goal_lines(goals)),
        context("`/mentor goals` shows them any time."),
    ]
    return text, to_dicts(blocks)


def goals_overview(
    pair: Pair, user_id: str, agreement: AgreementView | None
) -> tuple[str, list[dict[str, Any]]]:
    """``/mentor goals``: where the pair's agreement stands, and the way to change it."""
    partner = pair.partner_of(user_id)
    where = f"Your mentorship with <@{partner}> in *{escape(pair.program_name)}*"
    if agreement is None:
        blocks: list[Any] = [
            section(f"{where}: you haven't agreed your goals yet."),
            actions(button("Set up our agreement", AGREEMENT_CHANGE, str(pair.id))),
        ]
        return "You haven't agreed your goals yet.", to_dicts(blocks)
    if not agreement.accepted:
        waiting = agreement.pair.partner_of(agreement.proposed_by)
        who = "you" if waiting == user_id else f"<@{waiting}>"
        blocks = [
            section(
                f"{where}: proposed by <@{agreement.proposed_by}>, waiting for {who} to agree "
                "in your group DM."
            ),
            section(goal_lines(agreement.goals, with_status=False)),
            actions(button("Change the proposal", AGREEMENT_CHANGE, str(pair.id))),
        ]
        return "Your proposed goals", to_dicts(blocks)
    blocks = [
        header("Our goals"),
        context(f"{where} · meeting {escape(agreement.cadence)}, {escape(agreement.channel)}"),
        section(goal_lines(agreement.goals)),
        actions(button("Edit goals", GOALS_EDIT, str(pair.id))),
    ]
    return "Your goals", to_dicts(blocks)


GOALS_SAVED = "Saved. Your partner sees the updated goals in your group DM."
PROPOSED = "Proposed. Your partner sees it in your group DM and can agree there."


# --- feedback -------------------------------------------------------------------------------


def feedback(pair: Pair, sender_id: str, form: FeedbackInput) -> tuple[str, list[dict[str, Any]]]:
    """Feedback as the partner receives it: encouragement first, then the specifics."""
    text = f"<@{sender_id}> sent you some feedback."
    blocks: list[Any] = [
        header("Feedback from your mentoring partner"),
        section(
            f"<@{sender_id}> took a moment to share feedback with you in "
            f"*{escape(pair.program_name)}*. It's meant to help you grow: take what's useful."
        ),
        section(f"*What went well*\n{escape(form.went_well)}"),
        section(f"*The situation*\n{escape(form.situation)}"),
        section(f"*What they noticed*\n{escape(form.behaviour)}"),
        section(f"*The impact*\n{escape(form.impact)}"),
        section(f"*What if you tried…*\n{escape(form.try_next)}"),
        context(
            "Only you received this, and Sprout keeps no copy of these words. "
            "Talk it over at your next meeting."
        ),
    ]
    return text, to_dicts(blocks)


def feedback_sent(partner_id: str) -> str:
    return f"Sent: <@{partner_id}> has your feedback by DM. Sprout keeps no copy of what you wrote."


# --- mid-point review -----------------------------------------------------------------------


def review_ask(pair: Pair, user_id: str) -> tuple[str, list[dict[str, Any]]]:
    partner = pair.partner_of(user_id)
    text = f"You're halfway through your mentorship with <@{partner}>: time for a short review."
    blocks: list[Any] = [
        section(
            f"You're halfway through your mentorship with <@{partner}> in "
            f"*{escape(pair.program_name)}*. Two minutes to re-align: how are your goals "
            "going, what should you keep, and what would you change?"
        ),
        actions(button("Start the review", REVIEW_OPEN, str(pair.id), style="primary")),
        context(
            "Your answers aren't shown to your partner; bring what you like to your next "
            "conversation."
        ),
    ]
    return text, to_dicts(blocks)


def review_done(pair: Pair, user_id: str, rematch: bool, passed_on: bool) -> str:
    partner = pair.partner_of(user_id)
    text = (
        "Thanks for your mid-point review. Your keep and change make a good start for your "
        f"next conversation with <@{partner}>."
    )
    if rematch and not passed_on:
        text += (
            " There's nobody besides your partner to pass your wish for a different match to: "
            "please talk to a workspace admin."
        )
    elif rematch:
        text += (
            " Your wish for a different match went only to the program's owners, who'll be in "
            f"touch; <@{partner}> isn't told."
        )
    return text


def rematch_request(pair: Pair, user_id: str) -> str:
    """For program owners only: who, and which pair; none of the review's other answers."""
    partner = pair.partner_of(user_id)
    since = slack_date(pair.started_at, f"{pair.started_at:%Y-%m-%d}")
    return (
        f"<@{user_id}> would like a different match in *{escape(pair.program_name)}*. They're "
        f"paired with <@{partner}> (since {since}) and said so privately in their mid-point "
        f"review. It's a no-fault request and <@{partner}> hasn't been told. You might talk "
        f"with <@{user_id}>; `/mentor end <@{pair.mentor_id}> <@{pair.mentee_id}>` ends the pair."
    )


# --- close-out ------------------------------------------------------------------------------


def close_out_ask(pair: Pair, user_id: str) -> tuple[str, list[dict[str, Any]]]:
    partner = pair.partner_of(user_id)
    text = f"Your mentorship with <@{partner}> has come to a close: a few words before you go?"
    blocks: list[Any] = [
        section(
            f"Your mentorship with <@{partner}> in *{escape(pair.program_name)}* has come to "
            "a close. Before you go: how did your goals turn out, what helped, and what will "
            "you take with you?"
        ),
        actions(button("Close out", CLOSE_OUT_OPEN, str(pair.id), style="primary")),
        context(
            "Your reflection stays private unless you let program owners quote it. A thank-you "
            f"note, if you write one, goes to <@{partner}>."
        ),
    ]
    return text, to_dicts(blocks)


def thank_you(pair: Pair, sender_id: str, note: str) -> tuple[str, list[dict[str, Any]]]:
    quoted = "\n".join(f"> {line}" for line in escape(clip(note, 2000)).splitlines() or [""])
    text = f"<@{sender_id}> sent you a thank-you note."
    blocks: list[Any] = [
        section(
            f"<@{sender_id}> sent you a thank-you for your mentorship in "
            f"*{escape(pair.program_name)}*:\n{quoted}"
        ),
    ]
    return text, to_dicts(blocks)


def close_out_done(pair: Pair, user_id: str, thanked: bool, quotable: bool) -> str:
    partner = pair.partner_of(user_id)
    parts = ["Thank you for closing out, and for the time you gave this mentorship."]
    if thanked:
        parts.append(f"Your thank-you note is on its way to <@{partner}>.")
    parts.append(
        "Program owners may quote your reflection."
        if quotable
        else "Your reflection stays private: nobody is shown it."
    )
    return " ".join(parts)
