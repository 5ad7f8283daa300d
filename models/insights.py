"""What the App Home shows of a program's insights, kept between refreshes.

The Home tab is published on every visit and after many clicks; computing a big program's
metrics each time would cost seconds per publish. A snapshot holds the headline as it was last
computed and the Slack file id of the chart uploaded with it, so a publish reads one row per
program, and the chart is uploaded only when it changed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class InsightSnapshot(Base):
    """One program's headline numbers and Home chart, as of ``computed_at``."""

    __tablename__ = "insight_snapshots"

    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    computed_at: Mapped[datetime]
    #: The headline in Block Kit mrkdwn: aggregates only, the same text for every reader.
    headline: Mapped[str] = mapped_column(sa.Text)
    #: Slack's id of the chart uploaded for the Home (private to the app), or None.
    chart_file_id: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    #: SHA-256 of that chart's PNG, so an unchanged chart is not uploaded again.
    chart_digest: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    chart_alt_text: Mapped[str | None] = mapped_column(sa.Text, default=None)
    #: When that chart was uploaded: Slack processes a new file for a moment before it shows.
    chart_uploaded_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The chart this one replaced, deleted at the next replacement rather than at once, so
    #: Home tabs published before the replacement keep their image until they are republished.
    retired_file_id: Mapped[str | None] = mapped_column(sa.String(32), default=None)
