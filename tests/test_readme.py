"""The README documents what the code does: every subcommand and every setting."""

from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient

from bot.clock import SystemClock
from bot.config import Settings
from bot.db import Database
from bot.services import Services
from handlers import register_all
from handlers.router import Router

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_subcommand_is_in_the_readme(tmp_path: Path) -> None:
    # Wiring the handlers talks to neither Slack nor the database; the table is static.
    settings = Settings(database_url=f"sqlite:///{tmp_path}/readme.db")
    client = WebClient(token="xoxb-readme", base_url="http://127.0.0.1:9/api/")
    services = Services.build(
        settings, Database.from_url(settings.database_url), client, SystemClock()
    )
    app = App(client=client, signing_secret="s", token_verification_enabled=False)
    router: Router = register_all(app, services)
    for sub in router.subcommands:
        assert f"`{sub.usage}`".replace("|", "\\|") in README, sub.usage


def test_every_setting_is_in_the_configuration_table() -> None:
    for name in Settings.model_fields:
        assert f"| `{name.upper()}` |" in README, name


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    command = next(line for line in ci.splitlines() if line.startswith("TEST_CMD="))
    assert command.split("=", 1)[1].strip("'\"") in README
