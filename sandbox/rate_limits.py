"""Slack's rate-limit tiers for the methods the sandbox serves, and the limiter behind them."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests in any sliding window of ``window`` Slack-seconds."""

    limit: int
    window: float = 60.0


TIER_1 = RateLimit(1)
TIER_2 = RateLimit(20)
TIER_3 = RateLimit(50)
TIER_4 = RateLimit(100)
# Slack allows "about one message per second per channel, with short bursts"; three in any
# three seconds keeps that average while tolerating a reply and a follow-up back to back.
POST_MESSAGE_PER_CHANNEL = RateLimit(3, 3.0)
POST_MESSAGE_PER_WORKSPACE = RateLimit(600)
METHOD_RATE_LIMITS: dict[str, RateLimit] = {
    "auth.test": TIER_4,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "conversations.open": TIER_3,
    "conversations.members": TIER_4,
    "chat.postMessage": POST_MESSAGE_PER_WORKSPACE,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.push": TIER_4,
    "views.publish": TIER_4,
}


class SlidingWindowLimiter:
    """Sliding-window counters; a rejected request does not use up allowance."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def acquire(self, buckets: list[tuple[str, RateLimit]], now: float) -> float | None:
        """Admit the request into every bucket, or return how long until it would fit."""
        wait = 0.0
        for key, rule in buckets:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - rule.window:
                hits.popleft()
            if len(hits) >= rule.limit:
                wait = max(wait, hits[len(hits) - rule.limit] + rule.window - now)
        if wait > 0:
            return wait
        for key, _rule in buckets:
            self._hits[key].append(now)
        return None
