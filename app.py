"""Sprout's composition root and command line.

    python app.py            run the bot: Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT
    python app.py migrate    upgrade the database schema and exit (the Procfile's release step)

settings -> database -> Slack client -> Bolt app -> handlers; nothing else builds these.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock, SystemClock
from bot.config import FIX_HINTS, ConfigError, Settings, load_settings
from bot.db import Database, upgrade
from bot.logs import configure_logging
from bot.scheduling.scheduler import SchedulerRunner
from bot.services import Services
from bot.slack.client import make_web_client
from bot.web import EVENTS_PATH, WSGIApp, wsgi_app
from handlers import register_all
from handlers.router import Router

log = logging.getLogger("sprout")

EXIT_CONFIG = 2


@dataclass(frozen=True)
class Sprout:
    """A fully wired bot: its services, its Bolt app, and the WSGI app that serves it."""

    services: Services
    bolt: App
    router: Router
    wsgi: WSGIApp


def build(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Sprout:
    missing = settings.missing_for_slack()
    if missing:
        raise ConfigError(_missing_message(missing))
    db = Database.from_url(settings.database_url)
    if migrate:
        upgrade(db.engine)
    client = make_web_client(settings)
    check_credentials(client, settings)
    services = Services.build(settings, db, client, clock or SystemClock())
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        # check_credentials() already asked auth.test, with an answer a person can act on.
        token_verification_enabled=False,
        # Listeners ack first and work after; Slack gets its answer well inside 3 s.
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    router = register_all(bolt, services)
    return Sprout(services=services, bolt=bolt, router=router, wsgi=wsgi_app(bolt))


def check_credentials(client: WebClient, settings: Settings) -> None:
    """Ask Slack whether the token works, so a bad one stops Sprout with a clear message."""
    try:
        client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        raise ConfigError(
            f"SLACK_BOT_TOKEN was refused by Slack ({code}): {FIX_HINTS['SLACK_BOT_TOKEN']}, "
            "and reinstall the app if it was revoked."
        ) from None
    except OSError as error:
        raise ConfigError(
            f"SLACK_API_URL {settings.slack_api_url} could not be reached ({error}). "
            "Check the network, or unset SLACK_API_URL to use Slack's own API."
        ) from None


def _missing_message(missing: list[str]) -> str:
    lines = [f"{name} is not set: {FIX_HINTS[name]}." for name in missing]
    lines.append("Set them in the environment or in a .env file; see README.md, Configuration.")
    return "Sprout needs Slack credentials to run.\n  " + "\n  ".join(lines)


def serve(sprout: Sprout, settings: Settings) -> None:
    """Serve Slack's requests; the scheduler runs here too, in whichever process holds the lease."""
    runner = SchedulerRunner(sprout.services)
    runner.start()
    try:
        _serve_slack(sprout, settings)
    finally:
        runner.stop()


def _serve_slack(sprout: Sprout, settings: Settings) -> None:
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("connecting to Slack in Socket Mode")
        SocketModeHandler(sprout.bolt, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return
    from waitress import serve as waitress_serve

    log.info("serving HTTP on port %d at %s", settings.port, EVENTS_PATH)
    waitress_serve(sprout.wsgi, host="0.0.0.0", port=settings.port, threads=8, ident="sprout")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Run the Sprout Slack bot.")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "migrate"],
        help="run the bot (default) or only upgrade the database schema",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level_number())
    if args.command == "migrate":
        upgrade(Database.from_url(settings.database_url).engine)
        print("Database schema is up to date.")
        return 0
    try:
        sprout = build(settings)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    serve(sprout, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
