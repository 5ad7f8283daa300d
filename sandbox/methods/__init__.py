"""The Web API methods the sandbox implements, one module per Slack method family.

Each method takes the sandbox's state and the request's arguments and returns what Slack
would send alongside ``"ok": true``, or raises ``ApiError`` with Slack's error code.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.arguments import Args
from sandbox.methods import auth, chat, conversations, files, users, views
from sandbox.records import JsonDict
from sandbox.state import SandboxState

MethodHandler = Callable[[SandboxState, Args], JsonDict]

# Every Web API method the sandbox implements; anything else is ``unknown_method``.
API_METHODS: dict[str, MethodHandler] = {
    "auth.test": auth.auth_test,
    "users.info": users.users_info,
    "users.list": users.users_list,
    "conversations.open": conversations.conversations_open,
    "conversations.members": conversations.conversations_members,
    "conversations.history": conversations.conversations_history,
    "chat.postMessage": chat.chat_post_message,
    "chat.postEphemeral": chat.chat_post_ephemeral,
    "chat.update": chat.chat_update,
    "views.open": views.views_open,
    "views.push": views.views_push,
    "views.update": views.views_update,
    "views.publish": views.views_publish,
    "files.getUploadURLExternal": files.files_get_upload_url_external,
    "files.completeUploadExternal": files.files_complete_upload_external,
    "files.delete": files.files_delete,
}
