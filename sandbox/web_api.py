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
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import hashlib
import json
import logging
import math
import secrets
import string
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from sandbox.workspace import Workspace, seeded_workspace

TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_TTL_SECONDS = 30 * 60.0
RESPONSE_URL_MAX_USES = 5
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_STACK = 3
MAX_MPIM_USERS = 8
MAX_MESSAGE_TEXT = 40_000

MessageKind = Literal["ephemeral", "dm", "group_dm", "channel"]
MessageVia = Literal["api", "response_url", "ack", "client"]
JsonDict = dict[str, Any]
_T = TypeVar("_T")
log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# What tests observe
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedCall:
    """One request the bot made, as the sandbox understood it.

    ``args`` are the decoded arguments (JSON-string fields such as ``blocks`` and ``view``
    already parsed, the token removed), so assertions read the same whether slack_sdk sent
    a form or a JSON body. Response-URL posts are recorded too, as method ``"response_url"``.
    """

    method: str
    args: JsonDict
    ok: bool
    error: str | None
    status: int
    at: float


@dataclass(frozen=True)
class Message:
    """A message as one person sees it in their client.

    ``user`` is the sender. ``recipient`` is the person a message answers or targets: the
    only viewer of an ephemeral, or whoever triggered an ``in_channel`` response (everyone
    in the channel sees that one, but it lands in the initiator's inbox). ``via`` tells how
    it arrived: the Web API, a response URL, the immediate ack of a slash command, or typed
    by a person (``"client"``, used by the driver's ``dm``).
    """

    kind: MessageKind
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[JsonDict]
    via: MessageVia
    recipient: str | None = None
    thread_ts: str | None = None


class SandboxError(Exception):
    """The test or driver asked the sandbox for something Slack itself would refuse."""


