"""Sprout's composition root and command line.

    python app.py            run the bot: Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT;
                             with no Slack credentials at all, the try-it sandbox instead
    python app.py sandbox    the try-it sandbox: a local Slack stand-in and its page on
                             http://127.0.0.1:$PORT/ (refused when real Slack tokens are set)
    python app.py migrate    upgrade the database schema and exit (the Procfile's release step)
    python app.py export --program NAME --out DIR [--team T]
                             write a program's CSV files into DIR, from the database alone

settings -> database -> Slack client -> Bolt app -> handlers; nothing else builds these.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError

from bot.clock import Clock, SystemClock
from bot.config import FIX_HINTS, ConfigError, Settings, load_settings
from bot.db import Database, one_at_a_time, upgrade
from bot.errors import UserFacingError
from bot.insights.export_folder import write_export
from bot.logs import bolt_logger, configure_logging
from bot.prompts.library import sync_prompts
from bot.scheduling.scheduler import SchedulerRunner
from bot.services import Services
from bot.slack.client import make_web_client
from handlers import register_all
from handlers.http import EVENTS_PATH, MAX_REQUEST_BYTES, WSGIApp, wsgi_app
from handlers.router import Router

log = logging.getLogger("sprout")

EXIT_CONFIG = 2
HTTP_THREADS = 16
LISTENER_THREADS = 32


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
    db = open_database(settings, migrate=migrate)
    with one_at_a_time(db.engine), db.session() as session:
        sync_prompts(session)
    client = make_web_client(settings)
    check_credentials(client, settings)
    services = Services.build(settings, db, client, clock or SystemClock())
    bolt = App(
        client=client,
        logger=bolt_logger(),
        # Socket Mode has no signing secret; "" keeps Bolt from reading the environment itself.
        signing_secret=settings.slack_signing_secret or "",
        # check_credentials() already asked auth.test, with an answer a person can act on.
        token_verification_enabled=False,
        # Listeners ack first and work after; Slack gets its answer well inside 3 s.
        process_before_response=False,
        # Even ack() runs on this pool: Bolt's default of 5 lets five slow Slack calls (a 429
        # being waited out, say) starve every other person's command into dispatch_failed.
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="sprout-listener"
        ),
        raise_error_for_unhandled_request=False,
    )
    router = register_all(bolt, services)
    return Sprout(services=services, bolt=bolt, router=router, wsgi=wsgi_app(bolt))


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """Connect and bring the schema up to date, or say which setting is wrong."""
    db = Database.from_url(settings.database_url)
    try:
        if migrate:
            upgrade(db.engine)
        else:
            with db.engine.connect():
                pass
    except (DBAPIError, OSError) as error:
        cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise ConfigError(
            f"DATABASE_URL: the database could not be opened ({reason}). "
            f"{FIX_HINTS['DATABASE_URL']}, and check that the server is running "
            "and the folder exists."
        ) from None
    return db


def check_credentials(client: WebClient, settings: Settings) -> None:
    """Ask Slack whether the token works, so a bad one stops Sprout with a clear message."""
    try:
        client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if not code or error.response.status_code != 200 or code.startswith("Received a"):
            raise ConfigError(
                f"SLACK_API_URL {settings.slack_api_url} did not answer like Slack's Web API. "
                "Check the address, or unset SLACK_API_URL to use Slack's own API."
            ) from None
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


def serve_sandbox(settings: Settings) -> None:
    """Run the try-it sandbox until Ctrl-C; it never runs beside real Slack credentials."""
    if not settings.has_no_slack_credentials():
        raise ConfigError(
            "The sandbox never runs with real Slack credentials, so nothing it does can reach "
            "a real workspace. Unset SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN "
            "(in the environment and .env) to try Sprout locally."
        )
    from sandbox.local import LocalSlack

    try:
        local = LocalSlack(port=settings.port).start()
    except OSError as error:
        raise ConfigError(
            f"PORT {settings.port}: the sandbox page could not listen there "
            f"({error.strerror}); {FIX_HINTS['PORT']} that is free."
        ) from None
    print(
        f"Sprout is running in the local sandbox (no Slack needed). Open {local.url} "
        "and pick who you are; Ctrl-C stops it.",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        local.stop()


def _serve_slack(sprout: Sprout, settings: Settings) -> None:
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("connecting to Slack in Socket Mode")
        handler = SocketModeHandler(sprout.bolt, settings.slack_app_token)
        try:
            handler.connect()  # type: ignore[no-untyped-call]
        except SlackApiError as error:
            raise ConfigError(
                f"SLACK_APP_TOKEN was refused by Slack ({error.response.get('error')}): "
                f"{FIX_HINTS['SLACK_APP_TOKEN']}."
            ) from None
        threading.Event().wait()
        return
    from waitress import serve as waitress_serve

    log.info("serving HTTP on port %d at %s", settings.port, EVENTS_PATH)
    waitress_serve(
        sprout.wsgi,
        host="0.0.0.0",
        port=settings.port,
        threads=HTTP_THREADS,
        max_request_body_size=MAX_REQUEST_BYTES,
        ident="sprout",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Run the Sprout Slack bot.")
    commands = parser.add_subparsers(dest="command", metavar="command")
    commands.add_parser("run", help="run the bot (the default)")
    commands.add_parser("sandbox", help="try it in the local sandbox")
    commands.add_parser("migrate", help="only upgrade the schema")
    export = commands.add_parser(
        "export", help="write a program's CSV files into a folder (no Slack tokens needed)"
    )
    export.add_argument("--program", required=True, metavar="NAME", help="the program's name")
    export.add_argument("--out", required=True, type=Path, metavar="DIR", help="created if missing")
    export.add_argument("--team", metavar="T", help="workspace id, when the database holds several")
    args = parser.parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level_number())
    try:
        if command == "migrate":
            open_database(settings)
            print("Database schema is up to date.")
            return 0
        if command == "export":
            db = open_database(settings)
            try:
                lines = write_export(
                    db, program=args.program, out=args.out, team=args.team, now=SystemClock().now()
                )
            except UserFacingError as error:
                print(error.message, file=sys.stderr)
                return EXIT_CONFIG
            finally:
                db.engine.dispose()
            print("\n".join(lines))
            return 0
        if command == "sandbox" or settings.has_no_slack_credentials():
            serve_sandbox(settings)
            return 0
        serve(build(settings), settings)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
