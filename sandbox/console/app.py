"""The try-it console: a web page where a visitor uses Sprout as any person in the sandbox.

Everything the visitor does reaches the bot the way Slack would deliver it — signed HTTP
requests built by :class:`sandbox.driver.SlackDriver` — and everything shown is read back
from the sandbox's records of what the bot sent. The console adds only what Slack's own
client adds: it refuses to submit a form with an empty required field, it keeps what was
typed while the app answers with inline errors, and it turns failures into messages.

The console is meant for loopback only. It answers only requests whose Host is a loopback
name (so a web page elsewhere cannot reach it by DNS rebinding), accepts only JSON bodies on
its API (which a cross-site form cannot send), caps request bodies, and never answers with a
traceback.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from handlers.http import StartResponse, WSGIApp
from sandbox.blocks import interactive_elements
from sandbox.console.playground import Playground
from sandbox.console.render import REQUIRED_MESSAGE, input_blocks
from sandbox.console.screens import (
    ClockEntry,
    Draft,
    conversations_of,
    fingerprint,
    person_json,
    screen_json,
    visible_messages,
)
from sandbox.driver import DriverResponse
from sandbox.records import SandboxError

log = logging.getLogger(__name__)

#: The console's requests are small JSON objects; a form with every field full is a few KiB.
MAX_BODY_BYTES = 64 * 1024
#: Slack caps slash command text well below this.
MAX_COMMAND_CHARS = 4000
COMMAND = "/mentor"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_CLOCK_LOG = 30
#: A long jump can run hundreds of jobs; the panel shows the first ones and how many more.
MAX_RAN_LINES = 25

_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/static/console.css": ("console.css", "text/css; charset=utf-8"),
}
_SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]

# The state key each input element reports when left empty (see the view_submission payload).
_EMPTY_STATE: dict[str, tuple[str, object]] = {
    "plain_text_input": ("value", None),
    "number_input": ("value", None),
    "email_text_input": ("value", None),
    "url_text_input": ("value", None),
    "static_select": ("selected_option", None),
    "external_select": ("selected_option", None),
    "radio_buttons": ("selected_option", None),
    "users_select": ("selected_user", None),
    "conversations_select": ("selected_conversation", None),
    "channels_select": ("selected_channel", None),
    "datepicker": ("selected_date", None),
    "timepicker": ("selected_time", None),
    "datetimepicker": ("selected_date_time", None),
    "multi_static_select": ("selected_options", []),
    "multi_external_select": ("selected_options", []),
    "checkboxes": ("selected_options", []),
    "multi_users_select": ("selected_users", []),
    "multi_conversations_select": ("selected_conversations", []),
    "multi_channels_select": ("selected_channels", []),
}
_MULTI = frozenset(t for t, (_, empty) in _EMPTY_STATE.items() if empty == [])


class BadRequest(Exception):
    """The request cannot be acted on; ``status`` and the message go back as JSON."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def console_app(
    playground: Playground, *, allowed_hosts: Iterable[str] = LOOPBACK_HOSTS
) -> WSGIApp:
    """The console as a WSGI app over ``playground``; serve it on 127.0.0.1 only."""
    console = _Console(playground, frozenset(h.lower() for h in allowed_hosts))

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        reply = console.handle(environ)
        status = f"{reply.status} {_REASONS.get(reply.status, 'Error')}"
        headers = [
            ("Content-Type", reply.content_type),
            ("Content-Length", str(len(reply.body))),
            *_SECURITY_HEADERS,
            *reply.headers,
        ]
        start_response(status, headers)
        return [reply.body]

    return application


