"""The App Home tab."""

from bot.home.messages import (
    EDIT_PROFILE,
    JOIN,
    LEAVE,
    PAUSE,
    PROGRAM_EDIT,
    PROGRAM_NEW,
    RESUME,
    home_view,
)
from bot.home.service import HomeService

__all__ = [
    "EDIT_PROFILE",
    "JOIN",
    "LEAVE",
    "PAUSE",
    "PROGRAM_EDIT",
    "PROGRAM_NEW",
    "RESUME",
    "HomeService",
    "home_view",
]
