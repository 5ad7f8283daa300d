"""Runs APScheduler in the one process that holds the lease, and hands over when it dies.

Every process runs a small watcher thread. The one that wins the lease starts APScheduler on
the shared SQLAlchemy job store; the others keep trying every few seconds, so when the leader
is killed its lock vanishes with its connection or file handle and the next one takes over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduling import jobs
from bot.scheduling.lease import Lease, lease_for
from bot.services import Services
from models import JOBS_TABLE

log = logging.getLogger(__name__)

#: How often a follower checks whether the lease became free, and the leader that it still holds.
LEASE_CHECK_SECONDS = 5.0


def install_standing_jobs(scheduler: BackgroundScheduler) -> None:
    """Jobs every Sprout runs; replace_existing keeps one copy however often this runs."""
    scheduler.add_job(
        jobs.prune_processed_events,
        IntervalTrigger(hours=1),
        id="housekeeping.prune_processed_events",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=3600,
    )


class SchedulerRunner:
    def __init__(
        self,
        services: Services,
        *,
        lease: Lease | None = None,
        check_every: float = LEASE_CHECK_SECONDS,
        install: Callable[[BackgroundScheduler], None] = install_standing_jobs,
    ) -> None:
        self._services = services
        self._lease = lease or lease_for(services.db.engine)
        self._check_every = check_every
        self._install = install
        self._scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.became_leader = threading.Event()

    @property
    def is_leader(self) -> bool:
        return self._scheduler is not None

    @property
    def scheduler(self) -> BackgroundScheduler | None:
        return self._scheduler

    def start(self) -> None:
        jobs.bind(self._services)
        self._thread = threading.Thread(target=self._watch, name="sprout-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._step_down()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self._check()
            except Exception as error:  # a database hiccup must not kill the watcher
                log.warning("scheduler lease check failed: %s", type(error).__name__)
            self._stop.wait(self._check_every)

    def _check(self) -> None:
        if self._scheduler is None:
            if self._lease.try_acquire():
                self._lead()
        elif not self._lease.still_held():
            log.warning("scheduler lease lost; stopping jobs here")
            self._step_down()

    def _lead(self) -> None:
        scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self._services.db.engine, tablename=JOBS_TABLE)
            },
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        scheduler.start()
        self._install(scheduler)
        self._scheduler = scheduler
        log.info("this process holds the scheduler lease and runs scheduled jobs")
        self.became_leader.set()

    def _step_down(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self._lease.release()
