"""chat.*: the bot posting messages, ephemeral or not, and editing its own."""

from __future__ import annotations

from sandbox.arguments import Args
from sandbox.blocks import with_generated_ids
from sandbox.history import (
    MAX_MESSAGE_TEXT,
    check_message_blocks,
    message_content,
    message_metadata,
)
from sandbox.records import ApiError, JsonDict, Message, MessageKind, message_json
from sandbox.state import SandboxState


def chat_post_message(state: SandboxState, args: Args) -> JsonDict:
    """Post as the bot; ``metadata`` is checked and stored the way Slack does.

    The reply's message carries only the metadata's ``event_type``, as Slack's does (the
    payload comes back from ``conversations.history`` with ``include_all_metadata``).
    """
    conversation = state.history.require_conversation(args.required("channel"), allow_user_id=True)
    metadata, warnings = message_metadata(args.raw("metadata"))
    message = _post(state, args, conversation.kind, conversation.id, metadata=metadata)
    body: JsonDict = {
        "channel": conversation.id,
        "ts": message.ts,
        "message": message_json(message, state.workspace, include_all_metadata=False),
    }
    if warnings:
        body["warning"] = ",".join(warnings)
        body["response_metadata"] = {"warnings": warnings}
    return body


def chat_post_ephemeral(state: SandboxState, args: Args) -> JsonDict:
    channel, user_id = args.required("channel"), args.required("user")
    conversation = state.history.require_conversation(channel, allow_user_id=True)
    user = state.workspace.users.get(user_id)
    if user is None or user.deleted or user_id not in conversation.members:
        raise ApiError("user_not_in_channel")
    message = _post(state, args, "ephemeral", conversation.id, recipient=user_id)
    return {"message_ts": message.ts}


def chat_update(state: SandboxState, args: Args) -> JsonDict:
    channel, ts = args.required("channel"), args.required("ts")
    conversation = state.history.require_conversation(channel, allow_user_id=False)
    original = state.history.find(conversation.id, ts, include_ephemeral=False)
    if original is None:
        raise ApiError("message_not_found")
    if original.user != state.workspace.bot_user_id:
        raise ApiError("cant_update_message")
    raw_text, raw_blocks = args.raw("text"), args.raw("blocks")
    if raw_text is None and raw_blocks is None and args.raw("attachments") is None:
        raise ApiError("no_text")
    text = original.text if raw_text is None else str(raw_text)
    blocks = original.blocks
    if raw_blocks is not None:
        check_message_blocks(raw_blocks)
        blocks = with_generated_ids(raw_blocks)
    if len(text) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    updated = state.history.edit(original, text, blocks)
    return {
        "channel": conversation.id,
        "ts": ts,
        "text": text,
        "message": message_json(updated, state.workspace),
    }


def _post(
    state: SandboxState,
    args: Args,
    kind: MessageKind,
    channel_id: str,
    *,
    recipient: str | None = None,
    metadata: JsonDict | None = None,
) -> Message:
    """Check the message body both chat.post* methods take, then post it as the bot."""
    text, blocks = message_content(args.raw("text"), args.raw("blocks"), args.raw("attachments"))
    return state.history.post(
        kind,
        channel_id,
        text,
        blocks,
        "api",
        recipient=recipient,
        thread_ts=args.text("thread_ts"),
        metadata=metadata,
    )
