"""conversations.*: opening DMs and group DMs, who is in a conversation, and its history."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation

from sandbox.arguments import Args, paginate
from sandbox.history import Conversation
from sandbox.records import ApiError, JsonDict, message_json
from sandbox.state import SandboxState

MAX_MPIM_USERS = 8
DEFAULT_HISTORY_LIMIT = 100
MAX_HISTORY_LIMIT = 999


def conversations_open(state: SandboxState, args: Args) -> JsonDict:
    ws, history = state.workspace, state.history
    channel = args.text("channel")
    if channel is not None:
        conversation = history.conversation(channel, allow_user_id=False)
        if conversation is None or conversation.kind == "channel":
            raise ApiError("channel_not_found")
        return {"channel": {"id": conversation.id}}
    raw = args.raw("users")
    if raw is None:
        raise ApiError("users_list_not_supplied")
    requested = raw if isinstance(raw, list) else str(raw).split(",")
    user_ids = list(dict.fromkeys(str(u).strip() for u in requested if str(u).strip()))
    user_ids = [u for u in user_ids if u != ws.bot_user_id]
    if not user_ids:
        raise ApiError("not_enough_users")
    if len(user_ids) > MAX_MPIM_USERS:
        raise ApiError("too_many_users")
    for user_id in user_ids:
        user = ws.users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        if user.deleted:
            raise ApiError("user_disabled")
    if len(user_ids) == 1:
        dm_id, already_open = history.open_dm(user_ids[0])
        body: JsonDict = {"channel": {"id": dm_id, "is_im": True, "user": user_ids[0]}}
    else:
        mpim_id, members, already_open = history.open_group_dm(user_ids)
        names = "--".join(ws.user(u).name for u in members)
        body = {"channel": {"id": mpim_id, "is_mpim": True, "name": f"mpdm-{names}-1"}}
    if already_open:
        body.update(no_op=True, already_open=True)
    return body


def conversations_members(state: SandboxState, args: Args) -> JsonDict:
    conversation = state.history.require_conversation(args.required("channel"), allow_user_id=False)
    page, next_cursor = paginate(conversation.members, args, default_limit=100)
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def conversations_history(state: SandboxState, args: Args) -> JsonDict:
    """A conversation's messages, newest first, in cursor-paginated pages.

    ``channel`` must be a conversation id (a C channel the bot is in, the app's D DM with
    someone, or a G group DM it opened); Slack does not resolve names or user ids here.
    ``oldest`` and ``latest`` bound the range (exclusive unless ``inclusive``), ``limit``
    defaults to 100 and is capped at 999, and the cursor continues from where the previous
    page stopped, so messages posted meanwhile never shift a page. Without
    ``include_all_metadata`` a message's metadata carries only its ``event_type``.
    """
    conversation = _history_conversation(state, args.required("channel"))
    latest = _timestamp(args, "latest", "invalid_ts_latest")
    oldest = _timestamp(args, "oldest", "invalid_ts_oldest")
    inclusive = args.boolean("inclusive")
    limit = args.integer("limit", DEFAULT_HISTORY_LIMIT)
    limit = DEFAULT_HISTORY_LIMIT if limit < 1 else min(limit, MAX_HISTORY_LIMIT)
    start = _history_cursor(args.text("cursor"))

    def in_range(ts: Decimal) -> bool:
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            return False
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return start is None or ts <= start

    matching = [m for m in state.history.timeline(conversation.id) if in_range(Decimal(m.ts))]
    page, rest = matching[:limit], matching[limit:]
    full = args.boolean("include_all_metadata")
    return {
        "messages": [message_json(m, state.workspace, include_all_metadata=full) for m in page],
        "has_more": bool(rest),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": _encode_cursor(rest[0].ts) if rest else ""},
    }


def _history_conversation(state: SandboxState, channel: str) -> Conversation:
    """The conversation whose history the bot may read, or Slack's error for it."""
    ws = state.workspace
    conversation = state.history.conversation(channel, allow_user_id=False)
    if conversation is None or conversation.id != channel:
        raise ApiError("channel_not_found")
    if ws.bot_user_id not in conversation.members:
        # Only public channels get here: hidden private ones are channel_not_found above.
        raise ApiError("not_in_channel")
    return conversation


def _timestamp(args: Args, name: str, error: str) -> Decimal | None:
    value = args.text(name)
    if value is None:
        return None
    try:
        ts = Decimal(value)
    except InvalidOperation:
        raise ApiError(error) from None
    if not ts.is_finite():
        raise ApiError(error)
    return ts


def _encode_cursor(ts: str) -> str:
    """Slack's history cursors read ``next_ts:<ts digits>`` once base64-decoded."""
    return base64.b64encode(f"next_ts:{ts.replace('.', '')}".encode()).decode()


def _history_cursor(cursor: str | None) -> Decimal | None:
    """The ts a page continues from (inclusive), from a cursor made by ``_encode_cursor``."""
    if cursor is None:
        return None
    try:
        label, _, digits = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("invalid_cursor") from None
    if label != "next_ts" or not digits.isdigit() or len(digits) <= 6:
        raise ApiError("invalid_cursor")
    return Decimal(f"{digits[:-6]}.{digits[-6:]}")
