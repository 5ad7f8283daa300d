"""A program's matching and round settings, with the defaults the README documents.

Stored as JSON on the program, so a new setting needs no migration: absent keys take their
default here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProgramSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Coffee chats
    group_size: int = Field(default=2, ge=2, le=4)
    cooldown_rounds: int = Field(default=10, ge=0, le=52)
    notice_before_round: bool = False
    # Every round
    followup_days: int = Field(default=2, ge=0, le=13)
    ghost_limit: int = Field(default=3, ge=2, le=10)
    # Mentoring
    term_months: int = Field(default=6, ge=1, le=24)
    require_shared_hours: bool = True
    min_shared_hours: float = Field(default=2.0, ge=0, le=9)
    weight_skills: int = Field(default=60, ge=0, le=100)
    weight_interests: int = Field(default=20, ge=0, le=100)
    weight_hours: int = Field(default=20, ge=0, le=100)
    repeat_penalty: int = Field(default=50, ge=0, le=200)
    # Mentoring check-ins: a DM at this local hour on a working day, in each person's zone
    checkin_local_hour: int = Field(default=10, ge=7, le=18)
    #: Check-ins in a pair's first four weeks, evenly spaced (2: days 14 and 28).
    checkin_first_month: int = Field(default=2, ge=0, le=4)
    #: Then one every this many weeks (4: monthly).
    checkin_every_weeks: int = Field(default=4, ge=1, le=12)
    #: One reminder this many days after an unanswered check-in; 0 sends none.
    reminder_days: int = Field(default=2, ge=0, le=7)

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> ProgramSettings:
        return cls.model_validate(stored or {})
