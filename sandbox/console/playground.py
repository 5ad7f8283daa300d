"""What the try-it console needs from whoever runs the bot beside the sandbox.

The console only shows and drives; it never starts the bot, owns its clock or runs its
scheduler. Keeping that behind this protocol lets the local runner and the tests each hand
it a bot wired their own way.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sandbox.driver import SlackDriver
from sandbox.web_api import SlackSandbox


class Playground(Protocol):
    """A running bot in a sandbox workspace, with a clock the visitor may move forward."""

    @property
    def sandbox(self) -> SlackSandbox: ...

    @property
    def driver(self) -> SlackDriver: ...

    def now(self) -> datetime:
        """The bot's clock, UTC-aware: rounds and check-ins happen on this time."""
        ...

    def advance(self, delta: timedelta) -> list[str]:
        """Move the clock forward and run what fell due; short descriptions of what ran."""
        ...

    def advance_to_next_round(self) -> list[str]:
        """Move the clock to the next scheduled round and run it."""
        ...

    def settle(self, timeout: float = 5.0) -> None:
        """Wait (best effort) until the bot has sent what is due, so a refresh shows it."""
        ...
