"""A local stand-in for Slack's Web API, served over real HTTP.

The bot talks to it through an unmodified ``slack_sdk.WebClient(base_url=sb.api_url)``, so
everything between Sprout's handlers and the wire (argument encoding, error raising, retry
handlers, pagination) is exercised exactly as in production. The sandbox answers the way
Slack does — HTTP 200 with ``{"ok": false, "error": ...}`` for API errors, 429 with
``Retry-After`` when rate limited — and enforces the limits that bite real apps: Block Kit
sizes, one-shot three-second trigger ids, five-use response URLs, the three-view modal stack.

Besides answering the bot, it keeps what each person would see (DMs, ephemerals, modals,
Home tabs) so tests can assert on the experience rather than on raw calls.

Time: ``clock`` (default ``time.monotonic``) drives trigger-id and response-URL expiry and
the rate-limit windows, so tests can inject a fake clock instead of sleeping. Message
``ts`` values come from the wall clock because Slack's ts doubles as an epoch timestamp.

``time_scale`` only affects rate limiting. With ``time_scale=k`` the limiter runs on a
clock that goes ``k`` times faster than ``clock``: every window shrinks to ``window / k``
real seconds, so every allowed rate is multiplied by ``k``. The ``Retry-After`` header is
the remaining wait converted back to real seconds, rounded up, and never below 1 (Slack
only sends whole seconds). Trigger ids and response URLs keep their real-time lifetimes
because they model human and network latency, not throughput.

Pacing (with ``enforce_rate_limits=True``): ``limit_for(method, channel)`` returns the
limit as N calls per W real seconds. A client never gets a 429 if it starts at most N
calls to that method in any W-second window (call k+N no earlier than W after call k,
e.g. one call every ``limit.interval`` seconds, a token bucket with no burst) and its
calls reach the sandbox with less than ``limit.grace`` (half an interval) of varying
delay; chat.postMessage must keep to both its per-channel and its workspace limit.
``sandbox.rate_limits`` states the exact rule.

This module holds ``SlackSandbox`` (its lifecycle, what tests and the driver call, the
HTTP server); the methods themselves are in ``sandbox.methods``, one module per family,
acting on the state in ``sandbox.history``, ``sandbox.view_store`` and
``sandbox.interactions``. The names below stay importable from here.
"""

from __future__ import annotations

import copy
import email.policy
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sandbox.arguments import Args, decode_json_string_args, parse_body, parse_query
from sandbox.blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    block_errors,
    interactive_elements,
    view_errors,
)
from sandbox.file_store import UPLOAD_PATH, UploadedFile
from sandbox.history import MAX_MESSAGE_TEXT, dm_channel_id
from sandbox.interactions import (
    RESPONSE_URL_MAX_USES,
    RESPONSE_URL_TTL_SECONDS,
    TRIGGER_TTL_SECONDS,
)
from sandbox.methods import API_METHODS
from sandbox.methods.conversations import MAX_MPIM_USERS
from sandbox.rate_limits import (
    METHOD_RATE_LIMITS,
    PER_CHANNEL_RATE_LIMITS,
    POST_MESSAGE_PER_CHANNEL,
    POST_MESSAGE_PER_WORKSPACE,
    TIER_1,
    TIER_2,
    TIER_3,
    TIER_4,
    RateLimit,
    SlidingWindowLimiter,
)
from sandbox.records import (
    ApiError,
    JsonDict,
    Message,
    MessageKind,
    MessageVia,
    RecordedCall,
    SandboxError,
    message_json,
)
from sandbox.state import SandboxState
from sandbox.view_store import MAX_VIEW_STACK
from sandbox.workspace import Workspace, seeded_workspace

__all__ = [
    "MAX_MESSAGE_BLOCKS",
    "MAX_MESSAGE_TEXT",
    "MAX_MPIM_USERS",
    "MAX_VIEW_BLOCKS",
    "MAX_VIEW_STACK",
    "METHOD_RATE_LIMITS",
    "PER_CHANNEL_RATE_LIMITS",
    "POST_MESSAGE_PER_CHANNEL",
    "POST_MESSAGE_PER_WORKSPACE",
    "RESPONSE_URL_MAX_USES",
    "RESPONSE_URL_TTL_SECONDS",
    "TIER_1",
    "TIER_2",
    "TIER_3",
    "TIER_4",
    "TRIGGER_TTL_SECONDS",
    "ApiError",
    "JsonDict",
    "Message",
    "MessageKind",
    "MessageVia",
    "RateLimit",
    "RecordedCall",
    "SandboxError",
    "SlackSandbox",
    "block_errors",
    "interactive_elements",
    "message_json",
    "view_errors",
]

