"""The real scheduler for scenario tests that move time: APScheduler on the bot's own job store,
started paused, so wall-clock time fires nothing and only a
:class:`sandbox.time_machine.TimeMachine` runs its jobs, at their trigger times.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.scheduling import jobs
from bot.scheduling.scheduler import install_standing_jobs
from models import JOBS_TABLE
from tests.scenarios.conftest import RunningBot


@contextmanager
def paused_scheduler(bot: RunningBot, *, standing: bool = True) -> Iterator[BackgroundScheduler]:
    """The scheduler with the job functions bound to ``bot``'s services and, if ``standing``,
    every standing job installed as in production; shut down when the block ends."""
    store = SQLAlchemyJobStore(engine=bot.sprout.services.db.engine, tablename=JOBS_TABLE)
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
    scheduler.start(paused=True)
    try:
        jobs.bind(bot.sprout.services)
        if standing:
            install_standing_jobs(scheduler)
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def keep_only(scheduler: BackgroundScheduler, prefix: str) -> None:
    """Remove every job whose id doesn't start with ``prefix``: the other capabilities' jobs
    have their own tests and would only slow a walk through months of one."""
    for job in scheduler.get_jobs():
        if not job.id.startswith(prefix):
            job.remove()
