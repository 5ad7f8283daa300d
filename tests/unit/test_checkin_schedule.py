"""The check-in arithmetic: working mornings in each person's zone, across clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.checkins.schedule import (
    Cadence,
    due_at,
    in_window,
    local_instant,
    next_check_in,
    next_window,
    nominal_day,
    reminder_at,
    working_day,
    zone,
)

DEFAULT = Cadence()
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/London",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "UTC",
]


def local(instant: datetime, timezone: str) -> datetime:
    return instant.astimezone(ZoneInfo(timezone))


def test_the_default_cadence_is_twice_in_the_first_month_then_every_four_weeks() -> None:
    assert [nominal_day(DEFAULT, n) for n in range(1, 6)] == [14, 28, 56, 84, 112]


@pytest.mark.parametrize(
    ("first_month", "every_weeks", "days"),
    [
        (1, 4, [28, 56, 84]),
        (3, 4, [9, 19, 28, 56]),
        (4, 2, [7, 14, 21, 28, 42]),
        (0, 4, [28, 56, 84]),
        (0, 1, [7, 14, 21]),
    ],
)
def test_other_cadences_spread_the_first_month_evenly(
    first_month: int, every_weeks: int, days: list[int]
) -> None:
    cadence = Cadence(first_month=first_month, every_weeks=every_weeks)
    assert [nominal_day(cadence, n) for n in range(1, len(days) + 1)] == days


def test_a_cadence_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        Cadence(first_month=5)
    with pytest.raises(ValueError):
        Cadence(every_weeks=0)
    with pytest.raises(ValueError):
        nominal_day(DEFAULT, 0)


def test_weekends_move_to_the_monday_after() -> None:
    friday, saturday, sunday, monday = (date(2027, 3, d) for d in (5, 6, 7, 8))
    assert working_day(friday) == friday
    assert working_day(saturday) == monday
    assert working_day(sunday) == monday
    assert working_day(monday) == monday


def test_new_york_keeps_ten_oclock_across_the_march_change() -> None:
    start = datetime(2027, 2, 24, 15, tzinfo=UTC)  # Wednesday 10:00 EST
    first = due_at(start, "America/New_York", DEFAULT, 1)
    second = due_at(start, "America/New_York", DEFAULT, 2)
    # 10 March is before the clocks go forward (14 March); 24 March is after.
    assert first == datetime(2027, 3, 10, 15, tzinfo=UTC)  # 10:00 EST
    assert second == datetime(2027, 3, 24, 14, tzinfo=UTC)  # 10:00 EDT
    assert [local(d, "America/New_York").hour for d in (first, second)] == [10, 10]


def test_berlin_keeps_ten_oclock_across_both_changes() -> None:
    start = datetime(2027, 3, 3, 9, tzinfo=UTC)  # Wednesday 10:00 CET
    dues = [due_at(start, "Europe/Berlin", DEFAULT, n) for n in range(1, 11)]
    assert dues[1] == datetime(2027, 3, 31, 8, tzinfo=UTC)  # after 28 March: CEST
    assert dues[-1] == datetime(2027, 11, 10, 9, tzinfo=UTC)  # after 31 October: CET
    for due in dues:
        there = local(due, "Europe/Berlin")
        assert (there.hour, there.minute) == (10, 0) and there.weekday() < 5


def test_a_friday_evening_pair_counts_from_its_friday_and_checks_in_on_a_monday() -> None:
    # Saturday 02:00 UTC is still Friday evening in New York: the days count from Friday.
    start = datetime(2027, 1, 9, 2, tzinfo=UTC)
    due = due_at(start, "America/New_York", Cadence(first_month=1), 1)
    # Friday 8 January + 28 days = Friday 5 February: a working day, kept.
    assert local(due, "America/New_York") == datetime(
        2027, 2, 5, 10, tzinfo=ZoneInfo("America/New_York")
    )
    # In Berlin the same instant is already Saturday, so 28 days on is a Saturday: Monday.
    due = due_at(start, "Europe/Berlin", Cadence(first_month=1), 1)
    assert local(due, "Europe/Berlin") == datetime(2027, 2, 8, 10, tzinfo=ZoneInfo("Europe/Berlin"))


def test_far_east_and_far_west_get_their_own_working_morning() -> None:
    start = datetime(2027, 1, 7, 22, tzinfo=UTC)  # Friday 11:00 in Auckland, Thursday in LA
    auckland = due_at(start, "Pacific/Auckland", DEFAULT, 1)
    los_angeles = due_at(start, "America/Los_Angeles", DEFAULT, 1)
    # Auckland: Friday 22 January 10:00 NZDT, which is Thursday 21:00 UTC.
    assert auckland == datetime(2027, 1, 21, 21, tzinfo=UTC)
    assert local(auckland, "Pacific/Auckland").weekday() == 4
    # Los Angeles: Thursday 21 January 10:00 PST, 18:00 UTC.
    assert los_angeles == datetime(2027, 1, 21, 18, tzinfo=UTC)
    # Auckland's clocks go back on 4 April 2027; 10:00 stays 10:00 (NZST, UTC+12).
    after = due_at(start, "Pacific/Auckland", DEFAULT, 5)
    assert local(after, "Pacific/Auckland").hour == 10
    assert after.astimezone(UTC).hour == 22


def test_half_hour_zones_get_ten_oclock_too() -> None:
    start = datetime(2027, 5, 5, 6, tzinfo=UTC)
    for timezone in ("Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"):
        there = local(due_at(start, timezone, DEFAULT, 1), timezone)
        assert (there.hour, there.minute) == (10, 0)


@pytest.mark.parametrize("timezone", [None, "", "Mars/Olympus", "../etc/passwd", "Not a zone"])
def test_an_unknown_zone_counts_as_utc(timezone: str | None) -> None:
    assert zone(timezone) is UTC
    start = datetime(2027, 3, 3, 12, tzinfo=UTC)
    assert due_at(start, timezone, DEFAULT, 1) == datetime(2027, 3, 17, 10, tzinfo=UTC)


def test_a_skipped_local_time_lands_after_the_gap_and_a_doubled_one_on_its_first() -> None:
    new_york = ZoneInfo("America/New_York")
    # 02:00 on 14 March 2027 doesn't exist in New York; the clock shows 03:00 EDT instead.
    sprung = local_instant(date(2027, 3, 14), 2, new_york)
    assert sprung == datetime(2027, 3, 14, 7, tzinfo=UTC)
    assert sprung.astimezone(new_york).hour == 3
    # 01:00 on 7 November 2027 happens twice; the first (EDT) is the one.
    assert local_instant(date(2027, 11, 7), 1, new_york) == datetime(2027, 11, 7, 5, tzinfo=UTC)


def test_the_reminder_comes_two_days_later_on_a_working_morning() -> None:
    cadence = DEFAULT
    thursday = datetime(2027, 3, 4, 15, tzinfo=UTC)  # 10:00 EST
    monday = datetime(2027, 3, 8, 15, tzinfo=UTC)
    assert reminder_at(thursday, "America/New_York", cadence) == monday  # not Saturday
    wednesday = datetime(2027, 3, 10, 15, tzinfo=UTC)
    assert reminder_at(monday, "America/New_York", cadence) == wednesday
    # Sent Friday 12 March (EST), reminded Monday 15 March at 10:00 EDT: 14:00 UTC.
    friday = datetime(2027, 3, 12, 15, tzinfo=UTC)
    assert reminder_at(friday, "America/New_York", cadence) == datetime(2027, 3, 15, 14, tzinfo=UTC)
    # Sent late in the morning, reminded at the hour all the same.
    late = datetime(2027, 3, 8, 17, 40, tzinfo=UTC)
    assert reminder_at(late, "America/New_York", cadence) == wednesday
    assert reminder_at(monday, "America/New_York", Cadence(reminder_days=0)) is None


def test_the_sending_window_is_a_working_morning() -> None:
    timezone = "Europe/Berlin"
    monday_ten = datetime(2027, 3, 8, 9, tzinfo=UTC)
    assert in_window(monday_ten, timezone, DEFAULT)
    assert in_window(monday_ten + timedelta(hours=2, minutes=59), timezone, DEFAULT)
    assert not in_window(monday_ten + timedelta(hours=3), timezone, DEFAULT)
    assert not in_window(monday_ten - timedelta(minutes=1), timezone, DEFAULT)
    assert not in_window(monday_ten - timedelta(days=2), timezone, DEFAULT)  # Saturday
    assert not in_window(monday_ten - timedelta(hours=12), timezone, DEFAULT)  # night


def test_the_next_window_is_today_if_it_hasnt_opened_else_the_next_working_day() -> None:
    timezone = "Europe/Berlin"
    friday_nine = datetime(2027, 3, 5, 8, tzinfo=UTC)
    assert next_window(friday_nine, timezone, DEFAULT) == datetime(2027, 3, 5, 9, tzinfo=UTC)
    friday_afternoon = datetime(2027, 3, 5, 14, tzinfo=UTC)
    assert next_window(friday_afternoon, timezone, DEFAULT) == datetime(2027, 3, 8, 9, tzinfo=UTC)
    # Friday 26 March to Monday 29 March crosses the change to summer time.
    assert next_window(datetime(2027, 3, 26, 14, tzinfo=UTC), timezone, DEFAULT) == datetime(
        2027, 3, 29, 8, tzinfo=UTC
    )


def test_the_next_check_in_is_the_first_slot_not_before_and_none_after_the_term() -> None:
    start = datetime(2027, 3, 3, 9, tzinfo=UTC)
    ends = start + timedelta(days=90)
    timezone = "Europe/Berlin"
    first = due_at(start, timezone, DEFAULT, 1)
    assert next_check_in(start, timezone, DEFAULT, not_before=start, ends=ends) == first
    second = due_at(start, timezone, DEFAULT, 2)
    after_first = first + timedelta(days=3)
    assert next_check_in(start, timezone, DEFAULT, not_before=after_first, ends=ends) == second
    # Someone who was away until after the third slot picks the schedule up at the fourth.
    back = due_at(start, timezone, DEFAULT, 3) + timedelta(days=3)
    assert next_check_in(start, timezone, DEFAULT, not_before=back, ends=ends) == due_at(
        start, timezone, DEFAULT, 4
    )
    assert next_check_in(start, timezone, DEFAULT, not_before=back, ends=back) is None


@given(
    timezone=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    number=st.integers(min_value=1, max_value=12),
    first_month=st.integers(min_value=0, max_value=4),
    every_weeks=st.integers(min_value=1, max_value=8),
    hour=st.integers(min_value=7, max_value=18),
)
def test_every_check_in_is_at_the_hour_on_a_working_day_and_in_order(
    timezone: str,
    start: datetime,
    number: int,
    first_month: int,
    every_weeks: int,
    hour: int,
) -> None:
    cadence = Cadence(first_month=first_month, every_weeks=every_weeks, local_hour=hour)
    due = due_at(start, timezone, cadence, number)
    there = local(due, timezone)
    assert (there.hour, there.minute, there.second) == (hour, 0, 0)
    assert there.weekday() < 5
    start_day = local(start, timezone).date()
    late = (there.date() - start_day).days - nominal_day(cadence, number)
    assert 0 <= late <= 2  # at most a weekend later than the plan
    assert due_at(start, timezone, cadence, number + 1) > due
    assert in_window(due, timezone, cadence)
    assert next_window(due, timezone, cadence) == due
    reminder = reminder_at(due, timezone, cadence)
    assert reminder is not None and in_window(reminder, timezone, cadence)
