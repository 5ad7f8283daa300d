"""Conversation prompts: the starters in introductions and check-ins."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Prompt(Base):
    __tablename__ = "prompts"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: kick-off, regular, mid-point, close-out or coffee.
    stage: Mapped[str] = mapped_column(sa.String(16), index=True)
    #: sharing stories, active listening, informal chat, feedback, expectations, self-doubt,
    #: reflection.
    practice: Mapped[str] = mapped_column(sa.String(24))
    #: 1 is light, 3 is deep; rotations go from light to deep.
    depth: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(500))
    #: The workspace whose admin added it; shipped prompts have none and serve every workspace.
    team_id: Mapped[str | None] = mapped_column(sa.String(32), index=True, default=None)
    added_by: Mapped[str | None] = mapped_column(sa.String(32), default=None)
