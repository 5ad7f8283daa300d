"""What people submit through modals, validated before anything is stored.

Field names equal the modal's block ids, so a validation error maps straight onto Slack's
inline ``response_action: errors`` without a translation table.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

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
