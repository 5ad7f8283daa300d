"""The mentorship loop's modals; every input's block id is its form field's name."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import clip, context, divider, escape, option, options, section
from bot.mentoring import messages
from bot.mentoring.pairs import AgreementView, GoalView, Pair
from models.forms import (
    CLOSE_OUT_OUTCOMES,
    GOAL_SLOTS,
    MAX_CHANNEL_DETAIL,
    MAX_FEEDBACK_PART,
    MAX_GOAL_TEXT,
    MAX_REFLECTION,
    MAX_REVIEW_TEXT,
    MAX_THANKS,
    MEETING_CADENCES,
    MEETING_CHANNELS,
    goal_block,
    goal_field,
)

TICKED = "yes"


def _view(
    callback_id: str, title: str, submit: str, pair: Pair, blocks: list[Any]
) -> dict[str, Any]:
    view: dict[str, Any] = View(
        type="modal",
        callback_id=callback_id,
        title=clip(title, 24),
        submit=submit,
        close="Cancel",
        private_metadata=json.dumps({"mentorship_id": pair.id}),
        blocks=blocks,
    ).to_dict()
    return view


def _text(
    block_id: str,
    label: str,
    *,
    max_length: int,
    optional: bool = False,
    multiline: bool = False,
    initial: str | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            max_length=max_length,
            multiline=multiline,
            initial_value=initial or None,
            placeholder=placeholder,
        ),
    )


def _select(
    block_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    initial: str | None,
    *,
    optional: bool = False,
) -> InputBlock:
    opts = options(choices)
    chosen = next((o for o in opts if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=clip(label, 2000),
        optional=optional,
        element=StaticSelectElement(action_id=block_id, options=opts, initial_option=chosen),
    )


def _tick(block_id: str, label: str, text: str, ticked: bool, hint: str | None = None) -> Any:
    # Optional to Slack, so an unticked box reaches us and gets an inline error that explains
    # itself, rather than Slack's bare "required".
    box: Option = option(text, TICKED)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        hint=hint,
        element=CheckboxesElement(
            action_id=block_id, options=[box], initial_options=[box] if ticked else None
        ),
    )


def _goal_inputs(
    slot: int, goal: GoalView | None, *, required: bool, with_status: bool
) -> list[Any]:
    title = f"*Goal {slot}*" if required else f"*Goal {slot}* (optional)"
    if goal is None and with_status:
        title = "*Add a goal* (optional)"
    blocks: list[Any] = [
        section(title),
        _text(
            goal_field(slot, "what"),
            "What you want to achieve",
            max_length=MAX_GOAL_TEXT,
            optional=not required,
            initial=goal.what if goal else None,
            placeholder="e.g. Lead a design review on my own",
        ),
        _text(
            goal_field(slot, "measure"),
            "How you'll know",
            max_length=MAX_GOAL_TEXT,
            optional=not required,
            initial=goal.measure if goal else None,
            placeholder="e.g. I've run two reviews and the team asked for more",
        ),
        InputBlock(
            block_id=goal_field(slot, "due"),
            label="By when",
            optional=not required,
            element=DatePickerElement(
                action_id=goal_field(slot, "due"),
                initial_date=goal.due_on.isoformat() if goal and goal.due_on else None,
            ),
        ),
    ]
    if goal is not None and with_status:
        blocks.append(
            _select(
                goal_field(slot, "status"),
                "Status",
                [(label, status.value) for status, label in messages.STATUS_LABELS.items()],
                goal.status.value,
            )
        )
    return blocks


def _channel_parts(stored: str) -> tuple[str, str | None]:
    """The form's channel choice and detail back from the words an agreement stored."""
    for key, label in MEETING_CHANNELS.items():
        if stored == label:
            return key, None
        if key != "other" and stored.startswith(f"{label}: "):
            return key, stored.removeprefix(f"{label}: ")
    return "other", stored


def agreement_modal(
    pair: Pair, user_id: str, draft: AgreementView | None, last_day: date
) -> dict[str, Any]:
    """The kick-off form; a draft (either side's) fills it, so suggesting changes is easy."""
    partner = pair.partner_of(user_id)
    goals = {g.position: g for g in draft.goals} if draft else {}
    blocks: list[Any] = [
        section(
            f"Agree with <@{partner}> how you'll work together in "
            f"*{escape(pair.program_name)}*: one to three goals, how often and where you'll "
            "meet, and two ground rules. They'll see your proposal in your group DM and can "
            "agree to it there."
        ),
    ]
    for slot in GOAL_SLOTS:
        blocks.extend(_goal_inputs(slot, goals.get(slot), required=slot == 1, with_status=False))
    blocks.append(
        context(f"Goal dates fall within your term, which ends {messages.day_text(last_day)}.")
    )
    blocks.append(divider())
    cadence = next((k for k, v in MEETING_CADENCES.items() if draft and v == draft.cadence), None)
    channel, detail = _channel_parts(draft.channel) if draft else (None, None)
    blocks.extend(
        [
            _select(
                "cadence",
                "How often you'll meet",
                [(v.capitalize(), k) for k, v in MEETING_CADENCES.items()],
                cadence,
            ),
            _select(
                "channel",
                "Where you'll meet",
                [(v.capitalize(), k) for k, v in MEETING_CHANNELS.items()],
                channel,
            ),
            _text(
                "channel_detail",
                "Details",
                max_length=MAX_CHANNEL_DETAIL,
                optional=True,
                initial=detail,
                placeholder="e.g. Zoom, or the café on the 3rd floor",
                hint="Needed if you chose somewhere else.",
            ),
            _tick(
                "confidential",
                "Confidentiality",
                "What we share stays between us",
                draft is not None,
            ),
            _tick(
                "no_fault_exit",
                "No-fault exit",
                "Either of us may end this any time, no fault",
                draft is not None,
                hint="No explanation needed: `/mentor end` ends it, kindly, for both.",
            ),
        ]
    )
    return _view(messages.AGREEMENT_CALLBACK, "Our agreement", "Propose", pair, blocks)


