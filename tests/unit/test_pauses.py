from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserFacingError
from bot.membership.pauses import pause_end

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def test_no_argument_pauses_until_resumed() -> None:
    assert pause_end("", "Europe/Berlin", NOW) is None


@pytest.mark.parametrize(
    ("text", "length"),
    [("2w", timedelta(weeks=2)), ("10d", timedelta(days=10)), ("3 weeks", timedelta(weeks=3))],
)
def test_lengths(text: str, length: timedelta) -> None:
    assert pause_end(text, "UTC", NOW) == NOW + length


def test_until_a_date_ends_at_local_midnight() -> None:
    ends = pause_end("until 2026-12-07", "Australia/Sydney", NOW)
    assert ends == datetime(2026, 12, 6, 13, 0, tzinfo=UTC)  # 00:00 AEDT is 13:00 UTC


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("until 2026-11-01", "passed"),
        ("until tomorrow", "couldn't read that date"),
        ("60w", "a year at most"),
        ("0d", "at least a day"),
        ("forever", "couldn't read"),
    ],
)
def test_unreadable_or_impossible_pauses_explain_themselves(text: str, says: str) -> None:
    with pytest.raises(UserFacingError, match=says):
        pause_end(text, "UTC", NOW)
