"""The Web API client, pointed at Slack or at any server that speaks its API."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings


def make_web_client(settings: Settings) -> WebClient:
    """A client that waits out 429s (honouring Retry-After) and retries transient failures.

    ``SLACK_API_URL`` lets the same code run against a proxy or the local sandbox unchanged.
    """
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def sending_client(client: WebClient) -> WebClient:
    """The same client for the outbox, which retries nothing: every call is one request.

    A dropped connection or a 5xx may mean "done, answer lost", and retrying chat.postMessage
    then would send a second copy; the outbox settles those itself. Nor does it wait out a
    429 inside a call: the outbox backs off its pacer and reschedules the message itself, so
    a post is in flight for at most one request's timeout, which the outbox's in-doubt
    threshold (``IN_DOUBT_AFTER`` in bot/slack/delivery.py) relies on.
    """
    # An empty list, not None: None would give slack_sdk's default connection-error retry.
    return WebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[]
    )
