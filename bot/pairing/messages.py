"""Block Kit for rounds: introductions, follow-ups, notices, previews and summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.blocks import (
    actions,
    button,
    clip,
    context,
    escape,
    escape_keeping_mentions,
    header,
    section,
    slack_date,
    to_dicts,
)
from bot.mentoring.messages import AGREEMENT_FROM_INTRO
from bot.pairing.coffee import ALONE, NO_PARTNER
from bot.pairing.matching import EXCLUDED, NO_HOURS, NO_SKILL, TAKEN, UNAVAILABLE
from models import Group, Mentorship, Program, ProgramKind, Round

if TYPE_CHECKING:
    from bot.pairing.periods import Period
    from bot.pairing.rounds import RoundPlan, RunResult

MET = "pairing.met"
SCHEDULED = "pairing.scheduled"
CANT = "pairing.cant"
SKIP = "pairing.skip"
GHOST_STAY = "pairing.ghost.stay"
GHOST_PAUSE = "pairing.ghost.pause"
GHOST_LEAVE = "pairing.ghost.leave"

ANSWER_BUTTONS = (
    (MET, "We've met"),
    (SCHEDULED, "We've scheduled it"),
    (CANT, "Can't make it this time"),
)

#: Why someone was left out, told to them.
UNMATCHED_FOR_YOU = {
    NO_SKILL: "no mentor in the program offers what you want to learn yet",
    NO_HOURS: "the mentors who offer what you want to learn share too few working hours with you",
    EXCLUDED: "the mentors who fit you have no free place this round",
    TAKEN: "the mentors who fit you went to mentees they fit even better this round",
    UNAVAILABLE: "you're paused or not taking part right now",
    ALONE: "you were the only one available this round",
    NO_PARTNER: "there was nobody else available for you this round",
}
#: The same, told to the program's owners.
UNMATCHED_FOR_OWNERS = {
    NO_SKILL: "no mentor offers what they want to learn",
    NO_HOURS: "fitting mentors share too few working hours with them",
    EXCLUDED: "fitting mentors are full, away, paired with them before, or avoided",
    TAKEN: "fitting mentors went to better fits",
    UNAVAILABLE: "not available",
    ALONE: "the only one available",
    NO_PARTNER: "nobody else available for them",
}
#: A preview or summary message stays well inside Slack's 50 blocks.
MAX_GROUPS_LISTED = 25


def _date(program: Program, instant: Any) -> str:
    """The date in each reader's own zone; the program's zone is the fallback text."""
    return slack_date(instant, f"{instant.astimezone(ZoneInfo(program.timezone)):%A %d %B}")


def _answer_buttons(group_id: int) -> Any:
    return actions(*(button(label, action, str(group_id)) for action, label in ANSWER_BUTTONS))


def introduction(
    program: Program,
    round_: Round,
    group: Group,
    starters: list[str],
    profiles: dict[str, tuple[list[str], list[str]]] | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The group DM that introduces people: who, why, how to start, and the three buttons."""
    mentions = [f"<@{m.user_id}>" for m in group.members]
    if program.kind is ProgramKind.MENTORING:
        mentor = next(m.user_id for m in group.members if m.role == "mentor")
        mentee = next(m.user_id for m in group.members if m.role == "mentee")
        who = f"<@{mentor}>, meet <@{mentee}>: you'll be their mentor in *{escape(program.name)}*."
        start = (
            "*To start:* agree what you want from this (one to three goals), how often and "
            "where you'll meet, and how you'll work together. Then each of you share a career "
            f"turning point.\n*Conversation starter:* {escape(starters[0])}"
        )
        title = "Meet your mentoring partner"
    else:
        who = f"{', '.join(mentions)}: you're having a coffee chat from *{escape(program.name)}*."
        lines = []
        for member in group.members:
            offers, wants = (profiles or {}).get(member.user_id, ([], []))
            about = "; ".join(
                part
                for part in (
                    f"can talk about {escape(', '.join(offers[:4]))}" if offers else "",
                    f"curious about {escape(', '.join(wants[:4]))}" if wants else "",
                )
                if part
            )
            lines.append(f"• <@{member.user_id}>" + (f": {about}" if about else ""))
        who += "\n" + "\n".join(lines)
        start = (
            f"*Something light:* {escape(starters[0])}\n"
            f"*Something deeper:* {escape(starters[1] if len(starters) > 1 else starters[0])}"
        )
        title = "Time for a coffee chat"
    why = "\n".join(f"• {escape_keeping_mentions(r)}" for r in group.reasons[:4])
    agreement = None
    if program.kind is ProgramKind.MENTORING:
        agreement = actions(
            button("Set up our agreement", AGREEMENT_FROM_INTRO, str(group.id), style="primary")
        )
    blocks = [
        header(title),
        section(who),
        section(f"*Why you were matched*\n{why}") if why else None,
        section(start),
        agreement,
        _answer_buttons(group.id),
        context(
            f"This round runs until {_date(program, round_.ends_at)}. Tap a button once you've "
            "met, or if it won't work out this time."
        ),
    ]
    return f"{title}: {', '.join(mentions)}", to_dicts(b for b in blocks if b is not None)


