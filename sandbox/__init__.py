"""A local stand-in for Slack: a seeded workspace, its Web API, and a driver for the bot.

Tests point the bot's ``WebClient`` at :class:`SlackSandbox` and use :class:`SlackDriver`
to act as people in the workspace; the try-it page will use the same pieces so people
can use Sprout without a Slack account.
"""

from sandbox.driver import DriverResponse, SlackDriver
from sandbox.web_api import (
    ApiError,
    Message,
    RateLimit,
    RecordedCall,
    SandboxError,
    SlackSandbox,
)
from sandbox.workspace import SEED_ADMIN_ID, Channel, User, Workspace, seeded_workspace

__all__ = [
    "SEED_ADMIN_ID",
    "ApiError",
    "Channel",
    "DriverResponse",
    "Message",
    "RateLimit",
    "RecordedCall",
    "SandboxError",
    "SlackDriver",
    "SlackSandbox",
    "User",
    "Workspace",
    "seeded_workspace",
]
