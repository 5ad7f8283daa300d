"""The driver speaks Slack's request format to a real Bolt app served over HTTP.

The app below is deliberately tiny; it exists to prove that what the driver sends passes
Bolt's own signature verification and payload parsing, and that the sandbox reflects
what a person would see afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltResponse, Respond, Say
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from sandbox import DriverResponse, Message, SlackDriver, SlackSandbox

SECRET = "sandbox-signing-secret"
BEN, CAMILA = "U02BEN", "U03CAM"

LEVELS = [
    {"text": {"type": "plain_text", "text": "Beginner"}, "value": "beginner"},
    {"text": {"type": "plain_text", "text": "Expert"}, "value": "expert"},
]
TOPICS = [
    {"text": {"type": "plain_text", "text": "Career"}, "value": "career"},
    {"text": {"type": "plain_text", "text": "Code review"}, "value": "code"},
]


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def text_input(block_id: str, label: str, *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {"type": "plain_text_input", "action_id": "value"},
    }


PROFILE_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "profile",
    "private_metadata": "program-7",
    "notify_on_close": True,
    "title": {"type": "plain_text", "text": "Your profile"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        text_input("goal", "What do you want to learn?"),
        {
            "type": "input",
            "block_id": "level",
            "label": {"type": "plain_text", "text": "Level"},
            "element": {"type": "static_select", "action_id": "pick", "options": LEVELS},
        },
        {
            "type": "input",
            "block_id": "topics",
            "optional": True,
            "label": {"type": "plain_text", "text": "Topics"},
            "element": {"type": "checkboxes", "action_id": "pick", "options": TOPICS},
        },
        {
            "type": "input",
            "block_id": "buddy",
            "label": {"type": "plain_text", "text": "Buddy"},
            "element": {"type": "users_select", "action_id": "pick", "initial_user": CAMILA},
        },
        text_input("note", "Anything else?", optional=True),
    ],
}
WIZARD_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "wizard",
    "title": {"type": "plain_text", "text": "Step 1"},
    "submit": {"type": "plain_text", "text": "Next"},
    "blocks": [text_input("name", "Name")],
}
INVITE_BLOCKS = [
    section("You have a new mentoring match!"),
    {
        "type": "actions",
        "block_id": "invite",
        "elements": [
            {
                "type": "button",
                "action_id": "accept_match",
                "value": "match-1",
                "text": {"type": "plain_text", "text": "Accept"},
            },
            {
                "type": "button",
                "action_id": "decline_match",
                "value": "match-1",
                "text": {"type": "plain_text", "text": "Decline"},
            },
        ],
    },
    {
        "type": "actions",
        "block_id": "slots",
        "elements": [
            {
                "type": "static_select",
                "action_id": "pick_slot",
                "options": [
                    {"text": {"type": "plain_text", "text": "Tuesday"}, "value": "tue"},
                    {"text": {"type": "plain_text", "text": "Friday"}, "value": "fri"},
                ],
            }
        ],
    },
]
HOME_VIEW: dict[str, Any] = {
    "type": "home",
    "blocks": [
        section("Welcome home"),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "open_profile",
                    "text": {"type": "plain_text", "text": "Edit profile"},
                }
            ],
        },
    ],
}


@dataclass
class Seen:
    """What the app under test received, for asserting on payload shapes."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)

    def last(self, kind: str) -> dict[str, Any]:
        return [b for b in self.bodies if b.get("type") == kind][-1]

    def last_command(self) -> dict[str, Any]:
        return [b for b in self.bodies if "command" in b][-1]


