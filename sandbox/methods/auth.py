"""auth.*: who the app's bot user is."""

from __future__ import annotations

from sandbox.arguments import Args
from sandbox.records import JsonDict
from sandbox.state import SandboxState


def auth_test(state: SandboxState, args: Args) -> JsonDict:
    ws = state.workspace
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
