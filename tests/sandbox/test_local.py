"""``python app.py`` with no Slack credentials lands on the try-it page, on loopback only."""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox.local import LocalSlack, describe
from sandbox.time_machine import Firing

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_app_py_without_credentials_starts_the_sandbox_page(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env={"PATH": "/usr/bin:/bin", "PORT": str(port)},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "app.py printed nothing within a minute"
        first_line = process.stdout.readline()
        assert f"Open http://127.0.0.1:{port}/" in first_line, first_line
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200 and b"Sprout" in page.read()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "sprout.db").exists()  # the sandbox never touches the real database


def test_every_server_of_the_sandbox_listens_on_loopback_only() -> None:
    with LocalSlack() as local:
        for url in (local.url, local.sandbox.api_url, local.driver.bot_url):
            assert url.startswith("http://127.0.0.1:"), url


def test_advancing_a_day_moves_the_clock_and_reports_what_ran() -> None:
    with LocalSlack() as local:
        before = local.now()
        ran = local.advance(timedelta(days=1))
        assert local.now() - before >= timedelta(days=1)
        assert any(line.startswith("Also ran: ") and "rounds.follow_up" in line for line in ran)


def test_rounds_are_listed_one_by_one_and_the_rest_counted() -> None:
    at = datetime.now(UTC)
    lines = describe(
        [
            Firing("round:3", at),
            Firing("rounds.follow_up", at),
            Firing("rounds.follow_up", at, failed=True),
            Firing("rounds.sync_program_jobs", at),
        ]
    )
    assert lines[0].endswith("round for program 3")
    assert lines[1] == (
        "Also ran: rounds.follow_up 1 time, rounds.follow_up (failed; see the log) 1 time"
    )


def test_a_taken_port_stops_the_sandbox_cleanly_with_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(ROOT / "app.py"), "sandbox"],
            env={"PATH": "/usr/bin:/bin", "PORT": str(port)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"PORT {port}" in result.stderr and "Traceback" not in result.stderr


def test_a_program_created_just_now_has_its_round_when_the_clock_jumps() -> None:
    with LocalSlack() as local:
        slot = local.now() + timedelta(minutes=30)
        local.driver.command("U01ADA", "program new")
        view = eventually_modal(local, "U01ADA")
        local.driver.submit(
            "U01ADA",
            view["id"],
            {
                "name": "Coffee",
                "kind": "coffee",
                "cadence": "weekly",
                "weekday": str(slot.weekday()),
                "local_time": slot.strftime("%H:%M"),
                "timezone": "UTC",
            },
        )
        ran = local.advance(timedelta(hours=1))
        assert any("round for program 1" in line for line in ran), ran


def eventually_modal(local: LocalSlack, user_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        view = local.sandbox.modal_of(user_id)
        if view is not None:
            return view
        time.sleep(0.02)
    raise AssertionError(f"no modal for {user_id}")