def build_app(client: WebClient, seen: Seen) -> App:
    app = App(signing_secret=SECRET, client=client)

    @app.middleware
    def record(body: dict[str, Any], req: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        seen.bodies.append(body)
        seen.headers.append(dict(req.headers))
        return next()

    @app.command("/mentor")
    def mentor(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = body["text"]
        if text == "quick":
            ack(text="Quick answer")
            return
        ack()
        if text in ("profile", "wizard"):
            view = PROFILE_VIEW if text == "profile" else WIZARD_VIEW
            client.views_open(trigger_id=body["trigger_id"], view=view)
        else:
            client.chat_postMessage(channel=body["user_id"], text="New match", blocks=INVITE_BLOCKS)

    @app.action(re.compile(r"(accept|decline)_match"))
    def answer(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = body["actions"][0]
        respond(text=f"{action['action_id']} {action['value']}", replace_original=True)

    @app.action("pick_slot")
    def pick_slot(ack: Ack) -> None:
        ack()

    @app.action("open_profile")
    def open_profile(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=PROFILE_VIEW)

    @app.view("profile")
    def save_profile(
        ack: Ack, view: dict[str, Any], body: dict[str, Any], client: WebClient
    ) -> None:
        values = view["state"]["values"]
        goal = values["goal"]["value"]["value"]
        if len(goal) < 5:
            ack(response_action="errors", errors={"goal": "Tell us a bit more"})
            return
        ack()
        level = values["level"]["pick"]["selected_option"]["value"]
        client.chat_postMessage(channel=body["user"]["id"], text=f"Saved: {goal} ({level})")

    @app.view("wizard")
    def wizard(ack: Ack) -> None:
        ack(
            response_action="update",
            view={
                **WIZARD_VIEW,
                "callback_id": "wizard2",
                "title": {"type": "plain_text", "text": "Step 2"},
            },
        )

    @app.view_closed("profile")
    def closed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="Maybe later then")

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view=HOME_VIEW)

    @app.event("app_mention")
    def mentioned(event: dict[str, Any]) -> None:
        pass

    @app.event("message")
    def echo(event: dict[str, Any], say: Say) -> None:
        say(f"echo: {event['text']}")

    return app


@dataclass
class Bot:
    driver: SlackDriver
    seen: Seen
    sandbox: SlackSandbox


@pytest.fixture
def bot(sandbox: SlackSandbox, serve_wsgi: Callable[[Any], str]) -> Iterator[Bot]:
    seen = Seen()
    client = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.api_url)
    app = build_app(client, seen)
    base = serve_wsgi(SlackRequestHandler(app))
    yield Bot(SlackDriver(sandbox, f"{base}/slack/events", SECRET), seen, sandbox)


def invite_for(bot: Bot, user_id: str) -> Message:
    bot.driver.command(user_id, "")
    return bot.sandbox.wait_for_message(user_id, lambda m: m.text == "New match")


# -- signing -----------------------------------------------------------------------


def test_signature_is_slacks_v0_hmac(bot: Bot) -> None:
    body = b"token=x&text=hello"
    expected = hmac.new(SECRET.encode(), b"v0:1700000000:" + body, hashlib.sha256).hexdigest()
    assert bot.driver.signature("1700000000", body) == f"v0={expected}"


def test_bolt_rejects_unsigned_tampered_and_stale_requests(bot: Bot) -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}}).encode()
    unsigned = bot.driver.post_raw(body, content_type="application/json", sign=False)
    tampered = bot.driver.post_raw(
        body, content_type="application/json", signature="v0=" + "0" * 64
    )
    stale = bot.driver.post_raw(
        body, content_type="application/json", timestamp=str(int(time.time()) - 600)
    )
    assert [unsigned.status, tampered.status, stale.status] == [401, 401, 401]
    assert bot.seen.bodies == []


# -- commands and clicks ---------------------------------------------------------


def test_command_is_form_encoded_with_trigger_and_response_url(bot: Bot) -> None:
    response = bot.driver.command(BEN, "quick")
    assert response.status == 200
    [ack] = bot.sandbox.inbox(BEN)
    assert (ack.kind, ack.via, ack.text, ack.recipient) == ("ephemeral", "ack", "Quick answer", BEN)
    body = bot.seen.bodies[-1]
    assert body["command"] == "/mentor" and body["user_id"] == BEN and body["user_name"] == "ben"
    assert body["team_id"] == "T0SPROUT" and body["api_app_id"] == "A0SPROUT"
    assert body["channel_id"] == "D02BEN" and body["channel_name"] == "directmessage"
    assert body["response_url"].startswith(bot.sandbox.base_url + "/response/")
    assert body["trigger_id"]


def test_command_text_is_escaped_but_mentions_arrive_as_slack_encodes_them(bot: Bot) -> None:
    bot.sandbox.workspace.add_channel("G0SECRET", "secret", [BEN], is_private=True)
    bot.driver.command(
        BEN,
        "pair <@U03CAM> & <@U04DEV|dev> in <#C0GENERAL>, <#G0SECRET> or <#C0MENTORS|circle>"
        " if a<b>c &lt; <@u02ben> <#general>",
    )
    assert bot.seen.last_command()["text"] == (
        "pair <@U03CAM|camila> &amp; <@U04DEV|dev> in <#C0GENERAL|general>, <#G0SECRET|>"
        " or <#C0MENTORS|circle> if a&lt;b&gt;c &amp;lt; &lt;@u02ben&gt; &lt;#general&gt;"
    )
    with pytest.raises(KeyError, match="U404"):
        bot.driver.command(BEN, "pair <@U404>")


