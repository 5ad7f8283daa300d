"""Rounds on the program's cadence: one job per program in the persistent job store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.scheduling import jobs
from bot.scheduling.scheduler import sync_programs
from models import Round
from tests.scenarios.conftest import RunningBot
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program
from tests.scenarios.time_travel import paused_scheduler

TEAM = "T0SPROUT"


@pytest.fixture
def scheduler(bot: RunningBot) -> Iterator[BackgroundScheduler]:
    """The real scheduler on the real job store, paused so wall-clock time fires nothing."""
    with paused_scheduler(bot, standing=False) as scheduler:
        yield scheduler


def test_each_program_gets_a_round_job_in_its_own_time_zone(
    bot: RunningBot, scheduler: BackgroundScheduler
) -> None:
    create_program(bot, "Coffee", kind="coffee", timezone="Asia/Tokyo", weekday="2")
    sync_programs(scheduler, bot.sprout.services)
    job = scheduler.get_job("round:1")
    assert job is not None
    assert str(job.trigger) == "cron[day_of_week='wed', hour='10', minute='0']"
    assert str(job.trigger.timezone) == "Asia/Tokyo"
    assert scheduler.get_job("notice:1") is not None

    ada = bot.person("U01ADA")
    ada.mentor("program edit")
    ada.submit(weekday="4")
    ada.reply()
    sync_programs(scheduler, bot.sprout.services)
    sync_programs(scheduler, bot.sprout.services)  # idempotent
    assert str(scheduler.get_job("round:1").trigger).startswith("cron[day_of_week='fri'")
    assert len([j for j in scheduler.get_jobs() if j.id.startswith("round:")]) == 1

    ada.mentor("program edit")
    ada.submit(timezone="America/Los_Angeles")  # only the zone changes
    ada.reply()
    sync_programs(scheduler, bot.sprout.services)
    assert str(scheduler.get_job("round:1").trigger.timezone) == "America/Los_Angeles"


def test_a_round_missed_while_nothing_ran_is_caught_up_within_a_day(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee", cadence="weekly", timezone="Europe/Berlin")
    for user in ("U02BEN", "U03CAM"):
        join(bot.person(user))
    jobs.bind(bot.sprout.services)
    bot.clock.set(datetime(2026, 11, 24, 3, tzinfo=UTC))  # Monday's 10:00 slot passed 17 h ago
    jobs.catch_up_rounds()
    with bot.sprout.services.db.session() as session:
        assert [r.period for r in session.query(Round)] == ["2026-11-23"]
    bot.clock.set(datetime(2026, 12, 2, 12, tzinfo=UTC))  # two days after the next slot
    jobs.catch_up_rounds()
    with bot.sprout.services.db.session() as session:
        assert session.query(Round).count() == 1


def test_the_round_job_runs_only_in_round_weeks_and_only_once(bot: RunningBot) -> None:
    create_program(bot, "Coffee", kind="coffee", cadence="biweekly", timezone="Europe/Berlin")
    for user in ("U02BEN", "U03CAM"):
        join(bot.person(user))
    jobs.bind(bot.sprout.services)
    bot.clock.set(datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC))  # a Monday, off-week
    jobs.run_scheduled_round(TEAM, 1)
    with bot.sprout.services.db.session() as session:
        assert session.query(Round).count() == 0
    bot.clock.set(datetime(2026, 11, 30, 9, 0, 30, tzinfo=UTC))  # the next Monday: a round week
    jobs.run_scheduled_round(TEAM, 1)
    jobs.run_scheduled_round(TEAM, 1)  # the job firing twice
    with bot.sprout.services.db.session() as session:
        [round_] = session.query(Round).all()
        assert round_.period == "2026-11-30"
        assert round_.ends_at == datetime(2026, 12, 14, 9, tzinfo=UTC)
