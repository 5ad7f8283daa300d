"""/mentor help, unknown subcommands, signatures and event handling through the HTTP path."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from sandbox.workspace import SEED_ADMIN_ID
from tests.scenarios.conftest import RunningBot, texts

BEN = "U02BEN"


def test_help_lists_every_subcommand_from_the_routing_table(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    ben.mentor("help")
    shown = texts(ben.reply().blocks)
    for sub in bot.sprout.router.subcommands:
        assert f"`{sub.usage}` {sub.summary}" in shown


def test_an_empty_command_shows_help(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    ben.mentor("")
    assert "/mentor join [program]" in texts(ben.reply().blocks)


def test_an_unknown_subcommand_explains_and_shows_help(bot: RunningBot) -> None:
    ben = bot.person(BEN)
    ben.mentor("dance wildly")
    reply = ben.reply()
    shown = texts(reply.blocks)
    assert "I don't know `/mentor dance wildly`" in shown
    assert "/mentor profile" in shown
    assert reply.kind == "ephemeral"


def test_an_oversized_command_is_answered_not_crashed(bot: RunningBot) -> None:
    from tests.scenarios.test_programs import create_program

    create_program(bot, "Mentoring")
    ben = bot.person(BEN)
    ben.mentor("join " + "x" * 4000)
    reply = ben.reply()
    assert "don't know a program called “" + "x" * 59 + "…”" in reply.text
    assert len(reply.text) < 300


def test_subcommands_are_case_insensitive(bot: RunningBot) -> None:
    ada = bot.person(SEED_ADMIN_ID)
    ada.mentor("PROGRAM New")
    assert ada.modal()["title"]["text"] == "New program"


def slash_body(bot: RunningBot, text: str = "help") -> bytes:
    return urlencode(
        {
            "team_id": "T0SPROUT",
            "user_id": BEN,
            "command": "/mentor",
            "text": text,
            "response_url": bot.sandbox.new_response_url(BEN, "D0"),
            "trigger_id": bot.sandbox.issue_trigger_id(BEN),
        }
    ).encode()


def test_an_unsigned_request_gets_401(bot: RunningBot) -> None:
    response = bot.driver.post_raw(
        slash_body(bot), content_type="application/x-www-form-urlencoded", sign=False
    )
    assert response.status == 401


def test_a_tampered_request_gets_401(bot: RunningBot) -> None:
    body = slash_body(bot)
    timestamp = str(int(time.time()))
    signature = bot.driver.signature(timestamp, body)
    response = bot.driver.post_raw(
        body.replace(b"help", b"forget-me"),
        content_type="application/x-www-form-urlencoded",
        timestamp=timestamp,
        signature=signature,
    )
    assert response.status == 401


def test_a_six_minute_old_request_gets_401_even_when_correctly_signed(bot: RunningBot) -> None:
    body = slash_body(bot)
    old = str(int(time.time()) - 6 * 60)
    response = bot.driver.post_raw(
        body,
        content_type="application/x-www-form-urlencoded",
        timestamp=old,
        signature=bot.driver.signature(old, body),
    )
    assert response.status == 401


def test_a_retried_event_is_processed_once(bot: RunningBot) -> None:
    event = {"type": "app_home_opened", "user": BEN, "channel": "D0BEN", "tab": "home"}
    first = bot.driver.event(event, event_id="Ev0RETRY")
    retry = bot.driver.event(event, event_id="Ev0RETRY", retry_num=1, retry_reason="http_timeout")
    assert first.status == retry.status == 200
    bot.sandbox.wait_for("views.publish", lambda c: c.args.get("user_id") == BEN)
    time.sleep(0.3)  # give a wrongly processed retry the time to show up
    publishes = [c for c in bot.sandbox.calls_to("views.publish") if c.args.get("user_id") == BEN]
    assert len(publishes) == 1


def test_a_direct_message_gets_a_pointer_to_the_command(bot: RunningBot) -> None:
    bot.driver.dm(BEN, "hello?")
    reply = bot.sandbox.wait_for_message(BEN, lambda m: "/mentor help" in m.text)
    assert reply.kind == "dm"


@pytest.mark.parametrize("payload", [b"payload=not-json", b"payload=" + b"%7B" * 3])
def test_garbage_interactivity_payloads_get_400_without_a_traceback(
    bot: RunningBot, payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    response = bot.driver.post_raw(payload, content_type="application/x-www-form-urlencoded")
    assert response.status == 400
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("text", ["profile please", "help me", "forget-me now", "programs all"])
def test_arguments_a_subcommand_does_not_take_are_explained_with_help(
    bot: RunningBot, text: str
) -> None:
    ben = bot.person(BEN)
    ben.mentor(text)
    reply = ben.reply()
    assert "takes nothing after it" in reply.text
    assert "/mentor join [program]" in texts(reply.blocks)


def test_an_unknown_program_name_is_explained_with_help(bot: RunningBot) -> None:
    from tests.scenarios.test_programs import create_program

    create_program(bot, "Mentoring")
    ben = bot.person(BEN)
    ben.mentor("join underwater basket weaving")
    reply = ben.reply()
    assert "don't know a program called “underwater basket weaving”" in reply.text
    assert "/mentor profile" in texts(reply.blocks)


def test_a_submission_for_a_deleted_program_is_an_inline_error(bot: RunningBot) -> None:
    from tests.scenarios.test_programs import create_program

    create_program(bot, "Mentoring")
    ben = bot.person(BEN)
    ben.mentor("join")
    view = ben.modal()
    with bot.sprout.services.db.session() as session:
        from models import Program

        session.query(Program).delete()
    response = ben.submit(role="mentee")
    assert response.json is not None
    assert response.json["errors"] == {"offers": "That program no longer exists."}
    assert view["id"]


def test_health_check(bot: RunningBot) -> None:
    import urllib.request

    health = bot.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(health, timeout=5) as response:
        assert response.read() == b"ok"
