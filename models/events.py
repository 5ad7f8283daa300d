"""Slack events already handled, so a retried delivery (X-Slack-Retry-Num) is handled once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ProcessedEvent(Base):
    __tablename__ = "processed_events"

    team_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
