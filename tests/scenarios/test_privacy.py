"""What people type never reaches the logs, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import CHATTY_LIBRARIES, configure_logging
from tests.scenarios.conftest import RunningBot
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program

SECRET_GOAL = "overcome-impostor-syndrome-7f3a"
SECRET_TAG = "whisper-tag-91c2"


@pytest.fixture
def debug_logging() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in (*CHATTY_LIBRARIES, "")}
    configure_logging(logging.DEBUG)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_profile_text_stays_out_of_the_logs_at_debug(
    bot: RunningBot, debug_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    create_program(bot, "Mentoring")
    devika = bot.person("U04DEV")
    join(devika, role="mentee", wants=SECRET_TAG, goals=SECRET_GOAL)
    devika.mentor("profile")
    assert SECRET_GOAL in devika.reply().blocks.__repr__()
    assert caplog.records, "the run logged nothing, so this test would prove nothing"
    assert SECRET_GOAL not in caplog.text
    assert SECRET_TAG not in caplog.text
    assert bot.sandbox.workspace.bot_token not in caplog.text
