"""Two `python app.py` processes on one database: exactly one runs the scheduler and the outbox.

Each process reaches the sandbox through its own recording proxy, so every Web API call (and
so every delivered message) is attributed to the process that made it. The lease holder is
read from the outside: its log line, and on PostgreSQL ``pg_locks`` (each process tags its
connections with PGAPPNAME), on SQLite a try of the lock file, which must fail while held.
Then the leader is SIGKILLed and the other process must take over and deliver.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa
from filelock import FileLock, Timeout

from bot.db import Database
from bot.scheduling.lease import ADVISORY_KEY
from bot.scheduling.scheduler import LEASE_CHECK_SECONDS
from bot.slack.delivery import enqueue
from handlers.http import EVENTS_PATH
from sandbox import SEED_ADMIN_ID, SlackDriver, SlackSandbox
from tests.scenarios.conftest import SIGNING_SECRET, eventually

ROOT = Path(__file__).resolve().parents[2]
LEASE_LINE = "this process holds the scheduler lease"
#: A follower retries every LEASE_CHECK_SECONDS; watch long enough for it to retry twice.
WATCH_SECONDS = 2 * LEASE_CHECK_SECONDS + 1
#: After the leader dies the follower's next check (at most 5 s away) must take over.
TAKEOVER_SECONDS = 20.0
#: pg_locks shows a bigint advisory key as classid = high 32 bits, objid = low 32 bits, and
#: objsubid = 1 (a key given as two int4 shows objsubid = 2).
LEASE_HOLDERS = sa.text(
    """
    SELECT a.application_name, l.granted
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory'
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = :high AND l.objid::bigint = :low AND l.objsubid = 1
    """
).bindparams(high=ADVISORY_KEY >> 32, low=ADVISORY_KEY & 0xFFFF_FFFF)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- a proxy in front of the sandbox that remembers which process called what ----------------


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    target: str
    calls: list[tuple[str, bytes]]
    lock: threading.Lock


class _Forward(BaseHTTPRequestHandler):
    server: _ProxyServer

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet, like the sandbox."""

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {
            name: value
            for name in ("Content-Type", "Authorization")
            if (value := self.headers.get(name))
        }
        # Recorded before it is forwarded, so the sandbox never has a call this list lacks.
        with self.server.lock:
            self.server.calls.append((self.path.rsplit("/", 1)[-1].split("?")[0], body))
        request = urllib.request.Request(
            self.server.target + self.path,
            data=body if self.command == "POST" else None,
            headers=headers,
            method=self.command,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, reply_headers, reply = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, reply_headers, reply = error.code, error.headers, error.read()
        self.send_response(status)
        for name in ("Content-Type", "Retry-After"):
            if reply_headers.get(name):
                self.send_header(name, reply_headers[name])
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


class RecordingProxy:
    def __init__(self, target: str) -> None:
        self._server = _ProxyServer(("127.0.0.1", 0), _Forward)
        self._server.target = target.rstrip("/")
        self._server.calls = []
        self._server.lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def methods(self) -> list[str]:
        with self._server.lock:
            return [method for method, _ in self._server.calls]

    def posted_keys(self) -> list[str]:
        """The outbox key of every chat.postMessage that went through this proxy."""
        with self._server.lock:
            bodies = [body for method, body in self._server.calls if method == "chat.postMessage"]
        return [key for body in bodies if (key := _key_in(body))]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _key_in(body: bytes) -> str | None:
    try:
        args: dict[str, Any] = json.loads(body)
    except ValueError:
        args = {name: values[0] for name, values in parse_qs(body.decode()).items()}
    return _metadata_key(args.get("metadata"))


def _metadata_key(metadata: Any) -> str | None:
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if not isinstance(metadata, dict):
        return None
    key = (metadata.get("event_payload") or {}).get("key")
    return str(key) if key else None


# -- the processes ----------------------------------------------------------------------------


@dataclass
class AppProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    proxy: RecordingProxy
    driver: SlackDriver
    ready_at: float = field(default=0.0)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def holds_lease(self) -> bool:
        return LEASE_LINE in self.log()

    def listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log()}") from None
            time.sleep(0.05)
            return False


def start_app(name: str, sandbox: SlackSandbox, database_url: str, tmp_path: Path) -> AppProcess:
    port = free_port()
    proxy = RecordingProxy(sandbox.base_url)
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": sandbox.workspace.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": proxy.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        # libpq tags every PostgreSQL connection of this process, so pg_stat_activity names it.
        "PGAPPNAME": f"sprout-{name}",
    }
    workdir = tmp_path / name
    workdir.mkdir()
    log_path = workdir / "app.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        cwd=workdir,  # no stray .env is read
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    driver = SlackDriver(sandbox, f"http://127.0.0.1:{port}{EVENTS_PATH}", SIGNING_SECRET)
    return AppProcess(name, port, process, log_path, log_file, proxy, driver)


@pytest.fixture
def apps() -> Iterator[list[AppProcess]]:
    """Started processes, killed and reaped however the test ends."""
    started: list[AppProcess] = []
    yield started
    for app in started:
        if app.process.poll() is None:
            app.process.kill()
        app.process.wait(timeout=10)
        app.log_file.close()
        app.proxy.stop()


# -- observing the lease and the outbox -------------------------------------------------------


def lease_holders(engine: sa.Engine) -> list[tuple[str, bool]]:
    """PostgreSQL: (application_name, granted) of every session on the scheduler's lock."""
    with engine.connect() as connection:
        return [(str(row[0]), bool(row[1])) for row in connection.execute(LEASE_HOLDERS)]


