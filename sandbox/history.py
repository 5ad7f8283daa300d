"""The conversations the bot can reach and every message posted in them.

Channel arguments resolve the way Slack resolves them (channel ids and names, DM and group
DM ids, and user ids meaning "the app's DM with that person"), and a message body must
pass the same checks whether it arrives through the Web API, a response URL or a slash
command's ack.
"""

from __future__ import annotations

import copy
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from sandbox.blocks import MAX_MESSAGE_BLOCKS, block_errors, with_generated_ids
from sandbox.records import ApiError, JsonDict, Message, MessageKind, MessageVia
from sandbox.workspace import Workspace

MAX_MESSAGE_TEXT = 40_000
# Slack: event types "can contain letters, numbers, underscores, and hyphens, but not
# periods or other punctuation"; anything else is dropped with an invalid_metadata_schema
# warning (docs.slack.dev/messaging/message-metadata).
EVENT_TYPE_PATTERN = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Conversation:
    """What a channel argument resolved to; DM and group DM members include the bot."""

    id: str
    kind: Literal["dm", "group_dm", "channel"]
    members: list[str] = field(default_factory=list)


def dm_channel_id(user_id: str) -> str:
    """The stable id of the app's DM with ``user_id`` (D + the user id's tail)."""
    return "D" + user_id[1:]


