"""Message metadata, conversations.history and deactivated people, through a real WebClient."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata

from sandbox import SlackSandbox
from sandbox.records import Message
from sandbox.workspace import GENERAL_CHANNEL_ID, MENTORING_CHANNEL_ID

BEN, CAMILA, DEVIKA = "U02BEN", "U03CAM", "U04DEV"
MATCH = {"event_type": "match_proposed", "event_payload": {"match_id": 7, "round": "2024-q3"}}


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def history(slack: WebClient, channel: str, **kwargs: Any) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = slack.conversations_history(channel=channel, **kwargs)[
        "messages"
    ]
    return messages


# -- chat.postMessage metadata --------------------------------------------------


def test_metadata_is_stored_on_the_message(slack: WebClient, sandbox: SlackSandbox) -> None:
    reply = slack.chat_postMessage(channel=BEN, text="Meet Camila", metadata=MATCH)
    # Slack's reply names the event type only; the payload is read back with history.
    assert reply["message"]["metadata"] == {"event_type": "match_proposed"}
    [message] = sandbox.messages_in(reply["channel"])
    assert message.metadata == MATCH
    assert sandbox.calls_to("chat.postMessage")[0].args["metadata"] == MATCH


@pytest.mark.parametrize(
    "metadata",
    [
        Metadata(event_type="match_proposed", event_payload=MATCH["event_payload"]),
        json.dumps(MATCH),  # a JSON string, as form-encoded callers send it
    ],
)
def test_metadata_as_sdk_object_or_json_string(
    slack: WebClient, sandbox: SlackSandbox, metadata: Any
) -> None:
    reply = slack.chat_postMessage(channel=BEN, text="Meet Camila", metadata=metadata)
    assert [m.metadata for m in sandbox.messages_in(reply["channel"])] == [MATCH]


def test_messages_without_metadata_have_none(slack: WebClient, sandbox: SlackSandbox) -> None:
    reply = slack.chat_postMessage(channel=BEN, text="plain")
    assert "metadata" not in reply["message"]
    assert [m.metadata for m in sandbox.messages_in(reply["channel"])] == [None]
    # Positional and keyword construction keep working; metadata defaults to None.
    assert Message("dm", "D02BEN", "1.000001", BEN, "hi", [], "client").metadata is None


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ("{not json", "invalid_metadata_format"),
        ([MATCH], "invalid_metadata_format"),
        ("42", "invalid_metadata_format"),
        ({"event_payload": {"a": 1}}, "invalid_metadata_schema"),
        ({"event_type": "", "event_payload": {"a": 1}}, "invalid_metadata_schema"),
        ({"event_type": 7, "event_payload": {"a": 1}}, "invalid_metadata_schema"),
        ({"event_type": "match_proposed"}, "invalid_metadata_schema"),
        ({"event_type": "match_proposed", "event_payload": "a=1"}, "invalid_metadata_schema"),
    ],
)
def test_malformed_metadata_is_refused(
    slack: WebClient, sandbox: SlackSandbox, metadata: Any, error: str
) -> None:
    assert error_of(lambda: slack.chat_postMessage(channel=BEN, text="x", metadata=metadata)) == (
        error
    )
    assert sandbox.inbox(BEN) == []


@pytest.mark.parametrize("event_type", ["sprout.match", "match proposed", "match/proposed"])
def test_event_type_slack_does_not_allow_is_dropped_with_a_warning(
    slack: WebClient, sandbox: SlackSandbox, event_type: str
) -> None:
    # Slack: letters, digits, "_" and "-" only; otherwise the message still posts, the
    # metadata is ignored and the reply warns invalid_metadata_schema.
    metadata = {"event_type": event_type, "event_payload": {"a": 1}}
    reply = slack.chat_postMessage(channel=BEN, text="x", metadata=metadata)
    assert reply["warning"] == "invalid_metadata_schema"
    assert reply["response_metadata"]["warnings"] == ["invalid_metadata_schema"]
    assert "metadata" not in reply["message"]
    assert sandbox.inbox(BEN)[0].metadata is None
    ok = slack.chat_postMessage(channel=BEN, text="y", metadata={**metadata, "event_type": "a-b_9"})
    assert ok.get("warning") is None and sandbox.inbox(BEN)[1].metadata is not None


# -- conversations.history ------------------------------------------------------------


def test_history_is_newest_first_without_ephemerals(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    posted = [slack.chat_postMessage(channel=BEN, text=f"m{n}")["ts"] for n in range(3)]
    slack.chat_postEphemeral(channel="D02BEN", user=BEN, text="only you")
    typed = sandbox.record_user_message(BEN, "D02BEN", "hi sprout")
    messages = history(slack, "D02BEN")
    assert [m["text"] for m in messages] == ["hi sprout", "m2", "m1", "m0"]
    assert [m["ts"] for m in messages] == [typed.ts, *reversed(posted)]
    assert messages[0]["user"] == BEN and "bot_id" not in messages[0]
    assert messages[1]["bot_id"] == sandbox.workspace.bot_id
    reply = slack.conversations_history(channel="D02BEN")
    assert reply["has_more"] is False and reply["response_metadata"]["next_cursor"] == ""


def test_history_leaves_thread_replies_to_their_parent(slack: WebClient) -> None:
    parent = slack.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="Round 3 is open")["ts"]
    slack.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="detail", thread_ts=parent)
    assert [m["text"] for m in history(slack, GENERAL_CHANNEL_ID)] == ["Round 3 is open"]


def test_history_metadata_only_in_full_when_asked(slack: WebClient) -> None:
    slack.chat_postMessage(channel=BEN, text="Meet Camila", metadata=MATCH)
    slack.chat_postMessage(channel=BEN, text="no metadata")
    plain, with_metadata = history(slack, "D02BEN")
    assert "metadata" not in plain
    # Documented: without include_all_metadata=true only event_type comes back.
    assert with_metadata["metadata"] == {"event_type": "match_proposed"}
    full = history(slack, "D02BEN", include_all_metadata=True)
    assert full[1]["metadata"] == MATCH
    assert history(slack, "D02BEN", include_all_metadata=False)[1]["metadata"] == {
        "event_type": "match_proposed"
    }


def test_history_pages_with_cursors(slack: WebClient) -> None:
    texts = [f"m{n}" for n in range(7)]
    for text in texts:
        slack.chat_postMessage(channel=BEN, text=text)
    first = slack.conversations_history(channel="D02BEN", limit=3)
    assert [m["text"] for m in first["messages"]] == ["m6", "m5", "m4"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    assert base64.b64decode(cursor).decode().startswith("next_ts:")
    slack.chat_postMessage(channel=BEN, text="newer")  # does not shift the next page
    second = slack.conversations_history(channel="D02BEN", limit=3, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["m3", "m2", "m1"]
    # slack_sdk's own iteration follows the cursors to the end.
    pages = [
        [m["text"] for m in page["messages"]]
        for page in slack.conversations_history(channel="D02BEN", limit=3)
    ]
    assert pages == [["newer", "m6", "m5"], ["m4", "m3", "m2"], ["m1", "m0"]]
    assert error_of(lambda: slack.conversations_history(channel="D02BEN", cursor="bm9wZQ==")) == (
        "invalid_cursor"
    )


def test_history_limit_defaults_to_100_and_stops_at_999(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    for n in range(1005):
        sandbox.record_user_message(BEN, "D02BEN", f"m{n}")
    assert len(history(slack, "D02BEN")) == 100
    assert len(history(slack, "D02BEN", limit=5000)) == 999
    assert len(history(slack, "D02BEN", limit=0)) == 100


def test_history_oldest_latest_and_inclusive(slack: WebClient) -> None:
    ts = [slack.chat_postMessage(channel=BEN, text=f"m{n}")["ts"] for n in range(5)]

    def texts(**kwargs: Any) -> list[str]:
        return [m["text"] for m in history(slack, "D02BEN", **kwargs)]

    assert texts(oldest=ts[1], latest=ts[3]) == ["m2"]
    assert texts(oldest=ts[1], latest=ts[3], inclusive=True) == ["m3", "m2", "m1"]
    assert texts(oldest=ts[3]) == ["m4"]
    assert texts(latest=ts[1], inclusive=True) == ["m1", "m0"]
    before_all = str(Decimal(ts[0]) - Decimal("0.000001"))
    assert texts(latest=before_all) == []
    assert error_of(lambda: history(slack, "D02BEN", latest="soon")) == "invalid_ts_latest"
    assert error_of(lambda: history(slack, "D02BEN", oldest="yesterday")) == "invalid_ts_oldest"


def test_history_channel_errors(slack: WebClient, sandbox: SlackSandbox) -> None:
    ws = sandbox.workspace
    ws.add_channel("C0RANDOM", "random", [BEN, CAMILA])  # public, bot not invited
    ws.add_channel("G0SECRET", "secret", [BEN], is_private=True)
    assert error_of(lambda: history(slack, "C0RANDOM")) == "not_in_channel"
    assert error_of(lambda: history(slack, "G0SECRET")) == "channel_not_found"
    assert error_of(lambda: history(slack, "C404")) == "channel_not_found"
    # Slack wants a conversation id here: no names, no user ids.
    assert error_of(lambda: history(slack, "general")) == "channel_not_found"
    assert error_of(lambda: history(slack, BEN)) == "channel_not_found"
    assert error_of(lambda: history(slack, "G0NEVEROPENED")) == "channel_not_found"
    ws.channel("G0SECRET").members.append(ws.bot_user_id)
    assert history(slack, "G0SECRET") == []
    slack.chat_postMessage(channel=MENTORING_CHANNEL_ID, text="Welcome, mentors")
    assert [m["text"] for m in history(slack, MENTORING_CHANNEL_ID)] == ["Welcome, mentors"]


# -- group DMs --------------------------------------------------------------------------


def test_group_dm_keeps_its_id_and_its_history(slack: WebClient, sandbox: SlackSandbox) -> None:
    group = slack.conversations_open(users=[BEN, CAMILA, DEVIKA])["channel"]["id"]
    slack.chat_postMessage(channel=group, text="Meet your circle", metadata=MATCH)
    reopened = slack.conversations_open(users=f"{DEVIKA},{CAMILA},{BEN}")
    assert reopened["channel"]["id"] == group and reopened["already_open"] is True
    slack.chat_postMessage(channel=reopened["channel"]["id"], text="First call on Tuesday")
    messages = history(slack, group, include_all_metadata=True)
    assert [m["text"] for m in messages] == ["First call on Tuesday", "Meet your circle"]
    assert messages[1]["metadata"] == MATCH
    other = slack.conversations_open(users=[BEN, CAMILA])["channel"]["id"]
    assert other != group and history(slack, other) == []
    assert [m.text for m in sandbox.inbox(DEVIKA)] == ["Meet your circle", "First call on Tuesday"]


# -- deactivated people ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["attribute", "helper"])
def test_deactivating_someone_mid_test(slack: WebClient, sandbox: SlackSandbox, how: str) -> None:
    dm = slack.conversations_open(users=BEN)["channel"]["id"]
    group = slack.conversations_open(users=[BEN, CAMILA])["channel"]["id"]
    assert slack.users_info(user=BEN)["user"]["deleted"] is False
    if how == "attribute":
        sandbox.workspace.users[BEN].deleted = True
    else:
        sandbox.deactivate_user(BEN)
    assert slack.users_info(user=BEN)["user"]["deleted"] is True
    deleted = [u["id"] for u in slack.users_list()["members"] if u["deleted"]]
    assert BEN in deleted
    assert error_of(lambda: slack.conversations_open(users=BEN)) == "user_disabled"
    assert error_of(lambda: slack.conversations_open(users=[CAMILA, BEN])) == "user_disabled"
    # Real Slack still accepts posts to a deactivated person's DM, by user id or DM id.
    assert slack.chat_postMessage(channel=BEN, text="still there?")["channel"] == dm
    assert slack.chat_postMessage(channel=dm, text="hello?")["ok"]
    assert slack.chat_postMessage(channel=group, text="group still works")["ok"]
    assert [m["text"] for m in history(slack, dm)] == ["hello?", "still there?"]
    assert BEN not in {u.id for u in sandbox.workspace.people}


def test_deactivate_user_names_unknown_ids(sandbox: SlackSandbox) -> None:
    with pytest.raises(KeyError, match="U404"):
        sandbox.deactivate_user("U404")