class ApiError(Exception):
    """A Slack-style failure: rendered as ``{"ok": false, "error": ...}``."""

    def __init__(
        self,
        error: str,
        messages: list[str] | None = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.status = status
        self.headers = headers or {}

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


# ---------------------------------------------------------------------------
# Block Kit validation
# ---------------------------------------------------------------------------


def block_errors(blocks: object, *, limit: int, pointer: str = "/blocks") -> list[str]:
    """Slack-formatted reasons why ``blocks`` would be rejected, or an empty list.

    Field limits come from slack_sdk's models (``to_dict`` validates recursively) so the
    sandbox and the SDK agree; block-id uniqueness is checked here because the models
    cannot see sibling blocks.
    """
    if not isinstance(blocks, list):
        return [_slack_error("must be an array", pointer)]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(_slack_error(f"no more than {limit} items allowed", pointer))
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(_slack_error("missing required field: type", here))
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_block_ids:
                errors.append(_slack_error(f"duplicate block_id: {block_id}", f"{here}/block_id"))
            seen_block_ids.add(block_id)
        errors.extend(_single_block_errors(block, here))
    return errors


def _single_block_errors(block: JsonDict, pointer: str) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [_slack_error(f"unsupported type: {block['type']}", f"{pointer}/type")]
        parsed.to_dict()
    except SlackObjectFormationError as exc:
        return [_slack_error(str(exc), pointer)]
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return [_slack_error(f"invalid block: {exc}", pointer)]
    action_ids = [str(e["action_id"]) for e in _interactive_elements(block) if e.get("action_id")]
    duplicates = sorted({a for a in action_ids if action_ids.count(a) > 1})
    return [_slack_error(f"duplicate action_id: {a}", pointer) for a in duplicates]


def view_errors(view: object) -> list[str]:
    """Reasons why a modal or Home view would be rejected, in Slack's format.

    View-level limits (title length, 1..100 blocks, private_metadata size ...) come from
    slack_sdk's ``View`` validators; the blocks themselves go through ``block_errors``.
    """
    if not isinstance(view, dict):
        return [_slack_error("must be an object", "/view")]
    view_type = view.get("type")
    if view_type not in ("modal", "home"):
        return [_slack_error("must be one of: modal, home", "/view/type")]
    errors: list[str] = []
    if view_type == "modal" and not view.get("title"):
        errors.append(_slack_error("missing required field: title", "/view/title"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [*errors, _slack_error("missing required field: blocks", "/view/blocks")]
    errors.extend(block_errors(blocks, limit=len(blocks), pointer="/view/blocks"))
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if view_type == "modal" and has_input and not view.get("submit"):
        errors.append(
            _slack_error("submit is required when the view has input blocks", "/view/submit")
        )
    if errors:
        return errors  # View() would trip over the same malformed blocks
    try:
        View(**view).validate_json()  # the view's own validators, not the nested blocks'
    except SlackObjectFormationError as exc:
        errors.append(_slack_error(str(exc), "/view"))
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        errors.append(_slack_error(f"invalid view: {exc}", "/view"))
    return errors


def _slack_error(reason: str, pointer: str) -> str:
    return f"[ERROR] {reason} [json-pointer:{pointer}]"


def _interactive_elements(block: JsonDict) -> Iterator[JsonDict]:
    """The elements a person can act on inside one block, in display order."""
    if block.get("type") in ("actions", "context_actions"):
        elements = block.get("elements")
        if isinstance(elements, list):
            yield from (e for e in elements if isinstance(e, dict))
    for key in ("accessory", "element"):
        element = block.get(key)
        if isinstance(element, dict):
            yield element


def interactive_elements(blocks: list[JsonDict]) -> Iterator[tuple[JsonDict, JsonDict]]:
    """Every ``(block, element)`` pair a person could act on, in display order."""
    for block in blocks:
        for element in _interactive_elements(block):
            yield block, element


# ---------------------------------------------------------------------------
# Rate limiting
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests in any sliding window of ``window`` Slack-seconds."""

    limit: int
    window: float = 60.0


TIER_1 = RateLimit(1)
TIER_2 = RateLimit(20)
TIER_3 = RateLimit(50)
TIER_4 = RateLimit(100)
# Slack allows "about one message per second per channel, with short bursts"; three in any
# three seconds keeps that average while tolerating a reply and a follow-up back to back.
POST_MESSAGE_PER_CHANNEL = RateLimit(3, 3.0)
POST_MESSAGE_PER_WORKSPACE = RateLimit(600)
METHOD_RATE_LIMITS: dict[str, RateLimit] = {
    "auth.test": TIER_4,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "conversations.open": TIER_3,
    "conversations.members": TIER_4,
    "chat.postMessage": POST_MESSAGE_PER_WORKSPACE,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.push": TIER_4,
    "views.publish": TIER_4,
}


class _SlidingWindowLimiter:
    """Sliding-window counters; a rejected request does not use up allowance."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def acquire(self, buckets: list[tuple[str, RateLimit]], now: float) -> float | None:
        """Admit the request into every bucket, or return how long until it would fit."""
        wait = 0.0
        for key, rule in buckets:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - rule.window:
                hits.popleft()
            if len(hits) >= rule.limit:
                wait = max(wait, hits[len(hits) - rule.limit] + rule.window - now)
        if wait > 0:
            return wait
        for key, _rule in buckets:
            self._hits[key].append(now)
        return None


# ---------------------------------------------------------------------------
# Internal state records
# ---------------------------------------------------------------------------


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class _ResponseUrl:
    user_id: str
    channel_id: str
    source_ts: str | None
    issued_at: float
    uses: int = 0


@dataclass
class _ViewRecord:
    user_id: str
    view: JsonDict
    open: bool = True


@dataclass(frozen=True)
class _Conversation:
    id: str
    kind: Literal["dm", "group_dm", "channel"]
    members: list[str] = field(default_factory=list)


class _Args:
    """Typed access to request arguments, failing the way Slack does."""

    def __init__(self, data: JsonDict) -> None:
        self.data = data

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, (dict, list)):
            raise ApiError("invalid_arguments", [_slack_error("must be a string", f"/{name}")])
        return str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise ApiError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
        return value

    def integer(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(
                "invalid_arguments", [_slack_error("must be an integer", f"/{name}")]
            ) from None


_JSON_STRING_ARGS = ("blocks", "view", "attachments", "metadata")
_ID_ALPHABET = string.ascii_uppercase + string.digits
_BLOCK_ID_ALPHABET = string.ascii_letters + string.digits


def _random_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def _with_generated_ids(blocks: list[JsonDict]) -> list[JsonDict]:
    """Copy ``blocks``, filling in missing block_id/action_id as Slack does on receipt.

    Payloads that come back from clicks and submissions carry these ids, so the stored
    copy must have them for the driver to build faithful payloads.
    """
    stored = copy.deepcopy(blocks)
    for block in stored:
        if not block.get("block_id"):
            block["block_id"] = "".join(secrets.choice(_BLOCK_ID_ALPHABET) for _ in range(5))
        for element in _interactive_elements(block):
            if not element.get("action_id"):
                element["action_id"] = "".join(secrets.choice(_BLOCK_ID_ALPHABET) for _ in range(5))
    return stored


def message_json(message: Message, workspace: Workspace) -> JsonDict:
    """The message object Slack returns from chat.* and embeds in block_actions payloads."""
    body: JsonDict = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "team": workspace.team_id,
    }
    if message.user == workspace.bot_user_id:
        body.update(bot_id=workspace.bot_id, app_id=workspace.app_id)
    if message.blocks:
        body["blocks"] = copy.deepcopy(message.blocks)
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
    return body


def _is_truthy(value: object) -> bool:
    return value in (True, 1, "1", "true", "True")


# ---------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------

_MethodHandler = Callable[["SlackSandbox", _Args], JsonDict]


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
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.workspace = workspace if workspace is not None else seeded_workspace()
        self.enforce_rate_limits = enforce_rate_limits
        self.time_scale = time_scale
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._limiter = _SlidingWindowLimiter()
        self._calls: list[RecordedCall] = []
        self._rate_limited = 0
        self._messages: list[Message] = []
        self._mpims: dict[str, list[str]] = {}
        self._opened_ims: set[str] = set()
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._views: dict[str, _ViewRecord] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._last_ts_us = 0
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
            trigger_id = f"{secrets.randbelow(10**10)}.{int(time.time())}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = _Trigger(user_id, self._clock())
            return trigger_id

    def new_response_url(
        self, user_id: str, channel_id: str, *, message_ts: str | None = None
    ) -> str:
        """A response URL for an interaction by ``user_id`` in ``channel_id``.

        ``message_ts`` names the source message when the interaction came from one; it is
        what ``replace_original`` and ``delete_original`` act on.
        """
        with self._lock:
            token = secrets.token_urlsafe(18)
            self._response_urls[token] = _ResponseUrl(
                user_id, channel_id, message_ts, self._clock()
            )
        return f"{self.base_url}/response/{token}"

    def dm_channel_id(self, user_id: str) -> str:
        """The stable id of the app's DM with ``user_id`` (D + the user id's tail)."""
        return "D" + user_id[1:]

    def record_user_message(self, user_id: str, channel_id: str, text: str) -> Message:
        """Store a message a person typed, so it shows in the conversation history."""
        with self._lock:
            conversation = self._conversation(channel_id, allow_user_id=True)
            if conversation is None:
                raise SandboxError(f"unknown conversation {channel_id!r}")
            return self._store(
                Message(
                    conversation.kind, conversation.id, self._next_ts(), user_id, text, [], "client"
                )
            )

    def deliver_ack(self, user_id: str, channel_id: str, body: JsonDict) -> None:
        """Show a slash command's immediate ack body as Slack does (ephemeral by default).

        Raises SandboxError when Slack would refuse the body (the person would see
        "invalid_command_response" instead of the bot's answer).
        """
        with self._lock:
            try:
                self._deliver_response(user_id, channel_id, None, body, "ack")
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
            matches = [m for m in self._inbox(user_id) if predicate is None or predicate(m)]
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
            conversation = self._conversation(channel_id, allow_user_id=True)
            wanted = conversation.id if conversation else channel_id
            return [
                m
                for m in self._messages
                if m.channel == wanted and (include_ephemeral or m.kind != "ephemeral")
            ]

    def inbox(self, user_id: str) -> list[Message]:
        """What was delivered to ``user_id``, in order.

        DMs and group DMs they are in, ephemerals addressed to them, and responses to
        their own interactions even when posted in a channel. Their own messages and plain
        channel traffic are left out; ``messages_in`` shows those.
        """
        with self._lock:
            return self._inbox(user_id)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        with self._lock:
            return next((m for m in self._messages if m.channel == channel_id and m.ts == ts), None)

    def home_of(self, user_id: str) -> JsonDict | None:
        with self._lock:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id].view) if view_id else None

    def modal_of(self, user_id: str) -> JsonDict | None:
        """The modal ``user_id`` is looking at (top of their stack), if any."""
        with self._lock:
            stack = self._stacks.get(user_id)
            return copy.deepcopy(self._views[stack[-1]].view) if stack else None

    def modal_stack(self, user_id: str) -> list[JsonDict]:
        with self._lock:
            return [copy.deepcopy(self._views[v].view) for v in self._stacks.get(user_id, [])]

    def view(self, view_id: str) -> JsonDict | None:
        """An open view (modal or Home) by id; closed views are gone, as in Slack."""
        with self._lock:
            record = self._views.get(view_id)
            return copy.deepcopy(record.view) if record and record.open else None

    def view_owner(self, view_id: str) -> str | None:
        with self._lock:
            record = self._views.get(view_id)
            return record.user_id if record else None

    # -- modal stack operations (the driver applies response_action with these) --

    def close_view(self, view_id: str) -> None:
        """Close a modal and anything stacked above it, like the person pressing Close."""
        with self._lock:
            record = self._views.get(view_id)
            if record is None or not record.open:
                return
            stack = self._stacks.get(record.user_id, [])
            if view_id in stack:
                for closed in stack[stack.index(view_id) :]:
                    self._views[closed].open = False
                del stack[stack.index(view_id) :]
            if not stack:
                self._stacks.pop(record.user_id, None)
            self._changed.notify_all()

    def clear_modals(self, user_id: str) -> None:
        """Close the person's whole modal stack (``response_action: clear``)."""
        with self._lock:
            stack = self._stacks.get(user_id)
            if stack:
                self.close_view(stack[0])

    def update_view(self, view_id: str, view: JsonDict) -> JsonDict:
        """Replace an open view's content in place (``response_action: update``)."""
        with self._lock:
            errors = view_errors(view)
            if errors:
                raise SandboxError("invalid view: " + "; ".join(errors))
            record = self._open_view(view_id)
            if record is None:
                raise SandboxError(f"view {view_id} is not open")
            self._replace_view_content(record, view)
            self._changed.notify_all()
            return copy.deepcopy(record.view)

    def push_view(self, user_id: str, view: JsonDict) -> JsonDict:
        """Push a modal onto the person's stack (``response_action: push``)."""
        with self._lock:
            errors = view_errors(view)
            if errors:
                raise SandboxError("invalid view: " + "; ".join(errors))
            try:
                pushed = self._push(user_id, view)
            except ApiError as exc:
                raise SandboxError(exc.error) from None
            self._changed.notify_all()
            return pushed

    # -- HTTP entry points ---------------------------------------------------

    def _serve_api(
        self, method: str, query: str, body: bytes, content_type: str, authorization: str
    ) -> tuple[int, JsonDict, dict[str, str]]:
        args: JsonDict = {}
        token: str | None = None
        try:
            args = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
            args.update(_parse_body(body, content_type))
            token = args.pop("token", None)
            if authorization.lower().startswith("bearer "):
                token = authorization[7:].strip()
            _decode_json_string_args(args)
        except ApiError as exc:
            return self._finish(method, args, exc.status, exc.payload(), exc.headers)
        with self._lock:
            try:
                handler = _API_METHODS.get(method)
                if handler is None:
                    raise ApiError("unknown_method")
                if not token:
                    raise ApiError("not_authed")
                if token != self.workspace.bot_token:
                    raise ApiError("invalid_auth")
                self._check_rate_limit(method, args)
                result = {"ok": True, **handler(self, _Args(args))}
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
                record = self._response_urls.get(token)
                now = self._clock()
                if record is None or now - record.issued_at > RESPONSE_URL_TTL_SECONDS:
                    raise ApiError("expired_url", status=404)
                if record.uses >= RESPONSE_URL_MAX_USES:
                    raise ApiError("used_url", status=404)
                try:
                    parsed = json.loads(body or b"{}")
                except ValueError:
                    raise ApiError("invalid_payload", status=400) from None
                if not isinstance(parsed, dict):
                    raise ApiError("invalid_payload", status=400)
                payload = parsed
                record.uses += 1
                self._deliver_response(
                    record.user_id, record.channel_id, record.source_ts, payload, "response_url"
                )
            except ApiError as exc:
                status, _, _ = self._finish("response_url", payload, exc.status, exc.payload(), {})
                return status, exc.payload()
            self._finish("response_url", payload, 200, {"ok": True}, {})
            return 200, {"ok": True}

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
        if method == "chat.postMessage":
            channel = str(args.get("channel", ""))
            conversation = self._conversation(channel, allow_user_id=True)
            key = conversation.id if conversation else channel
            buckets.append((f"{method}:{key}", POST_MESSAGE_PER_CHANNEL))
        wait = self._limiter.acquire(buckets, self._clock() * self.time_scale)
        if wait is not None:
            self._rate_limited += 1
            retry_after = max(1, math.ceil(wait / self.time_scale))
            raise ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})

    # -- Web API methods -------------------------------------------------------

    def _auth_test(self, args: _Args) -> JsonDict:
        ws = self.workspace
        return {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.team_name,
            "user": ws.user(ws.bot_user_id).name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: _Args) -> JsonDict:
        user = self.workspace.users.get(args.required("user"))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": user.to_api(self.workspace.team_id)}

    def _users_list(self, args: _Args) -> JsonDict:
        team = self.workspace.team_id
        members = [u.to_api(team) for u in self.workspace.users.values()]
        page, next_cursor = _paginate(members, args, default_limit=0)
        return {
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_open(self, args: _Args) -> JsonDict:
        channel = args.text("channel")
        if channel is not None:
            conversation = self._conversation(channel, allow_user_id=False)
            if conversation is None or conversation.kind == "channel":
                raise ApiError("channel_not_found")
            return {"channel": {"id": conversation.id}}
        raw = args.raw("users")
        if raw is None:
            raise ApiError("users_list_not_supplied")
        requested = raw if isinstance(raw, list) else str(raw).split(",")
        user_ids = list(dict.fromkeys(str(u).strip() for u in requested if str(u).strip()))
        user_ids = [u for u in user_ids if u != self.workspace.bot_user_id]
        if not user_ids:
            raise ApiError("not_enough_users")
        if len(user_ids) > MAX_MPIM_USERS:
            raise ApiError("too_many_users")
        for user_id in user_ids:
            user = self.workspace.users.get(user_id)
            if user is None:
                raise ApiError("user_not_found")
            if user.deleted:
                raise ApiError("user_disabled")
        if len(user_ids) == 1:
            dm_id = self.dm_channel_id(user_ids[0])
            already_open = dm_id in self._opened_ims
            self._opened_ims.add(dm_id)
            body: JsonDict = {"channel": {"id": dm_id, "is_im": True, "user": user_ids[0]}}
        else:
            # Derived from the sorted member set: same people in any order, same group DM.
            digest = hashlib.sha1("|".join(sorted(user_ids)).encode(), usedforsecurity=False)
            mpim_id = "G" + digest.hexdigest()[:10].upper()
            already_open = mpim_id in self._mpims
            members = self._mpims.setdefault(mpim_id, user_ids)
            names = "--".join(self.workspace.user(u).name for u in members)
            body = {"channel": {"id": mpim_id, "is_mpim": True, "name": f"mpdm-{names}-1"}}
        if already_open:
            body.update(no_op=True, already_open=True)
        return body

    def _conversations_members(self, args: _Args) -> JsonDict:
        conversation = self._conversation(args.required("channel"), allow_user_id=False)
        if conversation is None:
            raise ApiError("channel_not_found")
        page, next_cursor = _paginate(conversation.members, args, default_limit=100)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _chat_post_message(self, args: _Args) -> JsonDict:
        conversation = self._conversation(args.required("channel"), allow_user_id=True)
        if conversation is None:
            raise ApiError("channel_not_found")
        text, blocks = _message_content(
            args.raw("text"), args.raw("blocks"), args.raw("attachments")
        )
        message = self._store(
            Message(
                conversation.kind,
                conversation.id,
                self._next_ts(),
                self.workspace.bot_user_id,
                text,
                _with_generated_ids(blocks),
                "api",
                thread_ts=args.text("thread_ts"),
            )
        )
        return {
            "channel": conversation.id,
            "ts": message.ts,
            "message": message_json(message, self.workspace),
        }

    def _chat_post_ephemeral(self, args: _Args) -> JsonDict:
        conversation = self._conversation(args.required("channel"), allow_user_id=True)
        user_id = args.required("user")
        if conversation is None:
            raise ApiError("channel_not_found")
        user = self.workspace.users.get(user_id)
        if user is None or user.deleted or user_id not in conversation.members:
            raise ApiError("user_not_in_channel")
        text, blocks = _message_content(
            args.raw("text"), args.raw("blocks"), args.raw("attachments")
        )
        message = self._store(
            Message(
                "ephemeral",
                conversation.id,
                self._next_ts(),
                self.workspace.bot_user_id,
                text,
                _with_generated_ids(blocks),
                "api",
                recipient=user_id,
                thread_ts=args.text("thread_ts"),
            )
        )
        return {"message_ts": message.ts}

    def _chat_update(self, args: _Args) -> JsonDict:
        conversation = self._conversation(args.required("channel"), allow_user_id=False)
        ts = args.required("ts")
        if conversation is None:
            raise ApiError("channel_not_found")
        index = next(
            (
                i
                for i, m in enumerate(self._messages)
                if m.channel == conversation.id and m.ts == ts and m.kind != "ephemeral"
            ),
            None,
        )
        if index is None:
            raise ApiError("message_not_found")
        original = self._messages[index]
        if original.user != self.workspace.bot_user_id:
            raise ApiError("cant_update_message")
        raw_text, raw_blocks = args.raw("text"), args.raw("blocks")
        if raw_text is None and raw_blocks is None and args.raw("attachments") is None:
            raise ApiError("no_text")
        text = original.text if raw_text is None else str(raw_text)
        blocks = original.blocks
        if raw_blocks is not None:
            _check_message_blocks(raw_blocks)
            blocks = _with_generated_ids(raw_blocks)
        if len(text) > MAX_MESSAGE_TEXT:
            raise ApiError("msg_too_long")
        updated = replace(original, text=text, blocks=blocks)
        self._messages[index] = updated
        return {
            "channel": conversation.id,
            "ts": ts,
            "text": text,
            "message": message_json(updated, self.workspace),
        }

    def _views_open(self, args: _Args) -> JsonDict:
        trigger_id = args.required("trigger_id")
        view = self._checked_view(args)
        if view["type"] != "modal":
            raise ApiError("invalid_arguments", [_slack_error("must be modal", "/view/type")])
        user_id = self._redeem_trigger(trigger_id)
        self._check_external_id(view.get("external_id"), None)
        self.clear_modals(user_id)
        view_id = self._new_view_id()
        record = _ViewRecord(user_id, self._materialize(view, view_id, view_id, None))
        self._views[view_id] = record
        self._stacks[user_id] = [view_id]
        return {"view": copy.deepcopy(record.view)}

    def _views_push(self, args: _Args) -> JsonDict:
        trigger_id = args.text("trigger_id") or args.required("interactivity_pointer")
        view = self._checked_view(args)
        if view["type"] != "modal":
            raise ApiError("invalid_arguments", [_slack_error("must be modal", "/view/type")])
        user_id = self._redeem_trigger(trigger_id)
        return {"view": self._push(user_id, view)}

    def _views_update(self, args: _Args) -> JsonDict:
        view_id, external_id = args.text("view_id"), args.text("external_id")
        if view_id is None and external_id is None:
            raise ApiError(
                "invalid_arguments", ["[ERROR] either view_id or external_id is required"]
            )
        view = self._checked_view(args)
        record = self._open_view(view_id) if view_id else self._view_by_external_id(external_id)
        if record is None:
            raise ApiError("not_found")
        expected_hash = args.text("hash")
        if expected_hash is not None and expected_hash != record.view["hash"]:
            raise ApiError("hash_conflict")
        if view["type"] != record.view["type"]:
            raise ApiError(
                "invalid_arguments",
                [_slack_error(f"must be {record.view['type']}", "/view/type")],
            )
        self._check_external_id(view.get("external_id"), record.view["id"])
        self._replace_view_content(record, view)
        return {"view": copy.deepcopy(record.view)}

    def _views_publish(self, args: _Args) -> JsonDict:
        user_id = args.required("user_id")
        view = self._checked_view(args)
        if view["type"] != "home":
            raise ApiError("invalid_arguments", [_slack_error("must be home", "/view/type")])
        if user_id not in self.workspace.users:
            raise ApiError("invalid_arguments", ["invalid `user_id`"])
        existing_id = self._homes.get(user_id)
        expected_hash = args.text("hash")
        if existing_id is not None:
            record = self._views[existing_id]
            if expected_hash is not None and expected_hash != record.view["hash"]:
                raise ApiError("hash_conflict")
            self._replace_view_content(record, view)
        else:
            view_id = self._new_view_id()
            record = _ViewRecord(user_id, self._materialize(view, view_id, view_id, None))
            self._views[view_id] = record
            self._homes[user_id] = view_id
        return {"view": copy.deepcopy(record.view)}

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

    def _inbox(self, user_id: str) -> list[Message]:
        inbox = []
        for message in self._messages:
            if message.user == user_id:
                continue
            if message.kind in ("ephemeral", "channel"):
                visible = message.recipient == user_id
            else:
                conversation = self._conversation(message.channel, allow_user_id=False)
                visible = conversation is not None and user_id in conversation.members
            if visible:
                inbox.append(message)
        return inbox

    def _conversation(
        self, ref: str, *, allow_user_id: bool, as_member: bool = True
    ) -> _Conversation | None:
        """Resolve a channel argument: C/G channel ids or names, D/G DM ids, user ids.

        Private channels are invisible to the bot unless it is a member (Slack answers
        ``channel_not_found``), except where ``as_member`` is False.
        """
        ws = self.workspace
        channel = ws.channels.get(ref) or (ws.channel_by_name(ref) if ref else None)
        if channel is not None:
            if as_member and channel.is_private and ws.bot_user_id not in channel.members:
                return None
            return _Conversation(channel.id, "channel", list(channel.members))
        if ref in self._mpims:
            return _Conversation(ref, "group_dm", [*self._mpims[ref], ws.bot_user_id])
        if ref.startswith("D") and ("U" + ref[1:]) in ws.users:
            return _Conversation(ref, "dm", ["U" + ref[1:], ws.bot_user_id])
        if allow_user_id and ref in ws.users:
            return _Conversation(self.dm_channel_id(ref), "dm", [ref, ws.bot_user_id])
        return None

    def _store(self, message: Message) -> Message:
        self._messages.append(message)
        self._changed.notify_all()
        return message

    def _next_ts(self) -> str:
        """A unique, increasing Slack ts (seconds.microseconds since the epoch)."""
        now_us = time.time_ns() // 1000
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _deliver_response(
        self,
        user_id: str,
        channel_id: str,
        source_ts: str | None,
        body: JsonDict,
        via: MessageVia,
    ) -> None:
        """Apply a response-URL or command-ack body the way Slack's client would."""
        source_index = next(
            (
                i
                for i, m in enumerate(self._messages)
                if source_ts is not None and m.channel == channel_id and m.ts == source_ts
            ),
            None,
        )
        has_content = bool(body.get("text")) or bool(body.get("blocks"))
        if _is_truthy(body.get("delete_original")):
            if source_index is not None:
                del self._messages[source_index]
                source_index = None
            if not has_content:
                return
        text, blocks = _message_content(
            body.get("text"), body.get("blocks"), body.get("attachments")
        )
        stored_blocks = _with_generated_ids(blocks)
        if _is_truthy(body.get("replace_original")) and source_index is not None:
            original = self._messages[source_index]
            self._messages[source_index] = replace(original, text=text, blocks=stored_blocks)
            return
        # Response URLs bypass channel permissions, so private channels resolve here too.
        conversation = self._conversation(channel_id, allow_user_id=True, as_member=False)
        if conversation is None:
            raise ApiError("channel_not_found", status=404)
        ts = self._next_ts()
        bot = self.workspace.bot_user_id
        thread_ts = body.get("thread_ts")
        kind = conversation.kind if body.get("response_type") == "in_channel" else "ephemeral"
        thread = str(thread_ts) if thread_ts else None
        message = Message(
            kind, conversation.id, ts, bot, text, stored_blocks, via, user_id, thread_ts=thread
        )
        self._store(message)

    def _redeem_trigger(self, trigger_id: str) -> str:
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("trigger_exchanged")
        if self._clock() - trigger.issued_at > TRIGGER_TTL_SECONDS:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user_id

    def _checked_view(self, args: _Args) -> JsonDict:
        view = args.raw("view")
        if view is None:
            raise ApiError("invalid_arguments", ["[ERROR] missing required field: view"])
        errors = view_errors(view)
        if errors:
            raise ApiError("invalid_arguments", errors)
        assert isinstance(view, dict)
        return view

    def _check_external_id(self, external_id: object, own_view_id: str | None) -> None:
        if not external_id:
            return
        other = self._view_by_external_id(str(external_id))
        if other is not None and other.view["id"] != own_view_id:
            raise ApiError("duplicate_external_id")

    def _open_view(self, view_id: str) -> _ViewRecord | None:
        record = self._views.get(view_id)
        return record if record is not None and record.open else None

    def _view_by_external_id(self, external_id: str | None) -> _ViewRecord | None:
        return next(
            (
                r
                for r in self._views.values()
                if r.open and external_id and r.view.get("external_id") == external_id
            ),
            None,
        )

    def _push(self, user_id: str, view: JsonDict) -> JsonDict:
        stack = self._stacks.get(user_id)
        if not stack:
            raise ApiError("invalid_arguments", ["[ERROR] no modal is open to push onto"])
        if len(stack) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        self._check_external_id(view.get("external_id"), None)
        view_id = self._new_view_id()
        record = _ViewRecord(user_id, self._materialize(view, view_id, stack[0], stack[-1]))
        self._views[view_id] = record
        stack.append(view_id)
        return copy.deepcopy(record.view)

    def _new_view_id(self) -> str:
        while (view_id := _random_id("V")) in self._views:
            pass
        return view_id

    def _materialize(
        self, view: JsonDict, view_id: str, root_view_id: str, previous_view_id: str | None
    ) -> JsonDict:
        """The full view object Slack stores and returns for a submitted view payload."""
        ws = self.workspace
        return {
            "id": view_id,
            "team_id": ws.team_id,
            "type": view["type"],
            "title": copy.deepcopy(view.get("title")),
            "submit": copy.deepcopy(view.get("submit")),
            "close": copy.deepcopy(view.get("close")),
            "blocks": _with_generated_ids(view["blocks"]),
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "external_id": view.get("external_id") or "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "root_view_id": root_view_id,
            "previous_view_id": previous_view_id,
            "app_id": ws.app_id,
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }

    def _replace_view_content(self, record: _ViewRecord, view: JsonDict) -> None:
        """Swap in new content, keeping the view's identity and place in the stack.

        An update that omits ``external_id`` keeps the old one, so a view stays findable by
        the id the app chose for it.
        """
        current = record.view
        if not view.get("external_id") and current.get("external_id"):
            view = {**view, "external_id": current["external_id"]}
        record.view = self._materialize(
            view, current["id"], current["root_view_id"], current["previous_view_id"]
        )


# Every Web API method the sandbox implements; anything else is ``unknown_method``.
_API_METHODS: dict[str, _MethodHandler] = {
    "auth.test": SlackSandbox._auth_test,
    "users.info": SlackSandbox._users_info,
    "users.list": SlackSandbox._users_list,
    "conversations.open": SlackSandbox._conversations_open,
    "conversations.members": SlackSandbox._conversations_members,
    "chat.postMessage": SlackSandbox._chat_post_message,
    "chat.postEphemeral": SlackSandbox._chat_post_ephemeral,
    "chat.update": SlackSandbox._chat_update,
    "views.open": SlackSandbox._views_open,
    "views.push": SlackSandbox._views_push,
    "views.update": SlackSandbox._views_update,
    "views.publish": SlackSandbox._views_publish,
}


# ---------------------------------------------------------------------------
# Request parsing
# ---------------------------------------------------------------------------


def _parse_body(body: bytes, content_type: str) -> JsonDict:
    if not body:
        return {}
    mime = content_type.split(";")[0].strip().lower()
    if mime == "application/json":
        try:
            parsed = json.loads(body)
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise ApiError("invalid_json")
        return parsed
    if mime == "application/x-www-form-urlencoded":
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError("invalid_charset") from None
        return {k: v[-1] for k, v in parse_qs(decoded, keep_blank_values=True).items()}
    if not mime:
        raise ApiError("missing_post_type")
    raise ApiError("invalid_post_type")


def _decode_json_string_args(args: JsonDict) -> None:
    """Form bodies carry blocks/views as JSON strings; decode them where they parse.

    A string that does not parse is left as is so the method reports it the way Slack
    does (``invalid_blocks`` / ``invalid_arguments``) instead of failing generically.
    """
    for name in _JSON_STRING_ARGS:
        value = args.get(name)
        if isinstance(value, str) and value.strip():
            with contextlib.suppress(ValueError):
                args[name] = json.loads(value)


def _check_message_blocks(blocks: object) -> None:
    if isinstance(blocks, str):
        raise ApiError("invalid_blocks_format")
    errors = block_errors(blocks, limit=MAX_MESSAGE_BLOCKS)
    if errors:
        raise ApiError("invalid_blocks", errors)


def _message_content(
    text: object, blocks: object, attachments: object
) -> tuple[str, list[JsonDict]]:
    """Validate a message body; Slack needs text, blocks or attachments to show something."""
    if blocks is not None and blocks != []:
        _check_message_blocks(blocks)
    has_blocks = isinstance(blocks, list) and bool(blocks)
    if not text and not has_blocks and not attachments:
        raise ApiError("no_text")
    text_str = "" if text is None else str(text)
    if len(text_str) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    return text_str, list(blocks) if isinstance(blocks, list) else []


def _paginate(items: list[Any], args: _Args, *, default_limit: int) -> tuple[list[Any], str]:
    """Slack-style cursor pagination: opaque base64 cursors, empty string at the end."""
    limit = args.integer("limit", default_limit)
    if limit <= 0:
        limit = max(len(items), 1)
    start = 0
    cursor = args.text("cursor")
    if cursor is not None:
        try:
            label, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
            start = int(offset)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ApiError("invalid_cursor") from None
        if label != "offset" or not 0 <= start <= len(items):
            raise ApiError("invalid_cursor")
    end = start + min(limit, 1000)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], next_cursor


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
