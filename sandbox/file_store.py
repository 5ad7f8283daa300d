"""Files uploaded the way Slack takes them since files.upload retired: reserve, send, complete.

1. ``files.getUploadURLExternal`` reserves a file id and an upload URL for a declared length.
2. The client POSTs the bytes to that URL (raw, as slack_sdk sends them, or multipart).
3. ``files.completeUploadExternal`` names the file and shares it into conversations, where it
   shows as a message from the bot carrying the file.

A reservation that is never completed stays private and is never shown, as in Slack. Rules the
sandbox enforces (so a client that breaks them fails here as it would against Slack): the bytes
must arrive before completion, their length must be the declared one, and each reservation is
completed at most once (afterwards its upload URL is gone).
"""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass, field

from sandbox.records import ApiError, JsonDict

#: Slack's limit for one file (1 GB).
MAX_FILE_BYTES = 1_000_000_000
MAX_ALT_TEXT = 1000
#: Upload URLs are ``<sandbox>/upload/v1/<token>``, like Slack's ``files.slack.com/upload/v1/…``.
UPLOAD_PATH = "/upload/v1/"
#: What an image block's ``slack_file`` may point at (Slack: "png, jpg, jpeg, and gif").
IMAGE_FILETYPES = frozenset({"png", "jpg", "jpeg", "gif"})


@dataclass
class StoredFile:
    id: str
    filename: str
    length: int
    upload_token: str
    created: int
    alt_txt: str | None = None
    data: bytes | None = None
    title: str | None = None
    completed: bool = False
    #: Conversations it was shared into, in order.
    channels: list[str] = field(default_factory=list)

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.filename)[0] or "application/octet-stream"

    @property
    def filetype(self) -> str:
        suffix = self.filename.rpartition(".")[2].lower()
        return suffix if "." in self.filename and suffix else "binary"

    def to_api(self) -> JsonDict:
        """The file object Slack embeds in a message's ``files`` and returns from files.*."""
        body: JsonDict = {
            "id": self.id,
            "created": self.created,
            "name": self.filename,
            "title": self.title if self.title is not None else self.filename,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "size": len(self.data or b""),
            "is_external": False,
            "channels": list(self.channels),
        }
        if self.alt_txt:
            body["alt_txt"] = self.alt_txt
        return body


@dataclass(frozen=True)
class UploadedFile:
    """A completed upload as a test sees it: what arrived, under which name, shared where."""

    id: str
    filename: str
    title: str
    mimetype: str
    data: bytes
    channels: tuple[str, ...]
    alt_txt: str | None


class FileStore:
    """Reservations and uploaded files. Not thread-safe: ``SlackSandbox`` holds its lock."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._by_token: dict[str, str] = {}
        #: Where the sandbox serves uploads (``http://127.0.0.1:port``), set when it starts.
        self.base_url = ""

    def upload_url(self, stored: StoredFile) -> str:
        return f"{self.base_url}{UPLOAD_PATH}{stored.upload_token}"

    def reserve(self, filename: str, length: int, alt_txt: str | None, created: int) -> StoredFile:
        if length <= 0:
            raise ApiError("missing_argument")
        if length > MAX_FILE_BYTES:
            raise ApiError("file_upload_size_restricted")
        if alt_txt is not None and len(alt_txt) > MAX_ALT_TEXT:
            raise ApiError("alt_txt_too_large")
        file_id = "F" + secrets.token_hex(5).upper()
        token = secrets.token_urlsafe(18)
        stored = StoredFile(file_id, filename, length, token, created, alt_txt=alt_txt)
        self._files[file_id] = stored
        self._by_token[token] = file_id
        return stored

    def receive(self, token: str, data: bytes) -> StoredFile:
        """The bytes POSTed to an upload URL; a later POST before completion replaces them."""
        file_id = self._by_token.get(token)
        stored = self._files.get(file_id) if file_id else None
        if stored is None or stored.completed:
            raise ApiError("not_found", status=404)
        if len(data) != stored.length:
            raise ApiError(
                f"length mismatch: declared {stored.length}, got {len(data)}", status=400
            )
        stored.data = data
        return stored

    def completable(self, file_id: str) -> StoredFile:
        """A reservation whose bytes have arrived and that is not completed yet."""
        stored = self._files.get(file_id)
        if stored is None or stored.data is None or stored.completed:
            raise ApiError("file_not_found")
        return stored

    def complete(self, file_id: str, title: str | None) -> StoredFile:
        stored = self.completable(file_id)
        stored.completed = True
        stored.title = title
        self._by_token.pop(stored.upload_token, None)
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def delete(self, file_id: str) -> None:
        """files.delete: a completed file goes, and every reference to it stops working."""
        stored = self._files.get(file_id)
        if stored is None or not stored.completed:
            raise ApiError("file_not_found")
        del self._files[file_id]

    def shows_as_image(self, file_id: str) -> bool:
        """Whether a ``slack_file`` reference to ``file_id`` would render: a completed upload
        (shared or kept private to the app, which posts the blocks) of a png, jpg or gif."""
        stored = self._files.get(file_id)
        return stored is not None and stored.completed and stored.filetype in IMAGE_FILETYPES

    def completed(self) -> list[UploadedFile]:
        """Completed uploads in the order they were reserved."""
        return [
            UploadedFile(
                f.id,
                f.filename,
                f.title if f.title is not None else f.filename,
                f.mimetype,
                f.data or b"",
                tuple(f.channels),
                f.alt_txt,
            )
            for f in self._files.values()
            if f.completed
        ]
