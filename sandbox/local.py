"""The try-it sandbox: Sprout running against a local Slack stand-in, with a page to use it.

``python app.py`` with no Slack credentials, or ``python app.py sandbox``, lands here. The
pieces are the production ones: the bot is built by ``app.build`` and served by waitress,
it calls the sandbox's Web API over HTTP with the real slack_sdk client, and every command,
click and submission from the page reaches it as a signed request through the driver, just as
Slack would send it. Only time is different: the scheduler is paused and a
:class:`~sandbox.time_machine.TimeMachine` runs its jobs, so a visitor can move weeks ahead.

Everything listens on 127.0.0.1 and the database is a fresh SQLite file that goes away with
the process: the workspace's messages live in memory, and a database that outlived them would
point at conversations that no longer exist.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from app import Sprout, build
from bot.config import Settings
from bot.pairing.periods import next_slot
from bot.pairing.rounds import cadence_of
from bot.scheduling.scheduler import SchedulerRunner, sync_programs
from handlers.http import EVENTS_PATH
from sandbox.console import console_app
from sandbox.driver import SlackDriver
from sandbox.serving import BackgroundServer
from sandbox.time_machine import Firing, MovableClock, TimeMachine
from sandbox.web_api import SlackSandbox
from sandbox.workspace import seeded_workspace

log = logging.getLogger(__name__)

#: How often jobs that came due while the visitor just watched are run.
TICK_SECONDS = 15.0
#: Jobs a visitor wants to see one by one; the rest are summed up with a count.
LISTED_JOBS = ("round", "notice")
#: Jobs that keep the machinery going but mean nothing to a visitor.
QUIET_JOBS = ("rounds.sync_program_jobs", "housekeeping.prune_processed_events")
#: The sandbox runs frequent jobs at most hourly while time jumps: a week passes in seconds
#: and check-ins, due at whole local hours, still go out on the hour.
RESOLUTION = timedelta(hours=1)
#: How long one clock jump may wait, in all, for the outbox between jobs.
SETTLE_BUDGET_SECONDS = 30.0


def describe(firings: list[Firing]) -> list[str]:
    """Lines for the page's clock panel: each round and notice, then a count of the rest."""
    lines: list[str] = []
    counts: dict[str, int] = {}
    for firing in firings:
        name, _, argument = firing.job_id.partition(":")
        failed = " (failed; see the log)" if firing.failed else ""
        if name in LISTED_JOBS:
            when = firing.at.astimezone(UTC).strftime("%a %d %b %H:%M UTC")
            lines.append(f"{when} · {name} for program {argument}{failed}")
        elif firing.job_id not in QUIET_JOBS or failed:
            counts[firing.job_id + failed] = counts.get(firing.job_id + failed, 0) + 1
    if counts:
        ran = [f"{job} {n} {'time' if n == 1 else 'times'}" for job, n in sorted(counts.items())]
        lines.append("Also ran: " + ", ".join(ran))
    return lines


@dataclass
class _Running:
    sprout: Sprout
    bot_server: BackgroundServer
    runner: SchedulerRunner
    scheduler: BackgroundScheduler
    driver: SlackDriver
    time_machine: TimeMachine
    console: BackgroundServer


