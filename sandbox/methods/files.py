"""files.*: Slack's external upload (reserve a URL, POST the bytes, complete and share).

The POST itself is served by ``SlackSandbox`` at the ``upload_url`` handed out here (see
``sandbox.file_store``); these are the two Web API methods around it.
"""

from __future__ import annotations

import json

from sandbox.arguments import Args
from sandbox.blocks import with_generated_ids
from sandbox.file_store import StoredFile
from sandbox.history import MAX_MESSAGE_TEXT, Conversation, check_message_blocks
from sandbox.records import ApiError, JsonDict, Message, slack_error
from sandbox.state import SandboxState


def files_get_upload_url_external(state: SandboxState, args: Args) -> JsonDict:
    filename = args.required("filename")
    args.required("length")
    length = args.integer("length", 0)
    stored = state.files.reserve(
        filename, length, args.text("alt_txt"), int(state.history.wall_time())
    )
    return {"upload_url": state.files.upload_url(stored), "file_id": stored.id}


def files_complete_upload_external(state: SandboxState, args: Args) -> JsonDict:
    """Complete the uploads and share them, as one message per conversation.

    Without ``channel_id`` or ``channels`` the files stay private (completed, shown nowhere).
    ``initial_comment`` is the message's text; ``blocks`` count only without it, as in Slack.
    """
    wanted = _file_items(args.raw("files"))
    stored = [state.files.completable(file_id) for file_id, _ in wanted]
    if len({f.id for f in stored}) != len(stored):
        raise ApiError("invalid_arguments", [slack_error("duplicate file id", "/files")])
    conversations = _conversations(state, args)
    thread_ts = args.text("thread_ts")
    if thread_ts is not None and len(conversations) > 1:
        raise ApiError("invalid_arguments", ["[ERROR] thread_ts needs exactly one channel"])
    comment = args.text("initial_comment")
    if comment is not None and len(comment) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    blocks: list[JsonDict] = []
    raw_blocks = args.raw("blocks")
    if comment is None and raw_blocks not in (None, "", []):
        check_message_blocks(raw_blocks)
        blocks = list(raw_blocks)
    completed: list[StoredFile] = [
        state.files.complete(f.id, title) for f, (_, title) in zip(stored, wanted, strict=True)
    ]
    for conversation in conversations:
        for file in completed:
            file.channels.append(conversation.id)
    history = state.history
    for conversation in conversations:
        history.store(
            Message(
                conversation.kind,
                conversation.id,
                history.next_ts(),
                state.workspace.bot_user_id,
                comment or "",
                with_generated_ids(blocks),
                "api",
                thread_ts=thread_ts,
                files=[file.to_api() for file in completed],
            )
        )
    return {"files": [{"id": f.id, "title": f.title or f.filename} for f in completed]}


def files_delete(state: SandboxState, args: Args) -> JsonDict:
    """Delete a completed file; any view or message image pointing at it stops rendering."""
    state.files.delete(args.required("file"))
    return {}


def _file_items(raw: object) -> list[tuple[str, str | None]]:
    """``files`` as (id, title) pairs: a JSON array (or its string) of objects with an id."""
    if raw is None or raw == "":
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: files"])
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ApiError(
                "invalid_arguments", [slack_error("must be an array", "/files")]
            ) from None
    if not isinstance(raw, list) or not raw:
        raise ApiError("invalid_arguments", [slack_error("must be a non-empty array", "/files")])
    items = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise ApiError(
                "invalid_arguments", [slack_error("missing required field: id", f"/files/{index}")]
            )
        title = item.get("title")
        items.append((item["id"], str(title) if title not in (None, "") else None))
    return items


def _conversations(state: SandboxState, args: Args) -> list[Conversation]:
    """Where to share: ``channel_id`` (a conversation id) and/or ``channels`` (ids or users)."""
    refs: list[tuple[str, bool]] = []
    channel_id = args.text("channel_id")
    if channel_id is not None:
        refs.append((channel_id, False))
    listed = args.text("channels")
    if listed is not None:
        refs.extend((ref.strip(), True) for ref in listed.split(",") if ref.strip())
    found: dict[str, Conversation] = {}
    for ref, allow_user_id in refs:
        conversation = state.history.require_conversation(ref, allow_user_id=allow_user_id)
        if state.workspace.bot_user_id not in conversation.members:
            raise ApiError("not_in_channel")
        found.setdefault(conversation.id, conversation)
    return list(found.values())
