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

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> ProgramSettings:
        return cls.model_validate(stored or {})