class LocalSlack:
    """A seeded workspace, the bot, its clock and the page, started and stopped together."""

    def __init__(self, *, port: int = 0, database_dir: Path | None = None) -> None:
        self._port = port
        self._own_dir = database_dir is None
        self._dir = database_dir or Path(tempfile.mkdtemp(prefix="sprout-sandbox-"))
        self.clock = MovableClock(lambda: datetime.now(UTC))
        workspace = seeded_workspace()
        # A token of its own: a web page in the visitor's browser that finds the stand-in's
        # port still cannot post as the bot.
        workspace.bot_token = "xoxb-sandbox-" + secrets.token_hex(16)
        self.sandbox = SlackSandbox(workspace, wall_clock=lambda: self.clock.now().timestamp())
        self._secret = secrets.token_hex(16)
        self._time_lock = threading.Lock()
        self._settle_until: float | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._running: _Running | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> LocalSlack:
        """Start everything, page first (its port is the one a visitor chose, and may be taken);
        if any part fails, stop what already runs before raising."""
        console = BackgroundServer(console_app(self), port=self._port, threads=8)
        runner: SchedulerRunner | None = None
        bot_server: BackgroundServer | None = None
        try:
            self.sandbox.start()
            settings = Settings(
                slack_bot_token=self.sandbox.workspace.bot_token,
                slack_signing_secret=self._secret,
                slack_app_token=None,
                slack_api_url=self.sandbox.api_url,
                database_url=f"sqlite:///{self._dir / 'sprout-sandbox.db'}",
            )
            sprout = build(settings, clock=self.clock)
            bot_server = BackgroundServer(sprout.wsgi, threads=8)
            driver = SlackDriver(self.sandbox, bot_server.base_url + EVENTS_PATH, self._secret)
            runner = SchedulerRunner(sprout.services, paused=True, check_every=0.2)
            runner.start()
            if not runner.became_leader.wait(timeout=30) or runner.scheduler is None:
                raise RuntimeError("the sandbox's scheduler did not start")
        except BaseException:
            for part in (runner, bot_server, console):
                if part is not None:
                    part.stop()
            self.stop()
            raise
        scheduler = runner.scheduler
        machine = TimeMachine(scheduler, self.clock, resolution=RESOLUTION, after_each=self.settle)
        self._running = _Running(sprout, bot_server, runner, scheduler, driver, machine, console)
        self._ticker = threading.Thread(target=self._tick, name="sandbox-clock", daemon=True)
        self._ticker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=10)
        running, self._running = self._running, None
        if running is not None:
            running.console.stop()
            running.runner.stop()
            running.bot_server.stop()
            running.sprout.services.db.engine.dispose()
        self.sandbox.stop()
        if self._own_dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._started.console.base_url + "/"

    @property
    def sprout(self) -> Sprout:
        return self._started.sprout

    @property
    def driver(self) -> SlackDriver:
        return self._started.driver

    # -- what the page asks of it ------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, delta: timedelta) -> list[str]:
        """Move the clock ahead by ``delta``, running every job that falls due on the way.

        Program jobs are brought up to date first: a program created or moved a minute ago
        must have its round job before the jump, not at the next hourly sync.
        """
        running = self._started
        with self._time_lock:
            self._settle_until = time.monotonic() + SETTLE_BUDGET_SECONDS
            try:
                sync_programs(running.scheduler, running.sprout.services)
                fired = running.time_machine.advance(delta)
            finally:
                self._settle_until = None
        return describe(fired)

    def advance_to_next_round(self) -> list[str]:
        """Jump to just after the next program's round slot, so its round and intros run."""
        services = self.sprout.services
        now = self.clock.now()
        slots = [
            next_slot(cadence_of(program), now)
            for team_id in services.programs.team_ids()
            for program in services.programs.programs(team_id)
        ]
        if not slots:
            return ["No programs yet: create one with /mentor program new (as Ada, the admin)."]
        return self.advance(min(slots) - now + timedelta(minutes=1))

    def settle(self, timeout: float = 5.0) -> None:
        """Wait a little for the outbox to send what is due, so messages land in job order.

        A whole jump shares one budget, so a Slack stand-in that stopped answering slows a
        month-long jump by seconds, not by five seconds a job.
        """
        outbox = self.sprout.services.outbox
        deadline = time.monotonic() + timeout
        if self._settle_until is not None:  # inside a jump: its shared budget bounds the wait
            deadline = min(deadline, self._settle_until)
        while outbox.due_count() and time.monotonic() < deadline:
            time.sleep(0.05)

    # -- internals -----------------------------------------------------------

    @property
    def _started(self) -> _Running:
        if self._running is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return self._running

    def _tick(self) -> None:
        """Run what fell due while the visitor just watched the clock flow."""
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.advance(timedelta(0))
            except Exception as error:  # a failing job must not stop the sandbox's clock
                log.warning("sandbox clock tick failed: %s", type(error).__name__)
