"""When rounds happen: a program's cadence turned into concrete instants, DST included.

A program meets on a weekday at a local time in its own time zone, every 1, 2 or 4 weeks.
Weeks are counted from a fixed Monday, so "every 2 weeks" means the same weeks for every
process and every restart, and a round's period is simply the local date of its slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Weeks are counted from this Monday; any fixed Monday would do.
ANCHOR = date(2024, 1, 1)


@dataclass(frozen=True)
class Cadence:
    weekday: int
    local_time: time
    timezone: str
    weeks: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_round_week(self, day: date) -> bool:
        return ((day - ANCHOR).days // 7) % self.weeks == 0

    def slot(self, day: date) -> datetime:
        """The round instant on ``day`` in the program's zone (a skipped hour moves forward)."""
        local = datetime.combine(day, self.local_time, tzinfo=self.zone)
        # zoneinfo accepts wall times that don't exist (spring forward); normalise through UTC.
        return local.astimezone(ZoneInfo("UTC")).astimezone(self.zone)


@dataclass(frozen=True)
class Period:
    """One round's stretch: from its slot to the next round's slot."""

    key: str
    starts_at: datetime
    ends_at: datetime


def _round_days_back(cadence: Cadence, day: date) -> date:
    """The latest round day on or before ``day``."""
    offset = (day.weekday() - cadence.weekday) % 7
    candidate = day - timedelta(days=offset)
    while not cadence.is_round_week(candidate):
        candidate -= timedelta(days=7)
    return candidate


def period_at(cadence: Cadence, instant: datetime) -> Period:
    """The period that ``instant`` falls in."""
    local_day = instant.astimezone(cadence.zone).date()
    day = _round_days_back(cadence, local_day)
    if cadence.slot(day) > instant:
        day = _round_days_back(cadence, day - timedelta(days=1))
    nxt = day + timedelta(weeks=cadence.weeks)
    return Period(day.isoformat(), cadence.slot(day), cadence.slot(nxt))


def next_slot(cadence: Cadence, after: datetime) -> datetime:
    """The first round instant strictly after ``after``."""
    return period_at(cadence, after).ends_at
