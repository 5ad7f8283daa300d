"""What people submit through modals, validated before anything is stored.

Field names equal the modal's block ids, so a validation error maps straight onto Slack's
inline ``response_action: errors`` without a translation table.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, time
from typing import Annotated, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from models.mentoring import GoalStatus
from models.programs import Cadence, ProgramKind, Role
from models.settings import ProgramSettings

MAX_TAGS = 10
MAX_TAG_LENGTH = 40
MAX_TAG_TEXT = 600
MAX_GOALS = 1000
MAX_PROGRAM_NAME = 60
MAX_DESCRIPTION = 500
MAX_OWNERS = 10
MAX_CAPACITY = 5
DEFAULT_CAPACITY = 2

_SEPARATORS = re.compile(r"[,;\n]+")
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """How program names compare: case, spacing and curly quotes don't matter."""
    straight = name.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(straight.split()).casefold()


def parse_tags(text: str | None) -> list[str]:
    """Split "Python, public speaking; SQL" into trimmed, case-folded, de-duplicated tags."""
    tags: list[str] = []
    for raw in _SEPARATORS.split(text or ""):
        tag = _SPACES.sub(" ", raw).strip().casefold()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _check_tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_TAGS:
        raise ValueError(f"At most {MAX_TAGS} tags, please (you gave {len(tags)}).")
    too_long = [tag for tag in tags if len(tag) > MAX_TAG_LENGTH]
    if too_long:
        raise ValueError(
            f"Keep each tag to {MAX_TAG_LENGTH} characters; shorten “{too_long[0][:45]}…”."
        )
    return tags


Tags = Annotated[list[str], AfterValidator(_check_tags)]


class ProfileInput(BaseModel):
    """A person's profile in one program."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    role: Role
    offers: Tags = Field(default_factory=list, validate_default=True)
    wants: Tags = Field(default_factory=list, validate_default=True)
    goals: str = Field(default="", max_length=MAX_GOALS)
    capacity: int = Field(default=0, ge=0, le=MAX_CAPACITY)

    @field_validator("offers", "wants", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str) or value is None:
            if value is not None and len(value) > MAX_TAG_TEXT:
                raise ValueError(f"Keep this under {MAX_TAG_TEXT} characters.")
            return parse_tags(value)
        return value

    @field_validator("offers", mode="after")
    @classmethod
    def _mentors_offer_something(cls, value: list[str], info: ValidationInfo) -> list[str]:
        role = info.data.get("role")
        if isinstance(role, Role) and role.mentors and not value:
            raise ValueError("As a mentor, name at least one thing you can offer.")
        return value

    @field_validator("wants", mode="after")
    @classmethod
    def _mentees_want_something(cls, value: list[str], info: ValidationInfo) -> list[str]:
        role = info.data.get("role")
        if role in {Role.MENTEE, Role.BOTH} and not value:
            raise ValueError("As a mentee, name at least one thing you want to learn.")
        return value

    @model_validator(mode="after")
    def _capacity_for_mentors_only(self) -> ProfileInput:
        if self.role.mentors and self.capacity < 1:
            object.__setattr__(self, "capacity", DEFAULT_CAPACITY)
        if not self.role.mentors:
            object.__setattr__(self, "capacity", 0)
        return self

    def fits(self, kind: ProgramKind) -> bool:
        return (self.role is Role.PEER) == (kind is ProgramKind.COFFEE)


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "Use an IANA time zone such as Europe/Berlin or America/New_York."
        ) from None
    if name not in available_timezones() and name != "UTC":
        raise ValueError("Use an IANA time zone such as Europe/Berlin or America/New_York.")
    return name


class ProgramInput(BaseModel):
    """A program's settings as an admin gives them."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    name: str = Field(min_length=1, max_length=MAX_PROGRAM_NAME)
    kind: ProgramKind
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    cadence: Cadence = Cadence.BIWEEKLY
    weekday: int = Field(default=0, ge=0, le=6)
    local_time: time = time(10, 0)
    timezone: Annotated[str, AfterValidator(_check_timezone)] = "UTC"
    audience: Literal["everyone", "channel"] = "everyone"
    channel_id: str | None = None
    owners: list[str] = Field(default_factory=list, max_length=MAX_OWNERS)
    settings: ProgramSettings = Field(default_factory=ProgramSettings)

    @model_validator(mode="before")
    @classmethod
    def _gather_settings(cls, data: object) -> object:
        """The modal's settings fields arrive flat, beside the others; they live together."""
        if not isinstance(data, dict):
            return data
        flat = dict(data)
        settings = dict(flat.pop("settings", {}) or {})
        for name in ProgramSettings.model_fields:
            if name in flat:
                value = flat.pop(name)
                # A checkbox arrives as the list of ticked options.
                settings[name] = bool(value) if isinstance(value, list) else value
        flat["settings"] = settings
        return flat

    @model_validator(mode="after")
    def _channel_when_asked_for(self) -> ProgramInput:
        # Slack can't clear a single select once chosen, so the audience choice decides.
        if self.audience == "everyone":
            object.__setattr__(self, "channel_id", None)
        elif not self.channel_id:
            raise PydanticCustomError("channel_missing", "Pick the channel whose members may join.")
        return self

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        value = _SPACES.sub(" ", value)
        if not re.fullmatch(r"[\w][\w .&'+-]*", value):
            raise ValueError("Use letters, digits, spaces and . & ' + - only.")
        return value

    @property
    def name_key(self) -> str:
        return name_key(self.name)