def lock_file_is_free(database_url: str) -> bool:
    """SQLite: whether we could take the scheduler's lock file (we give it straight back)."""
    database = sa.make_url(database_url).database
    assert database
    path = Path(database).resolve().with_name(Path(database).name + ".scheduler.lock")
    lock = FileLock(str(path), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    lock.release(force=True)
    return True


def enqueue_message(db: Database, team_id: str, key: str) -> None:
    with db.session() as session:
        assert enqueue(
            session,
            team_id=team_id,
            key=key,
            recipients=[SEED_ADMIN_ID],
            text=f"Lease test {key}",
            now=datetime.now(UTC),
        )


def deliveries(sandbox: SlackSandbox, key: str) -> int:
    return sum(
        1
        for call in sandbox.calls_to("chat.postMessage")
        if call.ok and _metadata_key(call.args.get("metadata")) == key
    )


def wait_delivered(sandbox: SlackSandbox, key: str, apps: list[AppProcess]) -> None:
    eventually(
        lambda: deliveries(sandbox, key) > 0,
        timeout=10,
        what=f"outbox message {key} to be delivered\n" + describe(apps),
    )


def describe(apps: list[AppProcess]) -> str:
    return "\n".join(
        f"--- {app.name} (pid {app.pid}, exit {app.process.poll()}) Web API calls: "
        f"{app.proxy.methods()}\n{app.log()}"
        for app in apps
    )


def test_one_scheduler_per_database_and_takeover_on_kill(
    sandbox: SlackSandbox,
    database_url: str,
    db: Database,
    tmp_path: Path,
    apps: list[AppProcess],
) -> None:
    postgres = sa.make_url(database_url).get_backend_name() == "postgresql"
    team_id = sandbox.workspace.team_id
    # Both start on the same fresh database at once, as two dynos would.
    apps.extend(start_app(name, sandbox, database_url, tmp_path) for name in ("a", "b"))
    for app in apps:
        eventually(app.listening, timeout=30, what=f"{app.name} to listen on its PORT")
        app.ready_at = time.monotonic()

    leader = eventually(
        lambda: next((app for app in apps if app.holds_lease()), None),
        timeout=10,
        what="a process to take the scheduler lease\n" + describe(apps),
    )
    follower = next(app for app in apps if app is not leader)

    def check_one_holder(holder: AppProcess, other: AppProcess) -> None:
        assert holder.holds_lease() and not other.holds_lease(), describe(apps)
        assert holder.process.poll() is None and other.process.poll() is None
        if postgres:
            assert lease_holders(db.engine) == [(f"sprout-{holder.name}", True)]
        else:
            assert not lock_file_is_free(database_url), "nobody holds the SQLite lock file"

    # The leader delivers; the follower makes no outbox call at all.
    check_one_holder(leader, follower)
    keys = ["lease-test:1"]
    enqueue_message(db, team_id, keys[0])
    wait_delivered(sandbox, keys[0], apps)

    # The follower still serves Slack: a signed /mentor help gets its answer.
    response = follower.driver.command("U02BEN", "help")
    assert response.status == 200, response.text
    reply = sandbox.wait_for_message("U02BEN", lambda m: "/mentor join" in str(m.blocks))
    assert reply.kind == "ephemeral"

    # Over several of the follower's lease checks, one holder only, and only it delivers.
    watch_until = follower.ready_at + WATCH_SECONDS
    while time.monotonic() < watch_until:
        check_one_holder(leader, follower)
        if len(keys) == 1 and time.monotonic() > watch_until - LEASE_CHECK_SECONDS:
            keys.append("lease-test:2")
            enqueue_message(db, team_id, keys[1])
        time.sleep(0.2)
    wait_delivered(sandbox, keys[1], apps)
    check_one_holder(leader, follower)
    for key in keys:
        assert deliveries(sandbox, key) == 1, describe(apps)
    assert leader.proxy.posted_keys() == keys, describe(apps)
    assert follower.proxy.posted_keys() == []
    assert not {"conversations.open", "chat.postMessage"} & set(follower.proxy.methods())

    # Kill the leader outright: no clean shutdown, the lease goes with the process.
    os.kill(leader.pid, signal.SIGKILL)
    leader.process.wait(timeout=10)
    killed_at = time.monotonic()
    enqueue_message(db, team_id, "lease-test:after-kill")
    eventually(
        follower.holds_lease,
        timeout=TAKEOVER_SECONDS,
        what="the surviving process to take over the lease\n" + describe(apps),
    )
    print(f"takeover {time.monotonic() - killed_at:.1f}s after SIGKILL")
    wait_delivered(sandbox, "lease-test:after-kill", apps)
    assert deliveries(sandbox, "lease-test:after-kill") == 1
    assert follower.proxy.posted_keys() == ["lease-test:after-kill"], describe(apps)
    if postgres:
        assert lease_holders(db.engine) == [(f"sprout-{follower.name}", True)]
    else:
        assert not lock_file_is_free(database_url)
    for key in keys:  # nothing the dead leader sent is sent again
        assert deliveries(sandbox, key) == 1

    # The survivor still answers Slack, and never crashed.
    response = follower.driver.command("U03CAM", "help")
    assert response.status == 200, response.text
    sandbox.wait_for_message("U03CAM", lambda m: "/mentor join" in str(m.blocks))
    assert "Traceback" not in follower.log(), follower.log()
