"""The time machine fires jobs where their real APScheduler triggers say, on a moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import FrozenClock
from sandbox.time_machine import MovableClock, TimeMachine

ran: list[tuple[str, datetime]] = []
clock = FrozenClock(datetime(2027, 3, 10, 12, tzinfo=UTC))  # a Wednesday, before US DST starts


def record(name: str) -> None:
    ran.append((name, clock.now()))


def explode() -> None:
    raise RuntimeError("boom")


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    ran.clear()
    clock.set(datetime(2027, 3, 10, 12, tzinfo=UTC))
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def add(scheduler: BackgroundScheduler, job_id: str, trigger: object, *args: object) -> None:
    """As production adds jobs: first run reckoned from the bot's clock, not the wall."""
    func = explode if job_id == "explodes" else record
    scheduler.add_job(
        func,
        trigger,
        args=list(args),
        id=job_id,
        next_run_time=trigger.get_next_fire_time(None, clock.now()),  # type: ignore[attr-defined]
    )


def test_a_weekly_cron_job_keeps_its_local_hour_across_a_dst_change(
    scheduler: BackgroundScheduler,
) -> None:
    new_york = "America/New_York"
    add(scheduler, "monday", CronTrigger(day_of_week="mon", hour=10, timezone=new_york), "mon")
    TimeMachine(scheduler, clock).advance(timedelta(days=14))
    local = [at.astimezone(ZoneInfo(new_york)) for _, at in ran]
    assert [(t.date().isoformat(), t.hour) for t in local] == [
        ("2027-03-15", 10),  # the day after DST began (14 March)
        ("2027-03-22", 10),
    ]
    assert [at.hour for _, at in ran] == [14, 14]  # 10:00 EDT is 14:00 UTC
    assert clock.now() == datetime(2027, 3, 24, 12, tzinfo=UTC)


def test_jobs_run_in_time_order_with_the_clock_at_each_fire_time(
    scheduler: BackgroundScheduler,
) -> None:
    add(scheduler, "late", DateTrigger(datetime(2027, 3, 11, 9, tzinfo=UTC)), "late")
    add(scheduler, "early", DateTrigger(datetime(2027, 3, 10, 18, tzinfo=UTC)), "early")
    fired = TimeMachine(scheduler, clock).advance(timedelta(days=2))
    assert ran == [
        ("early", datetime(2027, 3, 10, 18, tzinfo=UTC)),
        ("late", datetime(2027, 3, 11, 9, tzinfo=UTC)),
    ]
    assert [f.job_id for f in fired] == ["early", "late"]
    assert scheduler.get_jobs() == []  # one-off jobs are done, as in APScheduler


def test_frequent_jobs_coalesce_to_one_run_per_resolution_window(
    scheduler: BackgroundScheduler,
) -> None:
    add(scheduler, "every-minute", IntervalTrigger(minutes=1, start_date=clock.now()), "tick")
    machine = TimeMachine(scheduler, clock, resolution=timedelta(minutes=15))
    machine.advance(timedelta(hours=1))
    assert len(ran) == 5  # 12:00, 12:15, 12:30, 12:45, 13:00 instead of 61 runs
    assert [at.minute for _, at in ran] == [0, 15, 30, 45, 0]


def test_a_failing_job_is_reported_and_time_goes_on(scheduler: BackgroundScheduler) -> None:
    add(scheduler, "explodes", IntervalTrigger(hours=1, start_date=clock.now()))
    add(scheduler, "after", DateTrigger(datetime(2027, 3, 10, 13, 30, tzinfo=UTC)), "after")
    fired = TimeMachine(scheduler, clock).advance(timedelta(hours=2))
    assert [f.failed for f in fired if f.job_id == "explodes"] == [True, True, True]
    assert ran == [("after", datetime(2027, 3, 10, 13, 30, tzinfo=UTC))]


def test_time_only_moves_forward(scheduler: BackgroundScheduler) -> None:
    with pytest.raises(ValueError):
        TimeMachine(scheduler, clock).advance(timedelta(seconds=-1))


def test_a_movable_clock_flows_with_the_wall_and_never_goes_back() -> None:
    wall = [datetime(2027, 1, 1, tzinfo=UTC)]
    movable = MovableClock(lambda: wall[0])
    movable.set(datetime(2027, 1, 8, tzinfo=UTC))
    wall[0] += timedelta(minutes=5)
    assert movable.now() == datetime(2027, 1, 8, 0, 5, tzinfo=UTC)
    movable.set(datetime(2027, 1, 2, tzinfo=UTC))  # earlier than now: ignored
    assert movable.now() == datetime(2027, 1, 8, 0, 5, tzinfo=UTC)


def test_a_clock_that_keeps_moving_does_not_drift_jobs_off_their_grid(
    scheduler: BackgroundScheduler,
) -> None:
    wall = [datetime(2027, 3, 10, 12, tzinfo=UTC)]

    def ticking() -> datetime:
        wall[0] += timedelta(milliseconds=7)  # time passes while jobs run, as in the sandbox
        return wall[0]

    moving = MovableClock(ticking)
    start = moving.now()
    trigger = IntervalTrigger(minutes=15, start_date=start)
    scheduler.add_job(record, trigger, args=["tick"], id="quarterly", next_run_time=start)
    fired = TimeMachine(scheduler, moving, resolution=timedelta(hours=1)).advance(timedelta(days=1))
    assert len(fired) == 25  # hourly, 12:00 today to 12:00 tomorrow, not every 75 minutes
    assert all((f.at - start) % timedelta(hours=1) == timedelta(0) for f in fired)