class FormErrors(Exception):
    """Validation failed; ``errors`` maps block ids to the message shown under each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

    @classmethod
    def from_validation(cls, error: ValidationError) -> FormErrors:
        """Keep the first message per field, in words a person can act on."""
        errors: dict[str, str] = {}
        for problem in error.errors():
            loc = [str(part) for part in problem["loc"]]
            # A setting's error belongs under its own field: ("settings", "group_size").
            field = loc[1] if loc[:1] == ["settings"] and len(loc) > 1 else (loc or ["form"])[0]
            message = str(problem["msg"]).removeprefix("Value error, ")
            if problem["type"] == "string_too_long":
                message = f"Keep this under {problem['ctx']['max_length']} characters."
            elif problem["type"] == "string_too_short":
                message = "This can't be empty."
            elif problem["type"] == "channel_missing":
                field = "channel_id"
            elif problem["type"] == "less_than_equal":
                message = f"Use a number up to {problem['ctx']['le']}."
            elif problem["type"] == "greater_than_equal":
                message = f"Use a number of at least {problem['ctx']['ge']}."
            errors.setdefault(field, message)
        return cls(errors)


# --- the mentorship loop: agreement, goals, feedback, mid-point review, close-out -----------

MAX_GOAL_TEXT = 300
GOAL_SLOTS = (1, 2, 3)
MAX_CHANNEL_DETAIL = 60
MAX_FEEDBACK_PART = 500
MAX_REVIEW_TEXT = 500
MAX_REFLECTION = 1000
MAX_THANKS = 500

#: How often a pair means to meet: option value -> the words stored on the agreement.
MEETING_CADENCES = {
    "weekly": "every week",
    "biweekly": "every 2 weeks",
    "every_3_weeks": "every 3 weeks",
    "monthly": "once a month",
}
#: Where they meet: option value -> the words stored (a detail may follow).
MEETING_CHANNELS = {
    "video": "video call",
    "in_person": "in person",
    "huddle": "Slack huddle",
    "other": "somewhere else",
}
#: What a goal can be at the mid-point (dropping one is an edit, not a review answer).
REVIEW_PROGRESS = (GoalStatus.OPEN, GoalStatus.MET, GoalStatus.PARTLY, GoalStatus.NOT_MET)
#: How a goal ended, as each side judges it at close-out.
CLOSE_OUT_OUTCOMES = (GoalStatus.MET, GoalStatus.PARTLY, GoalStatus.NOT_MET)

_GOAL_BLOCK = re.compile(r"goal_(\d+)")


def goal_field(slot: int, part: str) -> str:
    """The block id of one part ("what", "measure", "due", "status") of goal ``slot``."""
    return f"goal{slot}_{part}"


def goal_block(goal_id: int) -> str:
    """The block id of a stored goal's select in the review and close-out modals."""
    return f"goal_{goal_id}"