def test_command_mentions_stay_plain_text_without_should_escape(bot: Bot) -> None:
    driver = SlackDriver(bot.sandbox, bot.driver.bot_url, SECRET, should_escape=False)
    driver.command(BEN, "pair <@U03CAM> in <#C0MENTORS> & <soon>")
    assert bot.seen.last_command()["text"] == "pair @camila in #mentoring-circle &amp; &lt;soon&gt;"


def test_click_posts_block_actions_and_respond_replaces_the_message(bot: Bot) -> None:
    invite = invite_for(bot, BEN)
    response = bot.driver.click(BEN, "decline_match", source=invite, value="match-1")
    assert response.status == 200
    payload = bot.seen.last("block_actions")
    assert payload["container"] == {
        "type": "message",
        "message_ts": invite.ts,
        "channel_id": invite.channel,
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == invite.ts and payload["channel"]["id"] == invite.channel
    [action] = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "decline_match",
        "invite",
        "match-1",
        "button",
    )
    assert payload["trigger_id"] and payload["response_url"]
    bot.sandbox.wait_for("response_url")
    [replaced] = bot.sandbox.messages_in(invite.channel)
    assert (replaced.ts, replaced.text) == (invite.ts, "decline_match match-1")


def test_choosing_from_a_select_reports_the_option_and_the_state(bot: Bot) -> None:
    invite = invite_for(bot, BEN)
    assert bot.driver.click(BEN, "pick_slot", source=invite, value="fri").status == 200
    payload = bot.seen.last("block_actions")
    [action] = payload["actions"]
    assert action["type"] == "static_select" and action["selected_option"]["value"] == "fri"
    assert payload["state"]["values"]["slots"]["pick_slot"]["selected_option"]["value"] == "fri"
    with pytest.raises(ValueError, match="needs a value"):
        bot.driver.click(BEN, "pick_slot", source=invite)


def test_click_refuses_elements_the_person_cannot_see(bot: Bot) -> None:
    invite = invite_for(bot, BEN)
    with pytest.raises(LookupError, match="accept_match='match-1'"):
        bot.driver.click(BEN, "accept_match", source=invite, value="match-2")
    bot.sandbox.deliver_ack(BEN, invite.channel, {"text": "just for Ben", "blocks": INVITE_BLOCKS})
    private = bot.sandbox.inbox(BEN)[-1]
    assert private.kind == "ephemeral"
    with pytest.raises(LookupError, match="cannot see"):
        bot.driver.click(CAMILA, "accept_match", source=private)


# -- modals ------------------------------------------------------------------------


def open_profile(bot: Bot, user_id: str) -> dict[str, Any]:
    bot.driver.command(user_id, "profile")
    bot.sandbox.wait_for("views.open")
    modal = bot.sandbox.modal_of(user_id)
    assert modal is not None
    return modal


def test_submission_with_inline_errors_keeps_the_modal_open(bot: Bot) -> None:
    modal = open_profile(bot, BEN)
    response = bot.driver.submit(BEN, modal["id"], {"goal": "Go", "level": "expert"})
    assert response.status == 200
    assert response.json == {"response_action": "errors", "errors": {"goal": "Tell us a bit more"}}
    assert bot.sandbox.modal_of(BEN)["id"] == modal["id"]  # type: ignore[index]


def test_submission_state_follows_slacks_shapes_and_closes_the_modal(bot: Bot) -> None:
    modal = open_profile(bot, BEN)
    values = {"goal": "Learn Rust", "level": "expert", "topics": ["career", "code"]}
    assert bot.driver.submit(BEN, modal["id"], values).status == 200
    submitted = bot.seen.last("view_submission")["view"]
    state = submitted["state"]["values"]
    assert state["goal"]["value"] == {"type": "plain_text_input", "value": "Learn Rust"}
    assert state["level"]["pick"]["selected_option"] == LEVELS[1]
    assert state["topics"]["pick"]["selected_options"] == TOPICS
    assert state["buddy"]["pick"] == {"type": "users_select", "selected_user": CAMILA}
    assert state["note"]["value"] == {"type": "plain_text_input", "value": None}
    assert (submitted["callback_id"], submitted["private_metadata"]) == ("profile", "program-7")
    assert submitted["id"] == modal["id"] and submitted["hash"] == modal["hash"]
    assert bot.sandbox.modal_of(BEN) is None
    saved = bot.sandbox.wait_for_message(BEN, lambda m: m.text.startswith("Saved"))
    assert saved.text == "Saved: Learn Rust (expert)"


