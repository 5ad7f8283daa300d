"""users.*: the people in the workspace."""

from __future__ import annotations

import time

from sandbox.arguments import Args, paginate
from sandbox.records import ApiError, JsonDict
from sandbox.state import SandboxState


def users_info(state: SandboxState, args: Args) -> JsonDict:
    user = state.workspace.users.get(args.required("user"))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.to_api(state.workspace.team_id)}


def users_list(state: SandboxState, args: Args) -> JsonDict:
    team = state.workspace.team_id
    members = [u.to_api(team) for u in state.workspace.users.values()]
    page, next_cursor = paginate(members, args, default_limit=0)
    return {
        "members": page,
        "cache_ts": int(time.time()),
        "response_metadata": {"next_cursor": next_cursor},
    }
