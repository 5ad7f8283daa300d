"""Block Kit for check-ins: the DM, its reminder, the modal, confirmations, help and digests."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import actions, button, clip, context, escape, header, options, section, to_dicts
from bot.checkins.digest import MIN_ANSWERS, STALLED_AFTER, WEEKS
from bot.checkins.forms import GOAL_PREFIX, MAX_HELP_TEXT, MAX_NOTE
from bot.insights.report import headline_text
from models import GoalProgressLevel, MeetingAnswer, Program

if TYPE_CHECKING:
    from bot.checkins.digest import Digest
    from bot.checkins.service import CheckInView

MET = "checkins.met"
RESCHEDULED = "checkins.rescheduled"
NOT_MET = "checkins.not_met"
MORE = "checkins.more"
CALLBACK = "checkins.answer"

#: The quick buttons and what each records.
QUICK = (
    (MET, "We met", MeetingAnswer.MET),
    (RESCHEDULED, "Rescheduled", MeetingAnswer.RESCHEDULED),
    (NOT_MET, "Not yet", MeetingAnswer.NOT_MET),
)
ANSWERS = {action: answer for action, _, answer in QUICK}
MET_LABELS = {
    MeetingAnswer.MET: "We met",
    MeetingAnswer.RESCHEDULED: "We rescheduled",
    MeetingAnswer.NOT_MET: "Not yet",
}
RECORDED = {
    MeetingAnswer.MET: "you met",
    MeetingAnswer.RESCHEDULED: "you rescheduled",
    MeetingAnswer.NOT_MET: "you haven't met yet",
}
USEFULNESS = {
    1: "1 · not useful",
    2: "2 · a little useful",
    3: "3 · useful",
    4: "4 · very useful",
    5: "5 · extremely useful",
}
PROGRESS = {
    GoalProgressLevel.NOT_STARTED: "Not started",
    GoalProgressLevel.ON_TRACK: "On track",
    GoalProgressLevel.BEHIND: "Behind",
    GoalProgressLevel.DONE: "Done",
}
HELP_OPTION = "I'd like help from the program owner"
PRIVACY = (
    "Your answers are yours: your partner never sees them, and program owners see only "
    "totals, plus whatever you choose to share when you ask for help."
)
MAX_STALLED_LISTED = 40


def _since(view: CheckInView) -> str:
    return "you were introduced" if view.first else "your last check-in"


def _buttons(view: CheckInView) -> Any:
    return actions(
        *(button(label, action, str(view.id)) for action, label, _ in QUICK),
        button("Tell us more", MORE, str(view.id), style="primary"),
    )


def _prompt(view: CheckInView) -> Any:
    if not view.prompt:
        return None
    return section(f"*For your next conversation:* {escape(view.prompt)}")


def _title(view: CheckInView) -> Any:
    return header(f"Check-in · {view.program_name}")


def check_in_dm(view: CheckInView) -> tuple[str, list[dict[str, Any]]]:
    """The scheduled DM: did you meet, one tap to answer, a button for more."""
    partner = f"<@{view.partner_id}>"
    text = f"Check-in: did you and {partner} meet since {_since(view)}?"
    blocks = [
        _title(view),
        section(
            f"Time for a quick check-in on your mentorship with {partner} in "
            f"*{escape(view.program_name)}*. *Did you meet since {_since(view)}?*"
        ),
        _buttons(view),
        _prompt(view),
        context(PRIVACY),
    ]
    return text, to_dicts(b for b in blocks if b is not None)


def reminder_dm(view: CheckInView) -> tuple[str, list[dict[str, Any]]]:
    """The single reminder, a couple of days later, with the same buttons."""
    partner = f"<@{view.partner_id}>"
    text = f"A gentle reminder: your check-in on your mentorship with {partner} is still open."
    blocks = [
        section(
            f"A gentle reminder: your check-in on your mentorship with {partner} in "
            f"*{escape(view.program_name)}* is still open. *Did you meet since {_since(view)}?*"
        ),
        _buttons(view),
        context("This is the only reminder. " + PRIVACY),
    ]
    return text, to_dicts(blocks)


def recorded(view: CheckInView) -> tuple[str, list[dict[str, Any]]]:
    """What replaces the DM after a one-tap answer: what was noted, and a way to add more."""
    noted = RECORDED[view.met] if view.met else "your answer"
    text = f"Noted: {noted}. Thank you!"
    blocks = [
        _title(view),
        section(
            f"Noted: *{noted}* since {_since(view)}. Thank you! Want to say how useful it "
            "was, how your goals are going, or ask the program owner for help?"
        ),
        actions(button("Tell us more", MORE, str(view.id), style="primary")),
        _prompt(view),
        context(PRIVACY),
    ]
    return text, to_dicts(b for b in blocks if b is not None)


def saved(view: CheckInView) -> tuple[str, list[dict[str, Any]]]:
    """What replaces the DM once the modal is saved. It never repeats the note."""
    lines = []
    if view.met:
        lines.append(f"• Since {_since(view)}: {MET_LABELS[view.met].lower()}")
    if view.usefulness:
        lines.append(f"• How useful: {view.usefulness} of 5")
    rated = [g for g in view.goals if g.progress is not None]
    if rated:
        lines.append(f"• Goals: progress noted on {len(rated)} of {len(view.goals)}")
    if view.note:
        lines.append("• Your note is saved; only you can see it.")
    if view.help_unsent:
        lines.append(
            "• Your help request was *not sent*: this program has no owner or admin besides "
            "you and your partner, so there's nobody else Sprout could ask. Nothing you wrote "
            "for them was shared or kept."
        )
    elif view.help_requested:
        lines.append(
            "• The program owner has been asked to get in touch; they got only what you "
            "wrote for them."
        )
    text = "Thanks: your check-in is saved."
    blocks = [
        _title(view),
        section("*Thanks: your check-in is saved.*\n" + "\n".join(lines)),
        actions(button("Change my answers", MORE, str(view.id))),
        _prompt(view),
        context(PRIVACY),
    ]
    return text, to_dicts(b for b in blocks if b is not None)


def modal(view: CheckInView, *, channel: str | None, ts: str | None) -> dict[str, Any]:
    """The full check-in: met, usefulness, each goal's progress, a note, and a help request.

    ``channel`` and ``ts`` name the DM to update once it's saved.
    """
    met_options = options((MET_LABELS[a], a.value) for a in MeetingAnswer)
    useful_options = options((label, str(n)) for n, label in USEFULNESS.items())
    progress_options = options((label, level.value) for level, label in PROGRESS.items())
    help_option = options([(HELP_OPTION, "yes")])
    blocks: list[Any] = [
        section(
            f"Your check-in on your mentorship with <@{view.partner_id}> in "
            f"*{escape(view.program_name)}*."
        ),
        InputBlock(
            block_id="met",
            label=f"Did you meet since {_since(view)}?",
            element=RadioButtonsElement(
                action_id="met",
                options=met_options,
                initial_option=_pick(met_options, view.met.value if view.met else None),
            ),
        ),
        _usefulness(view, useful_options),
    ]
    for goal in view.goals:
        block_id = f"{GOAL_PREFIX}{goal.id}"
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=clip(f"Goal: {goal.what}", 150),
                optional=True,
                element=StaticSelectElement(
                    action_id=block_id,
                    placeholder="How is it going?",
                    options=progress_options,
                    initial_option=_pick(
                        progress_options, goal.progress.value if goal.progress else None
                    ),
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id="note",
            label="A note",
            optional=True,
            hint="For you: nobody else sees it, not your partner and not the program owners.",
            element=PlainTextInputElement(
                action_id="note",
                multiline=True,
                max_length=MAX_NOTE,
                initial_value=view.note or None,
            ),
        ),
        InputBlock(
            block_id="help",
            label="Help",
            optional=True,
            element=CheckboxesElement(action_id="help", options=help_option),
        ),
        InputBlock(
            block_id="help_text",
            label="What should the owner know?",
            optional=True,
            hint="Only this is shared with the program's owners, with your name. Nothing else "
            "from your check-in is.",
            element=PlainTextInputElement(
                action_id="help_text", multiline=True, max_length=MAX_HELP_TEXT
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=CALLBACK,
        title="Check-in",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"check_in_id": view.id, "channel": channel, "ts": ts}),
        blocks=blocks,
    ).to_dict()


def _usefulness(view: CheckInView, useful_options: list[Any]) -> Any:
    """The rating, or once it is final (its week is over) what it was, not to be changed."""
    if view.usefulness_final:
        given = f"{view.usefulness} of 5" if view.usefulness else "not rated"
        return context(
            f"How useful it was: {given}. That's final now: ratings count in the program's "
            "weekly figures for the week you first answered, and that week is over."
        )
    return InputBlock(
        block_id="usefulness",
        label="How useful was it?",
        optional=True,
        element=RadioButtonsElement(
            action_id="usefulness",
            options=useful_options,
            initial_option=_pick(useful_options, str(view.usefulness) if view.usefulness else None),
        ),
    )


def _pick(choices: list[Any], value: str | None) -> Any:
    return next((c for c in choices if c.value == value), None)


def help_request(program: Program, user_id: str, shared: str) -> tuple[str, list[dict[str, Any]]]:
    """To a program owner: who asks for help, in which program, and only the words they chose."""
    text = f"<@{user_id}> would like help from a program owner of {program.name}."
    if shared:
        quoted = "\n".join(f">{line}" for line in escape(shared).splitlines() or [""])
        what = section(f"*What they'd like you to know:*\n{quoted}")
    else:
        what = section("They didn't add anything; a short DM asking how you can help is a start.")
    blocks = [
        header("Help requested"),
        section(f"<@{user_id}> would like help from a program owner of *{escape(program.name)}*."),
        what,
        context("This is all they chose to share from their check-in."),
    ]
    return text, to_dicts(blocks)


def _week_label(monday: date) -> str:
    return f"week of {monday.day} {monday:%b}"


def digest(d: Digest) -> tuple[str, list[dict[str, Any]]]:
    """The owners' weekly digest: stalled pairs, response rate, usefulness by week."""
    rate = d.response_rate
    rate_text = (
        f"{d.answered} of {d.sent} answered ({rate:.0%})"
        if rate is not None
        else "no check-ins went out"
    )
    # The stalled pairs are named in the text too: forget-me finds a message by its text.
    named = ", ".join(f"<@{a}> + <@{b}>" for a, b in d.stalled)
    text = (
        f"Weekly digest for {d.program_name}: {len(d.stalled)} stalled "
        + ("pair" if len(d.stalled) == 1 else "pairs")
        + (f" ({named})" if named else "")
        + f"; check-ins in the last {WEEKS} full weeks: {rate_text}."
    )
    days = STALLED_AFTER.days
    if d.stalled:
        shown = [f"• <@{a}> + <@{b}>" for a, b in d.stalled[:MAX_STALLED_LISTED]]
        if len(d.stalled) > MAX_STALLED_LISTED:
            shown.append(f"…and {len(d.stalled) - MAX_STALLED_LISTED} more")
        stalled = (
            f"*Stalled pairs* (nobody reported meeting in the last {days} days):\n"
            + "\n".join(shown)
        )
    else:
        stalled = f"*Stalled pairs:* none. Every pair older than {days} days reported meeting."
    weeks = " · ".join(
        f"{_week_label(w.monday)}: "
        + (f"*{w.mean:.1f}*" if w.mean is not None else f"fewer than {MIN_ANSWERS} people rated")
        for w in d.usefulness
    )
    blocks = [
        header(f"{d.program_name}: weekly digest"),
        context(f"{d.active_pairs} active pairs · {d.week}"),
        section(stalled),
        section(f"*Check-ins in the last {WEEKS} full weeks:* {rate_text}"),
        section(
            f"*How useful meetings were* (mean of 1 to 5, over the last {WEEKS} full weeks, "
            "by the week people answered):\n" + weeks + _trend(d)
        ),
        context(
            f"Help requests in the last 7 days: {d.help_requests} (each reached you by DM). "
            f"Individual answers are never shown; a week's mean appears once {MIN_ANSWERS} or "
            "more people rated it, and late or changed answers never alter a week already shown."
        ),
    ]
    if d.insights is not None:
        insights = headline_text(d.insights)
        more = "`/mentor report` sends the full report with charts."
        blocks.append(section(f"*Program insights* (since it began)\n{insights}\n_{more}_"))
    return text, to_dicts(blocks)


def _trend(d: Digest) -> str:
    means = [w.mean for w in d.usefulness if w.mean is not None]
    if len(means) < 2:
        return ""
    change = means[-1] - means[0]
    if abs(change) < 0.3:
        return "\nTrend: steady."
    return "\nTrend: rising." if change > 0 else "\nTrend: falling."