class History:
    """Messages in posting order, plus the DMs and group DMs the app has opened.

    Not thread-safe on its own: ``SlackSandbox`` calls it with its lock held.
    """

    def __init__(self, workspace: Workspace, wall_clock: Callable[[], float] = time.time) -> None:
        """``wall_clock`` dates new messages: the try-it page passes the bot's movable clock."""
        self.workspace = workspace
        self._wall_clock = wall_clock
        self._messages: list[Message] = []
        self._mpims: dict[str, list[str]] = {}
        self._opened_ims: set[str] = set()
        self._last_ts_us = 0

    # -- conversations -----------------------------------------------------

    def conversation(
        self, ref: str, *, allow_user_id: bool, as_member: bool = True
    ) -> Conversation | None:
        """Resolve a channel argument: C/G channel ids or names, D/G DM ids, user ids.

        Private channels are invisible to the bot unless it is a member (Slack answers
        ``channel_not_found``), except where ``as_member`` is False.
        """
        ws = self.workspace
        channel = ws.channels.get(ref) or (ws.channel_by_name(ref) if ref else None)
        if channel is not None:
            if as_member and channel.is_private and ws.bot_user_id not in channel.members:
                return None
            return Conversation(channel.id, "channel", list(channel.members))
        if ref in self._mpims:
            return Conversation(ref, "group_dm", [*self._mpims[ref], ws.bot_user_id])
        if ref.startswith("D") and ("U" + ref[1:]) in ws.users:
            return Conversation(ref, "dm", ["U" + ref[1:], ws.bot_user_id])
        if allow_user_id and ref in ws.users:
            return Conversation(dm_channel_id(ref), "dm", [ref, ws.bot_user_id])
        return None

    def require_conversation(self, ref: str, *, allow_user_id: bool) -> Conversation:
        """``conversation`` for a Web API method: unknown or hidden is ``channel_not_found``."""
        conversation = self.conversation(ref, allow_user_id=allow_user_id)
        if conversation is None:
            raise ApiError("channel_not_found")
        return conversation

    def open_dm(self, user_id: str) -> tuple[str, bool]:
        """Open the app's DM with ``user_id``: its id, and whether it was open already."""
        dm_id = dm_channel_id(user_id)
        already_open = dm_id in self._opened_ims
        self._opened_ims.add(dm_id)
        return dm_id, already_open

    def open_group_dm(self, user_ids: list[str]) -> tuple[str, list[str], bool]:
        """Open a group DM with the app: its id, its members, and whether it was open."""
        # Derived from the sorted member set: same people in any order, same group DM.
        digest = hashlib.sha1("|".join(sorted(user_ids)).encode(), usedforsecurity=False)
        mpim_id = "G" + digest.hexdigest()[:10].upper()
        already_open = mpim_id in self._mpims
        members = self._mpims.setdefault(mpim_id, user_ids)
        return mpim_id, members, already_open

    # -- messages ----------------------------------------------------------

    def wall_time(self) -> float:
        """Now on the clock that dates messages (epoch seconds)."""
        return self._wall_clock()

    def next_ts(self) -> str:
        """A unique, increasing Slack ts (seconds.microseconds since the epoch)."""
        now_us = int(self._wall_clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def store(self, message: Message) -> Message:
        self._messages.append(message)
        return message

    def post(
        self,
        kind: MessageKind,
        channel_id: str,
        text: str,
        blocks: list[JsonDict],
        via: MessageVia,
        *,
        recipient: str | None = None,
        thread_ts: str | None = None,
        metadata: JsonDict | None = None,
    ) -> Message:
        """Store a message from the app's bot user, with the ids Slack fills in on receipt."""
        message = Message(
            kind,
            channel_id,
            self.next_ts(),
            self.workspace.bot_user_id,
            text,
            with_generated_ids(blocks),
            via,
            recipient=recipient,
            thread_ts=thread_ts,
            metadata=metadata,
        )
        return self.store(message)

    def edit(self, original: Message, text: str, blocks: list[JsonDict]) -> Message:
        """Replace a stored message's content, keeping its place in the history."""
        index = next(i for i, m in enumerate(self._messages) if m is original)
        edited = replace(original, text=text, blocks=blocks)
        self._messages[index] = edited
        return edited

    def find(self, channel_id: str, ts: str, *, include_ephemeral: bool = True) -> Message | None:
        return next(
            (
                m
                for m in self._messages
                if m.channel == channel_id
                and m.ts == ts
                and (include_ephemeral or m.kind != "ephemeral")
            ),
            None,
        )

    def messages_in(self, channel_id: str, *, include_ephemeral: bool) -> list[Message]:
        conversation = self.conversation(channel_id, allow_user_id=True)
        wanted = conversation.id if conversation else channel_id
        return [
            m
            for m in self._messages
            if m.channel == wanted and (include_ephemeral or m.kind != "ephemeral")
        ]

    def timeline(self, channel_id: str) -> list[Message]:
        """What ``conversations.history`` lists, newest first.

        Ephemerals are never history, and thread replies are only reachable through their
        parent (``conversations.replies``), so both are left out.
        """
        top_level = [
            m
            for m in self._messages
            if m.channel == channel_id
            and m.kind != "ephemeral"
            and (m.thread_ts is None or m.thread_ts == m.ts)
        ]
        return sorted(top_level, key=lambda m: Decimal(m.ts), reverse=True)

    def inbox(self, user_id: str) -> list[Message]:
        """What was delivered to ``user_id``: see ``SlackSandbox.inbox``."""
        inbox = []
        for message in self._messages:
            if message.user == user_id:
                continue
            if message.kind in ("ephemeral", "channel"):
                visible = message.recipient == user_id
            else:
                conversation = self.conversation(message.channel, allow_user_id=False)
                visible = conversation is not None and user_id in conversation.members
            if visible:
                inbox.append(message)
        return inbox

    def deliver_response(
        self,
        user_id: str,
        channel_id: str,
        source_ts: str | None,
        body: JsonDict,
        via: MessageVia,
    ) -> None:
        """Apply a response-URL or command-ack body the way Slack's client would."""
        source = self.find(channel_id, source_ts) if source_ts is not None else None
        has_content = bool(body.get("text")) or bool(body.get("blocks"))
        if _is_truthy(body.get("delete_original")):
            if source is not None:
                self._messages.remove(source)
                source = None
            if not has_content:
                return
        text, blocks = message_content(
            body.get("text"), body.get("blocks"), body.get("attachments")
        )
        if _is_truthy(body.get("replace_original")) and source is not None:
            self.edit(source, text, with_generated_ids(blocks))
            return
        # Response URLs bypass channel permissions, so private channels resolve here too.
        conversation = self.conversation(channel_id, allow_user_id=True, as_member=False)
        if conversation is None:
            raise ApiError("channel_not_found", status=404)
        kind = conversation.kind if body.get("response_type") == "in_channel" else "ephemeral"
        thread_ts = body.get("thread_ts")
        thread = str(thread_ts) if thread_ts else None
        self.post(kind, conversation.id, text, blocks, via, recipient=user_id, thread_ts=thread)


def check_message_blocks(blocks: object) -> None:
    if isinstance(blocks, str):
        raise ApiError("invalid_blocks_format")
    errors = block_errors(blocks, limit=MAX_MESSAGE_BLOCKS)
    if errors:
        raise ApiError("invalid_blocks", errors)


def message_content(
    text: object, blocks: object, attachments: object
) -> tuple[str, list[JsonDict]]:
    """Validate a message body; Slack needs text, blocks or attachments to show something."""
    if blocks is not None and blocks != []:
        check_message_blocks(blocks)
    has_blocks = isinstance(blocks, list) and bool(blocks)
    if not text and not has_blocks and not attachments:
        raise ApiError("no_text")
    text_str = "" if text is None else str(text)
    if len(text_str) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    return text_str, list(blocks) if isinstance(blocks, list) else []


def message_metadata(raw: object) -> tuple[JsonDict | None, list[str]]:
    """Check chat.postMessage's ``metadata``: what to store, and any warnings for the reply.

    Not an object (or a string that is not JSON) is ``invalid_metadata_format``; an object
    without a string ``event_type`` or an object ``event_payload`` is
    ``invalid_metadata_schema``. An ``event_type`` with characters Slack does not allow
    still posts the message, but Slack drops the metadata and answers with an
    ``invalid_metadata_schema`` warning, so that is what happens here too.
    """
    if raw is None or raw == "":
        return None, []
    if not isinstance(raw, dict):
        raise ApiError("invalid_metadata_format")
    event_type, payload = raw.get("event_type"), raw.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise ApiError("invalid_metadata_schema")
    if not EVENT_TYPE_PATTERN.fullmatch(event_type):
        return None, ["invalid_metadata_schema"]
    return {"event_type": event_type, "event_payload": copy.deepcopy(payload)}, []


def _is_truthy(value: object) -> bool:
    return value in (True, 1, "1", "true", "True")
