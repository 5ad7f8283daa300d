"""Rate-limit fidelity: pacing by ``limit_for`` never gets a 429, going faster does."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import RateLimit, SlackSandbox
from tests.sandbox.conftest import FakeClock

PEOPLE = ["U02BEN", "U03CAM", "U04DEV", "U05EME", "U06FIN"]


class TokenBucket:
    """A client-side pacer: ``rate`` tokens per second, holding at most ``capacity``."""

    def __init__(self, rate: float, capacity: float = 1.0) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.stamp = capacity, time.monotonic()

    def take(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            time.sleep((1 - self.tokens) / self.rate)


def open_dms(client: WebClient, count: int, before_each: Callable[[int], None]) -> list[str]:
    """Call conversations.open ``count`` times; the Retry-After of every 429, in order."""
    retry_afters: list[str] = []
    for n in range(count):
        before_each(n)
        try:
            client.conversations_open(users=PEOPLE[n % len(PEOPLE)])
        except SlackApiError as error:
            assert error.response.status_code == 429
            assert error.response["error"] == "ratelimited"
            retry_afters.append(error.response.headers["Retry-After"])
    return retry_afters


def client_for(sb: SlackSandbox) -> WebClient:
    return WebClient(token=sb.workspace.bot_token, base_url=sb.api_url)


def test_limit_for_reports_the_limits_in_real_seconds() -> None:
    sb = SlackSandbox(time_scale=60.0)  # readable without starting or enforcing
    assert sb.limit_for("conversations.open") == RateLimit(50, 1.0)
    assert sb.limit_for("conversations.history") == RateLimit(50, 1.0)
    assert sb.limit_for("users.list") == RateLimit(20, 1.0)
    assert sb.limit_for("chat.postMessage") == RateLimit(600, 1.0)
    assert sb.limit_for("chat.postMessage", channel="U02BEN") == RateLimit(3, 0.05)
    assert sb.limit_for("users.info", channel="C0GENERAL") == RateLimit(100, 1.0)
    limit = SlackSandbox().limit_for("conversations.open")
    assert (limit.limit, limit.window, limit.interval, limit.grace) == (50, 60.0, 1.2, 0.6)
    with pytest.raises(KeyError, match=r"chat\.teleport"):
        sb.limit_for("chat.teleport")


@pytest.mark.parametrize("time_scale", [1.0, 60.0, 1000.0])
def test_exact_pace_with_jitter_below_the_grace_never_gets_a_429(
    sandbox_clock: FakeClock, time_scale: float
) -> None:
    with SlackSandbox(enforce_rate_limits=True, time_scale=time_scale, clock=sandbox_clock) as sb:
        limit = sb.limit_for("conversations.open")
        start, jitter = sandbox_clock.now, random.Random(7)

        def arrive(n: int) -> None:  # sent on the dot, delivered up to 0.9 grace later
            sandbox_clock.now = start + n * limit.interval + jitter.uniform(0, 0.9 * limit.grace)

        assert open_dms(client_for(sb), 3 * limit.limit, arrive) == []
        assert sb.rate_limited_count == 0


def test_a_whole_window_at_once_is_fine_and_one_more_is_not(sandbox_clock: FakeClock) -> None:
    with SlackSandbox(enforce_rate_limits=True, time_scale=60.0, clock=sandbox_clock) as sb:
        limit = sb.limit_for("conversations.open")
        retry_afters = open_dms(client_for(sb), limit.limit + 1, lambda n: None)
        assert retry_afters == [str(math.ceil(limit.window))]
        sandbox_clock.advance(int(retry_afters[0]))  # waiting Retry-After always suffices
        assert open_dms(client_for(sb), limit.limit, lambda n: None) == []


@pytest.mark.parametrize("speedup", [1.02, 1.5, 10.0])
def test_sending_faster_than_allowed_gets_429s_with_retry_after(
    sandbox_clock: FakeClock, speedup: float
) -> None:
    with SlackSandbox(enforce_rate_limits=True, time_scale=60.0, clock=sandbox_clock) as sb:
        limit = sb.limit_for("conversations.open")
        start = sandbox_clock.now

        def arrive(n: int) -> None:
            sandbox_clock.now = start + n * limit.interval / speedup

        retry_afters = open_dms(client_for(sb), 2 * limit.limit, arrive)
        assert retry_afters and all(int(r) >= 1 for r in retry_afters)
        assert sb.rate_limited_count == len(retry_afters)


def test_a_bursty_token_bucket_is_not_safe(sandbox_clock: FakeClock) -> None:
    # Capacity N lets a client spend N tokens at once after idling and N more as they
    # refill within the same window: that is what the module docstring warns about.
    with SlackSandbox(enforce_rate_limits=True, time_scale=60.0, clock=sandbox_clock) as sb:
        limit = sb.limit_for("conversations.open")
        start = sandbox_clock.now

        def arrive(n: int) -> None:
            extra = max(0, n - limit.limit + 1)
            sandbox_clock.now = start + extra * limit.interval

        assert open_dms(client_for(sb), 2 * limit.limit - 1, arrive) != []


def test_post_message_per_channel_limit_paced_by_limit_for(sandbox_clock: FakeClock) -> None:
    with SlackSandbox(enforce_rate_limits=True, time_scale=10.0, clock=sandbox_clock) as sb:
        client = client_for(sb)
        per_channel = sb.limit_for("chat.postMessage", channel="U02BEN")
        start = sandbox_clock.now
        for n in range(4 * per_channel.limit):
            sandbox_clock.now = start + n * per_channel.interval
            assert client.chat_postMessage(channel="U02BEN", text=f"tick {n}")["ok"]
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel="U02BEN", text="too soon")
        assert caught.value.response.status_code == 429


def test_real_time_token_bucket_at_exactly_the_allowed_rate_sees_no_429() -> None:
    # At 40x, Tier 3 allows 50 calls per 1.5 real seconds: one every 30 ms, 15 ms of grace.
    with SlackSandbox(enforce_rate_limits=True, time_scale=40.0) as sb:
        limit = sb.limit_for("conversations.open")
        bucket = TokenBucket(rate=limit.limit / limit.window, capacity=1)

        def pace(n: int) -> Any:
            bucket.take()

        retry_afters = open_dms(client_for(sb), limit.limit + limit.limit // 2, pace)
        assert retry_afters == [], f"{len(retry_afters)} call(s) refused at the allowed rate"
