"""Runs APScheduler in the one process that holds the lease, and hands over when it dies.

Every process runs a small watcher thread. The one that wins the lease starts APScheduler on
the shared SQLAlchemy job store and the outbox's delivery thread; the others keep trying every
few seconds, so when the leader is killed its lock vanishes with its connection or file handle
and the next one takes over, settling any message the dead leader left half-sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.insights.snapshots import REFRESH_EVERY
from bot.scheduling import jobs
from bot.scheduling.lease import Lease, lease_for
from bot.services import Services
from bot.slack.delivery import DeliveryWorker
from models import JOBS_TABLE, Program

log = logging.getLogger(__name__)

#: How often a follower checks whether the lease became free, and the leader that it still holds.
LEASE_CHECK_SECONDS = 5.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_current: BackgroundScheduler | None = None


def current_scheduler() -> BackgroundScheduler | None:
    return _current


def round_trigger(program: Program, *, days_before: int = 0) -> CronTrigger:
    """Every week on the program's weekday at its local time, in its zone (DST-safe)."""
    weekday = WEEKDAYS[(program.weekday - days_before) % 7]
    return CronTrigger(
        day_of_week=weekday,
        hour=program.local_time.hour,
        minute=program.local_time.minute,
        timezone=program.timezone,
    )


def sync_programs(scheduler: BackgroundScheduler, services: Services) -> None:
    """One round job and one notice job per program; gone programs lose theirs."""
    wanted: set[str] = set()
    for team_id in services.programs.team_ids():
        for program in services.programs.programs(team_id):
            for job_id, func, trigger in (
                (f"round:{program.id}", jobs.run_scheduled_round, round_trigger(program)),
                (
                    f"notice:{program.id}",
                    jobs.send_round_notice,
                    round_trigger(program, days_before=1),
                ),
            ):
                wanted.add(job_id)
                existing = scheduler.get_job(job_id)
                # str() of a cron trigger leaves out its zone: compare both.
                if existing is not None and _same(existing.trigger, trigger):
                    continue
                scheduler.add_job(
                    func,
                    trigger,
                    args=[program.team_id, program.id],
                    id=job_id,
                    replace_existing=True,
                    coalesce=True,
                    misfire_grace_time=6 * 3600,
                    next_run_time=trigger.get_next_fire_time(None, services.clock.now()),
                )
    for job in scheduler.get_jobs():
        if job.id.split(":")[0] in {"round", "notice"} and job.id not in wanted:
            job.remove()


def _same(current: object, wanted: CronTrigger) -> bool:
    return str(current) == str(wanted) and str(getattr(current, "timezone", "")) == str(
        wanted.timezone
    )


def install_standing_jobs(scheduler: BackgroundScheduler) -> None:
    """Jobs every Sprout runs; replace_existing keeps one copy however often this runs.

    First runs are reckoned from the services' clock rather than APScheduler's wall clock, so
    a moved clock (the try-it sandbox, scenario tests) schedules them where it stands.
    """
    now = jobs.services().clock.now()
    for job_id, func, every in (
        ("housekeeping.prune_processed_events", jobs.prune_processed_events, timedelta(hours=1)),
        ("rounds.sync_program_jobs", jobs.sync_program_jobs, timedelta(minutes=1)),
        ("rounds.follow_up", jobs.follow_up_rounds, timedelta(minutes=15)),
        ("rounds.catch_up", jobs.catch_up_rounds, timedelta(minutes=15)),
        ("mentorships.end_finished_terms", jobs.end_finished_terms, timedelta(hours=6)),
        ("mentoring.mid_point_reviews", jobs.ask_mid_point_reviews, timedelta(hours=1)),
        ("mentoring.close_outs", jobs.ask_close_outs, timedelta(minutes=15)),
        ("checkins.send_due", jobs.send_due_check_ins, timedelta(minutes=15)),
        ("pulse.run_due", jobs.run_pulses, timedelta(minutes=15)),
        ("insights.refresh_snapshots", jobs.refresh_insight_snapshots, REFRESH_EVERY),
    ):
        trigger = IntervalTrigger(
            seconds=int(every.total_seconds()), start_date=now + every, timezone=UTC
        )
        scheduler.add_job(
            func,
            trigger,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=3600,
            next_run_time=trigger.get_next_fire_time(None, now),
        )


class _SharedLease:
    """The lease, safe to ask from the delivery thread as well as from the watcher.

    An advisory lease checks itself on its one database connection, which two threads must
    not use at once.
    """

    def __init__(self, lease: Lease) -> None:
        self._lease = lease
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            return self._lease.try_acquire()

    def still_held(self) -> bool:
        with self._lock:
            return self._lease.still_held()

    def release(self) -> None:
        with self._lock:
            self._lease.release()


class SchedulerRunner:
    def __init__(
        self,
        services: Services,
        *,
        lease: Lease | None = None,
        check_every: float = LEASE_CHECK_SECONDS,
        install: Callable[[BackgroundScheduler], None] = install_standing_jobs,
        deliver: bool = True,
        paused: bool = False,
    ) -> None:
        """``paused`` keeps APScheduler from firing on the wall clock: the try-it sandbox
        moves time itself (sandbox.time_machine) and delivery still runs.
        """
        self._services = services
        self._paused = paused
        self._lease: Lease = _SharedLease(lease or lease_for(services.db.engine))
        self._check_every = check_every
        self._install = install
        self._deliver = deliver
        self._scheduler: BackgroundScheduler | None = None
        self._worker: DeliveryWorker | None = None
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
        global _current
        scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self._services.db.engine, tablename=JOBS_TABLE)
            },
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        scheduler.start(paused=self._paused)
        self._install(scheduler)
        self._scheduler = _current = scheduler
        if self._deliver:
            sync_programs(scheduler, self._services)
            # The worker asks the lease before every post, so a leader that lost it (say its
            # database connection dropped mid-send) stops posting even before this watcher
            # notices; the outbox's claims keep it from posting what its successor took.
            self._worker = DeliveryWorker(self._services.deliverer.fenced(self._lease.still_held))
            self._worker.start()
        log.info("this process holds the scheduler lease and runs scheduled jobs")
        self.became_leader.set()

    def _step_down(self) -> None:
        global _current
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            _current = None
        self._lease.release()
