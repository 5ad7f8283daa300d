import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_use_sqlite_and_port_3000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "tests")  # no .env here
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.port == 3000
    assert not settings.socket_mode


def test_admins_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPROUT_ADMINS", "U012ABC, W034DEF,")
    assert load_settings().sprout_admins == {"U012ABC", "W034DEF"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("DATABASE_URL", "mysql://db/sprout"),
        ("PORT", "99999"),
        ("SPROUT_ADMINS", "alice"),
        ("LOG_LEVEL", "chatty"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        load_settings()


def run_app(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_half_configured_app_stops_with_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    env = {"SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    result = run_app(env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_sandbox_refuses_to_start_beside_real_slack_tokens(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-real", "SLACK_SIGNING_SECRET": "s"}
    result = run_app("sandbox", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "never runs with real Slack credentials" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_value_stops_the_app_with_exit_code_2(tmp_path: Path) -> None:
    result = run_app(env={"PORT": "http"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "PORT" in result.stderr and "Traceback" not in result.stderr


def test_a_dot_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=not-a-port\n")
    result = run_app(env={}, cwd=tmp_path)
    assert result.returncode == 2 and "PORT" in result.stderr


def test_migrate_only_upgrades_the_schema(tmp_path: Path) -> None:
    result = run_app("migrate", env={"DATABASE_URL": "sqlite:///m.db"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "m.db").exists()


def test_platform_postgres_urls_get_a_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/sprout")
    assert load_settings().database_url == "postgresql+psycopg://u:p@db.example:5432/sprout"


def test_an_in_memory_sqlite_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(ConfigError, match="DATABASE_URL: an in-memory SQLite"):
        load_settings()


def test_an_empty_token_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    assert load_settings().missing_for_slack()[0] == "SLACK_BOT_TOKEN"


def test_socket_mode_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    assert load_settings().missing_for_slack() == []


def test_a_database_that_cannot_be_opened_stops_the_app_with_exit_code_2(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "sqlite:////proc/no-such-folder/x.db"}
    result = run_app("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("DATABASE_URL: the database could not be opened")
    assert "Traceback" not in result.stderr


def test_a_web_api_that_is_not_slack_is_named(tmp_path: Path) -> None:
    from sandbox.serving import BackgroundServer

    def not_slack(environ: dict[str, object], start_response: Any) -> list[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/html")])
        return [b"<html>nope</html>"]

    server = BackgroundServer(not_slack)
    try:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": server.base_url + "/api/",
        }
        result = run_app(env=env, cwd=tmp_path)
    finally:
        server.stop()
    assert result.returncode == 2
    assert "SLACK_API_URL" in result.stderr and "Traceback" not in result.stderr
