"""Web API request arguments: decoding bodies, typed access, and cursor pagination."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from typing import Any
from urllib.parse import parse_qs

from sandbox.records import ApiError, JsonDict, slack_error

_JSON_STRING_ARGS = ("blocks", "view", "attachments", "metadata")


class Args:
    """Typed access to request arguments, failing the way Slack does."""

    def __init__(self, data: JsonDict) -> None:
        self.data = data

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, (dict, list)):
            raise ApiError("invalid_arguments", [slack_error("must be a string", f"/{name}")])
        return str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise ApiError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        """Slack's loose booleans: ``true``/``1`` (as slack_sdk sends them) or JSON true."""
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true")

    def integer(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(
                "invalid_arguments", [slack_error("must be an integer", f"/{name}")]
            ) from None


def parse_query(query: str) -> JsonDict:
    """Form-style fields, the last value winning when a name repeats."""
    return {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}


def parse_body(body: bytes, content_type: str) -> JsonDict:
    if not body:
        return {}
    mime = content_type.split(";")[0].strip().lower()
    if mime == "application/json":
        try:
            parsed = json.loads(body)
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise ApiError("invalid_json")
        return parsed
    if mime == "application/x-www-form-urlencoded":
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError("invalid_charset") from None
        return parse_query(decoded)
    if not mime:
        raise ApiError("missing_post_type")
    raise ApiError("invalid_post_type")


def decode_json_string_args(args: JsonDict) -> None:
    """Form bodies carry blocks/views as JSON strings; decode them where they parse.

    A string that does not parse is left as is so the method reports it the way Slack
    does (``invalid_blocks`` / ``invalid_arguments``) instead of failing generically.
    """
    for name in _JSON_STRING_ARGS:
        value = args.get(name)
        if isinstance(value, str) and value.strip():
            with contextlib.suppress(ValueError):
                args[name] = json.loads(value)


def paginate(items: list[Any], args: Args, *, default_limit: int) -> tuple[list[Any], str]:
    """Slack-style cursor pagination: opaque base64 cursors, empty string at the end."""
    limit = args.integer("limit", default_limit)
    if limit <= 0:
        limit = max(len(items), 1)
    start = 0
    cursor = args.text("cursor")
    if cursor is not None:
        try:
            label, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
            start = int(offset)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ApiError("invalid_cursor") from None
        if label != "offset" or not 0 <= start <= len(items):
            raise ApiError("invalid_cursor")
    end = start + min(limit, 1000)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], next_cursor
