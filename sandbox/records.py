"""What the sandbox records and raises: the bot's calls, messages as people see them, errors."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from sandbox.workspace import Workspace

MessageKind = Literal["ephemeral", "dm", "group_dm", "channel"]
MessageVia = Literal["api", "response_url", "ack", "client"]
JsonDict = dict[str, Any]


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
    by a person (``"client"``, used by the driver's ``dm``). ``metadata`` is the Slack message
    metadata (``{"event_type": ..., "event_payload": {...}}``) the app attached, if any.
    ``files`` are the file objects a files.completeUploadExternal share carries.
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
    metadata: JsonDict | None = None
    files: list[JsonDict] = field(default_factory=list)


def message_json(
    message: Message, workspace: Workspace, *, include_all_metadata: bool = True
) -> JsonDict:
    """The message object Slack returns from chat.* and embeds in block_actions payloads.

    Metadata comes in full where Slack sends it in full (interaction payloads, history read
    with ``include_all_metadata``); with ``include_all_metadata=False`` only its
    ``event_type`` is kept, which is what Slack returns to Web API reads that did not ask
    for all metadata.
    """
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
    if message.files:
        body["files"] = copy.deepcopy(message.files)
        body["upload"] = True
    if message.metadata is not None:
        body["metadata"] = (
            copy.deepcopy(message.metadata)
            if include_all_metadata
            else {"event_type": message.metadata["event_type"]}
        )
    return body


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


def slack_error(reason: str, pointer: str) -> str:
    """One entry of ``response_metadata.messages``, in the format Slack uses."""
    return f"[ERROR] {reason} [json-pointer:{pointer}]"
