"""The console over a real bot: commands, modals, buttons and the clock through real HTTP.

The console is served by waitress like the bot, and every request here goes over loopback,
so what is tested is what a browser gets: JSON in and out, HTML fragments rendered from the
bot's real Block Kit, and errors as JSON rather than tracebacks.
"""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from sandbox.console import console_app
from sandbox.console.app import MAX_BODY_BYTES, MAX_RAN_LINES
from sandbox.console.render import REQUIRED_MESSAGE
from sandbox.driver import SlackDriver
from sandbox.serving import BackgroundServer
from sandbox.web_api import SlackSandbox
from sandbox.workspace import DEACTIVATED_USER_ID, SEED_ADMIN_ID
from tests.scenarios import conftest as scenarios
from tests.scenarios.conftest import RunningBot, eventually
from tests.scenarios.test_programs import create_program

# The scenario fixtures (a seeded sandbox on the real clock and the bot behind waitress),
# taken over here so they win over tests/sandbox's own ``sandbox`` fixture.
sandbox = scenarios.sandbox
bot = scenarios.bot

BEN = "U02BEN"
CAMILA = "U03CAM"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@dataclass
class ScenarioPlayground:
    """The console's Playground over the scenario bot: its frozen clock only moves when told."""

    bot: RunningBot
    rounds: int = 0

    @property
    def sandbox(self) -> SlackSandbox:
        return self.bot.sandbox

    @property
    def driver(self) -> SlackDriver:
        return self.bot.driver

    def now(self) -> datetime:
        return self.bot.clock.now()

    def advance(self, delta: timedelta) -> list[str]:
        self.bot.clock.advance(delta)
        return []

    def advance_to_next_round(self) -> list[str]:
        self.bot.clock.advance(timedelta(days=7))
        self.rounds += 1
        return [f"round {self.rounds} of Mentoring"]

    def settle(self, timeout: float = 5.0) -> None:
        self.bot.delivered(timeout)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class Browser:
    """Plain HTTP against the console, as the page's script talks to it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def raw(
        self,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        method: str | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers or {}, method=method
        )
        try:
            with self._opener.open(request, timeout=15) as reply:
                return reply.status, reply.read(), _lower(reply.headers.items())
        except urllib.error.HTTPError as error:
            return error.code, error.read(), _lower(error.headers.items())

    def get(self, path: str) -> Answer:
        status, body, headers = self.raw(path)
        return Answer(status, json.loads(body), headers)

    def post(self, path: str, body: object) -> Answer:
        data = json.dumps(body).encode()
        status, raw, headers = self.raw(path, data, {"Content-Type": "application/json"})
        return Answer(status, json.loads(raw), headers)

    def view(self, user: str) -> dict[str, Any]:
        answer = self.get(f"/api/view?user={user}")
        assert answer.status == 200, answer.body
        return answer.body

    def until(
        self, user: str, check: Callable[[dict[str, Any]], object], what: str
    ) -> dict[str, Any]:
        """The person's screen once ``check`` holds: the bot answers on its own time."""

        def probe() -> dict[str, Any] | None:
            screen = self.view(user)
            return screen if check(screen) else None

        return eventually(probe, 10.0, what)


