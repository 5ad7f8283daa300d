"""Exactly one process runs scheduled jobs per database; another takes over when it goes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.scheduling.lease import lease_for
from bot.scheduling.scheduler import SchedulerRunner
from bot.services import Services


@pytest.fixture
def services(db: Database, clock: FrozenClock) -> Services:
    settings = Settings(database_url=str(db.engine.url.render_as_string(hide_password=False)))
    return Services.build(settings, db, WebClient(base_url="http://127.0.0.1:9/api/"), clock)


def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def runners(services: Services) -> Iterator[list[SchedulerRunner]]:
    started: list[SchedulerRunner] = []
    yield started
    for runner in started:
        runner.stop()


def start(services: Services, runners: list[SchedulerRunner]) -> SchedulerRunner:
    # Each runner has its own lease object, as two processes would.
    runner = SchedulerRunner(services, lease=lease_for(services.db.engine), check_every=0.05)
    runner.start()
    runners.append(runner)
    return runner


def test_only_one_runner_leads_and_the_other_takes_over(
    services: Services, runners: list[SchedulerRunner]
) -> None:
    first = start(services, runners)
    assert first.became_leader.wait(10)
    second = start(services, runners)
    time.sleep(0.3)  # several lease checks
    assert first.is_leader and not second.is_leader

    first.stop()
    assert second.became_leader.wait(10)
    assert second.is_leader


def test_the_leader_installs_the_standing_jobs_once(
    services: Services, runners: list[SchedulerRunner]
) -> None:
    runner = start(services, runners)
    assert runner.became_leader.wait(10)
    scheduler = runner.scheduler
    assert scheduler is not None
    standing = {
        "housekeeping.prune_processed_events",
        "rounds.sync_program_jobs",
        "rounds.follow_up",
        "rounds.catch_up",
        "mentorships.end_finished_terms",
        "mentoring.mid_point_reviews",
        "mentoring.close_outs",
        "checkins.send_due",
        "pulse.run_due",
        "insights.refresh_snapshots",
    }
    assert {job.id for job in scheduler.get_jobs()} == standing
    runner.stop()
    again = start(services, runners)
    assert again.became_leader.wait(10)
    assert again.scheduler is not None
    assert {job.id for job in again.scheduler.get_jobs()} == standing
