"""The /mentor table: each subcommand's words, usage, one-line help, handler and admin flag.

Help is generated from this table, so it cannot drift from what is routed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import clip
from bot.errors import ProgramNotFound, UserFacingError
from bot.help import HelpLine, help_blocks, help_text
from bot.services import Services
from handlers.guard import guarded

log = logging.getLogger(__name__)

COMMAND = "/mentor"


def unescape(text: str) -> str:
    """Slack escapes &, < and > in command text; names are compared as people typed them."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class UsageError(UserFacingError):
    """The subcommand exists but its arguments don't fit; the reply carries the help."""


@dataclass(frozen=True)
class CommandContext:
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    args: str
    client: WebClient
    respond: Respond
    services: Services


Handler = Callable[[CommandContext], None]


@dataclass(frozen=True)
class Subcommand:
    words: tuple[str, ...]
    usage: str
    summary: str
    handler: Handler
    admin: bool
    takes_arguments: bool


class Router:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._table: list[Subcommand] = []
        self.add("help", "", "Show this list.")(self._help)

    def add(
        self, name: str, arguments: str, summary: str, *, admin: bool = False
    ) -> Callable[[Handler], Handler]:
        """Register a handler for ``/mentor <name> <arguments>``."""

        def decorate(handler: Handler) -> Handler:
            words = tuple(name.split())
            usage = f"{COMMAND} {name}" + (f" {arguments}" if arguments else "")
            self._table.append(Subcommand(words, usage, summary, handler, admin, bool(arguments)))
            return handler

        return decorate

    @property
    def subcommands(self) -> list[Subcommand]:
        return list(self._table)

    def route(self, text: str) -> tuple[Subcommand | None, str]:
        """The subcommand whose words start ``text`` (longest wins) and the rest as arguments."""
        words = text.split()
        lowered = [w.casefold() for w in words]
        best: Subcommand | None = None
        for sub in self._table:
            n = len(sub.words)
            if tuple(lowered[:n]) == sub.words and (best is None or n > len(best.words)):
                best = sub
        if best is None:
            return None, text
        return best, " ".join(words[len(best.words) :])

    @property
    def help_lines(self) -> list[HelpLine]:
        return [HelpLine(sub.usage, sub.summary, sub.admin) for sub in self._table]

    def _help(self, ctx: CommandContext) -> None:
        self._help_for(ctx.respond)

    def _explain(self, respond: Respond, lead: str) -> None:
        """A short explanation, then the help: the answer to a command that didn't fit."""
        respond(text=lead, blocks=help_blocks(self.help_lines, lead))

    def _help_for(self, respond: Respond) -> None:
        respond(text=help_text(self.help_lines), blocks=help_blocks(self.help_lines))

    def register(self, app: App) -> None:
        app.command(COMMAND)(self.on_command)

    def on_command(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        # Acknowledge first: the reply goes through response_url, so the 3 s limit never bites.
        ack()
        text = unescape(str(body.get("text") or "")).strip()
        sub, args = self.route(text)
        # Ids and the subcommand's name only: the arguments are the person's words.
        log.debug(
            "%s %s from %s",
            COMMAND,
            " ".join(sub.words) if sub else "(unknown)",
            body.get("user_id"),
        )
        if sub is None:
            if text:
                self._explain(respond, f"I don't know `{COMMAND} {clip(text, 40)}`.")
            else:
                self._help_for(respond)
            return
        ctx = CommandContext(
            team_id=str(body.get("team_id") or ""),
            user_id=str(body.get("user_id") or ""),
            channel_id=str(body.get("channel_id") or ""),
            trigger_id=str(body.get("trigger_id") or ""),
            args=args,
            client=client,
            respond=respond,
            services=self._services,
        )
        with guarded(respond=respond):
            if sub.admin and not self._services.access.is_admin(ctx.team_id, ctx.user_id):
                respond(
                    text=f"`{sub.usage}` is for Sprout admins. Ask a workspace admin, "
                    "or someone listed in SPROUT_ADMINS."
                )
                return
            if args and not sub.takes_arguments:
                self._explain(respond, f"`{sub.usage}` takes nothing after it.")
                return
            try:
                sub.handler(ctx)
            except (UsageError, ProgramNotFound) as error:
                self._explain(respond, error.message)
