"""Block Kit for joining, profiles, programs and the confirmations around leaving."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import (
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    options,
    section,
    to_dicts,
)
from models import Cadence, Membership, Program, ProgramKind, Role
from models.forms import (
    DEFAULT_CAPACITY,
    MAX_CAPACITY,
    MAX_DESCRIPTION,
    MAX_GOALS,
    MAX_PROGRAM_NAME,
    MAX_TAG_TEXT,
)
from models.settings import ProgramSettings

if TYPE_CHECKING:
    from bot.membership.profiles import Profile
    from bot.membership.programs import ProgramSummary

JOIN_CALLBACK = "membership.join"
PROGRAM_CALLBACK = "programs.save"
LEAVE_CONFIRM = "membership.leave.confirm"
LEAVE_CANCEL = "membership.leave.cancel"
FORGET_CONFIRM = "membership.forget.confirm"
FORGET_CANCEL = "membership.forget.cancel"

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CADENCE_LABELS = {
    Cadence.WEEKLY: "every week",
    Cadence.BIWEEKLY: "every 2 weeks",
    Cadence.EVERY_4_WEEKS: "every 4 weeks",
}
ROLE_LABELS = {
    Role.MENTOR: "mentor",
    Role.MENTEE: "mentee",
    Role.BOTH: "mentor and mentee",
    Role.PEER: "peer",
}


def schedule_text(program: Program) -> str:
    return (
        f"{CADENCE_LABELS[program.cadence]} on {WEEKDAYS[program.weekday]} at "
        f"{program.local_time:%H:%M} ({program.timezone})"
    )


def tags_text(tags: list[str]) -> str:
    return escape(", ".join(tags)) if tags else "_nothing yet_"


# --- joining -------------------------------------------------------------------------------


def join_modal(program: Program, existing: Membership | None) -> dict[str, Any]:
    """The profile form for one program, prefilled when the person edits it."""
    coffee = program.kind is ProgramKind.COFFEE
    blocks: list[Any] = []
    intro = f"*{escape(program.name)}* · {program.kind.value}, {schedule_text(program)}"
    if program.description:
        intro += f"\n{escape(program.description)}"
    blocks.append(section(intro))
    if coffee:
        blocks.append(context("You'll be grouped with colleagues for an informal coffee chat."))
    else:
        role_options = options(
            [
                ("Mentor: I'll share what I know", Role.MENTOR.value),
                ("Mentee: I want to learn", Role.MENTEE.value),
                ("Both", Role.BOTH.value),
            ]
        )
        initial = next(
            (o for o in role_options if existing and o.value == existing.role.value), None
        )
        blocks.append(
            InputBlock(
                block_id="role",
                label="Your role",
                element=RadioButtonsElement(
                    action_id="role", options=role_options, initial_option=initial
                ),
            )
        )
    blocks.append(
        _tags_input(
            "offers",
            "Things you can talk about" if coffee else "What you can offer",
            "e.g. python, public speaking, career change",
            existing.offers if existing else [],
            hint="Comma-separated, up to 10 short tags. Mentors name at least one.",
        )
    )
    blocks.append(
        _tags_input(
            "wants",
            "Things you'd like to hear about" if coffee else "What you want to learn",
            "e.g. system design, negotiation",
            existing.wants if existing else [],
            hint="Comma-separated, up to 10 short tags.",
        )
    )
    blocks.append(
        InputBlock(
            block_id="goals",
            label="Your goals",
            optional=True,
            hint="What would make this worthwhile for you?",
            element=PlainTextInputElement(
                action_id="goals",
                multiline=True,
                max_length=MAX_GOALS,
                initial_value=existing.goals if existing and existing.goals else None,
            ),
        )
    )
    if not coffee:
        capacity = existing.capacity if existing and existing.capacity else DEFAULT_CAPACITY
        capacity_options = options((str(n), str(n)) for n in range(1, MAX_CAPACITY + 1))
        blocks.append(
            InputBlock(
                block_id="capacity",
                label="Mentees at once (if you mentor)",
                optional=True,
                element=StaticSelectElement(
                    action_id="capacity",
                    options=capacity_options,
                    initial_option=capacity_options[capacity - 1],
                ),
            )
        )
    view = View(
        type="modal",
        callback_id=JOIN_CALLBACK,
        title=clip(f"Join {program.name}", 24),
        submit="Save" if existing else "Join",
        close="Cancel",
        private_metadata=json.dumps({"program_id": program.id}),
        blocks=blocks,
    )
    return view.to_dict()


def _tags_input(
    block_id: str, label: str, placeholder: str, tags: list[str], *, hint: str
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            placeholder=placeholder,
            max_length=MAX_TAG_TEXT,
            initial_value=", ".join(tags) if tags else None,
        ),
    )


def joined_text(program: Program, newly: bool) -> str:
    if newly:
        return (
            f"Welcome to *{escape(program.name)}*! `/mentor profile` shows what you shared, "
            "`/mentor edit` changes it, and `/mentor pause` gives you a break when you need one."
        )
    return f"Saved your profile for *{escape(program.name)}*."


# --- profile -------------------------------------------------------------------------------


def status_text(profile: Profile, timezone: str | None = None) -> str:
    person = profile.person
    if person is None or not profile.paused:
        return "active"
    if person.paused_until is None:
        return "paused until you resume"
    local = person.paused_until.astimezone(ZoneInfo(timezone or person.timezone))
    return f"paused until {local:%a %d %b %Y}"


def profile_blocks(profile: Profile) -> list[dict[str, Any]]:
    if not profile.memberships:
        return to_dicts([section("You're not in any program yet. `/mentor join` to take part.")])
    blocks: list[Any] = [header("Your Sprout profile")]
    blocks.append(context(f"Status: *{status_text(profile)}*"))
    for membership in profile.memberships[:20]:
        blocks.append(section(membership_text(membership)))
    blocks.append(context("`/mentor edit` changes a profile · `/mentor pause` · `/mentor leave`"))
    return to_dicts(blocks)


def membership_text(membership: Membership) -> str:
    program = membership.program
    lines = [f"*{escape(program.name)}* · {ROLE_LABELS[membership.role]}"]
    lines.append(f"Offers: {tags_text(membership.offers)}")
    lines.append(f"Wants to learn: {tags_text(membership.wants)}")
    if membership.role.mentors:
        lines.append(f"Mentees at once: {membership.capacity}")
    if membership.goals:
        lines.append(f"Goals: {escape(clip(membership.goals, 600))}")
    return "\n".join(lines)


def paused_text(until: datetime | None, timezone: str) -> str:
    if until is None:
        return "Paused: no matches or messages until you `/mentor resume`."
    local = until.astimezone(ZoneInfo(timezone))
    return (
        f"Paused until {local:%A %d %B %Y}: no matches or messages until then. "
        "`/mentor resume` ends it early."
    )


# --- leaving and forgetting ----------------------------------------------------------------


def leave_confirmation(program: Program) -> list[dict[str, Any]]:
    return to_dicts(
        [
            section(
                f"Leave *{escape(program.name)}*? You won't be matched in it any more; "
                "you can join again later."
            ),
            actions(
                button(f"Leave {program.name}", LEAVE_CONFIRM, str(program.id), style="danger"),
                button("Keep me in", LEAVE_CANCEL, str(program.id)),
            ),
        ]
    )


def forget_confirmation() -> list[dict[str, Any]]:
    return to_dicts(
        [
            section(
                "Delete everything Sprout holds about you? Your profiles, memberships and "
                "program ownerships go for good, and this can't be undone."
            ),
            actions(
                button("Delete everything", FORGET_CONFIRM, "forget", style="danger"),
                button("Cancel", FORGET_CANCEL, "cancel"),
            ),
        ]
    )


# --- programs ------------------------------------------------------------------------------


def programs_blocks(summaries: list[ProgramSummary]) -> list[dict[str, Any]]:
    if not summaries:
        return to_dicts(
            [section("No programs yet. An admin can create one with `/mentor program new`.")]
        )
    blocks: list[Any] = [header("Programs")]
    for summary in summaries[:45]:
        blocks.append(section(program_line(summary)))
    if len(summaries) > 45:
        blocks.append(context(f"…and {len(summaries) - 45} more."))
    return to_dicts(blocks)


def program_line(summary: ProgramSummary) -> str:
    program, counts = summary.program, summary.counts
    return (
        f"*{escape(program.name)}* · {program.kind.value}, {schedule_text(program)}\n"
        f"{counts.active} active · {counts.paused} paused · {counts.left} left"
    )


def program_modal(program: Program | None, default_timezone: str) -> dict[str, Any]:
    """The program form; ``program`` None creates a new one."""
    kinds = options(
        [
            ("Mentoring: mentors and mentees", ProgramKind.MENTORING.value),
            ("Coffee chats: peers", ProgramKind.COFFEE.value),
        ]
    )
    cadences = options((label, cadence.value) for cadence, label in CADENCE_LABELS.items())
    weekdays = options((day, str(i)) for i, day in enumerate(WEEKDAYS))
    audiences = options(
        [("Everyone in the workspace", "everyone"), ("Members of one channel", "channel")]
    )
    blocks: list[Any] = [
        InputBlock(
            block_id="name",
            label="Name",
            element=PlainTextInputElement(
                action_id="name",
                max_length=MAX_PROGRAM_NAME,
                initial_value=program.name if program else None,
                placeholder="e.g. Engineering mentoring",
            ),
        ),
        InputBlock(
            block_id="kind",
            label="Kind",
            element=RadioButtonsElement(
                action_id="kind",
                options=kinds,
                initial_option=_pick(kinds, program.kind.value if program else None),
            ),
        ),
        InputBlock(
            block_id="description",
            label="Description",
            optional=True,
            element=PlainTextInputElement(
                action_id="description",
                multiline=True,
                max_length=MAX_DESCRIPTION,
                initial_value=program.description if program and program.description else None,
            ),
        ),
        InputBlock(
            block_id="cadence",
            label="Rounds run",
            element=StaticSelectElement(
                action_id="cadence",
                options=cadences,
                initial_option=_pick(
                    cadences, program.cadence.value if program else Cadence.BIWEEKLY.value
                ),
            ),
        ),
        InputBlock(
            block_id="weekday",
            label="On",
            element=StaticSelectElement(
                action_id="weekday",
                options=weekdays,
                initial_option=_pick(weekdays, str(program.weekday) if program else "0"),
            ),
        ),
        InputBlock(
            block_id="local_time",
            label="At (local time)",
            element=TimePickerElement(
                action_id="local_time",
                initial_time=f"{program.local_time:%H:%M}" if program else "10:00",
            ),
        ),
        InputBlock(
            block_id="timezone",
            label="Time zone",
            hint="An IANA name such as Europe/Berlin or America/New_York.",
            element=PlainTextInputElement(
                action_id="timezone",
                max_length=64,
                initial_value=program.timezone if program else default_timezone,
            ),
        ),
        InputBlock(
            block_id="audience",
            label="Who can join",
            element=RadioButtonsElement(
                action_id="audience",
                options=audiences,
                initial_option=_pick(
                    audiences, "channel" if program and program.channel_id else "everyone"
                ),
            ),
        ),
        InputBlock(
            block_id="channel_id",
            label="The channel",
            optional=True,
            hint="Invite @Sprout to a private channel first, so it can see who is in it.",
            element=ConversationSelectElement(
                action_id="channel_id",
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                initial_conversation=program.channel_id if program else None,
            ),
        ),
        InputBlock(
            block_id="owners",
            label="Owners",
            optional=True,
            hint="People who may run this program besides the workspace's admins.",
            element=UserMultiSelectElement(
                action_id="owners",
                initial_users=program.owner_ids if program and program.owner_ids else None,
                max_selected_items=10,
            ),
        ),
    ]
    blocks.extend(_settings_inputs(ProgramSettings.of(program.settings if program else None)))
    view = View(
        type="modal",
        callback_id=PROGRAM_CALLBACK,
        title="Edit program" if program else "New program",
        submit="Save" if program else "Create",
        close="Cancel",
        private_metadata=json.dumps({"program_id": program.id if program else None}),
        blocks=blocks,
    )
    return view.to_dict()


def _settings_inputs(settings: ProgramSettings) -> list[Any]:
    """The round and matching settings, each with its documented default filled in."""
    sizes = options((f"Groups of {n}", str(n)) for n in range(2, 5))
    days = options(
        [("Don't ask", "0")] + [(f"{n} days before the round ends", str(n)) for n in range(1, 7)]
    )
    terms = options((f"{n} months", str(n)) for n in (1, 2, 3, 4, 6, 9, 12))
    notice = options([("A day before each coffee round, with a way to skip it", "yes")])
    overlap = options([("Only pair mentors and mentees whose working days overlap 2 hours", "yes")])
    blocks: list[Any] = [
        divider(),
        section("*Rounds and matching*"),
        _select("group_size", "Coffee chats: group size", sizes, settings.group_size),
        _tick("notice_before_round", "Coffee chats: notice", notice, settings.notice_before_round),
        _select("followup_days", 'Ask "did you meet?"', days, settings.followup_days),
        _select("term_months", "Mentoring: pairs last", terms, settings.term_months),
        _tick(
            "require_shared_hours",
            "Mentoring: working hours",
            overlap,
            settings.require_shared_hours,
        ),
        *_check_in_inputs(settings),
    ]
    for block_id, label, value in (
        ("weight_skills", "Weight: skills the mentee wants", settings.weight_skills),
        ("weight_interests", "Weight: shared goals and interests", settings.weight_interests),
        ("weight_hours", "Weight: shared working hours", settings.weight_hours),
        ("repeat_penalty", "Penalty: paired before", settings.repeat_penalty),
    ):
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=label,
                element=NumberInputElement(
                    action_id=block_id,
                    is_decimal_allowed=False,
                    initial_value=value,
                    min_value=0,
                    max_value=200 if block_id == "repeat_penalty" else 100,
                ),
            )
        )
    return blocks


def _check_in_inputs(settings: ProgramSettings) -> list[InputBlock]:
    """When mentoring pairs hear from Sprout: the check-in cadence and its one reminder."""
    hours = options((f"{h:02d}:00 in each person's time zone", str(h)) for h in range(7, 19))
    first = options([("None", "0"), ("Once", "1")] + [(f"{n} times", str(n)) for n in range(2, 5)])
    weeks = options(
        [("Every week", "1")] + [(f"Every {n} weeks", str(n)) for n in (2, 3, 4, 6, 8, 12)]
    )
    reminder = options(
        [("No reminder", "0"), ("1 day later", "1")]
        + [(f"{n} days later", str(n)) for n in range(2, 8)]
    )
    return [
        _select(
            "checkin_local_hour",
            "Mentoring: check-ins arrive at",
            hours,
            settings.checkin_local_hour,
        ),
        _select(
            "checkin_first_month",
            "Mentoring: check-ins in the first month",
            first,
            settings.checkin_first_month,
        ),
        _select(
            "checkin_every_weeks", "Mentoring: then check-ins", weeks, settings.checkin_every_weeks
        ),
        _select("reminder_days", "Mentoring: one reminder", reminder, settings.reminder_days),
    ]


def _select(block_id: str, label: str, choices: list[Any], value: object) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        element=StaticSelectElement(
            action_id=block_id, options=choices, initial_option=_pick(choices, str(value))
        ),
    )


def _tick(block_id: str, label: str, choice: list[Any], ticked: bool) -> InputBlock:
    """A single checkbox; unticked arrives as an empty list, so it is optional to Slack."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=CheckboxesElement(
            action_id=block_id, options=choice, initial_options=choice if ticked else None
        ),
    )


def _pick(choices: list[Any], value: str | None) -> Any:
    return next((c for c in choices if c.value == value), None)


def program_saved_text(program: Program, created: bool) -> str:
    verb = "Created" if created else "Updated"
    name = escape(program.name)
    return f"{verb} *{name}* ({schedule_text(program)}). People join with `/mentor join {name}`."
