"""How fast Sprout acknowledges slash commands, against a bare Bolt app that only acks.

Both apps run behind the same production server (waitress, 8 threads) in this process, get the
same signed requests over real HTTP in alternating order, and answer through the same sandbox
Web API, so the ratio shows what Sprout's own work adds before Slack hears "ok".

    .venv/bin/python bench/ack_latency.py [--requests 2000] [--concurrency 1]

The last line is JSON: p50_ms, p95_ms, p99_ms, bare_p50_ms, bare_p95_ms, bare_p99_ms, ratio_p99.

Both apps sit on a floor of about 10 ms: Bolt's thread runner (process_before_response=False)
polls every 10 ms for the listener's ack before it answers the HTTP request.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App
from slack_sdk import WebClient

from app import build
from bot.config import Settings
from bot.logs import configure_logging
from bot.slack.people import SlackPerson
from handlers.http import EVENTS_PATH, wsgi_app
from models import Role
from models.forms import ProfileInput, ProgramInput
from sandbox import SlackDriver, SlackSandbox, seeded_workspace
from sandbox.serving import BackgroundServer

SECRET = "bench-signing-secret"
USER = "U04DEV"
THREADS = 8


def bare_bolt_app(sandbox: SlackSandbox) -> App:
    app = App(
        client=WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url),
        signing_secret=SECRET,
        token_verification_enabled=False,
    )

    @app.command("/mentor")
    def only_ack(ack: Ack) -> None:
        ack()

    return app


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per app, half of each command")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="requests in flight at once, as at a launch"
    )
    args = parser.parse_args()
    configure_logging(30)

    with SlackSandbox(seeded_workspace()) as sandbox, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            slack_bot_token=sandbox.workspace.bot_token,
            slack_signing_secret=SECRET,
            slack_api_url=sandbox.api_url,
            database_url=f"sqlite:///{tmp}/bench.db",
        )
        sprout = build(settings)
        team = sandbox.workspace.team_id
        admin = sandbox.workspace.users["U01ADA"].id  # the seeded workspace's admin
        program = sprout.services.programs.create(
            team, admin, ProgramInput(name="Mentoring", kind="mentoring")
        )
        person = SlackPerson(USER, "devika", "Asia/Kolkata", False, False, False)
        sprout.services.memberships.join(
            team, person, program, ProfileInput(role=Role.MENTEE, wants="system design")
        )
        servers = {
            "sprout": BackgroundServer(sprout.wsgi, threads=THREADS),
            "bare": BackgroundServer(wsgi_app(bare_bolt_app(sandbox)), threads=THREADS),
        }
        drivers = {
            name: SlackDriver(sandbox, server.base_url + EVENTS_PATH, SECRET)
            for name, server in servers.items()
        }

        def send(name: str, text: str) -> float:
            body = urlencode(
                {
                    "team_id": team,
                    "user_id": USER,
                    "command": "/mentor",
                    "text": text,
                    "response_url": sandbox.new_response_url(USER, "D04DEV"),
                    "trigger_id": sandbox.issue_trigger_id(USER),
                }
            ).encode()
            started = time.perf_counter()
            response = drivers[name].post_raw(
                body, content_type="application/x-www-form-urlencoded"
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"{name} answered {response.status}: {response.text[:200]}")
            return elapsed

        for i in range(100):  # warm both up: connections, caches, lazy auth.test
            for name in servers:
                send(name, "help" if i % 2 else "profile")

        samples: dict[str, list[float]] = {"sprout": [], "bare": []}
        texts = ["help" if i % 2 else "profile" for i in range(args.requests)]
        batches = [texts[i : i + args.concurrency] for i in range(0, len(texts), args.concurrency)]
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            for k, batch in enumerate(batches):
                for name in ("sprout", "bare") if k % 2 else ("bare", "sprout"):
                    samples[name].extend(pool.map(lambda text, n=name: send(n, text), batch))
        # Sprout answers every command after its ack; the bare app answers none. Wait for all
        # of Sprout's answers, so a fast ack can't hide work that failed afterwards.
        expected = 100 + args.requests
        deadline = time.monotonic() + 60
        while len(sandbox.calls_to("response_url")) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        answered = len([c for c in sandbox.calls_to("response_url") if c.ok])
        if answered != expected:
            raise SystemExit(f"Sprout answered {answered} of {expected} commands")
        for server in servers.values():
            server.stop()
        sprout.services.db.engine.dispose()

    figures: dict[str, float | int] = {
        "requests_per_app": args.requests,
        "concurrency": args.concurrency,
    }
    for name, prefix in (("sprout", ""), ("bare", "bare_")):
        for q in (50, 95, 99):
            figures[f"{prefix}p{q}_ms"] = round(percentile(samples[name], q), 3)
        figures[f"{prefix}mean_ms"] = round(statistics.fmean(samples[name]), 3)
    figures["ratio_p99"] = round(figures["p99_ms"] / figures["bare_p99_ms"], 3)

    print(
        f"{'':8} {'p50':>8} {'p95':>8} {'p99':>8}   "
        f"(ms, {args.requests} requests each, {args.concurrency} at a time)"
    )
    for name, prefix in (("sprout", ""), ("bare", "bare_")):
        row = " ".join(f"{figures[f'{prefix}p{q}_ms']:8.2f}" for q in (50, 95, 99))
        print(f"{name:8} {row}")
    print(f"p99 ratio sprout/bare: {figures['ratio_p99']:.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
