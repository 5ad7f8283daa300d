"""Uploading files the way Slack wants it since 2025: into someone's DM, or kept private.

``files_upload_v2`` runs Slack's three steps: files.getUploadURLExternal (a URL and a file id),
a POST of the bytes to that URL, and files.completeUploadExternal, which shares the file into
the conversation as a message, or, without a conversation, keeps it private to the app. Needs
the ``files:write`` bot scope (and ``im:write`` for the DM).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient


def upload_to_dm(
    client: WebClient,
    user_id: str,
    data: bytes,
    *,
    filename: str,
    title: str,
    comment: str,
    alt_text: str,
) -> str:
    """Share ``data`` in the app's DM with ``user_id``; returns Slack's file id."""
    opened = client.conversations_open(users=[user_id])
    channel = str(opened["channel"]["id"])
    response = client.files_upload_v2(
        channel=channel,
        file=data,
        filename=filename,
        title=title,
        alt_txt=alt_text,
        initial_comment=comment,
    )
    return str(response["file"]["id"])


def upload_private(client: WebClient, data: bytes, *, filename: str, alt_text: str) -> str:
    """Upload ``data`` without sharing it anywhere; returns Slack's file id.

    Such a file is visible to the app alone, which is what an image block's ``slack_file``
    needs: the app posting the blocks must have access to the file, and no channel fills up
    with copies of a chart that is only ever shown on the Home tab.
    """
    response = client.files_upload_v2(file=data, filename=filename, alt_txt=alt_text)
    return str(response["file"]["id"])


def delete_file(client: WebClient, file_id: str) -> None:
    """files.delete (``files:write`` covers the app's own files)."""
    client.files_delete(file=file_id)


@dataclass(frozen=True)
class Upload:
    """One file of several shared together."""

    data: bytes
    filename: str
    title: str


def upload_many_to_dm(
    client: WebClient, user_id: str, uploads: Sequence[Upload], *, comment: str
) -> list[str]:
    """Share several files in the app's DM with ``user_id`` as one message; returns their ids.

    slack_sdk reserves and sends each file, then completes them all in one
    files.completeUploadExternal, so they arrive together under ``comment``.
    """
    opened = client.conversations_open(users=[user_id])
    channel = str(opened["channel"]["id"])
    response = client.files_upload_v2(
        channel=channel,
        file_uploads=[{"file": u.data, "filename": u.filename, "title": u.title} for u in uploads],
        initial_comment=comment,
    )
    return [str(f["id"]) for f in response["files"]]
