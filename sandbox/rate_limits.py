"""Slack's rate-limit tiers for the methods the sandbox serves, and the limiter behind them.

Slack publishes each method's tier ("Tier 3: 50+ per minute", "chat.postMessage: about one
message per second per channel") but not its algorithm, only that short bursts above the
rate are tolerated. The sandbox enforces the published numbers with a sliding window, so
a client that keeps to them never sees a 429 and one that exceeds them soon does.

The rule for one bucket (N calls per W seconds, see ``RateLimit``): a call is admitted when
fewer than N calls were admitted in the W - g seconds before it arrived, where the grace
``g = W / (2N)`` is half a pacing interval; a refused call uses up no allowance. The grace
is there because a client can only control when it *sends*: delivery jitter would
otherwise turn a call sent exactly W after the one N calls earlier into a 429.

How to pace so as never to get a 429 (``SlackSandbox.limit_for`` gives N and W in real
seconds, ``time_scale`` already applied): start at most N calls in any W-second window,
i.e. call k+N no earlier than W after call k; for example one call every W / N seconds,
which is what a token bucket refilling N tokens per W that holds at most one token (no
burst) does. That is safe as long as the time between starting a call and the sandbox
receiving it varies by less than the grace (10 ms real for Tier 3 at ``time_scale=60``).
A bucket that holds more than one token is not safe: after an idle spell it can spend N
tokens at once and N more as they refill within the same window. A client that sends at
more than N per W - g (for Tier 3, about 1% faster than allowed) gets a 429 within its
first window.

A 429 carries ``Retry-After``: the whole seconds (real, at least 1) until the call N calls
back is a full W old, so waiting that long always gets the next call admitted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` calls in any sliding window of ``window`` seconds.

    The tables below are in Slack seconds; ``SlackSandbox.limit_for`` returns them in real
    seconds, with the sandbox's ``time_scale`` applied.
    """

    limit: int
    window: float = 60.0

    @property
    def interval(self) -> float:
        """The steady pace that never gets a 429: one call every ``window / limit``."""
        return self.window / self.limit

    @property
    def grace(self) -> float:
        """How much delivery jitter the limiter forgives: half a pacing interval."""
        return self.interval / 2


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
    "conversations.history": TIER_3,
    "chat.postMessage": POST_MESSAGE_PER_WORKSPACE,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.push": TIER_4,
    "views.publish": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
}
# Limits that apply per conversation on top of the method's workspace-wide one.
PER_CHANNEL_RATE_LIMITS: dict[str, RateLimit] = {
    "chat.postMessage": POST_MESSAGE_PER_CHANNEL,
}


class SlidingWindowLimiter:
    """Sliding-window counters (see the module docstring for the exact rule)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def acquire(self, buckets: list[tuple[str, RateLimit]], now: float) -> float | None:
        """Admit the request into every bucket, or return how long until it surely fits.

        The wait is measured against the full window, not the grace-shortened one, so
        it is an upper bound a client can rely on.
        """
        wait = 0.0
        for key, rule in buckets:
            hits = self._hits.setdefault(key, deque())
            horizon = now - (rule.window - rule.grace)
            while hits and hits[0] <= horizon:
                hits.popleft()
            if len(hits) >= rule.limit:
                wait = max(wait, hits[-rule.limit] + rule.window - now)
        if wait > 0:
            return wait
        for key, _rule in buckets:
            self._hits[key].append(now)
        return None
