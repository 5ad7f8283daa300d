"""Block Kit for the App Home tab: a person's programs and controls, and the programs they run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.views import View

from bot.blocks import (
    actions,
    button,
    confirm,
    context,
    divider,
    escape,
    header,
    section,
    slack_date,
)
from bot.insights.report import HomeHeadline
from bot.insights.report import home_blocks as insights_home_blocks
from bot.membership.messages import ROLE_LABELS, program_line, schedule_text, status_text
from bot.membership.profiles import Profile
from bot.membership.programs import ProgramSummary
from bot.pairing.latest import LatestPairing
from bot.pulse.report import home_blocks as pulse_home_blocks
from bot.pulse.results import SurveyResults
from models import Answer, Program

JOIN = "home.join"
EDIT_PROFILE = "home.edit_profile"
LEAVE = "home.leave"
PAUSE = "home.pause"
RESUME = "home.resume"
PROGRAM_EDIT = "home.program_edit"
PROGRAM_NEW = "home.program_new"

#: Slack allows 100 blocks on the Home tab; each program takes two or three.
MAX_PROGRAMS_SHOWN = 12
MAX_HOME_BLOCKS = 100


ANSWER_LINES = {
    None: "no answer yet: tell Sprout with the buttons in your group DM",
    Answer.MET: "you've met :white_check_mark:",
    Answer.SCHEDULED: "you've scheduled it :calendar:",
    Answer.CANT: "it didn't work out this time",
}


def pairing_line(pairing: LatestPairing) -> str:
    """Where someone stands with their newest introduction, so the Home tab shows progress."""
    partners = ", ".join(f"<@{p}>" for p in pairing.partner_ids) or "someone who has since left"
    when = slack_date(pairing.starts_at, pairing.starts_at.date().isoformat())
    return (
        f"Latest pairing (round {pairing.round_number}, {when}): with {partners}; "
        f"{ANSWER_LINES[pairing.answer]}"
    )


def home_view(
    profile: Profile,
    programs: list[Program],
    admin_summaries: list[ProgramSummary] | None,
    *,
    can_create: bool = False,
    latest: dict[int, LatestPairing] | None = None,
    pulse_results: Sequence[SurveyResults] = (),
    insights: Sequence[HomeHeadline] = (),
    insights_hidden: int = 0,
) -> dict[str, Any]:
    blocks: list[Any] = [header("Sprout")]
    if profile.memberships:
        blocks.append(context(f"You are *{status_text(profile)}*."))
        if profile.paused:
            blocks.append(actions(button("Resume", RESUME, "resume", style="primary")))
        else:
            blocks.append(actions(button("Pause until I resume", PAUSE, "pause")))
        for membership in profile.memberships[:MAX_PROGRAMS_SHOWN]:
            program = membership.program
            blocks.append(divider())
            blocks.append(
                section(
                    f"*{escape(program.name)}* · {ROLE_LABELS[membership.role]}\n"
                    f"Schedule: {schedule_text(program)}"
                )
            )
            pairing = (latest or {}).get(program.id)
            if pairing is not None:
                blocks.append(context(pairing_line(pairing)))
            blocks.append(
                actions(
                    button("Edit profile", EDIT_PROFILE, str(program.id)),
                    button(
                        "Leave",
                        LEAVE,
                        str(program.id),
                        style="danger",
                        confirm=confirm(
                            "Leave this program?",
                            f"You won't be matched in {program.name} any more.",
                            "Leave",
                        ),
                    ),
                )
            )
    else:
        blocks.append(
            section(
                "Sprout pairs colleagues for mentoring and coffee chats. "
                "Join a program below or with `/mentor join`."
            )
        )
    joinable = [p for p in programs if p.id not in profile.program_ids]
    if joinable:
        blocks.append(divider())
        blocks.append(section("*Programs you can join*"))
        for program in joinable[:MAX_PROGRAMS_SHOWN]:
            blocks.append(
                section(
                    f"*{escape(program.name)}* · {program.kind.value}\n"
                    + escape(program.description or schedule_text(program)),
                    accessory=button("Join", JOIN, str(program.id), style="primary"),
                )
            )
    if admin_summaries is not None:
        blocks.append(divider())
        blocks.append(header("Programs you run"))
        for summary in admin_summaries[:MAX_PROGRAMS_SHOWN]:
            blocks.append(
                section(
                    program_line(summary),
                    accessory=button("Edit", PROGRAM_EDIT, str(summary.program.id)),
                )
            )
        hidden = len(admin_summaries) - MAX_PROGRAMS_SHOWN
        if hidden > 0:
            blocks.append(context(f"…and {hidden} more: `/mentor programs` lists them all."))
        if can_create:
            blocks.append(actions(button("New program", PROGRAM_NEW, "new", style="primary")))
    # The final context line needs one block; insights take what is left before the pulse.
    room = MAX_HOME_BLOCKS - len(blocks) - 1
    blocks.extend(insights_home_blocks(insights, insights_hidden, room))
    pulse = pulse_home_blocks(pulse_results)
    if len(blocks) + len(pulse) < MAX_HOME_BLOCKS:
        blocks.extend(pulse)
    blocks.append(context("`/mentor help` lists everything Sprout can do."))
    return View(type="home", blocks=blocks).to_dict()