_REASONS = {
    200: "OK",
    304: "Not Modified",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class _Console:
    """The routes; its own state is only the drafts of open forms and the clock log."""

    def __init__(self, playground: Playground, allowed_hosts: frozenset[str]) -> None:
        self.playground = playground
        self.allowed_hosts = allowed_hosts
        self._lock = threading.Lock()
        self._clock_lock = threading.Lock()
        self._drafts: dict[tuple[str, str], Draft] = {}
        self._clock_log: list[ClockEntry] = []
        self._static: dict[str, bytes] = {}
        self._posts: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/api/command": self.command,
            "/api/action": self.action,
            "/api/submit": self.submit,
            "/api/close": self.close,
            "/api/home": self.home,
            "/api/clock": self.clock,
        }

    # -- dispatch -----------------------------------------------------------

    def handle(self, environ: Mapping[str, Any]) -> Reply:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", "/"))
        try:
            self._check_host(environ)
            if path in _STATIC:
                if method not in ("GET", "HEAD"):
                    raise BadRequest("use GET", 405)
                return self._static_file(path)
            if path == "/api/people":
                self._require(method, "GET")
                return _json(200, self.people())
            if path == "/api/view":
                self._require(method, "GET")
                return self.view(environ)
            if path == "/api/file":
                self._require(method, "GET")
                return self.file(environ)
            handler = self._posts.get(path)
            if handler is None:
                raise BadRequest("not found", 404)
            self._require(method, "POST")
            return _json(200, handler(_read_json(environ)))
        except BadRequest as exc:
            return _json(exc.status, {"ok": False, "error": exc.message})
        except Exception as exc:
            # No traceback and no request content in the log: both may hold what people typed.
            log.error("console %s %s failed: %s", method, path, type(exc).__name__)
            return _json(500, {"ok": False, "error": "the console failed; see the server log"})

    def _check_host(self, environ: Mapping[str, Any]) -> None:
        host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "")
        name = re.sub(r":\d+$", "", host).strip("[]").lower()
        if name not in self.allowed_hosts:
            raise BadRequest("the console only answers on loopback addresses", 403)

    @staticmethod
    def _require(method: str, wanted: str) -> None:
        if method != wanted:
            raise BadRequest(f"use {wanted}", 405)

    def _static_file(self, path: str) -> Reply:
        name, content_type = _STATIC[path]
        body = self._static.get(name)
        if body is None:
            body = resources.files("sandbox.console").joinpath("static", name).read_bytes()
            self._static[name] = body
        return Reply(200, body, content_type)

    # -- reading --------------------------------------------------------------

    def people(self) -> dict[str, Any]:
        at = self.playground.now()
        people = self.playground.sandbox.workspace.people
        return {"ok": True, "people": [person_json(u, at) for u in people]}

    def view(self, environ: Mapping[str, Any]) -> Reply:
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        user_id = self._person((query.get("user") or [""])[0])
        since = (query.get("since") or [""])[0]
        sandbox = self.playground.sandbox
        now = self.playground.now()
        conversations = conversations_of(sandbox, user_id)
        with self._lock:
            drafts = {v: d for (u, v), d in self._drafts.items() if u == user_id}
            clock_log = list(self._clock_log)
        clock = _clock_json(now, sandbox.workspace.user(user_id).tz, clock_log)
        version = fingerprint(sandbox, user_id, conversations, drafts, clock)
        etag = f'"{version}"'
        if since == version or environ.get("HTTP_IF_NONE_MATCH") == etag:
            body = {"ok": True, "version": version, "unchanged": True}
            return _json(200, body, headers=(("ETag", etag),))
        screen = screen_json(sandbox, user_id, conversations, drafts)
        body = {"ok": True, "version": version, "user": user_id, "clock": clock, **screen}
        return _json(200, body, headers=(("ETag", etag),))

    def file(self, environ: Mapping[str, Any]) -> Reply:
        """An image uploaded to the sandbox (a chart), for the page's <img> tags."""
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        found = self.playground.sandbox.image_file((query.get("id") or [""])[0])
        if found is None:
            raise BadRequest("no such image", 404)
        data, mimetype = found
        return Reply(200, data, mimetype)

    # -- acting ---------------------------------------------------------------

    def command(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = self._person(body.get("user"))
        text = _string(body, "text").strip()
        if len(text) > MAX_COMMAND_CHARS:
            raise BadRequest("that command is too long")
        if not (text == COMMAND or text.startswith(COMMAND + " ")):
            raise BadRequest(f"Sprout answers {COMMAND} commands: try {COMMAND} help")
        channel = body.get("channel")
        if channel is not None and not isinstance(channel, str):
            raise BadRequest("channel must be a string")
        if channel and channel not in self._conversation_ids(user_id):
            raise BadRequest("that conversation is not one of yours")
        driver = self.playground.driver
        try:
            response = driver.command(user_id, text[len(COMMAND) :].strip(), channel_id=channel)
        except SandboxError:
            raise BadRequest(
                f'{COMMAND} failed with the error "invalid_command_response"', 502
            ) from None
        if response.status != 200:
            raise BadRequest(f'{COMMAND} failed with the error "dispatch_failed"', 502)
        return {"ok": True}

    def action(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = self._person(body.get("user"))
        action_id = _string(body, "action_id")
        value = _action_value(body.get("value"))
        source = body.get("source")
        sandbox = self.playground.sandbox
        target: Any
        if isinstance(source, dict) and isinstance(source.get("message"), dict):
            ref = source["message"]
            channel, ts = ref.get("channel"), ref.get("ts")
            if not isinstance(channel, str) or not isinstance(ts, str):
                raise BadRequest("source.message needs channel and ts")
            visible = visible_messages(sandbox, user_id, channel)
            target = next((m for m in visible if m.ts == ts), None)
            if target is None:
                raise BadRequest("that message is no longer there", 409)
            blocks = target.blocks
        elif isinstance(source, dict) and isinstance(source.get("view_id"), str):
            target = sandbox.view(source["view_id"])
            if target is None or sandbox.view_owner(source["view_id"]) != user_id:
                raise BadRequest("that view is no longer open", 409)
            blocks = target.get("blocks") or []
        else:
            raise BadRequest("source must be {message: {channel, ts}} or {view_id}")
        if isinstance(value, str) and _is_datetimepicker(blocks, action_id):
            # The browser's control sends wall time; Slack reports epoch seconds.
            value = _epoch(value, sandbox.workspace.user(user_id).tz)
        try:
            response = self.playground.driver.click(user_id, action_id, source=target, value=value)
        except LookupError:
            raise BadRequest("that element is no longer there", 409) from None
        except ValueError as exc:
            raise BadRequest(f"cannot use that element: {exc}") from None
        _bot_answered(response)
        return {"ok": True}

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = self._person(body.get("user"))
        view_id = _string(body, "view_id")
        raw = body.get("values", {})
        if not isinstance(raw, dict):
            raise BadRequest("values must be an object keyed by block_id")
        sandbox = self.playground.sandbox
        view = sandbox.modal_of(user_id)
        if view is None or view.get("id") != view_id:
            raise BadRequest("that form is no longer open", 409)
        tz = sandbox.workspace.user(user_id).tz
        supplied, errors = _submission(view, raw, tz)
        if not errors:
            try:
                response = self.playground.driver.submit(user_id, view_id, supplied)
            except ValueError as exc:
                # Slack's client would not send the form; show it under the field if we can.
                errors = _required_error(exc, view)
                if not errors:
                    raise BadRequest(f"the form cannot be sent: {exc}") from None
            except KeyError:
                raise BadRequest("the form has no such field") from None
            except LookupError:
                raise BadRequest("that form is no longer open", 409) from None
            else:
                _bot_answered(response)
                reply = response.json or {}
                if reply.get("response_action") == "errors":
                    errors = _errors(reply.get("errors"))
        with self._lock:
            if errors:
                self._drafts[(user_id, view_id)] = Draft(str(view.get("hash")), dict(raw), errors)
            else:
                self._drafts.pop((user_id, view_id), None)
        top = sandbox.modal_of(user_id)
        closed = top is None or top.get("id") != view_id
        return {"ok": True, "errors": errors, "closed": closed}

    def close(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = self._person(body.get("user"))
        view_id = _string(body, "view_id")
        try:
            response = self.playground.driver.close(user_id, view_id)
        except LookupError:
            raise BadRequest("that form is no longer open", 409) from None
        if response is not None:
            _bot_answered(response)
        with self._lock:
            self._drafts.pop((user_id, view_id), None)
        return {"ok": True}

    def home(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = self._person(body.get("user"))
        _bot_answered(self.playground.driver.open_home(user_id))
        return {"ok": True}

    def clock(self, body: dict[str, Any]) -> dict[str, Any]:
        action = body.get("action")
        # One move at a time: two quick clicks must not run the same due jobs side by side.
        with self._clock_lock:
            if action == "day":
                ran = self.playground.advance(timedelta(days=1))
                label = "Advanced one day"
            elif action == "next-round":
                ran = self.playground.advance_to_next_round()
                label = "Advanced to the next round"
            else:
                raise BadRequest('action must be "day" or "next-round"')
            self.playground.settle()
            now = self.playground.now()
            lines = [str(r) for r in ran]
            if len(lines) > MAX_RAN_LINES:
                hidden = len(lines) - MAX_RAN_LINES
                lines = [*lines[:MAX_RAN_LINES], f"…and {hidden} more"]
            entry = ClockEntry(_utc_text(now), label, tuple(lines))
            with self._lock:
                self._clock_log = [entry, *self._clock_log][:MAX_CLOCK_LOG]
        return {"ok": True, "now": now.isoformat(), "ran": list(entry.ran)}

    # -- helpers --------------------------------------------------------------

    def _person(self, user_id: object) -> str:
        if not isinstance(user_id, str) or not user_id:
            raise BadRequest("user must be a person's id")
        people = {u.id for u in self.playground.sandbox.workspace.people}
        if user_id not in people:
            raise BadRequest(f"no person {user_id!r} in the sandbox workspace")
        return user_id

    def _conversation_ids(self, user_id: str) -> set[str]:
        sandbox = self.playground.sandbox
        ids = {c.id for c in conversations_of(sandbox, user_id)}
        ids.update(c.id for c in sandbox.workspace.channels.values() if user_id in c.members)
        return ids


# ---------------------------------------------------------------------------
# requests and replies
# ---------------------------------------------------------------------------


def _read_json(environ: Mapping[str, Any]) -> dict[str, Any]:
    content_type = str(environ.get("CONTENT_TYPE", ""))
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest("send JSON (Content-Type: application/json)", 415)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest("bad Content-Length") from None
    if length > MAX_BODY_BYTES:
        raise BadRequest(f"request bodies are limited to {MAX_BODY_BYTES} bytes", 413)
    stream = environ.get("wsgi.input")
    raw = stream.read(length) if stream is not None and length > 0 else b""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _json(status: int, body: object, *, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    encoded = json.dumps(body, separators=(",", ":")).encode()
    return Reply(status, encoded, "application/json; charset=utf-8", headers)


def _string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{key} must be a non-empty string")
    return value


def _action_value(value: object) -> str | list[str] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise BadRequest("value must be a string, a list of strings or null")


def _bot_answered(response: DriverResponse) -> None:
    """Slack tells the person when the app did not answer; so does the console."""
    if response.status != 200:
        raise BadRequest(f"Sprout answered HTTP {response.status}", 502)


def _is_datetimepicker(blocks: list[Any], action_id: str) -> bool:
    return any(
        element.get("action_id") == action_id and element.get("type") == "datetimepicker"
        for _, element in interactive_elements(blocks)
    )


def _errors(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items()}


def _required_error(exc: ValueError, view: Mapping[str, Any]) -> dict[str, str]:
    match = re.search(r"required input '([^']+)'", str(exc))
    blocks = {b.get("block_id") for b in input_blocks(view.get("blocks") or [])}
    if match and match.group(1) in blocks:
        return {match.group(1): REQUIRED_MESSAGE}
    return {}


# ---------------------------------------------------------------------------
# form submissions
# ---------------------------------------------------------------------------


def _submission(
    view: Mapping[str, Any], raw: Mapping[str, Any], tz: str
) -> tuple[dict[str, object], dict[str, str]]:
    """The values to hand the driver, and the errors Slack's client itself would show.

    Slack's client checks required fields, text lengths and number bounds before it sends
    anything; the app only ever sees forms that pass. A field the page did not send keeps
    its initial value, as in Slack.
    """
    inputs = {str(b.get("block_id")): b for b in input_blocks(view.get("blocks") or [])}
    unknown = sorted(set(raw) - set(inputs))
    if unknown:
        raise BadRequest(f"the form has no fields {unknown}")
    supplied: dict[str, object] = {}
    errors: dict[str, str] = {}
    for block_id, block in inputs.items():
        element = block["element"]
        element_type = str(element.get("type", ""))
        if block_id not in raw:
            if not block.get("optional") and _initial_empty(element):
                errors[block_id] = REQUIRED_MESSAGE
            continue
        value = _field_value(block_id, element_type, raw[block_id])
        if _is_empty(value):
            if not block.get("optional"):
                errors[block_id] = REQUIRED_MESSAGE
            elif element_type in _EMPTY_STATE:
                key, empty = _EMPTY_STATE[element_type]
                supplied[block_id] = {key: empty}
            continue
        problem = _client_check(element, element_type, value)
        if problem:
            errors[block_id] = problem
            continue
        if element_type == "datetimepicker" and isinstance(value, str):
            value = _epoch(value, tz)
        supplied[block_id] = value
    return supplied, errors


def _field_value(block_id: str, element_type: str, value: object) -> str | list[str] | None:
    if value is None:
        return None
    if element_type in _MULTI:
        items = value if isinstance(value, list) else [value]
        strings = [v for v in items if isinstance(v, str)]
        if len(strings) != len(items):
            raise BadRequest(f"{block_id} takes a list of strings")
        return [v for v in strings if v]
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise BadRequest(f"{block_id} takes a string")


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def _initial_empty(element: Mapping[str, Any]) -> bool:
    return not any(
        element.get(key)
        for key in element
        if key.startswith("initial_") and key != "initial_value_placeholder"
    )


def _client_check(element: Mapping[str, Any], element_type: str, value: object) -> str | None:
    if not isinstance(value, str):
        return None
    max_length, min_length = element.get("max_length"), element.get("min_length")
    if isinstance(max_length, int) and len(value) > max_length:
        return f"Please use {max_length} characters or fewer."
    if isinstance(min_length, int) and len(value) < min_length:
        return f"Please use at least {min_length} characters."
    if element_type == "number_input":
        return _number_problem(element, value)
    if element_type == "datepicker" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "Please enter a date."
    if element_type == "timepicker" and not re.fullmatch(r"\d{2}:\d{2}", value):
        return "Please enter a time."
    return None


def _number_problem(element: Mapping[str, Any], value: str) -> str | None:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return "Please enter a number."
    if not number.is_finite():
        return "Please enter a number."
    if not element.get("is_decimal_allowed") and number != number.to_integral_value():
        return "Please enter a whole number."
    low, high = element.get("min_value"), element.get("max_value")
    try:
        if low is not None and number < Decimal(str(low)):
            return f"Please enter a number of at least {low}."
        if high is not None and number > Decimal(str(high)):
            return f"Please enter a number no greater than {high}."
    except InvalidOperation:
        return None
    return None


def _epoch(local: str, tz: str) -> str:
    """``YYYY-MM-DDTHH:MM`` on the person's wall clock as Slack's epoch seconds."""
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        raise BadRequest("a date and time must look like 2026-11-26T09:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return str(int(moment.timestamp()))


# ---------------------------------------------------------------------------
# the clock
# ---------------------------------------------------------------------------


def _utc_text(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y, %H:%M UTC")


def _clock_json(now: datetime, tz: str, entries: list[ClockEntry]) -> dict[str, Any]:
    local = now.astimezone(ZoneInfo(tz))
    return {
        "iso": now.isoformat(),
        "utc": _utc_text(now),
        "local": local.strftime("%a %d %b %Y, %H:%M ") + (local.tzname() or tz),
        "log": [{"at": e.at, "action": e.action, "ran": list(e.ran)} for e in entries],
    }
