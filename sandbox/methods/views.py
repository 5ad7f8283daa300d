"""views.*: modals (open, push, update) and Home tabs (publish)."""

from __future__ import annotations

import copy
import re

from sandbox.arguments import Args
from sandbox.blocks import slack_file_references, view_errors
from sandbox.records import ApiError, JsonDict, slack_error
from sandbox.state import SandboxState
from sandbox.view_store import check_hash


def views_open(state: SandboxState, args: Args) -> JsonDict:
    trigger_id = args.required("trigger_id")
    view = _checked_view(state, args, "modal")
    user_id = state.interactions.redeem_trigger(trigger_id)
    record = state.views.open_modal(user_id, view)
    return {"view": copy.deepcopy(record.view)}


def views_push(state: SandboxState, args: Args) -> JsonDict:
    trigger_id = args.text("trigger_id") or args.required("interactivity_pointer")
    view = _checked_view(state, args, "modal")
    user_id = state.interactions.redeem_trigger(trigger_id)
    record = state.views.push(user_id, view)
    return {"view": copy.deepcopy(record.view)}


def views_update(state: SandboxState, args: Args) -> JsonDict:
    view_id, external_id = args.text("view_id"), args.text("external_id")
    if view_id is None and external_id is None:
        raise ApiError("invalid_arguments", ["[ERROR] either view_id or external_id is required"])
    view = _checked_view(state, args)
    views = state.views
    record = views.get_open(view_id) if view_id else views.by_external_id(external_id)
    if record is None:
        raise ApiError("not_found")
    check_hash(record, args.text("hash"))
    _require_type(view, record.view["type"])
    views.check_external_id(view.get("external_id"), record.view["id"])
    views.replace_content(record, view)
    return {"view": copy.deepcopy(record.view)}


def views_publish(state: SandboxState, args: Args) -> JsonDict:
    user_id = args.required("user_id")
    view = _checked_view(state, args, "home")
    if user_id not in state.workspace.users:
        raise ApiError("invalid_arguments", ["invalid `user_id`"])
    record = state.views.publish_home(user_id, view, args.text("hash"))
    return {"view": copy.deepcopy(record.view)}


#: The file id inside a ``url_private`` or permalink (``.../files-pri/T0123-F0456/x.png``).
_FILE_ID_IN_URL = re.compile(r"[/-](F[0-9A-Z]+)(?:/|$)")


def _checked_view(state: SandboxState, args: Args, view_type: str | None = None) -> JsonDict:
    """The ``view`` argument once it passes Slack's checks (and is of ``view_type``)."""
    view = args.raw("view")
    if view is None:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: view"])
    errors = view_errors(view)
    if errors:
        raise ApiError("invalid_arguments", errors)
    assert isinstance(view, dict)
    missing = [
        slack_error("invalid slack file", where)
        for where, reference in slack_file_references(view.get("blocks"), "/view/blocks")
        if not state.files.shows_as_image(_file_id(reference))
    ]
    if missing:
        raise ApiError("invalid_arguments", missing)
    if view_type is not None:
        _require_type(view, view_type)
    return view


def _file_id(reference: JsonDict) -> str:
    """The file a ``slack_file`` object names, by ``id`` or inside its ``url``."""
    file_id = reference.get("id")
    if isinstance(file_id, str):
        return file_id
    found = _FILE_ID_IN_URL.search(str(reference.get("url") or ""))
    return found.group(1) if found else ""


def _require_type(view: JsonDict, view_type: str) -> None:
    if view["type"] != view_type:
        raise ApiError("invalid_arguments", [slack_error(f"must be {view_type}", "/view/type")])
