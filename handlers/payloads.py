"""Reading what Slack sent: modal state, private metadata, who acted and on what."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.errors import UserFacingError


def read_values(view: dict[str, Any]) -> dict[str, Any]:
    """Flatten ``view.state.values`` to ``{block_id: value}`` whatever the element type.

    Slack reports an empty optional field as null; such fields are left out, so the form's
    defaults apply.
    """
    values: dict[str, Any] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, elements in state.items():
        for element in elements.values():
            value = _element_value(element)
            if value is not None:
                values[block_id] = value
    return values


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in {"static_select", "radio_buttons", "external_select"}:
        selected = element.get("selected_option")
        return selected.get("value") if selected else None
    if kind in {"multi_static_select", "checkboxes", "multi_external_select"}:
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "channels_select":
        return element.get("selected_channel")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    return element.get("value")


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The private_metadata we put on the view; anything unreadable counts as empty."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def who(body: dict[str, Any]) -> tuple[str, str]:
    """(team_id, user_id) of the person behind an interaction payload."""
    user = body.get("user") or {}
    team = body.get("team") or {}
    team_id = str(team.get("id") or user.get("team_id") or "")
    return team_id, str(user.get("id") or "")


def action_id_value(body: dict[str, Any]) -> int:
    """The number a button carries (a program or group id); a mangled one is refused politely."""
    value = int_or_none(action_value(body))
    if value is None:
        raise UserFacingError("That button no longer works; please start again from a new one.")
    return value


def action_value(body: dict[str, Any]) -> str:
    action = (body.get("actions") or [{}])[0]
    return str(action.get("value") or "")


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentioned_users(text: str) -> list[str]:
    """User ids of the @mentions in command text (Slack sends them as <@U123|name>)."""
    return list(dict.fromkeys(_MENTION.findall(text)))