def _ticked(value: object) -> object:
    """A checkbox arrives as the list of ticked options: ticked means non-empty."""
    return bool(value) if isinstance(value, list) else value


Ticked = Annotated[bool, BeforeValidator(_ticked)]
GoalText = Annotated[str | None, Field(default=None, max_length=MAX_GOAL_TEXT)]


class GoalDraft(NamedTuple):
    slot: int
    what: str
    measure: str
    due_on: date


class _GoalSlots(BaseModel):
    """Up to three goals, each what / how we'll know / by when, given all together or not at all.

    The checks that need today's date and the term's end run in :meth:`_goal_problems`, after
    the fields parse, so every goal's problem shows under its own input at once.
    """

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    goal1_what: GoalText = None
    goal1_measure: GoalText = None
    goal1_due: date | None = None
    goal2_what: GoalText = None
    goal2_measure: GoalText = None
    goal2_due: date | None = None
    goal3_what: GoalText = None
    goal3_measure: GoalText = None
    goal3_due: date | None = None

    def _parts(self, slot: int) -> tuple[str | None, str | None, date | None]:
        what, measure, due = (
            getattr(self, goal_field(slot, p)) for p in ("what", "measure", "due")
        )
        return what or None, measure or None, due

    def goals(self) -> list[GoalDraft]:
        """The goals given, in slot order."""
        drafts = []
        for slot in GOAL_SLOTS:
            what, measure, due = self._parts(slot)
            if what and measure and due:
                drafts.append(GoalDraft(slot, what, measure, due))
        return drafts

    def _goal_problems(
        self,
        *,
        required: Collection[int],
        today: date,
        last_day: date,
        kept_dates: Mapping[int, date | None],
    ) -> dict[str, str]:
        """Inline errors for missing parts and dates outside (today, last_day].

        A date the goal already had (``kept_dates``) stays allowed, so a goal that fell due
        last month can still get its status changed.
        """
        errors: dict[str, str] = {}
        for slot in GOAL_SLOTS:
            what, measure, due = self._parts(slot)
            if not (what or measure or due) and slot not in required:
                continue
            partial = "" if slot in required else " Or leave this whole goal empty."
            if not what:
                errors[goal_field(slot, "what")] = "Say what you want to achieve." + partial
            if not measure:
                errors[goal_field(slot, "measure")] = "How will you know you got there?" + partial
            if due is None:
                errors[goal_field(slot, "due")] = "Pick a date to aim for." + partial
            elif due != kept_dates.get(slot):
                if due <= today:
                    errors[goal_field(slot, "due")] = "Pick a date after today."
                elif due > last_day:
                    errors[goal_field(slot, "due")] = (
                        f"Pick a date by {last_day.day} {last_day:%B %Y}, when your "
                        "mentorship's term ends."
                    )
        return errors


class AgreementInput(_GoalSlots):
    """The kick-off agreement: goals, how often and where to meet, and two ground rules."""

    cadence: str
    channel: str
    channel_detail: str | None = Field(default=None, max_length=MAX_CHANNEL_DETAIL)
    confidential: Ticked = False
    no_fault_exit: Ticked = False

    @field_validator("cadence")
    @classmethod
    def _known_cadence(cls, value: str) -> str:
        if value not in MEETING_CADENCES:
            raise ValueError("Choose one of the options.")
        return value

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        if value not in MEETING_CHANNELS:
            raise ValueError("Choose one of the options.")
        return value

    @classmethod
    def parse(cls, values: Mapping[str, Any], *, today: date, last_day: date) -> AgreementInput:
        """The form, or FormErrors naming every field that needs another look."""
        form = cls.model_validate(dict(values))
        errors = form._goal_problems(required={1}, today=today, last_day=last_day, kept_dates={})
        if form.channel == "other" and not form.channel_detail:
            errors["channel_detail"] = "Say where you'll meet."
        if not form.confidential:
            errors["confidential"] = "Agree to keep what you share between the two of you."
        if not form.no_fault_exit:
            errors["no_fault_exit"] = "Agree that either of you may end this, no fault."
        if errors:
            raise FormErrors(errors)
        return form

    @property
    def cadence_text(self) -> str:
        return MEETING_CADENCES[self.cadence]

    @property
    def channel_text(self) -> str:
        label = MEETING_CHANNELS[self.channel]
        if not self.channel_detail:
            return label
        return self.channel_detail if self.channel == "other" else f"{label}: {self.channel_detail}"


