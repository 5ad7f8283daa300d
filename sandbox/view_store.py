"""The views the app has opened or published: each person's modal stack and Home tab.

Views are stored the way Slack returns them (ids, hash, root and previous view ids
filled in), so the driver can build submission payloads from exactly what a person saw.
"""

from __future__ import annotations

import copy
import secrets
import string
import time
from dataclasses import dataclass

from sandbox.blocks import with_generated_ids
from sandbox.records import ApiError, JsonDict
from sandbox.workspace import Workspace

MAX_VIEW_STACK = 3

_ID_ALPHABET = string.ascii_uppercase + string.digits


@dataclass
class ViewRecord:
    user_id: str
    view: JsonDict
    open: bool = True


class ViewStore:
    """Every view by id, each person's stack of open modals, and each person's Home tab.

    Not thread-safe on its own: ``SlackSandbox`` calls it with its lock held.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._views: dict[str, ViewRecord] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}

    # -- lookups -----------------------------------------------------------

    def get(self, view_id: str) -> ViewRecord | None:
        """Any view ever created, open or closed."""
        return self._views.get(view_id)

    def get_open(self, view_id: str) -> ViewRecord | None:
        record = self._views.get(view_id)
        return record if record is not None and record.open else None

    def home(self, user_id: str) -> ViewRecord | None:
        view_id = self._homes.get(user_id)
        return self._views[view_id] if view_id else None

    def modal_stack(self, user_id: str) -> list[ViewRecord]:
        """The person's open modals, bottom first."""
        return [self._views[v] for v in self._stacks.get(user_id, [])]

    def by_external_id(self, external_id: str | None) -> ViewRecord | None:
        return next(
            (
                r
                for r in self._views.values()
                if r.open and external_id and r.view.get("external_id") == external_id
            ),
            None,
        )

    def check_external_id(self, external_id: object, own_view_id: str | None) -> None:
        """An app's external ids are unique among open views, as Slack enforces."""
        if not external_id:
            return
        other = self.by_external_id(str(external_id))
        if other is not None and other.view["id"] != own_view_id:
            raise ApiError("duplicate_external_id")

    # -- changes -----------------------------------------------------------

    def open_modal(self, user_id: str, view: JsonDict) -> ViewRecord:
        """Show ``view`` as the person's only modal, closing whatever they had open."""
        self.check_external_id(view.get("external_id"), None)
        self.clear(user_id)
        view_id = self._new_view_id()
        record = ViewRecord(user_id, self._materialize(view, view_id, view_id, None))
        self._views[view_id] = record
        self._stacks[user_id] = [view_id]
        return record

    def push(self, user_id: str, view: JsonDict) -> ViewRecord:
        stack = self._stacks.get(user_id)
        if not stack:
            raise ApiError("invalid_arguments", ["[ERROR] no modal is open to push onto"])
        if len(stack) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        self.check_external_id(view.get("external_id"), None)
        view_id = self._new_view_id()
        record = ViewRecord(user_id, self._materialize(view, view_id, stack[0], stack[-1]))
        self._views[view_id] = record
        stack.append(view_id)
        return record

    def publish_home(self, user_id: str, view: JsonDict, expected_hash: str | None) -> ViewRecord:
        """Create the person's Home tab, or replace its content if it exists."""
        existing_id = self._homes.get(user_id)
        if existing_id is not None:
            record = self._views[existing_id]
            check_hash(record, expected_hash)
            self.replace_content(record, view)
            return record
        view_id = self._new_view_id()
        record = ViewRecord(user_id, self._materialize(view, view_id, view_id, None))
        self._views[view_id] = record
        self._homes[user_id] = view_id
        return record

    def replace_content(self, record: ViewRecord, view: JsonDict) -> None:
        """Swap in new content, keeping the view's identity and place in the stack.

        An update that omits ``external_id`` keeps the old one, so a view stays findable by
        the id the app chose for it.
        """
        current = record.view
        if not view.get("external_id") and current.get("external_id"):
            view = {**view, "external_id": current["external_id"]}
        record.view = self._materialize(
            view, current["id"], current["root_view_id"], current["previous_view_id"]
        )

    def close(self, view_id: str) -> None:
        """Close a modal and anything stacked above it, like the person pressing Close."""
        record = self._views.get(view_id)
        if record is None or not record.open:
            return
        stack = self._stacks.get(record.user_id, [])
        if view_id in stack:
            for closed in stack[stack.index(view_id) :]:
                self._views[closed].open = False
            del stack[stack.index(view_id) :]
        if not stack:
            self._stacks.pop(record.user_id, None)

    def clear(self, user_id: str) -> None:
        """Close the person's whole modal stack."""
        stack = self._stacks.get(user_id)
        if stack:
            self.close(stack[0])

    # -- helpers -----------------------------------------------------------

    def _new_view_id(self) -> str:
        while True:
            view_id = "V" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))
            if view_id not in self._views:
                return view_id

    def _materialize(
        self, view: JsonDict, view_id: str, root_view_id: str, previous_view_id: str | None
    ) -> JsonDict:
        """The full view object Slack stores and returns for a submitted view payload."""
        ws = self.workspace
        return {
            "id": view_id,
            "team_id": ws.team_id,
            "type": view["type"],
            "title": copy.deepcopy(view.get("title")),
            "submit": copy.deepcopy(view.get("submit")),
            "close": copy.deepcopy(view.get("close")),
            "blocks": with_generated_ids(view["blocks"]),
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "external_id": view.get("external_id") or "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "root_view_id": root_view_id,
            "previous_view_id": previous_view_id,
            "app_id": ws.app_id,
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }


def check_hash(record: ViewRecord, expected_hash: str | None) -> None:
    """Refuse an update made against a stale copy of the view, as Slack does."""
    if expected_hash is not None and expected_hash != record.view["hash"]:
        raise ApiError("hash_conflict")
