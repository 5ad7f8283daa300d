"""Handle each Slack event once, however often Slack delivers it.

Slack retries an event (X-Slack-Retry-Num) when our answer is slow or lost; the event_id stays
the same. The primary key on (team_id, event_id) makes "first delivery wins" atomic across
threads and processes.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.db import Database
from models import ProcessedEvent

#: Slack retries within minutes; a day of ids is plenty and keeps the table small.
KEEP_EVENT_IDS_FOR = timedelta(days=1)


class EventLedger:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def first_delivery(self, team_id: str, event_id: str) -> bool:
        """Record the event; False when it was recorded before (a retry or a duplicate)."""
        try:
            with self._db.session() as session:
                session.add(
                    ProcessedEvent(
                        team_id=team_id, event_id=event_id, received_at=self._clock.now()
                    )
                )
        except IntegrityError:
            return False
        return True

    def prune(self) -> int:
        cutoff = self._clock.now() - KEEP_EVENT_IDS_FOR
        with self._db.session() as session:
            result = session.execute(
                sa.delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff)
            )
            return int(getattr(result, "rowcount", 0) or 0)