class GoalsEditInput(_GoalSlots):
    """A pair's goals after they agreed: change any part and status, or add goals up to three."""

    goal1_status: GoalStatus | None = None
    goal2_status: GoalStatus | None = None
    goal3_status: GoalStatus | None = None

    @classmethod
    def parse(
        cls,
        values: Mapping[str, Any],
        *,
        existing: Mapping[int, date | None],
        today: date,
        last_day: date,
    ) -> GoalsEditInput:
        """``existing`` maps the slots of stored goals to their dates: those can't be emptied."""
        form = cls.model_validate(dict(values))
        errors = form._goal_problems(
            required=set(existing), today=today, last_day=last_day, kept_dates=existing
        )
        if errors:
            raise FormErrors(errors)
        return form

    def status_of(self, slot: int) -> GoalStatus | None:
        status: GoalStatus | None = getattr(self, goal_field(slot, "status"))
        return status


FeedbackText = Annotated[str, Field(min_length=1, max_length=MAX_FEEDBACK_PART)]


class FeedbackInput(BaseModel):
    """Feedback shaped as situation, behaviour and impact, balanced with what went well."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    situation: FeedbackText
    behaviour: FeedbackText
    impact: FeedbackText
    went_well: FeedbackText
    try_next: FeedbackText


def _gather_goal_answers(data: object, into: str) -> object:
    """The modal's per-goal selects (block ids ``goal_<id>``) arrive flat; they live together."""
    if not isinstance(data, dict):
        return data
    flat = dict(data)
    answers = dict(flat.pop(into, {}) or {})
    for key in list(flat):
        match = _GOAL_BLOCK.fullmatch(key)
        if match:
            answers[int(match.group(1))] = flat.pop(key)
    flat[into] = answers
    return flat


ReviewText = Annotated[str, Field(min_length=1, max_length=MAX_REVIEW_TEXT)]


class ReviewInput(BaseModel):
    """The mid-point review: progress per goal, one keep, one change, and a private wish."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    progress: dict[int, GoalStatus] = Field(default_factory=dict)
    keep: ReviewText
    change: ReviewText
    rematch: Ticked = False

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: object) -> object:
        return _gather_goal_answers(data, "progress")

    @field_validator("progress")
    @classmethod
    def _review_answers(cls, value: dict[int, GoalStatus]) -> dict[int, GoalStatus]:
        if any(status not in REVIEW_PROGRESS for status in value.values()):
            raise ValueError("Choose one of the options for each goal.")
        return value


ReflectionText = Annotated[str, Field(min_length=1, max_length=MAX_REFLECTION)]


class CloseOutInput(BaseModel):
    """The close-out: each goal's outcome, a reflection, a thank-you, and may it be quoted."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    outcomes: dict[int, GoalStatus] = Field(default_factory=dict)
    helped: ReflectionText
    will_apply: ReflectionText
    thanks: str | None = Field(default=None, max_length=MAX_THANKS)
    quotable: Ticked = False

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: object) -> object:
        return _gather_goal_answers(data, "outcomes")

    @field_validator("outcomes")
    @classmethod
    def _close_out_answers(cls, value: dict[int, GoalStatus]) -> dict[int, GoalStatus]:
        if any(status not in CLOSE_OUT_OUTCOMES for status in value.values()):
            raise ValueError("Choose met, partly met or not met for each goal.")
        return value

    @classmethod
    def parse(cls, values: Mapping[str, Any], *, goal_ids: Collection[int]) -> CloseOutInput:
        """Every goal of the pair needs an outcome; answers for other goals are refused."""
        form = cls.model_validate(dict(values))
        errors = {
            goal_block(goal_id): "Choose how this goal went."
            for goal_id in goal_ids
            if goal_id not in form.outcomes
        }
        if set(form.outcomes) - set(goal_ids):
            errors["helped"] = "Your goals changed while the form was open; please open it again."
        if errors:
            raise FormErrors(errors)
        return form