def test_submit_refuses_what_slacks_client_would_not_send(bot: Bot) -> None:
    modal = open_profile(bot, BEN)
    with pytest.raises(ValueError, match="required input 'goal'"):
        bot.driver.submit(BEN, modal["id"], {"level": "expert"})
    with pytest.raises(ValueError, match="not an option"):
        bot.driver.submit(BEN, modal["id"], {"goal": "Learn", "level": "wizard"})
    with pytest.raises(KeyError, match="nope"):
        bot.driver.submit(BEN, modal["id"], {"goal": "Learn", "level": "expert", "nope": 1})
    with pytest.raises(LookupError):
        bot.driver.submit(CAMILA, modal["id"], {})


def test_response_action_update_replaces_the_view_in_place(bot: Bot) -> None:
    bot.driver.command(BEN, "wizard")
    bot.sandbox.wait_for("views.open")
    step1 = bot.sandbox.modal_of(BEN)
    assert step1 is not None
    bot.driver.submit(BEN, step1["id"], {"name": "Ben"})
    step2 = bot.sandbox.modal_of(BEN)
    assert step2 is not None and step2["id"] == step1["id"]
    assert step2["title"]["text"] == "Step 2" and step2["hash"] != step1["hash"]


def test_close_notifies_only_when_asked(bot: Bot) -> None:
    modal = open_profile(bot, BEN)
    response = bot.driver.close(BEN, modal["id"])
    assert isinstance(response, DriverResponse) and response.status == 200
    assert bot.seen.last("view_closed")["view"]["id"] == modal["id"]
    assert bot.sandbox.modal_of(BEN) is None
    bot.sandbox.wait_for_message(BEN, lambda m: m.text == "Maybe later then")
    bot.driver.command(BEN, "wizard")
    bot.sandbox.wait_for("views.open", count=2)
    wizard = bot.sandbox.modal_of(BEN)
    assert wizard is not None and bot.driver.close(BEN, wizard["id"]) is None


# -- events --------------------------------------------------------------------------


def test_home_tab_and_clicks_from_a_view(bot: Bot) -> None:
    assert bot.driver.open_home(BEN).status == 200
    bot.sandbox.wait_for("views.publish")
    home = bot.sandbox.home_of(BEN)
    assert home is not None
    event = bot.seen.last("event_callback")
    assert event["event"]["type"] == "app_home_opened" and event["event"]["tab"] == "home"
    assert event["authorizations"][0]["user_id"] == "U0SPROUT"
    bot.driver.click(BEN, "open_profile", source=home)
    payload = bot.seen.last("block_actions")
    assert payload["container"] == {"type": "view", "view_id": home["id"]}
    assert "response_url" not in payload and payload["view"]["id"] == home["id"]
    bot.sandbox.wait_for("views.open")
    assert bot.sandbox.modal_of(BEN)["callback_id"] == "profile"  # type: ignore[index]


def test_dm_sends_message_im_and_the_reply_arrives(bot: Bot) -> None:
    assert bot.driver.dm(BEN, "hello there").status == 200
    reply = bot.sandbox.wait_for_message(BEN, lambda m: m.text.startswith("echo"))
    assert reply.text == "echo: hello there" and reply.channel == "D02BEN"
    event = bot.seen.last("event_callback")["event"]
    assert (event["channel_type"], event["user"], event["channel"]) == ("im", BEN, "D02BEN")
    history = bot.sandbox.messages_in("D02BEN")
    assert [(m.user, m.via) for m in history] == [(BEN, "client"), ("U0SPROUT", "api")]
    assert [m.text for m in bot.sandbox.inbox(BEN)] == ["echo: hello there"]


def test_event_envelope_and_retry_headers(bot: Bot) -> None:
    event = {"type": "app_mention", "user": BEN, "text": "hi", "channel": "C0GENERAL"}
    response = bot.driver.event(event, event_id="Ev0TEST", retry_num=1)
    assert response.status == 200
    envelope = bot.seen.last("event_callback")
    assert (envelope["event_id"], envelope["team_id"], envelope["api_app_id"]) == (
        "Ev0TEST",
        "T0SPROUT",
        "A0SPROUT",
    )
    headers = bot.seen.headers[-1]
    assert headers["x-slack-retry-num"] == ["1"]
    assert headers["x-slack-retry-reason"] == ["http_timeout"]
