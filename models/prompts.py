"""Conversation prompts: the starters in introductions (and later, check-ins)."""

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
