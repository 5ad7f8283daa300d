"""conversations.*: opening DMs and group DMs, and listing who is in a conversation."""

from __future__ import annotations

from sandbox.arguments import Args, paginate
from sandbox.records import ApiError, JsonDict
from sandbox.state import SandboxState

MAX_MPIM_USERS = 8


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
