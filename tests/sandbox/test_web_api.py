"""The sandbox answers a real slack_sdk WebClient the way Slack does."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from sandbox import SEED_ADMIN_ID, SandboxError, SlackSandbox, seeded_workspace
from sandbox.workspace import (
    DEACTIVATED_USER_ID,
    GENERAL_CHANNEL_ID,
    MENTORING_CHANNEL_ID,
    OTHER_BOT_USER_ID,
)
from tests.sandbox.conftest import FakeClock

BEN, CAMILA, DEVIKA = "U02BEN", "U03CAM", "U04DEV"


def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def error_of(call: Any) -> str:
    return str(api_error(call).response["error"])


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(title: str = "Profile", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section("Tell us about yourself")],
        **extra,
    }


# -- the seeded workspace ---------------------------------------------------


def test_seeded_workspace_has_the_people_tests_rely_on() -> None:
    ws = seeded_workspace()
    users = list(ws.users.values())
    assert users[0].id == SEED_ADMIN_ID and users[0].is_admin
    assert [u.id for u in users if u.is_admin] == [SEED_ADMIN_ID]
    assert all(re.fullmatch(r"U[A-Z0-9]+", u.id) for u in users)
    assert [u.id for u in users if u.deleted] == [DEACTIVATED_USER_ID]
    assert OTHER_BOT_USER_ID in {u.id for u in users if u.is_bot and u.id != ws.bot_user_id}
    assert ws.user(ws.bot_user_id).is_bot
    assert len(ws.people) == 12
    assert len({u.tz.split("/")[0] for u in ws.people}) >= 5  # continents
    general = ws.channel(GENERAL_CHANNEL_ID).members
    assert set(general) == {u.id for u in users if not u.deleted and u.id != "USLACKBOT"}
    assert 4 <= len(ws.channel(MENTORING_CHANNEL_ID).members) <= 9
    assert ws.bot_token == "xoxb-sandbox-token" and ws.team_id == "T0SPROUT"


def test_seeded_workspaces_are_independent() -> None:
    first = seeded_workspace()
    first.add_user("U99NEW", "newbie", "New Person", "Europe/Paris", channels=(GENERAL_CHANNEL_ID,))
    assert "U99NEW" not in seeded_workspace().users


# -- auth and transport ---------------------------------------------------------


def test_auth_test_identifies_the_app_bot(slack: WebClient, sandbox: SlackSandbox) -> None:
    reply = slack.auth_test()
    assert reply["user_id"] == sandbox.workspace.bot_user_id
    assert reply["team_id"] == "T0SPROUT" and reply["bot_id"] == sandbox.workspace.bot_id


def test_missing_and_wrong_tokens_are_refused(sandbox: SlackSandbox) -> None:
    assert error_of(WebClient(base_url=sandbox.api_url).auth_test) == "not_authed"
    wrong = WebClient(token="xoxb-wrong", base_url=sandbox.api_url)
    assert error_of(wrong.auth_test) == "invalid_auth"
    assert [c.error for c in sandbox.calls] == ["not_authed", "invalid_auth"]


def test_unknown_method(slack: WebClient) -> None:
    assert error_of(lambda: slack.api_call("chat.teleport")) == "unknown_method"


def test_form_bodies_with_token_field_and_json_strings(sandbox: SlackSandbox) -> None:
    form = (
        f"token={sandbox.workspace.bot_token}&channel={BEN}"
        "&blocks=" + urllib.parse.quote(json.dumps([section("form *blocks*")]))
    ).encode()
    request = urllib.request.Request(
        sandbox.api_url + "chat.postMessage",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        body = json.loads(reply.read())
    assert body["ok"] and body["channel"] == "D02BEN"
    call = sandbox.calls_to("chat.postMessage")[0]
    assert "token" not in call.args
    assert call.args["blocks"][0]["text"]["text"] == "form *blocks*"


# -- users -------------------------------------------------------------------


def test_users_info_serves_timezone_and_roles(slack: WebClient) -> None:
    user = slack.users_info(user=SEED_ADMIN_ID)["user"]
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-18000, -14400)
    assert user["tz_label"] in ("EST", "EDT")
    assert user["is_admin"] and not user["is_bot"] and not user["deleted"]
    assert user["profile"]["real_name"] == "Ada Whitfield"
    assert user["profile"]["display_name"] == "ada"
    singapore = slack.users_info(user="U09ISA")["user"]
    assert (singapore["tz_offset"], singapore["tz_label"]) == (28800, "GMT+08:00")
    assert slack.users_info(user=DEACTIVATED_USER_ID)["user"]["deleted"] is True
    assert slack.users_info(user=OTHER_BOT_USER_ID)["user"]["is_bot"] is True


def test_users_info_unknown_user(slack: WebClient) -> None:
    assert error_of(lambda: slack.users_info(user="U404")) == "user_not_found"


def test_users_list_paginates_with_cursors(slack: WebClient, sandbox: SlackSandbox) -> None:
    pages = [page["members"] for page in slack.users_list(limit=4)]
    assert [len(p) for p in pages][:-1] == [4] * (len(pages) - 1)
    assert [m["id"] for p in pages for m in p] == list(sandbox.workspace.users)
    everything = slack.users_list()["members"]
    assert len(everything) == len(sandbox.workspace.users)
    assert error_of(lambda: slack.users_list(cursor="bm9wZQ==")) == "invalid_cursor"


# -- conversations -----------------------------------------------------------


def test_conversations_open_returns_stable_ids(slack: WebClient) -> None:
    dm = slack.conversations_open(users=BEN)["channel"]["id"]
    assert re.fullmatch(r"D[A-Z0-9]+", dm)
    again = slack.conversations_open(users=[BEN])
    assert again["channel"]["id"] == dm and again["already_open"] is True
    group = slack.conversations_open(users=[BEN, CAMILA, DEVIKA])["channel"]["id"]
    assert re.fullmatch(r"G[A-Z0-9]+", group)
    assert slack.conversations_open(users=f"{DEVIKA},{BEN},{CAMILA}")["channel"]["id"] == group
    assert slack.conversations_open(users=[BEN, CAMILA])["channel"]["id"] != group


def test_conversations_open_limits_and_bad_users(slack: WebClient, sandbox: SlackSandbox) -> None:
    people = [u.id for u in sandbox.workspace.people]
    assert slack.conversations_open(users=people[:8])["channel"]["id"].startswith("G")
    assert error_of(lambda: slack.conversations_open(users=people[:9])) == "too_many_users"
    assert error_of(lambda: slack.conversations_open(users="")) == "not_enough_users"
    assert error_of(lambda: slack.conversations_open(users=[BEN, "U404"])) == "user_not_found"
    disabled = error_of(lambda: slack.conversations_open(users=DEACTIVATED_USER_ID))
    assert disabled == "user_disabled"


def test_conversations_members_paginates(slack: WebClient, sandbox: SlackSandbox) -> None:
    members = [
        m
        for page in slack.conversations_members(channel=GENERAL_CHANNEL_ID, limit=5)
        for m in page["members"]
    ]
    assert members == sandbox.workspace.channel(GENERAL_CHANNEL_ID).members
    group = slack.conversations_open(users=[BEN, CAMILA])["channel"]["id"]
    group_members = slack.conversations_members(channel=group)["members"]
    assert set(group_members) == {BEN, CAMILA, sandbox.workspace.bot_user_id}
    assert error_of(lambda: slack.conversations_members(channel="C404")) == "channel_not_found"


# -- messages --------------------------------------------------------------------


def test_post_to_a_user_id_lands_in_their_dm(slack: WebClient, sandbox: SlackSandbox) -> None:
    reply = slack.chat_postMessage(channel=BEN, text="Welcome to Sprout!")
    dm = slack.conversations_open(users=BEN)["channel"]["id"]
    assert reply["channel"] == dm and reply["message"]["text"] == "Welcome to Sprout!"
    [message] = sandbox.inbox(BEN)
    assert (message.kind, message.channel, message.ts, message.via) == (
        "dm",
        dm,
        reply["ts"],
        "api",
    )
    assert message.user == sandbox.workspace.bot_user_id
    assert sandbox.inbox(CAMILA) == []
    assert sandbox.messages_in(dm) == [message]


def test_group_dm_is_seen_by_every_member(slack: WebClient, sandbox: SlackSandbox) -> None:
    group = slack.conversations_open(users=[BEN, CAMILA])["channel"]["id"]
    slack.chat_postMessage(channel=group, text="Meet your mentor!")
    assert [m.kind for m in sandbox.inbox(BEN)] == ["group_dm"]
    assert [m.text for m in sandbox.inbox(CAMILA)] == ["Meet your mentor!"]
    assert sandbox.inbox(DEVIKA) == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
def test_post_message_errors(slack: WebClient) -> None:
    assert error_of(lambda: slack.chat_postMessage(channel="C404", text="x")) == "channel_not_found"
    assert error_of(lambda: slack.chat_postMessage(channel=BEN)) == "no_text"
    # Slack delivers to a deactivated person's DM without complaint.
    assert slack.chat_postMessage(channel=DEACTIVATED_USER_ID, text="hello?")["ok"]


@pytest.mark.parametrize(
    ("blocks", "reason"),
    [
        ([{"type": "divider"}] * 51, "no more than 50 items"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "x" * 76},
                            "action_id": "go",
                        }
                    ],
                }
            ],
            "cannot exceed 75 characters",
        ),
        ([section("x" * 3001)], "cannot exceed 3000 characters"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "150"),
        ([{"type": "mystery"}], "unsupported type"),
        ([{**section("a"), "block_id": "b"}, {**section("b"), "block_id": "b"}], "duplicate"),
    ],
)
def test_invalid_blocks_are_rejected_with_reasons(
    slack: WebClient, blocks: list[dict[str, Any]], reason: str
) -> None:
    error = api_error(lambda: slack.chat_postMessage(channel=BEN, text="t", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    messages = error.response["response_metadata"]["messages"]
    assert any(reason in m and "json-pointer:/blocks" in m for m in messages), messages


def test_fifty_blocks_are_fine(slack: WebClient) -> None:
    assert slack.chat_postMessage(channel=BEN, text="t", blocks=[{"type": "divider"}] * 50)["ok"]


def test_ephemeral_needs_membership(slack: WebClient, sandbox: SlackSandbox) -> None:
    reply = slack.chat_postEphemeral(channel=MENTORING_CHANNEL_ID, user=CAMILA, text="psst")
    [message] = sandbox.inbox(CAMILA)
    assert (message.kind, message.ts, message.recipient) == (
        "ephemeral",
        reply["message_ts"],
        CAMILA,
    )
    assert sandbox.inbox(DEVIKA) == [] and sandbox.messages_in(MENTORING_CHANNEL_ID) == []
    not_member = error_of(
        lambda: slack.chat_postEphemeral(channel=MENTORING_CHANNEL_ID, user=BEN, text="psst")
    )
    assert not_member == "user_not_in_channel"


def test_chat_update_edits_only_the_bots_messages(slack: WebClient, sandbox: SlackSandbox) -> None:
    posted = slack.chat_postMessage(channel=BEN, text="Pairing soon")
    dm = posted["channel"]
    updated = slack.chat_update(channel=dm, ts=posted["ts"], text="Paired!")
    assert updated["message"]["text"] == "Paired!"
    assert [m.text for m in sandbox.messages_in(dm)] == ["Paired!"]
    missing = error_of(lambda: slack.chat_update(channel=dm, ts="1.000001", text="x"))
    assert missing == "message_not_found"
    typed = sandbox.record_user_message(BEN, dm, "thanks")
    assert error_of(lambda: slack.chat_update(channel=dm, ts=typed.ts, text="x")) == (
        "cant_update_message"
    )


# -- triggers and views --------------------------------------------------------


def test_trigger_ids_expire_after_three_seconds(
    slack: WebClient, sandbox: SlackSandbox, sandbox_clock: FakeClock
) -> None:
    fresh = sandbox.issue_trigger_id(BEN)
    sandbox_clock.advance(2.9)
    assert slack.views_open(trigger_id=fresh, view=modal())["ok"]
    stale = sandbox.issue_trigger_id(BEN)
    sandbox_clock.advance(3.1)
    assert error_of(lambda: slack.views_open(trigger_id=stale, view=modal())) == (
        "expired_trigger_id"
    )
    assert error_of(lambda: slack.views_open(trigger_id="1.2.3", view=modal())) == (
        "invalid_trigger_id"
    )
    assert error_of(lambda: slack.views_open(trigger_id=fresh, view=modal())) == (
        "trigger_exchanged"
    )


def test_views_open_returns_a_full_view(slack: WebClient, sandbox: SlackSandbox) -> None:
    trigger = sandbox.issue_trigger_id(BEN)
    view = slack.views_open(trigger_id=trigger, view=modal(private_metadata="p1"))["view"]
    assert re.fullmatch(r"V[A-Z0-9]+", view["id"])
    assert view["hash"] and view["state"] == {"values": {}}
    assert view["private_metadata"] == "p1" and view["root_view_id"] == view["id"]
    assert view["blocks"][0]["block_id"]  # generated, as Slack does
    assert sandbox.modal_of(BEN) == view and sandbox.modal_of(CAMILA) is None


def test_view_validation(slack: WebClient, sandbox: SlackSandbox) -> None:
    long_title = api_error(
        lambda: slack.views_open(trigger_id=sandbox.issue_trigger_id(BEN), view=modal("t" * 25))
    )
    assert long_title.response["error"] == "invalid_arguments"
    assert any("title" in m for m in long_title.response["response_metadata"]["messages"])
    too_many = {**modal(), "blocks": [{"type": "divider"}] * 101}
    assert (
        error_of(lambda: slack.views_open(trigger_id=sandbox.issue_trigger_id(BEN), view=too_many))
        == "invalid_arguments"
    )
    needs_submit = {
        **modal(),
        "blocks": [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Goal"},
                "element": {"type": "plain_text_input", "action_id": "goal"},
            }
        ],
    }
    assert (
        error_of(
            lambda: slack.views_open(trigger_id=sandbox.issue_trigger_id(BEN), view=needs_submit)
        )
        == "invalid_arguments"
    )
    assert error_of(lambda: slack.views_open(view=modal())) == "invalid_arguments"


def test_views_update_by_id_and_external_id_with_hash_checks(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    opened = slack.views_open(
        trigger_id=sandbox.issue_trigger_id(BEN), view=modal(external_id="profile-ben")
    )["view"]
    updated = slack.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Step 2"))[
        "view"
    ]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert sandbox.modal_of(BEN)["title"]["text"] == "Step 2"  # type: ignore[index]
    conflict = error_of(
        lambda: slack.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    )
    assert conflict == "hash_conflict"
    again = slack.views_update(external_id="profile-ben", view=modal("Step 3", external_id="x"))
    assert again["view"]["id"] == opened["id"]
    assert error_of(lambda: slack.views_update(view_id="V404", view=modal())) == "not_found"


def test_views_push_stops_at_three(slack: WebClient, sandbox: SlackSandbox) -> None:
    root = slack.views_open(trigger_id=sandbox.issue_trigger_id(BEN), view=modal("One"))["view"]
    second = slack.views_push(trigger_id=sandbox.issue_trigger_id(BEN), view=modal("Two"))["view"]
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    slack.views_push(trigger_id=sandbox.issue_trigger_id(BEN), view=modal("Three"))
    assert [v["title"]["text"] for v in sandbox.modal_stack(BEN)] == ["One", "Two", "Three"]
    refused = error_of(
        lambda: slack.views_push(trigger_id=sandbox.issue_trigger_id(BEN), view=modal("Four"))
    )
    assert refused == "push_limit_reached"
    sandbox.close_view(second["id"])
    assert [v["title"]["text"] for v in sandbox.modal_stack(BEN)] == ["One"]
    assert sandbox.view(second["id"]) is None


def test_views_publish_home_per_user(slack: WebClient, sandbox: SlackSandbox) -> None:
    home = {"type": "home", "blocks": [section("Your programs")]}
    first = slack.views_publish(user_id=BEN, view=home)["view"]
    assert sandbox.home_of(BEN) == first and sandbox.home_of(CAMILA) is None
    second = slack.views_publish(user_id=BEN, view={**home, "blocks": [section("Updated")]})
    assert second["view"]["id"] == first["id"]
    assert sandbox.home_of(BEN)["blocks"][0]["text"]["text"] == "Updated"  # type: ignore[index]
    stale = error_of(lambda: slack.views_publish(user_id=BEN, hash=first["hash"], view=home))
    assert stale == "hash_conflict"
    assert error_of(lambda: slack.views_publish(user_id=BEN, view=modal())) == "invalid_arguments"


# -- response URLs -----------------------------------------------------------------


def test_response_url_posts_are_recorded_and_shown(slack: WebClient, sandbox: SlackSandbox) -> None:
    source = slack.chat_postMessage(channel=BEN, text="Accept the match?")
    url = sandbox.new_response_url(BEN, source["channel"], message_ts=source["ts"])
    hook = WebhookClient(url)
    assert hook.send(text="Only you can see this").status_code == 200
    assert hook.send(text="Everyone sees this", response_type="in_channel").status_code == 200
    assert hook.send(text="Accepted ✅", replace_original=True).status_code == 200
    kinds = [(m.kind, m.via, m.text) for m in sandbox.inbox(BEN)]
    assert kinds == [
        ("dm", "api", "Accepted ✅"),
        ("ephemeral", "response_url", "Only you can see this"),
        ("dm", "response_url", "Everyone sees this"),
    ]
    assert hook.send(text="", delete_original=True).status_code == 200
    assert "Accepted ✅" not in [m.text for m in sandbox.inbox(BEN)]
    assert len(sandbox.calls_to("response_url")) == 4


def test_response_url_allows_five_uses_within_thirty_minutes(
    sandbox: SlackSandbox, sandbox_clock: FakeClock
) -> None:
    hook = WebhookClient(sandbox.new_response_url(BEN, "D02BEN"))
    assert [hook.send(text=f"{n}").status_code for n in range(5)] == [200] * 5
    used = hook.send(text="sixth")
    assert (used.status_code, json.loads(used.body)["error"]) == (404, "used_url")
    late = WebhookClient(sandbox.new_response_url(BEN, "D02BEN"))
    sandbox_clock.advance(30 * 60 + 1)
    expired = late.send(text="too late")
    assert (expired.status_code, json.loads(expired.body)["error"]) == (404, "expired_url")


def test_command_acks_are_shown_like_response_url_posts(sandbox: SlackSandbox) -> None:
    sandbox.deliver_ack(BEN, GENERAL_CHANNEL_ID, {"text": "Working on it", "blocks": []})
    [ack] = sandbox.inbox(BEN)
    assert (ack.kind, ack.via, ack.channel) == ("ephemeral", "ack", GENERAL_CHANNEL_ID)
    sandbox.deliver_ack(BEN, GENERAL_CHANNEL_ID, {"text": "Hi all", "response_type": "in_channel"})
    assert [m.kind for m in sandbox.messages_in(GENERAL_CHANNEL_ID)] == ["channel"]
    assert sandbox.inbox(CAMILA) == []  # channel traffic is not an inbox item for others
    with pytest.raises(SandboxError, match="no_text"):
        sandbox.deliver_ack(BEN, GENERAL_CHANNEL_ID, {"text": ""})


# -- rate limits ---------------------------------------------------------------


def test_rate_limits_answer_429_with_retry_after(sandbox_clock: FakeClock) -> None:
    with SlackSandbox(enforce_rate_limits=True, clock=sandbox_clock) as sb:
        client = WebClient(token=sb.workspace.bot_token, base_url=sb.api_url)
        for _ in range(20):  # users.list is Tier 2: 20 per minute
            client.users_list(limit=1)
        limited = api_error(lambda: client.users_list(limit=1))
        assert limited.response.status_code == 429
        assert limited.response.headers["Retry-After"] == "60"
        assert limited.response["error"] == "ratelimited"
        assert client.users_info(user=BEN)["ok"]  # other methods have their own budget
        sandbox_clock.advance(60)
        assert client.users_list(limit=1)["ok"]
        assert sb.rate_limited_count == 1
        assert sb.calls_to("users.list")[20].status == 429


def test_post_message_is_limited_per_channel(sandbox_clock: FakeClock) -> None:
    with SlackSandbox(enforce_rate_limits=True, clock=sandbox_clock) as sb:
        client = WebClient(token=sb.workspace.bot_token, base_url=sb.api_url)
        for n in range(3):
            client.chat_postMessage(channel=BEN, text=f"burst {n}")
        assert (
            api_error(lambda: client.chat_postMessage(channel=BEN, text="x")).response["error"]
            == "ratelimited"
        )
        assert client.chat_postMessage(channel=CAMILA, text="another channel")["ok"]
        sandbox_clock.advance(3.0)  # three per any three seconds: ~1/s with a short burst
        assert client.chat_postMessage(channel=BEN, text="after the window")["ok"]


def test_time_scale_speeds_up_windows_and_the_sdk_retry_handler_recovers() -> None:
    # At 60x a per-minute window lasts one real second, so Retry-After is 1.
    with SlackSandbox(enforce_rate_limits=True, time_scale=60.0) as sb:
        client = WebClient(
            token=sb.workspace.bot_token,
            base_url=sb.api_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        )
        for _ in range(20):
            client.users_list(limit=1)
        started = time.monotonic()
        assert client.users_list(limit=1)["ok"]
        assert sb.rate_limited_count >= 1
        assert time.monotonic() - started < 5


# -- observation -----------------------------------------------------------------


def test_wait_for_sees_calls_made_from_other_threads(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    worker = threading.Timer(0.05, lambda: slack.chat_postMessage(channel=BEN, text="later"))
    worker.start()
    [call] = sandbox.wait_for("chat.postMessage", lambda c: c.args["text"] == "later")
    assert call.ok
    assert sandbox.wait_for_message(BEN, lambda m: m.text == "later").text == "later"
    worker.join()


def test_wait_for_times_out_with_a_summary(slack: WebClient, sandbox: SlackSandbox) -> None:
    with pytest.raises(SlackApiError):
        slack.chat_postMessage(channel="C404", text="x")
    with pytest.raises(AssertionError, match=r"chat.postMessage error=channel_not_found"):
        sandbox.wait_for("chat.postMessage", timeout=0.1)
    with pytest.raises(AssertionError, match=r"Inbox:\n  \(empty\)"):
        sandbox.wait_for_message(BEN, timeout=0.1)
    sandbox.reset_calls()
    assert sandbox.calls == []
