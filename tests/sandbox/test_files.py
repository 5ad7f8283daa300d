"""Slack's external file upload through the sandbox: slack_sdk's files_upload_v2 unchanged, and the
raw three steps with the mistakes Slack refuses."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import SlackSandbox
from sandbox.rate_limits import TIER_4
from sandbox.workspace import GENERAL_CHANNEL_ID, MENTORING_CHANNEL_ID
from tests.sandbox.conftest import FakeClock

BEN, CAMILA = "U02BEN", "U03CAM"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def post(url: str, data: bytes, content_type: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read().decode()


def test_files_upload_v2_shares_the_bytes_into_a_dm(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    dm = slack.conversations_open(users=BEN)["channel"]["id"]
    reply = slack.files_upload_v2(
        channel=dm,
        file=PNG,
        filename="chart.png",
        title="Pulse chart",
        alt_txt="A chart",
        initial_comment="Here is the chart",
    )
    assert reply["file"]["id"].startswith("F") and reply["file"]["title"] == "Pulse chart"
    # The three steps, in order, as slack_sdk makes them.
    assert [c.method for c in sandbox.calls] == [
        "conversations.open",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    reserve = sandbox.calls_to("files.getUploadURLExternal")[0]
    assert reserve.args["filename"] == "chart.png" and int(reserve.args["length"]) == len(PNG)
    [uploaded] = sandbox.uploaded_files()
    assert uploaded.id == reply["file"]["id"]
    assert (uploaded.filename, uploaded.title, uploaded.mimetype) == (
        "chart.png",
        "Pulse chart",
        "image/png",
    )
    assert uploaded.data == PNG and uploaded.channels == (dm,) and uploaded.alt_txt == "A chart"
    [message] = sandbox.inbox(BEN)
    assert (message.kind, message.channel, message.text, message.via) == (
        "dm",
        dm,
        "Here is the chart",
        "api",
    )
    assert message.user == sandbox.workspace.bot_user_id
    assert [f["id"] for f in message.files] == [uploaded.id]
    assert message.files[0]["size"] == len(PNG) and message.files[0]["mimetype"] == "image/png"
    assert sandbox.inbox(CAMILA) == []
    history = slack.conversations_history(channel=dm)["messages"]
    assert history[0]["files"][0]["id"] == uploaded.id and history[0]["upload"] is True
    assert sandbox.wait_for_upload(lambda f: f.title == "Pulse chart") == uploaded


def test_several_files_and_channels_in_one_completion(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    reply = slack.files_upload_v2(
        file_uploads=[
            {"file": PNG, "filename": "one.png", "title": "One"},
            {"content": "a,b\n1,2\n", "filename": "two.csv"},
        ],
        channels=[MENTORING_CHANNEL_ID, BEN],
    )
    assert [f["title"] for f in reply["files"]] == ["One", "two.csv"]
    one, two = sandbox.uploaded_files()
    assert two.data == b"a,b\n1,2\n" and two.mimetype == "text/csv"
    assert one.channels == two.channels == (MENTORING_CHANNEL_ID, "D02BEN")
    [shared] = sandbox.messages_in(MENTORING_CHANNEL_ID)
    assert [f["name"] for f in shared.files] == ["one.png", "two.csv"] and shared.text == ""


def test_an_upload_without_a_channel_stays_private(slack: WebClient, sandbox: SlackSandbox) -> None:
    slack.files_upload_v2(file=PNG, filename="private.png")
    [uploaded] = sandbox.uploaded_files()
    assert uploaded.channels == () and uploaded.title == "private.png"
    assert all(not sandbox.inbox(u.id) for u in sandbox.workspace.people)


def test_the_raw_steps_and_what_slack_refuses(slack: WebClient, sandbox: SlackSandbox) -> None:
    assert error_of(lambda: slack.api_call("files.getUploadURLExternal", data={"length": 3})) == (
        "invalid_arguments"
    )
    assert error_of(lambda: slack.files_getUploadURLExternal(filename="x.png", length=0)) == (
        "missing_argument"
    )
    long_alt = "a" * 1001
    refused = lambda: slack.files_getUploadURLExternal(  # noqa: E731
        filename="x.png", length=3, alt_txt=long_alt
    )
    assert error_of(refused) == "alt_txt_too_large"
    reserved = slack.files_getUploadURLExternal(filename="x.png", length=4)
    file_id, url = reserved["file_id"], reserved["upload_url"]
    assert url.startswith(sandbox.base_url + "/upload/v1/")
    # Completing before the bytes arrive, or an id never handed out: file_not_found.
    early = lambda: slack.files_completeUploadExternal(files=[{"id": file_id}])  # noqa: E731
    assert error_of(early) == "file_not_found"
    unknown = lambda: slack.files_completeUploadExternal(files=[{"id": "F404"}])  # noqa: E731
    assert error_of(unknown) == "file_not_found"
    assert post(url, b"too long") == (400, "length mismatch: declared 4, got 8")
    assert post(url, b"abcd") == (200, "OK - 4")
    assert post(sandbox.base_url + "/upload/v1/nope", b"abcd")[0] == 404
    nowhere = lambda: slack.files_completeUploadExternal(  # noqa: E731
        files=[{"id": file_id}], channel_id="C404"
    )
    assert error_of(nowhere) == "channel_not_found"
    assert sandbox.uploaded_files() == []  # a refused completion completes nothing
    done = slack.files_completeUploadExternal(files=[{"id": file_id, "title": "X"}])
    assert done["files"] == [{"id": file_id, "title": "X"}]
    # Once only: the upload URL is gone and a second completion finds nothing.
    assert error_of(lambda: slack.files_completeUploadExternal(files=[{"id": file_id}])) == (
        "file_not_found"
    )
    assert post(url, b"abcd")[0] == 404
    assert error_of(lambda: slack.api_call("files.completeUploadExternal", data={})) == (
        "invalid_arguments"
    )
    bad = lambda: slack.api_call(  # noqa: E731
        "files.completeUploadExternal", data={"files": json.dumps([{"title": "no id"}])}
    )
    assert error_of(bad) == "invalid_arguments"


def test_a_multipart_upload_is_taken_too(slack: WebClient, sandbox: SlackSandbox) -> None:
    reserved = slack.files_getUploadURLExternal(filename="x.png", length=len(PNG))
    boundary = "sproutboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="filename"; '
            f'filename="x.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _ = post(reserved["upload_url"], body, f"multipart/form-data; boundary={boundary}")
    assert status == 200
    slack.files_completeUploadExternal(files=[{"id": reserved["file_id"]}], channels=[BEN])
    assert sandbox.uploaded_files()[0].data == PNG


def test_blocks_count_only_without_an_initial_comment(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "About this file"}}
    for comment in (None, "A comment"):
        reserved = slack.files_getUploadURLExternal(filename="f.txt", length=2)
        post(reserved["upload_url"], b"hi")
        slack.files_completeUploadExternal(
            files=[{"id": reserved["file_id"]}],
            channel_id=slack.conversations_open(users=BEN)["channel"]["id"],
            initial_comment=comment,
            blocks=json.dumps([section]),
        )
    with_blocks, with_comment = sandbox.inbox(BEN)
    assert with_blocks.blocks[0]["text"]["text"] == "About this file" and with_blocks.text == ""
    assert with_comment.blocks == [] and with_comment.text == "A comment"


def test_sharing_needs_the_bot_in_the_channel(slack: WebClient, sandbox: SlackSandbox) -> None:
    sandbox.workspace.channel(GENERAL_CHANNEL_ID).members.remove(sandbox.workspace.bot_user_id)
    refused = lambda: slack.files_upload_v2(  # noqa: E731
        file=PNG, filename="x.png", channel=GENERAL_CHANNEL_ID
    )
    assert error_of(refused) == "not_in_channel"


def test_both_methods_are_tier_4(sandbox_clock: FakeClock) -> None:
    with SlackSandbox(enforce_rate_limits=True, time_scale=60.0, clock=sandbox_clock) as sb:
        for method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
            assert sb.limit_for(method) == type(TIER_4)(TIER_4.limit, TIER_4.window / 60)
        client = WebClient(token=sb.workspace.bot_token, base_url=sb.api_url)
        for _ in range(TIER_4.limit):
            client.files_getUploadURLExternal(filename="x", length=1)
        with pytest.raises(SlackApiError) as caught:
            client.files_getUploadURLExternal(filename="x", length=1)
        assert caught.value.response.status_code == 429
        retry_after = int(caught.value.response.headers["Retry-After"])
        assert retry_after == math.ceil(TIER_4.window / 60)


def home_with_image(reference: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [{"type": "image", "slack_file": reference, "alt_text": "A chart"}],
    }


def test_a_view_shows_a_private_upload_by_slack_file_while_the_file_exists(
    slack: WebClient, sandbox: SlackSandbox
) -> None:
    chart = slack.files_upload_v2(file=PNG, filename="chart.png", alt_txt="A chart")["file"]["id"]
    assert sandbox.uploaded_files()[-1].channels == ()  # completed, shared nowhere
    slack.views_publish(user_id=BEN, view=home_with_image({"id": chart}))
    by_url = f"https://files.slack.com/files-pri/T0SPROUT-{chart}/chart.png"
    slack.views_publish(user_id=BEN, view=home_with_image({"url": by_url}))

    table = slack.files_upload_v2(file=b"a,b\n1,2\n", filename="table.csv")["file"]["id"]
    for reference in ({"id": "F0NOSUCHFILE"}, {"id": table}):
        with pytest.raises(SlackApiError) as caught:
            slack.views_publish(user_id=BEN, view=home_with_image(reference))
        assert caught.value.response["error"] == "invalid_arguments"
        assert caught.value.response["response_metadata"]["messages"] == [
            "[ERROR] invalid slack file [json-pointer:/view/blocks/0/slack_file]"
        ]

    slack.files_delete(file=chart)
    assert chart not in {f.id for f in sandbox.uploaded_files()}
    assert error_of(
        lambda: slack.views_publish(user_id=BEN, view=home_with_image({"id": chart}))
    ) == ("invalid_arguments")
    assert error_of(lambda: slack.files_delete(file=chart)) == "file_not_found"
