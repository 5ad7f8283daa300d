"""Reading "2w", "10d" or "until 2026-12-24" into the instant a pause ends."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError

MAX_PAUSE = timedelta(days=366)
PAUSE_USAGE = (
    "`/mentor pause` (until you resume), `/mentor pause 2w`, `/mentor pause 10d` "
    "or `/mentor pause until 2026-12-24`"
)

_LENGTH = re.compile(r"(\d{1,3})\s*(d|day|days|w|wk|week|weeks)")


def pause_end(args: str, timezone: str, now: datetime) -> datetime | None:
    """When a pause asked for with ``args`` ends; ``None`` means "until resumed".

    A date means "back on that day": the pause lifts at the start of that day in the person's
    own time zone, so someone in Sydney and someone in Denver both return on their Monday.
    """
    text = args.strip().casefold()
    if not text:
        return None
    if match := _LENGTH.fullmatch(text):
        amount, unit = int(match.group(1)), match.group(2)
        length = timedelta(weeks=amount) if unit.startswith("w") else timedelta(days=amount)
        if length <= timedelta(0):
            raise UserFacingError(f"A pause needs a length of at least a day. Try {PAUSE_USAGE}.")
        if length > MAX_PAUSE:
            raise UserFacingError("A pause can last a year at most.")
        return now + length
    if text.startswith("until "):
        try:
            day = date.fromisoformat(text.removeprefix("until ").strip())
        except ValueError:
            raise UserFacingError(f"I couldn't read that date. Try {PAUSE_USAGE}.") from None
        ends = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(timezone))
        if ends <= now:
            raise UserFacingError("That date has passed; pick a day in the future.")
        if ends - now > MAX_PAUSE:
            raise UserFacingError("A pause can last a year at most.")
        return ends
    raise UserFacingError(f"I couldn't read “{args.strip()[:40]}”. Try {PAUSE_USAGE}.")