_T = TypeVar("_T")
log = logging.getLogger(__name__)


class SlackSandbox:
    """A running fake of one Slack workspace's Web API plus what its people see.

    All state lives behind one lock: the bot calls from Bolt's worker threads while the
    test thread observes, and ``wait_for*`` block on a condition variable instead of
    sleeping so tests finish as soon as the bot has acted.
    """

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        enforce_rate_limits: bool = False,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` paces rate limits and trigger expiry; ``wall_clock`` dates messages (ts),
        so a sandbox whose bot runs on a moved clock shows messages at the bot's time.
        """
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.workspace = workspace if workspace is not None else seeded_workspace()
        self.enforce_rate_limits = enforce_rate_limits
        self.time_scale = time_scale
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._state = SandboxState.create(self.workspace, clock, wall_clock)
        self._limiter = SlidingWindowLimiter()
        self._calls: list[RecordedCall] = []
        self._rate_limited = 0
        self._server: _SandboxServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> SlackSandbox:
        """Serve on an ephemeral loopback port from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        server = _SandboxServer(("127.0.0.1", 0), _RequestHandler)
        server.sandbox = self
        self._server = server
        with self._lock:
            self._state.files.base_url = self.base_url
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; safe to call twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("sandbox not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """Pass as ``WebClient(base_url=...)``; the trailing slash matters to slack_sdk."""
        return f"{self.base_url}/api/"

    # -- what the driver hands out -----------------------------------------

    def issue_trigger_id(self, user_id: str) -> str:
        """A one-shot trigger id for ``user_id``, expiring 3 s later on the sandbox clock."""
        with self._lock:
            return self._state.interactions.issue_trigger(user_id)

    def new_response_url(
        self, user_id: str, channel_id: str, *, message_ts: str | None = None
    ) -> str:
        """A response URL for an interaction by ``user_id`` in ``channel_id``.

        ``message_ts`` names the source message when the interaction came from one; it is
        what ``replace_original`` and ``delete_original`` act on.
        """
        with self._lock:
            token = self._state.interactions.issue_response_url(user_id, channel_id, message_ts)
        return f"{self.base_url}/response/{token}"

    def dm_channel_id(self, user_id: str) -> str:
        """The stable id of the app's DM with ``user_id`` (D + the user id's tail)."""
        return dm_channel_id(user_id)

    def deactivate_user(self, user_id: str) -> None:
        """Deactivate an account mid-test, as an admin would in Slack.

        Same as setting ``workspace.users[user_id].deleted = True``, but under the lock.
        From then on ``users.info`` reports ``deleted: true``, ``conversations.open``
        including them answers ``user_disabled``, and posting to their DM still succeeds
        (Slack accepts it). Channel memberships are left as they are.
        """
        with self._lock:
            self.workspace.user(user_id).deleted = True
            self._changed.notify_all()

    def record_user_message(self, user_id: str, channel_id: str, text: str) -> Message:
        """Store a message a person typed, so it shows in the conversation history."""
        with self._lock:
            history = self._state.history
            conversation = history.conversation(channel_id, allow_user_id=True)
            if conversation is None:
                raise SandboxError(f"unknown conversation {channel_id!r}")
            message = history.store(
                Message(
                    conversation.kind,
                    conversation.id,
                    history.next_ts(),
                    user_id,
                    text,
                    [],
                    "client",
                )
            )
            self._changed.notify_all()
            return message

    def deliver_ack(self, user_id: str, channel_id: str, body: JsonDict) -> None:
        """Show a slash command's immediate ack body as Slack does (ephemeral by default).

        Raises SandboxError when Slack would refuse the body (the person would see
        "invalid_command_response" instead of the bot's answer).
        """
        with self._lock:
            try:
                self._state.history.deliver_response(user_id, channel_id, None, body, "ack")
            except ApiError as exc:
                raise SandboxError(
                    f"Slack would reject this ack: {exc.error} {exc.messages}"
                ) from None
            self._changed.notify_all()

    # -- observation -------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def limit_for(self, method: str, channel: str | None = None) -> RateLimit:
        """The rate limit on ``method`` in real seconds (``time_scale`` applied).

        With ``channel``, a method limited per conversation (chat.postMessage) answers its
        per-conversation limit; without, its workspace-wide one. The answer holds whether
        or not ``enforce_rate_limits`` is on; the module docstring says how to pace by it.
        Raises KeyError for a method the sandbox does not rate limit.
        """
        rule = METHOD_RATE_LIMITS.get(method)
        if rule is None:
            raise KeyError(f"the sandbox does not rate limit {method!r}")
        if channel is not None:
            rule = PER_CHANNEL_RATE_LIMITS.get(method, rule)
        return RateLimit(rule.limit, rule.window / self.time_scale)

    @property
    def rate_limited_count(self) -> int:
        """How many 429 responses the sandbox has returned."""
        with self._lock:
            return self._rate_limited

    def wait_for(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[RecordedCall]:
        """Block until ``count`` successful calls to ``method`` match ``predicate``."""

        def matching() -> list[RecordedCall]:
            return [
                c
                for c in self._calls
                if c.method == method and c.ok and (predicate is None or predicate(c))
            ]

        found = self._wait_until(lambda: m if len(m := matching()) >= count else None, timeout)
        if found is None:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {count} successful {method} call(s)"
                f"{' matching the predicate' if predicate else ''}; got {len(matching())}.\n"
                + self._describe_calls()
            )
        return found

    def wait_for_message(
        self,
        user_id: str,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0,
    ) -> Message:
        """Block until ``user_id`` has received a matching message; return the newest."""

        def newest() -> Message | None:
            matches = [
                m for m in self._state.history.inbox(user_id) if predicate is None or predicate(m)
            ]
            return matches[-1] if matches else None

        found = self._wait_until(newest, timeout)
        if found is None:
            seen = "\n".join(
                f"  - {m.kind} {m.channel} via {m.via}: {m.text[:80]!r}"
                for m in self.inbox(user_id)
            )
            raise AssertionError(
                f"timed out after {timeout}s waiting for a message to {user_id}"
                f"{' matching the predicate' if predicate else ''}.\n"
                f"Inbox:\n{seen or '  (empty)'}\n" + self._describe_calls()
            )
        return found

    def messages_in(self, channel_id: str, *, include_ephemeral: bool = False) -> list[Message]:
        """A conversation's history in order; ephemerals are not history unless asked for."""
        with self._lock:
            return self._state.history.messages_in(channel_id, include_ephemeral=include_ephemeral)

    def inbox(self, user_id: str) -> list[Message]:
        """What was delivered to ``user_id``, in order.

        DMs and group DMs they are in, ephemerals addressed to them, and responses to
        their own interactions even when posted in a channel. Their own messages and plain
        channel traffic are left out; ``messages_in`` shows those.
        """
        with self._lock:
            return self._state.history.inbox(user_id)

    def members_of(self, channel_id: str) -> list[str]:
        """Who is in a DM or group DM, bot included, as the workspace knows it (no API call)."""
        with self._lock:
            conversation = self._state.history.conversation(channel_id, allow_user_id=False)
        return [] if conversation is None else list(conversation.members)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        with self._lock:
            return self._state.history.find(channel_id, ts)

    def uploaded_files(self) -> list[UploadedFile]:
        """Files the bot uploaded and completed (files.completeUploadExternal), oldest first."""
        with self._lock:
            return self._state.files.completed()

    def image_file(self, file_id: str) -> tuple[bytes, str] | None:
        """The bytes and type of a completed png, jpg or gif upload, or None."""
        with self._lock:
            files = self._state.files
            stored = files.get(file_id) if files.shows_as_image(file_id) else None
            if stored is None or stored.data is None:
                return None
            return stored.data, stored.mimetype

    def delete_file(self, file_id: str) -> None:
        """Someone deletes the file in Slack (a workspace admin, say): references stop working."""
        with self._lock:
            self._state.files.delete(file_id)

    def wait_for_upload(
        self, predicate: Callable[[UploadedFile], bool] | None = None, timeout: float = 5.0
    ) -> UploadedFile:
        """Block until a completed upload matches ``predicate``; return the newest match."""

        def newest() -> UploadedFile | None:
            found = [f for f in self._state.files.completed() if predicate is None or predicate(f)]
            return found[-1] if found else None

        uploaded = self._wait_until(newest, timeout)
        if uploaded is None:
            raise AssertionError(
                f"timed out after {timeout}s waiting for a completed upload\n"
                + self._describe_calls()
            )
        return uploaded

    def home_of(self, user_id: str) -> JsonDict | None:
        with self._lock:
            record = self._state.views.home(user_id)
            return copy.deepcopy(record.view) if record else None

    def modal_of(self, user_id: str) -> JsonDict | None:
        """The modal ``user_id`` is looking at (top of their stack), if any."""
        with self._lock:
            stack = self._state.views.modal_stack(user_id)
            return copy.deepcopy(stack[-1].view) if stack else None

    def modal_stack(self, user_id: str) -> list[JsonDict]:
        with self._lock:
            return [copy.deepcopy(r.view) for r in self._state.views.modal_stack(user_id)]

    def view(self, view_id: str) -> JsonDict | None:
        """An open view (modal or Home) by id; closed views are gone, as in Slack."""
        with self._lock:
            record = self._state.views.get_open(view_id)
            return copy.deepcopy(record.view) if record else None

    def view_owner(self, view_id: str) -> str | None:
        with self._lock:
            record = self._state.views.get(view_id)
            return record.user_id if record else None

    # -- modal stack operations (the driver applies response_action with these) --

    def close_view(self, view_id: str) -> None:
        """Close a modal and anything stacked above it, like the person pressing Close."""
        with self._lock:
            self._state.views.close(view_id)
            self._changed.notify_all()

    def clear_modals(self, user_id: str) -> None:
        """Close the person's whole modal stack (``response_action: clear``)."""
        with self._lock:
            self._state.views.clear(user_id)
            self._changed.notify_all()

    def update_view(self, view_id: str, view: JsonDict) -> JsonDict:
        """Replace an open view's content in place (``response_action: update``)."""
        _check_view_from_driver(view)
        with self._lock:
            record = self._state.views.get_open(view_id)
            if record is None:
                raise SandboxError(f"view {view_id} is not open")
            self._state.views.replace_content(record, view)
            self._changed.notify_all()
            return copy.deepcopy(record.view)

    def push_view(self, user_id: str, view: JsonDict) -> JsonDict:
        """Push a modal onto the person's stack (``response_action: push``)."""
        _check_view_from_driver(view)
        with self._lock:
            try:
                record = self._state.views.push(user_id, view)
            except ApiError as exc:
                raise SandboxError(exc.error) from None
            self._changed.notify_all()
            return copy.deepcopy(record.view)

    # -- HTTP entry points ---------------------------------------------------

    def _serve_api(
        self, method: str, query: str, body: bytes, content_type: str, authorization: str
    ) -> tuple[int, JsonDict, dict[str, str]]:
        args: JsonDict = {}
        token: str | None = None
        try:
            args = parse_query(query)
            args.update(parse_body(body, content_type))
            token = args.pop("token", None)
            if authorization.lower().startswith("bearer "):
                token = authorization[7:].strip()
            decode_json_string_args(args)
        except ApiError as exc:
            return self._finish(method, args, exc.status, exc.payload(), exc.headers)
        with self._lock:
            try:
                handler = API_METHODS.get(method)
                if handler is None:
                    raise ApiError("unknown_method")
                if not token:
                    raise ApiError("not_authed")
                if token != self.workspace.bot_token:
                    raise ApiError("invalid_auth")
                self._check_rate_limit(method, args)
                result = {"ok": True, **handler(self._state, Args(args))}
                return self._finish(method, args, 200, result, {})
            except ApiError as exc:
                return self._finish(method, args, exc.status, exc.payload(), exc.headers)
            except Exception:
                # A sandbox bug must not look like a network failure to the bot's retry logic.
                log.exception("sandbox failed handling %s", method)
                failure = ApiError("internal_error", status=500)
                return self._finish(method, args, 500, failure.payload(), {})

    def _serve_response_url(self, token: str, body: bytes) -> tuple[int, JsonDict]:
        with self._lock:
            payload: JsonDict = {}
            try:
                record = self._state.interactions.response_url(token)
                try:
                    parsed = json.loads(body or b"{}")
                except ValueError:
                    raise ApiError("invalid_payload", status=400) from None
                if not isinstance(parsed, dict):
                    raise ApiError("invalid_payload", status=400)
                payload = parsed
                record.uses += 1
                self._state.history.deliver_response(
                    record.user_id, record.channel_id, record.source_ts, payload, "response_url"
                )
            except ApiError as exc:
                status, _, _ = self._finish("response_url", payload, exc.status, exc.payload(), {})
                return status, exc.payload()
            self._finish("response_url", payload, 200, {"ok": True}, {})
            return 200, {"ok": True}

    def _serve_upload(self, token: str, body: bytes, content_type: str) -> tuple[int, str]:
        """The bytes of a file POSTed to its upload URL: raw (slack_sdk) or multipart."""
        with self._lock:
            args: JsonDict = {"length": len(body)}
            try:
                data = _upload_bytes(body, content_type)
                stored = self._state.files.receive(token, data)
                args = {"file_id": stored.id, "length": len(data)}
            except ApiError as exc:
                self._finish("upload", args, exc.status, exc.payload(), {})
                return exc.status, exc.error
            self._finish("upload", args, 200, {"ok": True}, {})
            return 200, f"OK - {len(data)}"

    def _finish(
        self, method: str, args: JsonDict, status: int, body: JsonDict, headers: dict[str, str]
    ) -> tuple[int, JsonDict, dict[str, str]]:
        with self._lock:
            ok = bool(body.get("ok"))
            error = None if ok else str(body.get("error"))
            self._calls.append(
                RecordedCall(method, copy.deepcopy(args), ok, error, status, self._clock())
            )
            self._changed.notify_all()
        return status, body, headers

    def _check_rate_limit(self, method: str, args: JsonDict) -> None:
        if not self.enforce_rate_limits or method not in METHOD_RATE_LIMITS:
            return
        buckets = [(method, METHOD_RATE_LIMITS[method])]
        if method in PER_CHANNEL_RATE_LIMITS:
            channel = str(args.get("channel", ""))
            conversation = self._state.history.conversation(channel, allow_user_id=True)
            key = conversation.id if conversation else channel
            buckets.append((f"{method}:{key}", PER_CHANNEL_RATE_LIMITS[method]))
        wait = self._limiter.acquire(buckets, self._clock() * self.time_scale)
        if wait is not None:
            self._rate_limited += 1
            retry_after = max(1, math.ceil(wait / self.time_scale))
            raise ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})

    # -- helpers -----------------------------------------------------------

    def _wait_until(self, probe: Callable[[], _T | None], timeout: float) -> _T | None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = probe()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(min(remaining, 0.1))

    def _describe_calls(self, limit: int = 25) -> str:
        calls = self._calls[-limit:]
        if not calls:
            return "No Web API calls were recorded."
        lines = []
        for call in calls:
            outcome = "ok" if call.ok else f"error={call.error} status={call.status}"
            args = json.dumps(call.args, default=str)
            lines.append(f"  - {call.method} {outcome} {args[:160]}")
        return f"Last {len(calls)} recorded call(s):\n" + "\n".join(lines)


def _upload_bytes(body: bytes, content_type: str) -> bytes:
    """The file in an upload POST: the body itself, or the file part of a multipart form."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None or name in ("file", "filename"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload
    raise ApiError("no file part in the multipart body", status=400)


def _check_view_from_driver(view: JsonDict) -> None:
    """A ``response_action`` view Slack would refuse fails the test instead of showing."""
    errors = view_errors(view)
    if errors:
        raise SandboxError("invalid view: " + "; ".join(errors))


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------


class _SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: SlackSandbox


class _RequestHandler(BaseHTTPRequestHandler):
    server: _SandboxServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: request logs would drown pytest's output."""

    def _route(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sandbox = self.server.sandbox
        if url.path.startswith(UPLOAD_PATH):
            code, text = sandbox._serve_upload(
                url.path.removeprefix(UPLOAD_PATH), body, self.headers.get("Content-Type", "")
            )
            encoded_text = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(encoded_text)))
            self.end_headers()
            self.wfile.write(encoded_text)
            return
        if url.path.startswith("/api/"):
            status, payload, headers = sandbox._serve_api(
                url.path.removeprefix("/api/"),
                url.query,
                body,
                self.headers.get("Content-Type", ""),
                self.headers.get("Authorization", ""),
            )
        elif url.path.startswith("/response/"):
            status, payload = sandbox._serve_response_url(url.path.removeprefix("/response/"), body)
            headers = {}
        else:
            status, payload, headers = 404, {"ok": False, "error": "not_found"}, {}
        encoded = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(encoded)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(encoded)
