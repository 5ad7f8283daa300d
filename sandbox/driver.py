"""Plays the part of Slack's servers towards the bot: signed commands, clicks and events.

Each method builds the payload Slack would send for one thing a person does, signs it
with the app's signing secret exactly as Slack does, posts it to the bot's request URL,
and then applies the consequences Slack's client would show (a command's ack text
appearing, a modal closing or being replaced after a submission). Payloads are built
from what the sandbox recorded — the message or view the person is looking at — so a
test cannot click a button the bot never showed.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import time as clock_time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from sandbox.blocks import interactive_elements
from sandbox.records import JsonDict, Message, message_json
from sandbox.web_api import SlackSandbox

VERIFICATION_TOKEN = "sandbox-verification-token"


@dataclass(frozen=True)
class DriverResponse:
    """The bot's HTTP answer; ``json`` is set when the body is a JSON object."""

    status: int
    body: bytes
    json: JsonDict | None
    text: str


# Which state key each input element reports, which attribute seeds it, and its shape:
# "scalar" (string-ish), "option"/"options" (looked up among the element's options),
# "list" (list of ids). This mirrors the view_submission payload reference.
_ELEMENT_STATE: dict[str, tuple[str, str, str]] = {
    "plain_text_input": ("value", "initial_value", "scalar"),
    "number_input": ("value", "initial_value", "scalar"),
    "email_text_input": ("value", "initial_value", "scalar"),
    "url_text_input": ("value", "initial_value", "scalar"),
    "static_select": ("selected_option", "initial_option", "option"),
    "external_select": ("selected_option", "initial_option", "option"),
    "radio_buttons": ("selected_option", "initial_option", "option"),
    "overflow": ("selected_option", "initial_option", "option"),
    "multi_static_select": ("selected_options", "initial_options", "options"),
    "multi_external_select": ("selected_options", "initial_options", "options"),
    "checkboxes": ("selected_options", "initial_options", "options"),
    "users_select": ("selected_user", "initial_user", "scalar"),
    "multi_users_select": ("selected_users", "initial_users", "list"),
    "conversations_select": ("selected_conversation", "initial_conversation", "scalar"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", "list"),
    "channels_select": ("selected_channel", "initial_channel", "scalar"),
    "multi_channels_select": ("selected_channels", "initial_channels", "list"),
    "datepicker": ("selected_date", "initial_date", "scalar"),
    "timepicker": ("selected_time", "initial_time", "scalar"),
    "datetimepicker": ("selected_date_time", "initial_date_time", "scalar"),
    "rich_text_input": ("rich_text_value", "initial_value", "scalar"),
}

# Elements that report a choice in the action but keep no state in the surface.
_STATELESS = frozenset({"overflow"})


class SlackDriver:
    """Sends what Slack would send when people use the app in the sandbox workspace."""

    def __init__(
        self,
        sandbox: SlackSandbox,
        bot_url: str,
        signing_secret: str,
        *,
        timeout: float = 10.0,
        should_escape: bool = True,
    ) -> None:
        """``should_escape`` mirrors the slash command's manifest setting of that name."""
        self.sandbox = sandbox
        self.bot_url = bot_url
        self.timeout = timeout
        self.should_escape = should_escape
        self._verifier = SignatureVerifier(signing_secret)
        # Never route loopback test traffic through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- what people do ------------------------------------------------------

    def command(
        self,
        user_id: str,
        text: str,
        command: str = "/mentor",
        channel_id: str | None = None,
    ) -> DriverResponse:
        """Type ``command text`` (in the app's DM unless ``channel_id`` is given).

        Write mentions in ``text`` the way Slack encodes them: ``<@U02BEN>`` for someone
        picked from the @-autocomplete, ``<#C0GENERAL>`` for a #channel (a ``|name`` part
        is optional and kept if given). The bot receives what Slack sends: every other
        ``&``, ``<`` and ``>`` escaped, and, with ``should_escape`` (the default, as in the
        manifest), mentions as ``<@U02BEN|ben>`` and ``<#C0GENERAL|general>`` (a private
        channel as ``<#C…|>``); without it, as the plain ``@ben`` / ``#general`` typed.
        """
        ws = self.sandbox.workspace
        user = ws.user(user_id)
        channel = channel_id or self.sandbox.dm_channel_id(user_id)
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": ws.team_id,
            "team_domain": ws.domain,
            "channel_id": channel,
            "channel_name": self._channel_name(channel),
            "user_id": user_id,
            "user_name": user.name,
            "command": command,
            "text": self._command_text(text),
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": self.sandbox.new_response_url(user_id, channel),
            "trigger_id": self.sandbox.issue_trigger_id(user_id),
        }
        response = self.post_raw(
            urlencode(form).encode(), content_type="application/x-www-form-urlencoded"
        )
        if response.status == 200 and response.body.strip():
            ack = response.json if response.json is not None else {"text": response.text}
            if ack.get("text") or ack.get("blocks"):
                self.sandbox.deliver_ack(user_id, channel, ack)
        return response

    def click(
        self,
        user_id: str,
        action_id: str,
        *,
        source: Message | Mapping[str, Any],
        value: object = None,
    ) -> DriverResponse:
        """Use the element ``action_id`` in a message or view the person can see.

        For buttons ``value`` picks among buttons sharing an action_id; for selects,
        pickers and checkboxes it is what the person chooses (an option value, a user id,
        a date ...).
        """
        if isinstance(source, Message):
            payload = self._message_action_payload(user_id, action_id, source, value)
        else:
            payload = self._view_action_payload(user_id, action_id, source, value)
        return self._post_payload(payload)

    def submit(
        self, user_id: str, view_id: str, values: Mapping[str, object] | None = None
    ) -> DriverResponse:
        """Press Submit on the person's top modal, then apply the bot's response_action.

        ``values`` are keyed by input block_id (or the element's action_id); inputs not
        given keep their initial value, as in Slack. A required input left empty raises,
        because Slack's client would not send the submission at all.
        """
        view = self._top_modal(user_id, view_id)
        if not view.get("submit"):
            raise ValueError(f"view {view_id} has no submit button")
        state = _state_values(view["blocks"], dict(values or {}))
        payload = {
            **self._interaction_base(user_id, "view_submission"),
            "trigger_id": self.sandbox.issue_trigger_id(user_id),
            "view": {**view, "state": {"values": state}},
            "response_urls": [],
        }
        response = self._post_payload(payload)
        if response.status != 200:
            return response
        body = response.json or {}
        action = body.get("response_action")
        if action is None and response.body.strip() and response.json is None:
            return response  # Slack shows "trouble connecting" and leaves the modal open
        if action is None:
            self.sandbox.close_view(view_id)
        elif action == "update":
            self.sandbox.update_view(view_id, body["view"])
        elif action == "push":
            self.sandbox.push_view(user_id, body["view"])
        elif action == "clear":
            self.sandbox.clear_modals(user_id)
        elif action != "errors":
            raise ValueError(f"unknown response_action {action!r}")
        return response

    def close(self, user_id: str, view_id: str) -> DriverResponse | None:
        """Press Close/Cancel; the bot hears about it only if the view asked to be notified."""
        view = self._top_modal(user_id, view_id)
        is_cleared = bool(view.get("clear_on_close"))
        if is_cleared:
            self.sandbox.clear_modals(user_id)
        else:
            self.sandbox.close_view(view_id)
        if not view.get("notify_on_close"):
            return None
        payload = {
            **self._interaction_base(user_id, "view_closed"),
            "view": {**view, "state": {"values": _state_values(view["blocks"], {}, strict=False)}},
            "is_cleared": is_cleared,
        }
        return self._post_payload(payload)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> DriverResponse:
        """Deliver an Events API event in its ``event_callback`` envelope."""
        ws = self.sandbox.workspace
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": ws.team_id,
            "context_team_id": ws.team_id,
            "context_enterprise_id": None,
            "api_app_id": ws.app_id,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post_raw(
            json.dumps(envelope).encode(), content_type="application/json", headers=headers
        )

    def open_home(self, user_id: str) -> DriverResponse:
        """The person opens the app's Home tab (``app_home_opened``)."""
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.sandbox.dm_channel_id(user_id),
            "tab": "home",
            "event_ts": _now_ts(),
        }
        home = self.sandbox.home_of(user_id)
        if home is not None:
            event["view"] = home
        return self.event(event)

    def dm(self, user_id: str, text: str) -> DriverResponse:
        """The person writes ``text`` in their DM with the app (``message.im``)."""
        channel = self.sandbox.dm_channel_id(user_id)
        message = self.sandbox.record_user_message(user_id, channel, text)
        return self.event(
            {
                "type": "message",
                "client_msg_id": str(uuid.uuid4()),
                "text": text,
                "user": user_id,
                "ts": message.ts,
                "team": self.sandbox.workspace.team_id,
                "channel": channel,
                "event_ts": message.ts,
                "channel_type": "im",
            }
        )

    # -- raw transport -----------------------------------------------------

    def post_raw(
        self,
        body: bytes,
        *,
        content_type: str,
        timestamp: str | None = None,
        signature: str | None = None,
        sign: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> DriverResponse:
        """POST ``body`` to the bot; override timestamp/signature to test verification."""
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            stamp = timestamp if timestamp is not None else str(int(time.time()))
            all_headers["X-Slack-Request-Timestamp"] = stamp
            all_headers["X-Slack-Signature"] = signature or self.signature(stamp, body)
        request = urllib.request.Request(
            self.bot_url, data=body, headers=all_headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return _driver_response(reply.status, reply.read())
        except urllib.error.HTTPError as error:
            return _driver_response(error.code, error.read())

    def signature(self, timestamp: str, body: bytes) -> str:
        """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None  # only None when timestamp is None
        return signature

    # -- payload construction ------------------------------------------------

    def _post_payload(self, payload: Mapping[str, Any]) -> DriverResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post_raw(body, content_type="application/x-www-form-urlencoded")

    def _interaction_base(self, user_id: str, kind: str) -> JsonDict:
        ws = self.sandbox.workspace
        user = ws.user(user_id)
        return {
            "type": kind,
            "team": {"id": ws.team_id, "domain": ws.domain},
            "user": {
                "id": user.id,
                "username": user.name,
                "name": user.name,
                "team_id": ws.team_id,
            },
            "api_app_id": ws.app_id,
            "token": VERIFICATION_TOKEN,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def _message_action_payload(
        self, user_id: str, action_id: str, source: Message, value: object
    ) -> JsonDict:
        current = self.sandbox.find_message(source.channel, source.ts)
        if current is None:
            raise LookupError(f"message {source.ts} in {source.channel} no longer exists")
        if current.kind == "ephemeral" and current.recipient != user_id:
            raise LookupError(f"{user_id} cannot see the ephemeral message {source.ts}")
        block, element = _find_element(current.blocks, action_id, value)
        payload = {
            **self._interaction_base(user_id, "block_actions"),
            "container": {
                "type": "message",
                "message_ts": current.ts,
                "channel_id": current.channel,
                "is_ephemeral": current.kind == "ephemeral",
            },
            "trigger_id": self.sandbox.issue_trigger_id(user_id),
            "channel": {"id": current.channel, "name": self._channel_name(current.channel)},
            "state": _state_after(current.blocks, block, element, value),
            "response_url": self.sandbox.new_response_url(
                user_id, current.channel, message_ts=current.ts
            ),
            "actions": [_action(block, element, value)],
        }
        if current.kind != "ephemeral":  # Slack omits the message body for ephemerals
            payload["message"] = message_json(current, self.sandbox.workspace)
        return payload

    def _view_action_payload(
        self, user_id: str, action_id: str, source: Mapping[str, Any], value: object
    ) -> JsonDict:
        view_id = str(source.get("id"))
        view = self.sandbox.view(view_id)
        if view is None or self.sandbox.view_owner(view_id) != user_id:
            raise LookupError(f"view {view_id} is not open for {user_id}")
        block, element = _find_element(view["blocks"], action_id, value)
        return {
            **self._interaction_base(user_id, "block_actions"),
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.sandbox.issue_trigger_id(user_id),
            "view": {**view, "state": _state_after(view["blocks"], block, element, value)},
            "actions": [_action(block, element, value)],
        }

    def _top_modal(self, user_id: str, view_id: str) -> JsonDict:
        top = self.sandbox.modal_of(user_id)
        if top is None or top["id"] != view_id:
            shown = top["id"] if top else "no modal"
            raise LookupError(f"{user_id} is not looking at view {view_id} (top: {shown})")
        return top

    def _command_text(self, text: str) -> str:
        """Slash command text as Slack sends it (see ``command``)."""
        parts: list[str] = []
        position = 0
        for match in _MENTION.finditer(text):
            parts.append(_escape(text[position : match.start()]))
            parts.append(self._mention(match))
            position = match.end()
        parts.append(_escape(text[position:]))
        return "".join(parts)

    def _mention(self, match: re.Match[str]) -> str:
        ws = self.sandbox.workspace
        user_id, user_label, channel_id, channel_label = match.groups()
        if user_id is not None:
            name = ws.user(user_id).name
            if not self.should_escape:
                return _escape(f"@{name}")
            return f"<@{user_id}|{_escape(name if user_label is None else user_label)}>"
        channel = ws.channel(channel_id)
        if not self.should_escape:
            return _escape(f"#{channel.name}")
        if channel_label is None:
            channel_label = "" if channel.is_private else channel.name
        return f"<#{channel_id}|{_escape(channel_label)}>"

    def _channel_name(self, channel_id: str) -> str:
        channel = self.sandbox.workspace.channels.get(channel_id)
        if channel is not None:
            return channel.name
        return "directmessage" if channel_id.startswith("D") else "privategroup"


# A user or channel mention as Slack encodes it, with or without its |label.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>|]*))?>|<#([CG][A-Z0-9]+)(?:\|([^<>|]*))?>")


def _escape(text: str) -> str:
    """Slack escapes these three in text it sends (the only HTML entities it uses)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _driver_response(status: int, body: bytes) -> DriverResponse:
    text = body.decode("utf-8", errors="replace")
    parsed: JsonDict | None = None
    if body.strip():
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        parsed = decoded if isinstance(decoded, dict) else None
    return DriverResponse(status, body, parsed, text)


def _now_ts() -> str:
    now_us = time.time_ns() // 1000
    return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"


def _find_element(
    blocks: list[JsonDict], action_id: str, value: object
) -> tuple[JsonDict, JsonDict]:
    """The element a person would use; input elements only when they dispatch actions."""
    available: list[str] = []
    for block, element in interactive_elements(blocks):
        if block.get("type") == "input" and not block.get("dispatch_action"):
            continue
        available.append(f"{element.get('action_id')}={element.get('value', '')!r}")
        if element.get("action_id") != action_id:
            continue
        if element.get("type") == "button" and value is not None and element.get("value") != value:
            continue
        return block, element
    wanted = action_id if value is None else f"{action_id}={value!r}"
    raise LookupError(f"no element {wanted} to act on; available: {', '.join(available) or 'none'}")


def _action(block: JsonDict, element: JsonDict, value: object) -> JsonDict:
    """The entry of ``actions`` in a block_actions payload for one use of ``element``."""
    element_type = element.get("type", "")
    action: JsonDict = {
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "type": element_type,
        "action_ts": _now_ts(),
    }
    if element_type == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
        return action
    if value is None:
        raise ValueError(f"{element_type} {element.get('action_id')} needs a value to choose")
    action.update(_element_state(element, value))
    return action


def _state_values(
    blocks: list[JsonDict], supplied: dict[str, object], *, strict: bool = True
) -> JsonDict:
    """``state.values`` as Slack's client reports it: every stateful element, by block.

    Inputs take a supplied value keyed by block_id (or action_id); other stateful
    elements (selects, checkboxes ... in actions blocks or accessories) by action_id.
    Anything not supplied keeps its initial value, so an untouched optional text input
    reports ``"value": null`` exactly as Slack sends it.
    """
    remaining = dict(supplied)
    values: JsonDict = {}
    for block, element in interactive_elements(blocks):
        element_type = element.get("type", "")
        if element_type not in _ELEMENT_STATE or element_type in _STATELESS:
            continue
        is_input = block.get("type") == "input"
        block_id, action_id = block["block_id"], element["action_id"]
        key = next((k for k in (block_id if is_input else None, action_id) if k in remaining), None)
        state = _element_state(element, remaining.pop(key)) if key else _initial_state(element)
        if strict and is_input and not block.get("optional") and _is_empty(state):
            raise ValueError(
                f"required input {block_id!r} has no value; Slack would not submit the form"
            )
        values.setdefault(block_id, {})[action_id] = state
    if strict and remaining:
        raise KeyError(f"no inputs {sorted(remaining)} in the view")
    return values


def _state_after(
    blocks: list[JsonDict], block: JsonDict, element: JsonDict, value: object
) -> JsonDict:
    """The state a block_actions payload carries: initial values plus the element just used."""
    values = _state_values(blocks, {}, strict=False)
    element_type = element.get("type", "")
    if value is not None and element_type in _ELEMENT_STATE and element_type not in _STATELESS:
        chosen = _element_state(element, value)
        values.setdefault(block["block_id"], {})[element["action_id"]] = chosen
    return {"values": values}


def _element_state(element: JsonDict, supplied: object) -> JsonDict:
    element_type = element.get("type", "")
    if element_type not in _ELEMENT_STATE:
        raise ValueError(f"cannot fill a {element_type} element")
    state_key, _, shape = _ELEMENT_STATE[element_type]
    if isinstance(supplied, Mapping):  # a ready-made state entry, used verbatim
        return {"type": element_type, **supplied}
    value: object
    if shape == "option":
        value = _option(element, supplied)
    elif shape == "options":
        value = [_option(element, v) for v in _as_list(supplied)]
    elif shape == "list":
        value = [str(v) for v in _as_list(supplied)]
    elif isinstance(supplied, (date, clock_time)):
        value = supplied.isoformat() if isinstance(supplied, date) else supplied.strftime("%H:%M")
    elif element_type == "datetimepicker":
        value = int(str(supplied))
    else:
        value = str(supplied)
    return {"type": element_type, state_key: value}


def _initial_state(element: JsonDict) -> JsonDict:
    element_type = element.get("type", "")
    if element_type not in _ELEMENT_STATE:
        return {"type": element_type}
    state_key, initial_key, shape = _ELEMENT_STATE[element_type]
    default: object = [] if shape in ("options", "list") else None
    return {"type": element_type, state_key: element.get(initial_key, default)}


def _option(element: JsonDict, value: object) -> JsonDict:
    if element.get("type") in ("external_select", "multi_external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    options: list[JsonDict] = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == str(value):
            return option
    choices = [o.get("value") for o in options]
    raise ValueError(f"{value!r} is not an option of {element.get('action_id')}: {choices}")


def _as_list(value: object) -> list[object]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _is_empty(state: JsonDict) -> bool:
    values = [v for k, v in state.items() if k != "type"]
    return not values or all(v is None or v == "" or v == [] for v in values)