def _lower(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


@pytest.fixture
def playground(bot: RunningBot) -> ScenarioPlayground:
    return ScenarioPlayground(bot)


@pytest.fixture
def browser(playground: ScenarioPlayground) -> Iterator[Browser]:
    server = BackgroundServer(console_app(playground))
    try:
        yield Browser(server.base_url)
    finally:
        server.stop()


def dm_html(screen: dict[str, Any], user: str) -> str:
    return str(screen["messages"].get("D" + user[1:], ""))


_MESSAGE = re.compile(r'data-testid="message" data-channel="([^"]+)" data-ts="([^"]+)"')


def message_holding(html: str, action_id: str) -> tuple[str, str]:
    """The channel and ts the page reads off the message that shows ``action_id``."""
    before = html[: html.index(f'data-action-id="{action_id}"')]
    channel, ts = _MESSAGE.findall(before)[-1]
    return channel, ts


def modal_with(title: str) -> Callable[[dict[str, Any]], bool]:
    return lambda s: bool(s["modal"]) and s["modal"]["title"] == title


# --- the page --------------------------------------------------------------------------------


def test_the_page_and_its_assets_are_served_with_a_strict_policy(browser: Browser) -> None:
    status, body, headers = browser.raw("/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    for testid in ("composer", "send", "home-tab", "modal", "modal-submit", "advance-day"):
        assert f'data-testid="{testid}"' in page
    assert "http://" not in page and "https://" not in page  # nothing from the internet
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    for path, kind in (("/static/console.js", "javascript"), ("/static/console.css", "css")):
        status, body, headers = browser.raw(path)
        assert status == 200 and kind in headers["content-type"] and body


def test_people_are_the_active_humans_with_their_zones_and_admin_flag(browser: Browser) -> None:
    people = {p["id"]: p for p in browser.get("/api/people").body["people"]}
    assert people[SEED_ADMIN_ID]["is_admin"] is True
    assert people[BEN] == {
        "id": BEN,
        "name": "ben",
        "real_name": "Ben Carter",
        "tz": "America/Los_Angeles",
        "tz_label": "PST",
        "is_admin": False,
    }
    assert DEACTIVATED_USER_ID not in people
    assert "U0SPROUT" not in people and "USLACKBOT" not in people


# --- commands and conversations ----------------------------------------------------------------


def test_a_command_shows_its_answer_in_the_app_dm_only_to_its_sender(browser: Browser) -> None:
    first = browser.view(BEN)
    assert [c["kind"] for c in first["conversations"]] == ["dm"]
    assert first["conversations"][0]["name"] == "Sprout"
    assert "No messages yet." in dm_html(first, BEN)

    answer = browser.post("/api/command", {"user": BEN, "text": "/mentor help"})
    assert answer.status == 200 and answer.body == {"ok": True}

    screen = browser.until(BEN, lambda s: "/mentor join" in dm_html(s, BEN), "help in Ben's DM")
    html = dm_html(screen, BEN)
    assert "Only visible to you" in html
    assert 'data-testid="conversation-D02BEN"' in screen["conversations_html"]
    assert screen["version"] != first["version"]
    assert "No messages yet." in dm_html(browser.view(CAMILA), CAMILA)


def test_an_unchanged_screen_is_not_sent_again(browser: Browser) -> None:
    screen = browser.view(BEN)
    again = browser.get(f"/api/view?user={BEN}&since={screen['version']}")
    assert again.body == {"ok": True, "version": screen["version"], "unchanged": True}
    assert again.headers["etag"] == f'"{screen["version"]}"'


@pytest.mark.parametrize("text", ["hello", "/mentorhelp", "/remind me", ""])
def test_anything_but_a_mentor_command_gets_a_hint(browser: Browser, text: str) -> None:
    answer = browser.post("/api/command", {"user": BEN, "text": text})
    assert answer.status == 400
    assert answer.body["ok"] is False
    if text:
        assert "/mentor help" in answer.body["error"]


# --- modals ----------------------------------------------------------------------------------


def open_join(browser: Browser, bot: RunningBot, user: str = CAMILA) -> dict[str, Any]:
    create_program(bot, "Mentoring", description="Grow with a colleague")
    assert browser.post("/api/command", {"user": user, "text": "/mentor join"}).status == 200
    return browser.until(user, modal_with("Join Mentoring"), "the join modal")


def test_join_opens_a_modal_with_the_bots_fields(browser: Browser, bot: RunningBot) -> None:
    modal = open_join(browser, bot)["modal"]
    assert modal["submit"] == "Join" and modal["close"] == "Cancel" and modal["depth"] == 1
    html = modal["html"]
    for block_id in ("role", "offers", "wants", "goals", "capacity"):
        assert f'data-testid="field-{block_id}"' in html
    assert 'type="radio" name="role" value="mentor"' in html
    assert '<textarea class="bk-control" rows="4" id="modal-goals" name="goals"' in html
    assert '<option value="2" selected>2</option>' in html  # the default capacity


def test_an_empty_required_field_is_flagged_without_bothering_the_bot(
    browser: Browser, bot: RunningBot
) -> None:
    modal = open_join(browser, bot)["modal"]
    calls = len(bot.sandbox.calls)
    answer = browser.post(
        "/api/submit",
        {"user": CAMILA, "view_id": modal["view_id"], "values": {"role": "", "goals": "grow"}},
    )
    assert answer.status == 200
    assert answer.body == {"ok": True, "errors": {"role": REQUIRED_MESSAGE}, "closed": False}
    screen = browser.view(CAMILA)
    assert screen["modal"]["errors"] == {"role": REQUIRED_MESSAGE}
    assert 'data-testid="field-error-role"' in screen["modal"]["html"]
    assert ">grow</textarea>" in screen["modal"]["html"]  # what was typed stays
    assert len(bot.sandbox.calls) == calls  # Slack's client never sent it


def test_the_bots_inline_errors_show_under_the_fields_with_the_typing_kept(
    browser: Browser, bot: RunningBot
) -> None:
    modal = open_join(browser, bot)["modal"]
    answer = browser.post(
        "/api/submit",
        {
            "user": CAMILA,
            "view_id": modal["view_id"],
            "values": {"role": "mentor", "offers": "  ,  ", "wants": "", "goals": "<b>grow</b>"},
        },
    )
    assert answer.status == 200, answer.body
    offers_error = "As a mentor, name at least one thing you can offer."
    assert answer.body["errors"]["offers"] == offers_error
    assert answer.body["closed"] is False
    html = browser.view(CAMILA)["modal"]["html"]
    assert f'data-testid="field-error-offers">{offers_error}</div>' in html
    assert 'value="mentor" checked' in html
    assert "&lt;b&gt;grow&lt;/b&gt;</textarea>" in html

    answer = browser.post(
        "/api/submit",
        {
            "user": CAMILA,
            "view_id": modal["view_id"],
            "values": {"role": "mentor", "offers": "Python", "wants": "", "goals": ""},
        },
    )
    assert answer.body == {"ok": True, "errors": {}, "closed": True}
    screen = browser.until(CAMILA, lambda s: "Welcome to" in dm_html(s, CAMILA), "the welcome")
    assert screen["modal"] is None


def test_a_value_that_is_not_an_option_is_refused_as_json(
    browser: Browser, bot: RunningBot
) -> None:
    modal = open_join(browser, bot)["modal"]
    for values in ({"role": "overlord"}, {"nonsense": "x"}, {"role": ["a", 1]}, {"role": 5}):
        answer = browser.post(
            "/api/submit", {"user": CAMILA, "view_id": modal["view_id"], "values": values}
        )
        assert answer.status == 400, values
        assert answer.body["ok"] is False and answer.body["error"]


def test_cancel_closes_the_modal(browser: Browser, bot: RunningBot) -> None:
    modal = open_join(browser, bot)["modal"]
    answer = browser.post("/api/close", {"user": CAMILA, "view_id": modal["view_id"]})
    assert answer.body == {"ok": True}
    assert browser.view(CAMILA)["modal"] is None
    again = browser.post("/api/close", {"user": CAMILA, "view_id": modal["view_id"]})
    assert again.status == 409


# --- Home and buttons ------------------------------------------------------------------------


def test_home_buttons_reach_the_bot(browser: Browser, bot: RunningBot) -> None:
    create_program(bot, "Mentoring", description="Grow with a colleague")
    assert browser.post("/api/home", {"user": BEN}).body == {"ok": True}
    screen = browser.until(BEN, lambda s: s["home"] is not None, "Ben's Home tab")
    html = screen["home"]["html"]
    assert "Programs you can join" in html
    assert 'data-action-id="home.join"' in html

    value = html.split('data-action-id="home.join"')[1].split('data-value="')[1].split('"')[0]
    answer = browser.post(
        "/api/action",
        {
            "user": BEN,
            "source": {"view_id": screen["home"]["view_id"]},
            "action_id": "home.join",
            "block_id": "",
            "value": value,
        },
    )
    assert answer.body == {"ok": True}
    browser.until(BEN, modal_with("Join Mentoring"), "the join modal from Home")


def test_charts_on_the_home_and_in_dms_are_served_by_the_console(
    browser: Browser, bot: RunningBot
) -> None:
    chart = bot.sprout.services.client.files_upload_v2(
        file=PNG, filename="chart.png", alt_txt="Chart of Mentoring"
    )["file"]["id"]
    bot.sprout.services.client.views_publish(
        user_id=SEED_ADMIN_ID,
        view={
            "type": "home",
            "blocks": [{"type": "image", "slack_file": {"id": chart}, "alt_text": "Chart"}],
        },
    )
    dm = bot.sprout.services.client.conversations_open(users=[SEED_ADMIN_ID])["channel"]["id"]
    shared = bot.sprout.services.client.files_upload_v2(
        channel=dm, file=PNG, filename="report.png", title="Report chart"
    )["file"]["id"]
    screen = browser.until(SEED_ADMIN_ID, lambda s: s["home"] is not None, "Ada's Home")
    assert f'src="/api/file?id={chart}"' in screen["home"]["html"]
    assert f'src="/api/file?id={shared}"' in dm_html(screen, SEED_ADMIN_ID)

    status, body, headers = browser.raw(f"/api/file?id={chart}")
    assert (status, body, headers["content-type"]) == (200, PNG, "image/png")
    assert headers["x-content-type-options"] == "nosniff"
    table = bot.sprout.services.client.files_upload_v2(file=b"a,b\n", filename="t.csv")
    for missing in ("F0NOSUCHFILE", table["file"]["id"], ""):
        assert browser.raw(f"/api/file?id={missing}")[0] == 404
    assert browser.raw(f"/api/file?id={chart}", b"{}", method="POST")[0] == 405


def test_message_buttons_reach_the_bot(browser: Browser, bot: RunningBot) -> None:
    modal = open_join(browser, bot)["modal"]
    joined = browser.post(
        "/api/submit",
        {
            "user": CAMILA,
            "view_id": modal["view_id"],
            "values": {"role": "mentee", "wants": "negotiation"},
        },
    )
    assert joined.body == {"ok": True, "errors": {}, "closed": True}
    browser.until(CAMILA, lambda s: "Welcome to" in dm_html(s, CAMILA), "the welcome")
    browser.post("/api/command", {"user": CAMILA, "text": "/mentor leave"})
    screen = browser.until(
        CAMILA, lambda s: "membership.leave.confirm" in dm_html(s, CAMILA), "the question"
    )
    channel, ts = message_holding(dm_html(screen, CAMILA), "membership.leave.confirm")
    assert channel == "D03CAM"
    source = {"message": {"channel": channel, "ts": ts}}
    answer = browser.post(
        "/api/action",
        {"user": CAMILA, "source": source, "action_id": "membership.leave.confirm"},
    )
    assert answer.body == {"ok": True}
    browser.until(CAMILA, lambda s: "You left" in dm_html(s, CAMILA), "the leave confirmed")

    # Ben cannot press a button in Camila's DM.
    foreign = browser.post(
        "/api/action", {"user": BEN, "source": source, "action_id": "membership.leave.cancel"}
    )
    assert foreign.status == 409


# --- the clock -------------------------------------------------------------------------------


def test_the_clock_moves_and_keeps_a_log(browser: Browser, playground: ScenarioPlayground) -> None:
    before = playground.now()
    answer = browser.post("/api/clock", {"action": "day"})
    assert answer.body == {"ok": True, "now": (before + timedelta(days=1)).isoformat(), "ran": []}
    answer = browser.post("/api/clock", {"action": "next-round"})
    assert answer.body["ran"] == ["round 1 of Mentoring"]
    clock = browser.view(BEN)["clock"]
    assert clock["iso"] == (before + timedelta(days=8)).isoformat()
    assert clock["utc"] == "Fri 04 Dec 2026, 09:00 UTC"
    assert clock["local"] == "Fri 04 Dec 2026, 01:00 PST"
    assert [e["action"] for e in clock["log"]] == [
        "Advanced to the next round",
        "Advanced one day",
    ]
    assert browser.post("/api/clock", {"action": "week"}).status == 400


class BusyPlayground(ScenarioPlayground):
    """A clock jump that runs far more jobs than the panel should list."""

    def advance(self, delta: timedelta) -> list[str]:
        self.bot.clock.advance(delta)
        return [f"job {n}" for n in range(40)]


def test_a_long_run_is_listed_in_short(bot: RunningBot) -> None:
    app = console_app(BusyPlayground(bot))
    body = b'{"action": "day"}'
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/clock",
        "HTTP_HOST": "127.0.0.1:1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    statuses: list[str] = []
    reply = json.loads(b"".join(app(environ, lambda status, headers: statuses.append(status))))
    assert statuses == ["200 OK"]
    assert reply["ran"] == [*(f"job {n}" for n in range(MAX_RAN_LINES)), "…and 15 more"]


# --- bad requests ----------------------------------------------------------------------------


def test_bad_requests_get_json_errors_never_tracebacks(browser: Browser) -> None:
    cases: list[tuple[str, bytes, dict[str, str], int]] = [
        ("/api/command", b"{not json", {"Content-Type": "application/json"}, 400),
        ("/api/command", b"[1, 2]", {"Content-Type": "application/json"}, 400),
        ("/api/command", b'{"user": "U02BEN"}', {"Content-Type": "application/json"}, 400),
        (
            "/api/command",
            b'{"user": "U13MAX", "text": "/mentor help"}',
            {"Content-Type": "application/json"},
            400,
        ),
        (
            "/api/command",
            b'{"user": "U02BEN", "text": "/mentor help"}',
            {"Content-Type": "text/plain"},
            415,
        ),
        (
            "/api/command",
            b"{" + b" " * MAX_BODY_BYTES + b"}",
            {"Content-Type": "application/json"},
            413,
        ),
        (
            "/api/action",
            b'{"user": "U02BEN", "action_id": "x", "source": {}}',
            {"Content-Type": "application/json"},
            400,
        ),
        (
            "/api/submit",
            b'{"user": "U02BEN", "view_id": "VNOPE", "values": {}}',
            {"Content-Type": "application/json"},
            409,
        ),
        ("/api/nowhere", b"{}", {"Content-Type": "application/json"}, 404),
    ]
    for path, body, headers, expected in cases:
        status, raw, _ = browser.raw(path, body, headers)
        assert status == expected, (path, body[:60], raw)
        answer = json.loads(raw)
        assert answer["ok"] is False and answer["error"]
        assert "Traceback" not in answer["error"]

    status, raw, _ = browser.raw("/api/command")  # a GET where a POST belongs
    assert status == 405
    assert browser.get("/api/view?user=nobody").status == 400
    assert browser.get("/api/view").status == 400


def test_only_loopback_hosts_are_answered(browser: Browser) -> None:
    status, raw, _ = browser.raw("/api/people", headers={"Host": "evil.example"})
    assert status == 403 and json.loads(raw)["ok"] is False
    status, _, _ = browser.raw("/api/people", headers={"Host": "localhost:8080"})
    assert status == 200
