"""Trigger ids and response URLs: what Slack hands an app with each interaction.

Both expire on the sandbox clock, and ``time_scale`` leaves their lifetimes alone because
they model human and network latency, not throughput.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.records import ApiError

TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_TTL_SECONDS = 30 * 60.0
RESPONSE_URL_MAX_USES = 5


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    user_id: str
    channel_id: str
    source_ts: str | None
    issued_at: float
    uses: int = 0


class Interactions:
    """Issues trigger ids and response URLs, and enforces their expiry and use limits.

    Not thread-safe on its own: ``SlackSandbox`` calls it with its lock held.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, ResponseUrl] = {}

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{secrets.randbelow(10**10)}.{int(time.time())}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user_id, self._clock())
        return trigger_id

    def redeem_trigger(self, trigger_id: str) -> str:
        """Use up a trigger id; the person it was issued to."""
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("trigger_exchanged")
        if self._clock() - trigger.issued_at > TRIGGER_TTL_SECONDS:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user_id

    def issue_response_url(self, user_id: str, channel_id: str, source_ts: str | None) -> str:
        """The token that ends a new response URL's path."""
        token = secrets.token_urlsafe(18)
        self._response_urls[token] = ResponseUrl(user_id, channel_id, source_ts, self._clock())
        return token

    def response_url(self, token: str) -> ResponseUrl:
        """The response URL behind ``token`` while it may still be used.

        The caller counts the use (``uses += 1``) only once the body parses, so a malformed
        post does not spend one.
        """
        record = self._response_urls.get(token)
        now = self._clock()
        if record is None or now - record.issued_at > RESPONSE_URL_TTL_SECONDS:
            raise ApiError("expired_url", status=404)
        if record.uses >= RESPONSE_URL_MAX_USES:
            raise ApiError("used_url", status=404)
        return record
