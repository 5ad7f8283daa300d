"""The APScheduler triggers behind rounds: local weekday and time, across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.scheduling.scheduler import round_trigger
from models import Cadence, Program, ProgramKind


def program(weekday: int = 0, at: time = time(10), zone: str = "America/New_York") -> Program:
    return Program(
        id=7,
        team_id="T1",
        name="Coffee",
        name_key="coffee",
        kind=ProgramKind.COFFEE,
        cadence=Cadence.WEEKLY,
        weekday=weekday,
        local_time=at,
        timezone=zone,
        settings={},
    )


def fires(trigger: object, after: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    previous = None
    now = after
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, now)  # type: ignore[attr-defined]
        times.append(nxt.astimezone(UTC))
        previous, now = nxt, nxt
    return times


def test_the_round_trigger_keeps_local_time_across_the_change_to_winter_time() -> None:
    # New York leaves daylight saving on Sunday 2026-11-01.
    got = fires(round_trigger(program()), datetime(2026, 10, 20, tzinfo=UTC), 3)
    assert got == [
        datetime(2026, 10, 26, 14, tzinfo=UTC),  # 10:00 EDT
        datetime(2026, 11, 2, 15, tzinfo=UTC),  # 10:00 EST
        datetime(2026, 11, 9, 15, tzinfo=UTC),
    ]


def test_the_notice_trigger_fires_the_day_before_at_the_same_local_time() -> None:
    got = fires(
        round_trigger(program(weekday=0), days_before=1), datetime(2026, 11, 26, tzinfo=UTC), 1
    )
    assert got == [datetime(2026, 11, 29, 15, tzinfo=UTC)]  # Sunday 10:00 EST


def test_the_notice_for_a_monday_round_wraps_back_to_sunday() -> None:
    start = datetime(2026, 11, 26, tzinfo=UTC)
    [notice] = fires(round_trigger(program(weekday=0), days_before=1), start, 1)
    assert notice.astimezone(ZoneInfo("America/New_York")).weekday() == 6


def test_a_round_in_tokyo_fires_on_its_local_monday_which_is_sunday_in_utc() -> None:
    start = datetime(2026, 11, 26, tzinfo=UTC)
    [fire] = fires(round_trigger(program(at=time(8), zone="Asia/Tokyo")), start, 1)
    assert fire == datetime(2026, 11, 29, 23, tzinfo=UTC)