def follow_up(program: Program, round_: Round, group: Group) -> tuple[str, list[dict[str, Any]]]:
    text = f"Did you get a chance to meet? This round of {program.name} ends soon."
    blocks = [
        section(
            f"Did you get a chance to meet? This round of *{escape(program.name)}* ends "
            f"{_date(program, round_.ends_at)}."
        ),
        _answer_buttons(group.id),
    ]
    return text, to_dicts(blocks)


def answer_text(answer: str, program: Program) -> str:
    return {
        MET: "Wonderful: noted that you've met. What made it worthwhile? Keep it going!",
        SCHEDULED: "Great: noted that it's scheduled. Enjoy the conversation.",
        CANT: f"No problem: noted. You'll be in the next round of {program.name}.",
    }[answer]


def unmatched_text(program: Program, reason: str) -> str:
    why = UNMATCHED_FOR_YOU.get(reason, "there was no good match this time")
    return (
        f"No match for you in this round of *{escape(program.name)}*: {why}. You stay in the "
        "program and are included in the next round; `/mentor edit` lets you widen your profile."
    )


def ghost_notice(program: Program) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f"Your last few introductions in {program.name} went unanswered, so I've paused your "
        "matches for now. Would you like to stay in?"
    )
    blocks = [
        section(
            f"Your last few introductions in *{escape(program.name)}* went unanswered, so I've "
            "paused your matches and messages for now. No hard feelings: what would you like?"
        ),
        actions(
            button("Stay in", GHOST_STAY, str(program.id), style="primary"),
            button("Stay paused", GHOST_PAUSE, str(program.id)),
            button("Leave the program", GHOST_LEAVE, str(program.id), style="danger"),
        ),
    ]
    return text, to_dicts(blocks)


def ended_text(program: Program, mentorship: Mentorship, reason: str) -> str:
    why = {
        "term": "its term is over",
        "ended": "one of you ended it",
        "owner": "a program owner ended it",
        "left": "one of you has left the program",
    }.get(reason, "it has ended")
    return (
        f"The mentorship between <@{mentorship.mentor_id}> and <@{mentorship.mentee_id}> in "
        f"*{escape(program.name)}* has ended: {why}. Thank you both for the time you gave it."
    )


def round_notice(program: Program, period: Period) -> tuple[str, list[dict[str, Any]]]:
    when = _date(program, period.starts_at)
    text = f"A new round of {program.name} starts {when}."
    blocks = [
        section(
            f"A new round of *{escape(program.name)}* starts {when}. If this isn't a good "
            "time, you can sit this one out."
        ),
        actions(button("Skip this round", SKIP, f"{program.id}:{period.key}")),
    ]
    return text, to_dicts(blocks)


def _groups_lines(plan: RoundPlan) -> list[str]:
    lines = []
    for group in plan.groups[:MAX_GROUPS_LISTED]:
        people = " + ".join(f"<@{u}>" for u, _ in group.members)
        score = f" · score {group.score}"
        why = "; ".join(group.reasons[:2])
        lines.append(f"{people}{score}\n      _{escape_keeping_mentions(clip(why, 200))}_")
    hidden = len(plan.groups) - MAX_GROUPS_LISTED
    if hidden > 0:
        lines.append(f"…and {hidden} more groups")
    return lines


