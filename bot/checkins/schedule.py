"""When check-ins and their reminders are due: pure arithmetic on dates, zones and a cadence.

A check-in is meant for a working morning of the person who gets it, in their own time zone,
however far east or west they are and whatever their clocks did since the pair started. So
every instant here is reckoned as a local date first (days after the start, moved off the
weekend), then a local hour on that date, and only then turned into UTC with zoneinfo, which
knows each zone's daylight-saving rules. Adding hours to a UTC instant instead would drift
by an hour across every clock change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The first month, in which a pair gets its closer-spaced check-ins, counts four weeks.
FIRST_MONTH_DAYS = 28
#: A check-in may still go out this long after its hour (the process was down, the person
#: was paused); later than that it waits for the next working morning instead.
SEND_WINDOW = timedelta(hours=3)
#: A check-in that had to wait (a pause, an outage) leaves at least this long before the next,
#: so nobody gets two on consecutive days; the next then takes the schedule's following slot.
MIN_GAP = timedelta(days=3)
#: Saturday and Sunday, as :meth:`date.weekday` numbers them.
WEEKEND = (5, 6)


@dataclass(frozen=True)
class Cadence:
    """A program's check-in rhythm (see models.settings.ProgramSettings for the knobs)."""

    #: How many check-ins fall in the first four weeks, evenly spaced (2: days 14 and 28).
    first_month: int = 2
    #: After the first month, one check-in every this many weeks.
    every_weeks: int = 4
    #: The local hour (on the hour) at which check-ins and reminders arrive.
    local_hour: int = 10
    #: A single reminder this many days after an unanswered check-in; 0 sends none.
    reminder_days: int = 2

    def __post_init__(self) -> None:
        if not 0 <= self.first_month <= 4:
            raise ValueError("first_month is 0 to 4 check-ins")
        if self.every_weeks < 1:
            raise ValueError("every_weeks is at least 1")
        if not 0 <= self.local_hour <= 23:
            raise ValueError("local_hour is 0 to 23")
        if self.reminder_days < 0:
            raise ValueError("reminder_days is not negative")


def zone(name: str | None) -> tzinfo:
    """The IANA zone ``name``, or UTC for a missing, unknown or malformed one."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def nominal_day(cadence: Cadence, number: int) -> int:
    """Days after the start on which check-in ``number`` (from 1) nominally falls."""
    if number < 1:
        raise ValueError("check-ins are numbered from 1")
    k = cadence.first_month
    if number <= k:
        # Evenly spread over the first month, rounded to whole days (3: days 9, 19, 28).
        return (FIRST_MONTH_DAYS * number + k // 2) // k
    base = FIRST_MONTH_DAYS if k else 0
    return base + 7 * cadence.every_weeks * (number - k)


def working_day(day: date) -> date:
    """``day`` itself on Monday to Friday; a Saturday or Sunday moves to the Monday after."""
    weekday = day.weekday()
    return day + timedelta(days=7 - weekday) if weekday in WEEKEND else day


def local_instant(day: date, hour: int, where: tzinfo) -> datetime:
    """The UTC instant at which clocks in ``where`` show ``hour``:00 on ``day``.

    A time that a clock change skips (02:30 on the night clocks spring forward) is read with
    the offset from before the change, which lands just after the gap (03:30); a time that
    happens twice (the night clocks fall back) is its first occurrence. Both are what a person
    would expect their alarm clock to do.
    """
    return datetime.combine(day, time(hour), tzinfo=where).astimezone(UTC)


def due_at(start: datetime, timezone: str | None, cadence: Cadence, number: int) -> datetime:
    """When check-in ``number`` is due for someone in ``timezone`` whose pair began at ``start``.

    The days count from the start's date where the person is, so a pair formed late on a
    Friday in Auckland counts from that Friday, not from Thursday in UTC.
    """
    where = zone(timezone)
    first_day = start.astimezone(where).date()
    day = working_day(first_day + timedelta(days=nominal_day(cadence, number)))
    return local_instant(day, cadence.local_hour, where)


def next_check_in(
    start: datetime,
    timezone: str | None,
    cadence: Cadence,
    *,
    not_before: datetime,
    ends: datetime,
) -> datetime | None:
    """The first scheduled instant at or after ``not_before``, or None if the term ends first."""
    number = 1
    while True:
        due = due_at(start, timezone, cadence, number)
        if due >= ends:
            return None
        if due >= not_before:
            return due
        number += 1


def window_start(day: date, timezone: str | None, cadence: Cadence) -> datetime:
    """When ``day``'s sending window opens for someone in ``timezone``."""
    return local_instant(day, cadence.local_hour, zone(timezone))


def in_window(now: datetime, timezone: str | None, cadence: Cadence) -> bool:
    """Whether ``now`` is a working-day morning where the person is, fit for a check-in.

    The window opens at the cadence's hour and stays open for :data:`SEND_WINDOW`; never at
    night, never at a weekend.
    """
    local_day = now.astimezone(zone(timezone)).date()
    if local_day.weekday() in WEEKEND:
        return False
    opens = window_start(local_day, timezone, cadence)
    return opens <= now < opens + SEND_WINDOW


def next_window(now: datetime, timezone: str | None, cadence: Cadence) -> datetime:
    """The next time a window opens, at or after ``now`` (today's, if it hasn't yet)."""
    day = working_day(now.astimezone(zone(timezone)).date())
    while True:
        opens = window_start(day, timezone, cadence)
        if opens >= now:
            return opens
        day = working_day(day + timedelta(days=1))


def previous_window(instant: datetime, timezone: str | None, cadence: Cadence) -> datetime:
    """The last time a window opened at or before ``instant`` (a working day's local hour).

    The mirror of :func:`next_window`, for what must happen a while before a deadline (a
    pulse's reminder, a working day before it closes).
    """
    day = instant.astimezone(zone(timezone)).date()
    while True:
        if day.weekday() not in WEEKEND:
            opens = window_start(day, timezone, cadence)
            if opens <= instant:
                return opens
        day -= timedelta(days=1)


def reminder_at(sent_at: datetime, timezone: str | None, cadence: Cadence) -> datetime | None:
    """When the single reminder for a check-in sent at ``sent_at`` is due; None if never.

    ``reminder_days`` after the day it was sent, on a working day, at the same local hour.
    """
    if cadence.reminder_days <= 0:
        return None
    where = zone(timezone)
    day = sent_at.astimezone(where).date() + timedelta(days=cadence.reminder_days)
    return local_instant(working_day(day), cadence.local_hour, where)
