"""What one person's Slack client would show right now, as JSON with HTML fragments.

The page polls this every second, so the sandbox state is first reduced to a fingerprint
(``version``): when nothing a person can see has changed, nothing is rendered or sent. When
something has, every surface is rendered afresh on the server from the sandbox's records —
the page holds no Slack state of its own beyond what the visitor is typing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any, Literal

from sandbox.console.render import (
    RenderContext,
    file_image,
    plain,
    render_blocks,
    render_mrkdwn,
)
from sandbox.file_store import IMAGE_FILETYPES
from sandbox.records import Message
from sandbox.web_api import SlackSandbox
from sandbox.workspace import User

ConversationKind = Literal["dm", "group_dm", "channel"]


@dataclass
class Draft:
    """What the visitor last submitted in a modal, kept while Slack shows it with errors.

    Slack keeps a person's typing when the app answers ``response_action: errors``; the
    console re-renders from the stored view, so it remembers the values itself, for as long
    as the view is unchanged (same ``view_hash``).
    """

    view_hash: str
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    id: str
    kind: ConversationKind
    name: str
    messages: list[Message]


@dataclass(frozen=True)
class ClockEntry:
    """One use of the clock controls and what the bot did because of it."""

    at: str
    action: str
    ran: tuple[str, ...]


def person_json(user: User, at: datetime) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz_label(at),
        "is_admin": user.is_admin or user.is_owner,
    }


def conversations_of(sandbox: SlackSandbox, user_id: str) -> list[Conversation]:
    """The app DM first (always there, like the app in Slack's sidebar), then the rest by
    latest message: group DMs the person is in and channels where the bot answered them."""
    dm_id = sandbox.dm_channel_id(user_id)
    kinds: dict[str, ConversationKind] = {dm_id: "dm"}
    for message in sandbox.inbox(user_id):
        if message.channel == dm_id:
            continue
        if message.kind == "group_dm":
            kinds[message.channel] = "group_dm"
        elif message.channel.startswith("D"):
            continue  # someone else's DM: an ephemeral there is still shown in their DM
        else:
            kinds.setdefault(message.channel, _kind_of(sandbox, message.channel))
    conversations = [
        Conversation(
            channel,
            kind,
            _conversation_name(sandbox, user_id, channel, kind),
            visible_messages(sandbox, user_id, channel),
        )
        for channel, kind in kinds.items()
    ]
    dm, others = conversations[0], conversations[1:]
    others.sort(
        key=lambda c: _ts_key(c.messages[-1].ts) if c.messages else Decimal(0), reverse=True
    )
    return [dm, *others]


def _kind_of(sandbox: SlackSandbox, channel_id: str) -> ConversationKind:
    if channel_id in sandbox.workspace.channels:
        return "channel"
    return "group_dm" if channel_id.startswith("G") else "channel"


def visible_messages(sandbox: SlackSandbox, user_id: str, channel_id: str) -> list[Message]:
    """A conversation's messages as this person's client lists them."""
    channel = sandbox.workspace.channels.get(channel_id)
    is_member = channel is None or user_id in channel.members
    shown: list[Message] = []
    for message in sandbox.messages_in(channel_id, include_ephemeral=True):
        if message.kind == "ephemeral" or message.kind == "channel":
            visible = message.recipient == user_id or (message.kind == "channel" and is_member)
        else:
            visible = True  # a DM or group DM the person is in
        if visible and (message.thread_ts is None or message.thread_ts == message.ts):
            shown.append(message)
    return shown


def group_members(sandbox: SlackSandbox, channel_id: str) -> list[str]:
    """Who is in a group DM the app opened, bot left out."""
    bot = sandbox.workspace.bot_user_id
    return [m for m in sandbox.members_of(channel_id) if m != bot]


def _conversation_name(
    sandbox: SlackSandbox, user_id: str, channel_id: str, kind: ConversationKind
) -> str:
    ws = sandbox.workspace
    if kind == "dm":
        bot = ws.users.get(ws.bot_user_id)
        return bot.real_name if bot else "Sprout"
    if kind == "group_dm":
        others = [m for m in group_members(sandbox, channel_id) if m != user_id]
        names = [ws.users[m].real_name if m in ws.users else m for m in others]
        return ", ".join(names) or "Group DM"
    channel = ws.channels.get(channel_id)
    return f"#{channel.name}" if channel else channel_id


def fingerprint(
    sandbox: SlackSandbox,
    user_id: str,
    conversations: Sequence[Conversation],
    drafts: Mapping[str, Draft],
    extra: object,
) -> str:
    """A short hash of everything this person could see: unchanged hash, unchanged screen."""
    home = sandbox.home_of(user_id)
    stack = sandbox.modal_stack(user_id)
    state = {
        "conversations": [
            [c.id, c.name, [[m.ts, m.kind, m.text, m.blocks] for m in c.messages]]
            for c in conversations
        ],
        "home": home.get("hash") if home else None,
        "modals": [[v.get("id"), v.get("hash")] for v in stack],
        "drafts": {k: [d.view_hash, d.values, d.errors] for k, d in drafts.items()},
        "extra": extra,
    }
    encoded = json.dumps(state, sort_keys=True, default=str).encode()
    return hashlib.sha1(encoded, usedforsecurity=False).hexdigest()[:16]


def screen_json(
    sandbox: SlackSandbox,
    user_id: str,
    conversations: Sequence[Conversation],
    drafts: Mapping[str, Draft],
) -> dict[str, Any]:
    """Every surface of the person's client, rendered."""
    ws = sandbox.workspace
    user = ws.user(user_id)
    ctx = RenderContext(ws, user.tz)
    home = sandbox.home_of(user_id)
    modal = sandbox.modal_of(user_id)
    return {
        "conversations": [
            {"id": c.id, "kind": c.kind, "name": c.name, "count": len(c.messages)}
            for c in conversations
        ],
        "conversations_html": _conversation_list(conversations),
        "messages": {c.id: render_messages(sandbox, c, ctx) for c in conversations},
        "home": _home(home, ctx),
        "modal": _modal(modal, len(sandbox.modal_stack(user_id)), drafts, ctx),
    }


def _conversation_list(conversations: Sequence[Conversation]) -> str:
    items: list[str] = []
    for c in conversations:
        icon = {"dm": "●", "group_dm": "👥", "channel": "#"}[c.kind]
        count = f'<span class="conv-count">{len(c.messages)}</span>' if c.messages else ""
        items.append(
            f'<li><button type="button" class="conversation" data-conversation="{escape(c.id)}" '
            f'data-kind="{c.kind}" data-testid="conversation-{escape(c.id)}">'
            f'<span class="conv-icon">{icon}</span>'
            f'<span class="conv-name">{escape(c.name)}</span>{count}</button></li>'
        )
    return "".join(items)


def render_messages(sandbox: SlackSandbox, conversation: Conversation, ctx: RenderContext) -> str:
    """A conversation's messages; an empty one says so, like a fresh DM in Slack."""
    if not conversation.messages:
        return '<div class="empty">No messages yet.</div>'
    return "".join(render_message(sandbox, m, ctx) for m in conversation.messages)


def render_message(sandbox: SlackSandbox, message: Message, ctx: RenderContext) -> str:
    ws = sandbox.workspace
    sender = ws.users.get(message.user)
    name = sender.real_name if sender else message.user
    is_app = message.user == ws.bot_user_id
    badge = '<span class="app-badge">APP</span>' if is_app else ""
    moment = _ts_datetime(message.ts)
    time_html = ""
    if moment is not None:
        local = moment.astimezone(ctx.zone())
        time_html = (
            f'<time datetime="{local.isoformat()}" title="{local:%A %d %B %Y, %H:%M %Z}">'
            f"{local:%a %d %b, %H:%M}</time>"
        )
    only_you = (
        '<span class="ephemeral-note" data-testid="ephemeral-note">Only visible to you</span>'
        if message.kind == "ephemeral"
        else ""
    )
    body = (
        render_blocks(message.blocks, ctx) if message.blocks else render_mrkdwn(message.text, ctx)
    )
    body += "".join(_attached(f) for f in message.files)
    initial = escape((name or "?")[:1].upper())
    kind_class = " ephemeral" if message.kind == "ephemeral" else ""
    return (
        f'<div class="message{kind_class}" data-testid="message" '
        f'data-channel="{escape(message.channel)}" data-ts="{escape(message.ts)}" '
        f'data-kind="{message.kind}">'
        f'<div class="avatar{" app" if is_app else ""}" aria-hidden="true">{initial}</div>'
        f'<div class="message-main"><div class="message-meta">'
        f'<span class="sender">{escape(name)}</span>{badge}{time_html}{only_you}</div>'
        f'<div class="message-content">{body}</div></div></div>'
    )


def _attached(file: Mapping[str, Any]) -> str:
    """A file shared with the message: images shown, anything else as its name."""
    title = str(file.get("title") or file.get("name") or "file")
    if file.get("filetype") in IMAGE_FILETYPES:
        image = file_image(str(file.get("id", "")), str(file.get("alt_txt") or title))
        return f'<div class="message-file">{image}</div>'
    return f'<div class="message-file"><span class="bk-img">📎 {escape(title)}</span></div>'


def _home(home: dict[str, Any] | None, ctx: RenderContext) -> dict[str, Any] | None:
    if home is None:
        return None
    home_ctx = RenderContext(ctx.workspace, ctx.viewer_tz, id_prefix="home")
    return {
        "view_id": home.get("id"),
        "html": render_blocks(home.get("blocks") or [], home_ctx),
    }


def _modal(
    modal: dict[str, Any] | None,
    depth: int,
    drafts: Mapping[str, Draft],
    ctx: RenderContext,
) -> dict[str, Any] | None:
    if modal is None:
        return None
    view_id = str(modal.get("id"))
    draft = drafts.get(view_id)
    if draft is not None and draft.view_hash != modal.get("hash"):
        draft = None  # the app changed the view since: Slack shows the new one as sent
    modal_ctx = RenderContext(
        ctx.workspace,
        ctx.viewer_tz,
        values=draft.values if draft else {},
        errors=draft.errors if draft else {},
        id_prefix="modal",
    )
    return {
        "view_id": view_id,
        "hash": modal.get("hash"),
        "depth": depth,
        "title": plain(modal.get("title")),
        "submit": plain(modal.get("submit")) if modal.get("submit") else None,
        "close": plain(modal.get("close")) or "Cancel",
        "errors": dict(draft.errors) if draft else {},
        "html": render_blocks(modal.get("blocks") or [], modal_ctx),
    }


def _ts_key(ts: str) -> Decimal:
    try:
        return Decimal(ts)
    except InvalidOperation:
        return Decimal(0)


def _ts_datetime(ts: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (ValueError, OverflowError, OSError):
        return None
