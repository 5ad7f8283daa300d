"""`python app.py` as the Procfile runs it: waitress on $PORT, answering signed requests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from sandbox import SlackDriver, SlackSandbox
from tests.scenarios.conftest import SIGNING_SECRET, eventually

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_app_py_serves_slack_on_port(sandbox: SlackSandbox, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": sandbox.workspace.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": sandbox.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/sprout.db",
        "PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        driver = SlackDriver(sandbox, f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)

        def answered() -> bool:
            try:
                return driver.command("U02BEN", "help").status == 200
            except OSError:
                time.sleep(0.1)
                return False

        eventually(answered, timeout=30, what="app.py to listen on $PORT")
        reply = sandbox.wait_for_message("U02BEN", lambda m: "/mentor join" in str(m.blocks))
        assert reply.kind == "ephemeral"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert "Traceback" not in stderr
