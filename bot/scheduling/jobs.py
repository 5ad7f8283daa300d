"""Job functions: module-level so the persistent job store can name them, idempotent so a
re-run after a crash or a misfire does no harm, and given only ids so they read fresh state.
"""

from __future__ import annotations

import logging

from bot.services import Services

log = logging.getLogger(__name__)

_services: Services | None = None


def bind(services: Services) -> None:
    """Give job functions the process's services; called by the scheduler before it starts."""
    global _services
    _services = services


def services() -> Services:
    if _services is None:
        raise RuntimeError("scheduled jobs ran before the scheduler was bound to services")
    return _services


def prune_processed_events() -> None:
    """Forget event ids older than Slack's retry window, so the table stays small."""
    removed = services().events.prune()
    log.info("pruned %d processed event ids", removed)