def goals_modal(pair: Pair, goals: Sequence[GoalView], last_day: date) -> dict[str, Any]:
    """Edit what, how and by when, set each goal's status, and add goals up to three."""
    by_slot = {g.position: g for g in goals}
    blocks: list[Any] = [
        section(
            "Change your goals as your mentorship moves on. To stop working on one, set its "
            "status to *dropped*."
        )
    ]
    for slot in GOAL_SLOTS:
        goal = by_slot.get(slot)
        blocks.extend(_goal_inputs(slot, goal, required=goal is not None, with_status=True))
    blocks.append(
        context(f"New dates fall within your term, which ends {messages.day_text(last_day)}.")
    )
    return _view(messages.GOALS_CALLBACK, "Our goals", "Save", pair, blocks)


def feedback_modal(pair: Pair, user_id: str) -> dict[str, Any]:
    partner = pair.partner_of(user_id)
    blocks: list[Any] = [
        section(
            f"Feedback for <@{partner}>. Be specific: one situation, what you saw them do, "
            "and the effect it had; balance it with what went well, and offer an idea rather "
            "than a verdict. It goes to them by DM, and Sprout keeps no copy."
        ),
        _text(
            "situation",
            "The situation",
            max_length=MAX_FEEDBACK_PART,
            multiline=True,
            placeholder="e.g. In Tuesday's planning meeting…",
        ),
        _text(
            "behaviour",
            "What you noticed them do",
            max_length=MAX_FEEDBACK_PART,
            multiline=True,
            placeholder="What you saw or heard, not what you think they meant",
        ),
        _text(
            "impact",
            "The impact it had",
            max_length=MAX_FEEDBACK_PART,
            multiline=True,
            placeholder="On you, the team or the work",
        ),
        _text(
            "went_well", "One thing that went well", max_length=MAX_FEEDBACK_PART, multiline=True
        ),
        _text(
            "try_next",
            "What if you tried…",
            max_length=MAX_FEEDBACK_PART,
            multiline=True,
            placeholder="One suggestion to try next time",
        ),
    ]
    return _view(messages.FEEDBACK_CALLBACK, "Feedback", "Send", pair, blocks)


def _goal_label(goal: GoalView) -> str:
    return clip(f"Goal {goal.position}: {goal.what}", 150)


def review_modal(pair: Pair, user_id: str, goals: Sequence[GoalView]) -> dict[str, Any]:
    """Goals to look back at, then a keep, a change and a private wish: all the person's own.

    The goals are shown, not asked: their status is the pair's shared record, changed in
    ``/mentor goals`` where the partner sees it, so nothing typed here reaches the partner.
    """
    partner = pair.partner_of(user_id)
    blocks: list[Any] = [
        section(
            f"Halfway through your mentorship with <@{partner}>. Your answers aren't shown to them."
        ),
        section(f"*Your goals so far*\n{clip(messages.goal_lines(goals), 2900)}"),
        context(
            "To mark a goal met or change it, use `/mentor goals`: goals are shared, so "
            f"<@{partner}> sees that change. Nothing in this review changes them."
            if goals
            else "You have no goals on record; `/mentor goals` can add some."
        ),
    ]
    blocks.extend(
        [
            _text(
                "keep",
                "One thing to keep doing",
                max_length=MAX_REVIEW_TEXT,
                multiline=True,
            ),
            _text(
                "change",
                "One thing to change",
                max_length=MAX_REVIEW_TEXT,
                multiline=True,
            ),
            _tick(
                "rematch",
                "Private",
                "I'd like a different match",
                False,
                hint="No-fault; only the program owners see this. Your partner is never told.",
            ),
        ]
    )
    return _view(messages.REVIEW_CALLBACK, "Mid-point review", "Send", pair, blocks)


def close_out_modal(pair: Pair, goals: Sequence[GoalView]) -> dict[str, Any]:
    outcomes = [(messages.STATUS_LABELS[s].capitalize(), s.value) for s in CLOSE_OUT_OUTCOMES]
    blocks: list[Any] = [section("How did it go? Take a moment to look back.")]
    for goal in goals:
        initial = goal.status.value if goal.status in CLOSE_OUT_OUTCOMES else None
        blocks.append(_select(goal_block(goal.id), _goal_label(goal), outcomes, initial))
    blocks.extend(
        [
            _text("helped", "What helped you most", max_length=MAX_REFLECTION, multiline=True),
            _text(
                "will_apply",
                "What you'll apply from here on",
                max_length=MAX_REFLECTION,
                multiline=True,
            ),
            _text(
                "thanks",
                "A thank-you note for your partner",
                max_length=MAX_THANKS,
                multiline=True,
                optional=True,
                hint="If you write one, it goes to them by DM. Your reflection never does.",
            ),
            _tick(
                "quotable",
                "Sharing",
                "Program owners may quote my reflection",
                False,
                hint="Left unticked, your reflection is shown to nobody.",
            ),
        ]
    )
    return _view(messages.CLOSE_OUT_CALLBACK, "Close out", "Send", pair, blocks)
