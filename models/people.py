"""A person as Sprout knows them: keyed by (team_id, user_id), as Slack keys people."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Person(Base):
    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    #: Set when Slack reports the account deactivated or gone; such people are left out of rounds.
    inactive: Mapped[bool] = mapped_column(default=False)
    #: A pause stops matching and messages; ``paused_until`` None means "until resumed".
    paused: Mapped[bool] = mapped_column(default=False)
    paused_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def is_paused(self, now: datetime) -> bool:
        """Paused right now: a dated pause ends by itself, no job needed to lift it."""
        return self.paused and (self.paused_until is None or now < self.paused_until)