def _unmatched_lines(plan: RoundPlan) -> list[str]:
    lines = [
        f"<@{u}>: {UNMATCHED_FOR_OWNERS.get(reason, reason)}"
        for u, reason in plan.unmatched[:MAX_GROUPS_LISTED]
    ]
    hidden = len(plan.unmatched) - MAX_GROUPS_LISTED
    if hidden > 0:
        lines.append(f"…and {hidden} more")
    return lines


def _plan_blocks(plan: RoundPlan) -> list[Any]:
    blocks: list[Any] = []
    if plan.groups:
        text = "\n".join(_groups_lines(plan))
        for chunk in _chunks(text):
            blocks.append(section(chunk))
    else:
        blocks.append(section("No groups: not enough people are available."))
    if plan.unmatched:
        blocks.append(section("*Not matched, and why*\n" + "\n".join(_unmatched_lines(plan))))
    if plan.spare:
        spare = ", ".join(f"<@{u}> ({n})" for u, n in list(plan.spare.items())[:30])
        blocks.append(section(f"*Mentors with places left:* {spare}"))
    if plan.ghosts:
        ghosts = ", ".join(f"<@{u}>" for u in plan.ghosts[:30])
        blocks.append(context(f"Paused for ignoring their last introductions: {ghosts}"))
    if plan.note:
        blocks.append(context(escape(plan.note)))
    return blocks


def _chunks(text: str, size: int = 2900) -> list[str]:
    lines, chunks, current = text.split("\n"), [], ""
    for line in lines:
        if len(current) + len(line) + 1 > size:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def preview_blocks(plan: RoundPlan) -> list[dict[str, Any]]:
    program = plan.program
    blocks: list[Any] = [
        header(f"Preview: round {plan.number} of {program.name}"),
        context(
            f"Period starting {plan.period.key} · {len(plan.groups)} groups · "
            f"{len(plan.unmatched)} not matched · nothing has been sent"
        ),
        *_plan_blocks(plan),
        context(f"`/mentor round run {escape(program.name)}` starts it now."),
    ]
    return to_dicts(blocks)


def round_summary(plan: RoundPlan) -> tuple[str, list[dict[str, Any]]]:
    program = plan.program
    text = (
        f"Round {plan.number} of {program.name} has started: {len(plan.groups)} groups, "
        f"{len(plan.unmatched)} not matched."
    )
    blocks: list[Any] = [
        header(f"Round {plan.number} of {program.name}"),
        context(f"{len(plan.groups)} groups introduced · {len(plan.unmatched)} not matched"),
        *_plan_blocks(plan),
    ]
    return text, to_dicts(blocks)


def run_reply(program: Program, result: RunResult) -> str:
    if not result.created and result.open_until is not None:
        return (
            f"A round of *{escape(program.name)}* is still running ({result.existing_groups} "
            f"groups) until {_date(program, result.open_until)}; the next one starts then."
        )
    if not result.created:
        return (
            f"Nobody in *{escape(program.name)}* is available to match yet, so no round was "
            "started. Rounds start once people have joined."
        )
    plan = result.plan
    assert plan is not None
    return (
        f"Round {plan.number} of *{escape(program.name)}* is under way: {len(plan.groups)} "
        f"introductions are on their way and {len(plan.unmatched)} people were told why they "
        "weren't matched. The owners get a summary by DM."
    )


def ghost_choice_text(choice: str, program: Program) -> str:
    return {
        GHOST_STAY: "Welcome back: you'll be in the next round.",
        GHOST_PAUSE: "You stay paused. `/mentor resume` whenever you're ready.",
        GHOST_LEAVE: f"You've left *{escape(program.name)}*. Thanks for taking part.",
    }[choice]


def skipped_text(program: Program) -> str:
    return f"You're sitting out this round of *{escape(program.name)}*. See you in the next."


def avoided_text(user_ids: list[str]) -> str:
    if not user_ids:
        return "You aren't avoiding anyone. `/mentor avoid @name` to add someone."
    names = ", ".join(f"<@{u}>" for u in user_ids)
    return f"Sprout will never pair you with {names}. Nobody else is told."


ENDED_REPLY = "Done: the mentorship has ended, and both of you have been told."
