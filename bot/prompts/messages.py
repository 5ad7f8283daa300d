"""Block Kit for prompts: the answer to /mentor prompt, the add-a-prompt modal, the overview."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    InputBlock,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import clip, context, divider, escape, header, options, section, to_dicts
from bot.prompts.library import DEPTHS, MAX_TEXT, PRACTICES, STAGES

if TYPE_CHECKING:
    from bot.prompts.service import DrawnPrompt, LibraryOverview
    from models import Prompt

ADD_CALLBACK = "prompts.add"
#: The overview stays well inside Slack's 50 blocks and 3000 characters a section.
MAX_OWN_LISTED = 30

STAGE_LABELS = {
    "kick-off": "Kick-off",
    "regular": "Regular check-in",
    "mid-point": "Mid-point review",
    "close-out": "Close-out",
    "coffee": "Coffee chat",
}
STAGE_HINTS = {
    "kick-off": "the first meeting: goals and how the pair will work",
    "regular": "check-ins between the first and last meetings",
    "mid-point": "halfway: re-aligning goals and expectations",
    "close-out": "the last meeting: reflection and what lasts",
    "coffee": "coffee chats between peers",
}
#: One line of how to use a prompt of each practice, shown under it.
PRACTICE_HINTS = {
    "sharing stories": "Tell it as it happened, with the uncertain parts left in.",
    "active listening": "Listen first; say back what you heard before you answer.",
    "informal chat": "No agenda needed: let the conversation wander.",
    "feedback": "Be specific: a moment, what worked, one thing to try next time.",
    "expectations": "Say out loud what you each expect; agree what changes.",
    "self-doubt": "Meet it with empathy first; solutions can wait.",
    "reflection": "Look back before looking ahead: what changed, and why?",
}
DEPTH_LABELS = {
    1: "Light: easy to answer, builds rapport",
    2: "Medium: asks for an example or an opinion",
    3: "Deep: personal; for pairs who know each other",
}


def prompt_reply(drawn: DrawnPrompt) -> tuple[str, list[dict[str, Any]]]:
    """The prompt someone asked for, with its practice and a line on how to use it."""
    about = f"{drawn.practice.capitalize()} · {DEPTHS[drawn.depth]} · {STAGE_LABELS[drawn.stage]}"
    blocks: list[Any] = [
        section(escape(drawn.text)),
        context(f"*{about}* · {PRACTICE_HINTS[drawn.practice]}"),
    ]
    if drawn.partner_id:
        line = f"For you and <@{drawn.partner_id}>; it won't come up for the two of you again."
        if drawn.other_partners:
            others = " or ".join(f"<@{u}>" for u in drawn.other_partners)
            line += f" To draw one with {others} instead, name them: `/mentor prompt @name`."
        blocks.append(context(line))
    return drawn.text, to_dicts(blocks)


def unknown_choice_text(words: str) -> str:
    return (
        f"I don't know a stage or practice called “{escape(clip(words, 40))}”.\n"
        f"*Stages:* {', '.join(STAGES)}\n*Practices:* {', '.join(PRACTICES)}\n"
        "For example `/mentor prompt feedback` or `/mentor prompt close-out`."
    )


def add_modal() -> dict[str, Any]:
    """The form admins use to add a prompt to their workspace's library."""
    stages = options((f"{STAGE_LABELS[s]}: {STAGE_HINTS[s]}", s) for s in STAGES)
    practices = options((p.capitalize(), p) for p in PRACTICES)
    depths = options((label, str(depth)) for depth, label in DEPTH_LABELS.items())
    blocks: list[Any] = [
        section(
            "Prompts you add are drawn only in this workspace, beside the shipped ones: "
            "in introductions, check-ins and `/mentor prompt`. Pairs go from light prompts "
            "to deep ones and never get the same one twice."
        ),
        InputBlock(
            block_id="stage",
            label="When it is used",
            element=StaticSelectElement(action_id="stage", options=stages),
        ),
        InputBlock(
            block_id="practice",
            label="Practice",
            element=StaticSelectElement(action_id="practice", options=practices),
        ),
        InputBlock(
            block_id="depth",
            label="Depth",
            element=RadioButtonsElement(
                action_id="depth", options=depths, initial_option=depths[0]
            ),
        ),
        InputBlock(
            block_id="text",
            label="The prompt",
            hint=(
                f"10 to {MAX_TEXT} characters. Start with “Mentor:” or “Mentee:” "
                "where it asks one of them something."
            ),
            element=PlainTextInputElement(
                action_id="text",
                multiline=True,
                max_length=MAX_TEXT,
                placeholder="e.g. Mentee: what did you try since we last met?",
            ),
        ),
    ]
    view = View(
        type="modal",
        callback_id=ADD_CALLBACK,
        title="Add a prompt",
        submit="Add",
        close="Cancel",
        blocks=blocks,
    )
    return view.to_dict()


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in escape(text).split("\n"))


def added_text(prompt: Prompt) -> str:
    """The admin's confirmation, sent by DM: a modal has no conversation to answer in."""
    return (
        f"Added a {DEPTHS[prompt.depth]} *{STAGE_LABELS[prompt.stage].lower()}* prompt on "
        f"{prompt.practice} to this workspace's library:\n{_quoted(prompt.text)}"
    )


def overview_blocks(overview: LibraryOverview) -> list[dict[str, Any]]:
    lines = [
        f"*{STAGE_LABELS[c.stage]}*: {c.shipped} shipped"
        + (f" · {c.own} of this workspace's" if c.own else "")
        for c in overview.counts
    ]
    blocks: list[Any] = [header("Prompt library"), section("\n".join(lines))]
    if not overview.own:
        blocks.append(
            context("This workspace has no prompts of its own yet: `/mentor prompt add`.")
        )
        return to_dicts(blocks)
    blocks += [divider(), section(f"*This workspace's own prompts ({len(overview.own)})*")]
    for own in overview.own[:MAX_OWN_LISTED]:
        by = f" · added by <@{own.added_by}>" if own.added_by else ""
        blocks.append(
            section(
                f"{escape(clip(own.text, 600))}\n"
                f"_{STAGE_LABELS[own.stage]} · {own.practice} · {DEPTHS[own.depth]}{by}_"
            )
        )
    if len(overview.own) > MAX_OWN_LISTED:
        blocks.append(context(f"…and {len(overview.own) - MAX_OWN_LISTED} more."))
    return to_dicts(blocks)
