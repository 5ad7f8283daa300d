"""Weeks of a program in seconds: move the clock and fire what the real triggers say is due.

APScheduler reads the wall clock, so the try-it page and the long scenario tests keep the
scheduler paused and let :class:`TimeMachine` do its job instead: it walks the job store in
time order, sets the bot's clock to each job's own fire time, runs the job in the caller's
thread and asks the job's trigger for its next fire time, exactly as the scheduler would. The
jobs, the triggers and the job store are the production ones; only who looks at the time
differs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.job import Job
from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

#: A job that fires more often than this runs at most once per such window, like a scheduler
#: that slept through its firings and coalesced them. Rounds, notices and
#: check-ins fire at most hourly, so they keep their exact times.
DEFAULT_RESOLUTION = timedelta(minutes=15)


class SettableClock(Protocol):
    def now(self) -> datetime: ...

    def set(self, instant: datetime) -> None: ...


@dataclass(frozen=True)
class Firing:
    """One job run: which job, at what (clock) time, and whether it raised."""

    job_id: str
    at: datetime
    failed: bool = False


class TimeMachine:
    """Runs a paused scheduler's jobs against a settable clock.

    ``after_each`` runs after every job (the sandbox waits there for the outbox to drain, so
    messages land in the order their jobs ran, and a follow-up sees the intro it follows).
    """

    def __init__(
        self,
        scheduler: BaseScheduler,
        clock: SettableClock,
        *,
        resolution: timedelta = DEFAULT_RESOLUTION,
        after_each: Callable[[], None] | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._clock = clock
        self._resolution = resolution
        self._after_each = after_each

    def advance(self, delta: timedelta) -> list[Firing]:
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        return self.advance_to(self._clock.now() + delta)

    def advance_to(self, target: datetime) -> list[Firing]:
        """Fire every job due up to ``target`` in time order, then leave the clock there."""
        fired: list[Firing] = []
        while (job := self._next_due(target)) is not None:
            due = job.next_run_time
            assert due is not None  # _next_due only returns scheduled jobs
            if due > self._clock.now():
                self._clock.set(due)
            fired.append(self._run(job, due))
        if target > self._clock.now():
            self._clock.set(target)
        return fired

    def next_run_of(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        return None if job is None else job.next_run_time

    def _next_due(self, target: datetime) -> Job | None:
        scheduled = [j for j in self._scheduler.get_jobs() if j.next_run_time is not None]
        if not scheduled:
            return None
        earliest = min(scheduled, key=lambda j: (j.next_run_time, j.id))
        return earliest if earliest.next_run_time <= target else None

    def _run(self, job: Job, due: datetime) -> Firing:
        failed = False
        try:
            job.func(*job.args, **job.kwargs)
        except Exception as error:  # one failing job must not stop time, as in the scheduler
            failed = True
            log.warning("job %s failed: %s", job.id, type(error).__name__)
        if self._after_each is not None:
            self._after_each()
        self._reschedule(job.id, due)
        return Firing(job.id, due, failed)

    def _reschedule(self, job_id: str, due: datetime) -> None:
        """The next fire time after ``due``, as APScheduler reckons it from the scheduled time.

        Reckoning from the scheduled time rather than the clock keeps a moving clock (the
        sandbox's) from drifting frequent jobs off their grid; a job still overdue after that
        (the clock jumped past several firings) runs once more, coalesced, as with coalesce=True.
        """
        job = self._scheduler.get_job(job_id)  # the job may have replaced or removed itself
        if job is None or job.next_run_time is None or job.next_run_time > due:
            return
        upcoming = job.trigger.get_next_fire_time(due, due)
        if upcoming is not None and upcoming - due < self._resolution:
            upcoming = job.trigger.get_next_fire_time(None, due + self._resolution)
        now = self._clock.now()
        if upcoming is not None and upcoming < now:
            upcoming = job.trigger.get_next_fire_time(None, now)
        if upcoming is None:
            job.remove()
        else:
            job.modify(next_run_time=upcoming)


class MovableClock:
    """Wall time plus an offset that only grows: the sandbox's "now".

    Time keeps flowing while a visitor reads, so messages carry sensible times, and
    :class:`TimeMachine` can still jump it ahead to the next round.
    """

    def __init__(self, wall: Callable[[], datetime]) -> None:
        self._wall = wall
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._wall() + self._offset

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._offset = max(self._offset, instant - self._wall())
