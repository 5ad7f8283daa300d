"""Round periods: cadence weeks, local times and daylight-saving changes."""

from datetime import UTC, date, datetime, time

from bot.pairing.periods import Cadence, next_slot, period_at

BERLIN_MONDAYS_10 = Cadence(weekday=0, local_time=time(10, 0), timezone="Europe/Berlin", weeks=1)


def test_a_weekly_period_runs_from_one_monday_slot_to_the_next() -> None:
    period = period_at(BERLIN_MONDAYS_10, datetime(2026, 11, 26, 12, tzinfo=UTC))  # a Thursday
    assert period.key == "2026-11-23"
    assert period.starts_at == datetime(2026, 11, 23, 9, tzinfo=UTC)  # 10:00 CET
    assert period.ends_at == datetime(2026, 11, 30, 9, tzinfo=UTC)


def test_just_before_the_slot_is_still_the_previous_period() -> None:
    period = period_at(BERLIN_MONDAYS_10, datetime(2026, 11, 30, 8, 59, tzinfo=UTC))
    assert period.key == "2026-11-23"
    assert period_at(BERLIN_MONDAYS_10, datetime(2026, 11, 30, 9, tzinfo=UTC)).key == "2026-11-30"


def test_every_two_weeks_uses_the_same_weeks_everywhere() -> None:
    fortnightly = Cadence(0, time(10), "Europe/Berlin", weeks=2)
    keys = {period_at(fortnightly, datetime(2026, 11, d, 12, tzinfo=UTC)).key for d in range(1, 29)}
    assert keys == {"2026-10-19", "2026-11-02", "2026-11-16"}
    assert all((date.fromisoformat(k) - date(2024, 1, 1)).days % 14 == 0 for k in keys)


def test_the_local_time_holds_across_the_daylight_saving_change() -> None:
    # Berlin leaves summer time on 2026-10-25: 10:00 is 08:00 UTC before and 09:00 UTC after.
    before = period_at(BERLIN_MONDAYS_10, datetime(2026, 10, 20, tzinfo=UTC))
    assert before.starts_at == datetime(2026, 10, 19, 8, tzinfo=UTC)
    assert before.ends_at == datetime(2026, 10, 26, 9, tzinfo=UTC)


def test_a_time_skipped_by_spring_forward_moves_to_the_next_hour() -> None:
    night = Cadence(weekday=6, local_time=time(2, 30), timezone="Europe/Berlin", weeks=1)
    # 2027-03-28 02:30 does not exist in Berlin; the slot is 03:30 CEST = 01:30 UTC.
    slot = next_slot(night, datetime(2027, 3, 27, tzinfo=UTC))
    assert slot == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_the_next_slot_is_strictly_after() -> None:
    monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert next_slot(BERLIN_MONDAYS_10, monday) == datetime(2026, 12, 7, 9, tzinfo=UTC)
