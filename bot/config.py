"""Configuration, read once from the environment and `.env`.

Nothing else in Sprout reads ``os.environ``: every knob is a field here, so the README's
configuration table and the code cannot drift apart without a test noticing.
"""

from __future__ import annotations

import logging
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///sprout.db"

#: How to fix each variable, shown when configuration is missing or wrong.
FIX_HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-...) from your app's "
    "OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "copy the Signing Secret from your app's Basic Information page",
    "SLACK_APP_TOKEN": "create an app-level token (xapp-...) with connections:write, "
    "or unset it to serve HTTP",
    "SLACK_API_URL": "give the base URL of a Slack Web API, ending in /api/",
    "DATABASE_URL": "use a SQLAlchemy URL such as sqlite:///sprout.db "
    "or postgresql+psycopg://user:pass@host/db",
    "SPROUT_ADMINS": "give comma-separated Slack user ids such as U012ABC,U034DEF",
    "PORT": "give a TCP port between 1 and 65535",
    "LOG_LEVEL": "use one of DEBUG, INFO, WARNING, ERROR",
}


class Settings(BaseSettings):
    """Every setting Sprout reads. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = DEFAULT_DATABASE_URL
    sprout_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: str = "INFO"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: str | None) -> str | None:
        if not value:
            return None  # an empty variable is as good as unset, and said so
        if not value.startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        return value or None

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the Web API URL must start with http:// or https://")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        # Heroku-style hosts hand out postgres://; SQLAlchemy wants a dialect and a driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                value = "postgresql+psycopg://" + value.removeprefix(prefix)
        try:
            url = make_url(value)
        except ArgumentError as error:
            raise ValueError("not a database URL") from error
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("Sprout runs on SQLite or PostgreSQL")
        if url.get_backend_name() == "sqlite" and url.database in {None, "", ":memory:"}:
            raise ValueError("an in-memory SQLite database vanishes between threads; name a file")
        return value

    @field_validator("sprout_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
            bad = [i for i in ids if not i.isalnum() or i[:1].upper() not in {"U", "W"}]
            if bad:
                raise ValueError(f"not Slack user ids: {', '.join(bad)}")
            return frozenset(ids)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("unknown log level")
        return level

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def has_no_slack_credentials(self) -> bool:
        """No token or secret at all: someone trying Sprout, not a half-configured install."""
        return not (self.slack_bot_token or self.slack_signing_secret or self.slack_app_token)

    def missing_for_slack(self) -> list[str]:
        """The variables still needed to talk to a real Slack workspace.

        Socket Mode needs no signing secret: requests arrive over Slack's own connection.
        """
        missing = []
        if not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if not self.slack_signing_secret and not self.socket_mode:
            missing.append("SLACK_SIGNING_SECRET")
        return missing

    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))


class ConfigError(Exception):
    """Configuration that cannot run, with a message meant for the person starting Sprout."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one message that names each variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = str(problem["loc"][0]).upper() if problem["loc"] else "configuration"
            reason = str(problem["msg"]).removeprefix("Value error, ")
            hint = FIX_HINTS.get(name, "")
            lines.append(f"{name}: {reason}" + (f" ({hint})" if hint else ""))
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None
