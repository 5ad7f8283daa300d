"""What people type never reaches the logs, even at DEBUG."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from bot.logs import QUIET_LIBRARIES, configure_logging
from tests.scenarios.conftest import RunningBot
from tests.scenarios.test_membership import join
from tests.scenarios.test_programs import create_program

SECRET_GOAL = "overcome-impostor-syndrome-7f3a"
SECRET_TAG = "whisper-tag-91c2"


@pytest.fixture
def debug_logging() -> Iterator[None]:
    """LOG_LEVEL=DEBUG, set before the bot is built, as app.py does."""
    levels = {name: logging.getLogger(name).level for name in (*QUIET_LIBRARIES, "")}
    logging.getLogger().setLevel(logging.DEBUG)
    configure_logging(logging.DEBUG)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_profile_text_stays_out_of_the_logs_at_debug(
    debug_logging: None, bot: RunningBot, caplog: pytest.LogCaptureFixture
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


def test_a_rejected_request_is_not_logged_with_its_body(
    debug_logging: None, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = urlencode({"payload": json.dumps({"type": "view_submission", "goals": SECRET_GOAL})})
    old = str(int(time.time()) - 600)
    for signature in ("v0=forged", bot.driver.signature(old, body.encode())):
        response = bot.driver.post_raw(
            body.encode(),
            content_type="application/x-www-form-urlencoded",
            timestamp=old,
            signature=signature,
        )
        assert response.status == 401
    unsigned = bot.driver.post_raw(
        body.encode(), content_type="application/x-www-form-urlencoded", sign=False
    )
    assert unsigned.status == 401
    assert SECRET_GOAL not in caplog.text


def test_an_unreadable_body_gets_400_and_is_not_logged(
    debug_logging: None, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = bot.driver.post_raw(
        f"payload={SECRET_GOAL}-not-json".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status == 400
    assert SECRET_GOAL not in caplog.text
    assert "Traceback" not in caplog.text
